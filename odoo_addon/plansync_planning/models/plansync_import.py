# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The import of planning lines: validation, resolution, creation.

One batch costs a fixed number of queries whatever its size: the lines are
validated in Python, every reference (products by Internal Reference,
warehouses by code, units, vendors, vendor terms, purchase packagings,
resupply routes, approval rules, last approved quantities) is fetched once for
the whole batch, and the valid lines are created with one ``create(vals_list)``
in a savepoint. Only when that fails (a concurrent import of the same lines
hits the unique constraint) is every line created in its own savepoint.
A refused line only ever creates (or updates) its own exception record.
"""
import json
import logging
import math
from collections import defaultdict

import psycopg2

from odoo import _, api, fields, models
from odoo.tools import float_compare, float_round, mute_logger

from odoo.addons.plansync import compat
from .plansync_exception import STATE_DISMISSED, STATE_OPEN, STATE_RESOLVED
from .plansync_import_kinds import LINE_KINDS, RUN_KINDS
from .plansync_import_line import (
    LineError,
    external_id_of,
    revision_of,
    show,
    storable,
    validate,
)
from .plansync_proposal import (
    APPROVED_STATES,
    OPEN_STATES,
    STATE_APPROVED,
    STATE_EXCEPTION,
    STATE_SUPERSEDED,
    STATE_TO_APPROVE,
)

_logger = logging.getLogger(__name__)

IMPORT_CONTEXT = {
    "tracking_disable": True,
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "mail_notrack": True,
}


class Entry:
    """One line on its way through the import."""

    __slots__ = (
        "index",
        "raw",
        "payload",
        "line",
        "status",
        "record_id",
        "code",
        "message",
        "warning",
        "vals",
        "keep",
        "exception_id",
        "business",
        "new_id",
    )

    def __init__(self, index, raw):
        self.index = index
        self.raw = raw
        self.payload = storable(raw)
        self.line = None
        self.status = None  # created, unchanged, superseded, exception
        self.record_id = False
        self.code = None  # refused line: reason code
        self.message = ""
        self.warning = ""
        self.vals = None  # values of the record to create
        self.keep = False  # superseded line kept for the record
        self.exception_id = False
        self.business = None  # (code, message) of a proposal in exception
        self.new_id = False  # the record this import created for the line

    def fail(self, code, message):
        self.status = "exception"
        self.code = code
        self.message = message

    @property
    def pending(self):
        return self.status is None

    @property
    def external_id(self):
        return self.line["external_id"] if self.line else external_id_of(self.raw)

    @property
    def revision(self):
        return self.line["revision"] if self.line else revision_of(self.raw)


class PlansyncImport(models.AbstractModel):
    _name = "plansync.import"
    _description = "PlanSync Import of Planning Lines"

    # ------------------------------------------------------------------
    # entry points
    # ------------------------------------------------------------------

    @api.model
    def _import(self, run, lines, replay=None, rejected=None):
        """Import ``lines`` (dicts) into ``run``; returns the contract's results.

        :param replay: the plansync.exception being replayed (one line)
        :param rejected: {index: (code, message)} of lines the caller refused
        """
        self = self.sudo().with_context(**IMPORT_CONTEXT)
        run = run.with_env(self.env)
        kind = run.kind
        strategy = RUN_KINDS[kind]
        entries = [Entry(index, raw) for index, raw in enumerate(lines)]
        for index, (code, message) in (rejected or {}).items():
            entries[index].fail(code, message)
        for entry in entries:
            if not entry.pending:
                continue  # refused by the caller: its reason stands
            try:
                entry.line = validate(kind, entry.raw)
            except LineError as exc:
                entry.fail(exc.code, exc.message)
        self._check_duplicates(entries)
        self._check_existing(run, entries)
        pending = [e for e in entries if e.pending or e.keep]
        if pending:
            newest = run._newest_other()
            if newest:
                for entry in pending:
                    if entry.pending:
                        entry.fail(
                            "stale_run",
                            _(
                                "run %(run)r (generated %(at)s) is older than run %(newest)r "
                                "(generated %(newest_at)s) of source %(source)r"
                            )
                            % {
                                "run": run.external_ref,
                                "at": fields.Datetime.to_string(run.generated_at),
                                "newest": newest.external_ref,
                                "newest_at": fields.Datetime.to_string(newest.generated_at),
                                "source": run.source,
                            },
                        )
            pending = [e for e in entries if e.pending or e.keep]
        if pending:
            context = self._prefetch(run, [e.line for e in pending])
            for entry in pending:
                try:
                    entry.vals = strategy.vals(self, run, entry, context)
                except (ArithmeticError, ValueError) as exc:
                    # the bounds of plansync_import_line keep numbers and dates
                    # computable; should one still overflow, it fails its own line
                    # only, never the batch
                    _logger.warning("import of line %s of run %s: %r", entry.index, run.id, exc)
                    if entry.keep:
                        entry.keep = False  # superseded anyway: nothing to keep
                    else:
                        entry.fail("invalid", self._uncomputable(entry.raw, exc))
                except LineError as exc:
                    if entry.keep:
                        entry.keep = False  # superseded anyway: nothing to keep
                    else:
                        entry.fail(exc.code, exc.message)
            strategy.before_create(self, [e for e in pending if e.vals], context)
            self._create_records(run, [e for e in pending if e.vals])
        self._write_exceptions(run, entries, replay)
        created = [e for e in entries if e.new_id]
        if created:
            touched = [e.exception_id for e in entries if e.exception_id]
            self._after_create(run, created, touched)
        if replay is not None and entries[0].status != "exception":
            record = self.env[strategy.model].browse(entries[0].record_id)
            replay._close(STATE_RESOLVED, _("Replayed: %s") % entries[0].status, **strategy.links(record))
        results = [self._result(entry) for entry in entries]
        if replay is None:
            run._count_batch(results)
        return results

    @api.model
    def _uncomputable(self, line, exc):
        """The reason of a line whose numbers or dates broke a computation:
        the error and every number and date of the line, by field."""
        fields_ = []
        for key in ("quantity", "lower", "upper", "value", "order_by", "need_by", "period_start"):
            if line.get(key) not in (None, False):
                fields_.append("%s %s" % (key, show(line[key])))
        for key, value in sorted((line.get("parameter") or {}).items()):
            fields_.append("parameter.%s %s" % (key, show(value)))
        return _("the line's numbers cannot be computed (%(error)s): %(fields)s") % {
            "error": "%s: %s" % (type(exc).__name__, exc),
            "fields": ", ".join(fields_) or _("no number"),
        }

    @api.model
    def _revalidate(self, proposals):
        """Business checks of proposals in exception, again, with today's data."""
        self = self.sudo().with_context(**IMPORT_CONTEXT)
        proposals = proposals.with_env(self.env).filtered(lambda p: p.state == STATE_EXCEPTION)
        if not proposals:
            return
        entries = []
        for proposal in proposals:
            entry = Entry(0, proposal.payload)
            try:
                entry.line = validate("proposal", proposal.payload or {})
            except LineError as exc:
                entry.fail(exc.code, exc.message)
            entries.append((proposal, entry))
        context = self._prefetch(proposals.run_id[:1], [e.line for _p, e in entries if e.line])
        passed = []
        for proposal, entry in entries:
            if entry.line:
                try:
                    entry.vals = self._proposal_vals(proposal.run_id, entry, context)
                except LineError as exc:
                    entry.fail(exc.code, exc.message)
            if entry.vals and not entry.business:
                passed.append((proposal, entry))
        self._apply_rules([e for _p, e in passed], context)
        approved = proposals.browse()
        for proposal, entry in entries:
            if entry.vals and not entry.business:
                vals = {
                    key: entry.vals[key]
                    for key in (
                        "vendor_id",
                        "supplierinfo_id",
                        "route_id",
                        "quantity_received",
                        "quantity",
                        "rounding_note",
                        "value",
                        "rule_id",
                        "requires_manager",
                        "state",
                        "decision",
                        "decided_at",
                    )
                    if key in entry.vals
                }
                vals.update({"exception_code": False, "exception_message": False})
                proposal._edit().write(vals)
                proposal.exception_ids._close(STATE_RESOLVED, _("Revalidated"))
                proposal._message_log(
                    body=_("Revalidated by %(user)s: the checks pass (rule: %(rule)s).")
                    % {
                        "user": self.env.user.name,
                        "rule": proposal._rule_label(),
                    }
                )
                if proposal.state == STATE_APPROVED:
                    approved |= proposal
                continue
            code, message = entry.business or (entry.code, entry.message)
            proposal._edit().write({"exception_code": code, "exception_message": message})
            opened = proposal.exception_ids.filtered(lambda x: x.state == STATE_OPEN)
            if opened:
                opened[:1]._edit().write({"code": code, "message": message})
            else:
                self.env["plansync.exception"]._edit().create(
                    self._exception_vals(proposal.run_id, entry, code, message, proposal)
                )
            proposal._message_log(
                body=_("Revalidated by %(user)s: still refused, %(code)s: %(message)s")
                % {"user": self.env.user.name, "code": code, "message": message}
            )
        if approved:
            approved._capture("proposal.decided")
            if approved._execute_on_approval():
                approved._execute(raise_errors=False)

    # ------------------------------------------------------------------
    # steps
    # ------------------------------------------------------------------

    @api.model
    def _check_duplicates(self, entries):
        first = {}
        for entry in entries:
            if not entry.line:
                continue
            external_id = entry.line["external_id"]
            if external_id in first:
                entry.fail(
                    "duplicate_line",
                    _("external_id %(id)s appears more than once in this batch (line %(first)s is imported)")
                    % {"id": show(external_id), "first": first[external_id]},
                )
            else:
                first[external_id] = entry.index

    @api.model
    def _check_existing(self, run, entries):
        """unchanged / superseded from the records of this source."""
        valid = [e for e in entries if e.pending]
        if not valid:
            return
        strategy = RUN_KINDS[run.kind]
        table, state_column = strategy.table, strategy.state_column
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT external_id, revision, id, %s FROM %s WHERE source = %%s AND external_id = ANY(%%s)"
            % (state_column, table),
            (run.source, list({e.line["external_id"] for e in valid})),
        )
        existing = defaultdict(dict)
        for external_id, revision, record_id, state in self.env.cr.fetchall():
            existing[external_id][revision] = (record_id, state)
        exceptions_of = strategy.open_exceptions(self, existing)
        for entry in valid:
            revisions = existing.get(entry.line["external_id"])
            if not revisions:
                continue
            highest = max(revisions)
            revision = entry.line["revision"]
            if revision in revisions:
                # imported before: unchanged (its open exception, if it has one)
                record_id, state = revisions[revision]
                exc = exceptions_of.get(record_id)
                if exc:
                    entry.fail(exc.code, exc.message or "")
                    entry.record_id = record_id
                    entry.exception_id = exc.id
                else:
                    entry.status = "unchanged"
                    entry.record_id = record_id
            elif highest > revision:
                # kept for the record (when it resolves), not actionable
                entry.status = "superseded"
                entry.record_id = revisions[highest][0]
                entry.message = _("revision %(rev)s is superseded by revision %(high)s") % {
                    "rev": revision,
                    "high": highest,
                }
                entry.keep = True

    @api.model
    def _open_exceptions_of(self, proposal_ids):
        """{proposal id: its oldest open exception} of ``proposal_ids``."""
        exceptions_of = {}
        if proposal_ids:
            opened = self.env["plansync.exception"].search(
                [("proposal_id", "in", proposal_ids), ("state", "=", STATE_OPEN)], order="id"
            )
            for exc in opened:
                exceptions_of.setdefault(exc.proposal_id.id, exc)
        return exceptions_of

    @api.model
    def _settings(self):
        settings = self.env["res.config.settings"]._plansync_settings()
        return settings["max_line_quantity"], settings["max_line_value"]

    @api.model
    def _prefetch(self, run, lines):
        """Every reference the lines need, fetched once."""
        env = self.env
        companies = env.user.company_ids
        context = {"today": fields.Date.context_today(self), "rates": {}}
        context["max_quantity"], context["max_value"] = self._settings()
        # warehouses of the caller's companies, by code (its current company first)
        warehouses = env["stock.warehouse"].search([("company_id", "in", companies.ids)], order="id")
        by_code = {}
        for warehouse in warehouses.sorted(lambda w: (w.company_id != env.company, w.id)):
            by_code.setdefault(warehouse.code, warehouse)
        context["warehouses"] = by_code
        # products by Internal Reference
        skus = {line["sku"] for line in lines}
        products = env["product.product"].search(
            [("default_code", "in", list(skus)), ("company_id", "in", [False] + companies.ids)],
            order="id",
        )
        by_sku = defaultdict(list)
        for product in products:
            by_sku[product.default_code].append(product)
        context["products"] = by_sku
        return RUN_KINDS[run.kind].prefetch(self, lines, products, context)

    @api.model
    def _prefetch_proposal(self, lines, products, context):
        """The references of proposal lines: units, vendors, vendor terms,
        packagings, approval rules and last approved quantities."""
        env = self.env
        companies = env.user.company_ids
        # units by name (the user's language and English)
        uoms = env["uom.uom"].search([])
        by_name = {}
        for uom in uoms.with_context(lang="en_US"):
            by_name.setdefault(uom.name, uom)
        for uom in uoms:
            by_name.setdefault(uom.name, uom)
        context["uoms"] = by_name
        # vendors by Reference, then exact name
        names = {line["vendor"] for line in lines if line.get("vendor")}
        vendors_by_ref, vendors_by_name = {}, {}
        if names:
            partners = env["res.partner"].search(
                [
                    "|",
                    ("ref", "in", list(names)),
                    ("name", "in", list(names)),
                    ("company_id", "in", [False] + companies.ids),
                ]
            )
            for partner in partners.sorted(lambda p: (bool(p.parent_id), p.id)):
                if partner.ref in names:
                    vendors_by_ref.setdefault(partner.ref, partner)
                if partner.name in names:
                    vendors_by_name.setdefault(partner.name, partner)
        context["vendors_by_ref"] = vendors_by_ref
        context["vendors_by_name"] = vendors_by_name
        # vendor terms and purchase packagings of the products
        templates = products.product_tmpl_id
        infos = env["product.supplierinfo"].search([("product_tmpl_id", "in", templates.ids)])
        by_template = defaultdict(list)
        for info in infos.sorted(lambda s: (s.sequence, -s.min_qty, s.price, s.id)):
            if info.partner_id.active:
                by_template[info.product_tmpl_id.id].append(info)
        context["infos"] = by_template
        context["packagings"] = compat.purchase_packagings(env, products)
        # approval rules and, when a rule needs them, the last approved quantities
        context["rules"] = env["plansync.approval.rule"]._rules_by_company(companies.ids)
        context["last_quantities"] = {}
        if any(r["change_percent_max"] for rules in context["rules"].values() for r in rules):
            env.flush_all()
            env.cr.execute(
                """
                SELECT DISTINCT ON (product_id, warehouse_id, kind)
                       product_id, warehouse_id, kind, quantity
                  FROM plansync_proposal
                 WHERE product_id = ANY(%s) AND state IN %s
                 ORDER BY product_id, warehouse_id, kind, decided_at DESC NULLS LAST, id DESC
                """,
                (products.ids, APPROVED_STATES),
            )
            context["last_quantities"] = {(p, w, k): q for p, w, k, q in env.cr.fetchall()}
        return context

    # ------------------------------------------------------------------
    # resolution of one line (no query beyond the prefetched records)
    # ------------------------------------------------------------------

    @api.model
    def _warehouse(self, line, context, key="warehouse", code="unknown_warehouse"):
        warehouse = context["warehouses"].get(line[key])
        if not warehouse:
            raise LineError(
                code,
                _("%(key)s %(value)s is not the code of a warehouse of your companies")
                % {"key": key, "value": show(line[key])},
            )
        return warehouse

    @api.model
    def _product(self, line, context, warehouse):
        for product in context["products"].get(line["sku"], ()):
            if not product.company_id or product.company_id == warehouse.company_id:
                return product
        raise LineError(
            "unknown_sku",
            _("sku %(sku)s is not the Internal Reference of a product of %(company)s")
            % {"sku": show(line["sku"]), "company": warehouse.company_id.name},
        )

    @api.model
    def _forecast_vals(self, run, entry, context):
        line = entry.line
        warehouse = self._warehouse(line, context)
        product = self._product(line, context, warehouse)
        limit = context["max_quantity"]
        for key in ("quantity", "upper"):
            if line[key] > limit:
                raise LineError(
                    "out_of_bounds",
                    _("%(key)s %(value)s is above the limit of %(limit)s (settings)")
                    % {"key": key, "value": line[key], "limit": limit},
                )
        return {
            "product_id": product.id,
            "warehouse_id": warehouse.id,
            "period_start": line["period_start"],
            "granularity": line["granularity"],
            "quantity": line["quantity"],
            "lower": line["lower"],
            "upper": line["upper"],
            "run_id": run.id,
            "source": run.source,
            "external_id": line["external_id"],
            "revision": line["revision"],
            "active": not entry.keep,
            "company_id": warehouse.company_id.id,
        }

    @api.model
    def _proposal_vals(self, run, entry, context):
        """Values of the proposal of a line. Unresolvable references raise
        LineError; a failed business check sets ``entry.business`` and the
        proposal is created in state exception."""
        line = entry.line
        warehouse = self._warehouse(line, context)
        product = self._product(line, context, warehouse)
        company = warehouse.company_id
        product_uom = product.uom_id
        # unit of the quantities
        uom = product_uom
        if line["uom"]:
            uom = context["uoms"].get(line["uom"])
            if not uom:
                raise LineError(
                    "unknown_uom",
                    _("uom %s is not the name of a unit of measure") % show(line["uom"]),
                )
            if not compat.same_unit_family(uom, product_uom):
                raise LineError(
                    "uom_incompatible",
                    _("uom %(uom)s (%(cat)s) cannot be converted to %(puom)s, the unit of " "sku %(sku)s (%(pcat)s)")
                    % {
                        "uom": show(line["uom"]),
                        "cat": compat.unit_family(uom).name,
                        "puom": product_uom.name,
                        "sku": show(line["sku"]),
                        "pcat": compat.unit_family(product_uom).name,
                    },
                )

        def convert(quantity):
            if uom == product_uom or not quantity:
                return quantity
            return uom._compute_quantity(quantity, product_uom, rounding_method="HALF-UP")

        quantity_received = convert(line["quantity"])
        quantity = quantity_received
        explanation = line["explanation"]
        vals = {
            "kind": line["kind"],
            "product_id": product.id,
            "warehouse_id": warehouse.id,
            "uom_id": product_uom.id,
            "received_uom_id": uom.id,
            "order_by": line["order_by"],
            "need_by": line["need_by"],
            "currency_id": company.currency_id.id,
            "forecast_over_lead_time": explanation.get("forecast_over_lead_time", 0.0),
            "safety_stock": explanation.get("safety_stock", 0.0),
            "on_hand": explanation.get("on_hand", 0.0),
            "on_order": explanation.get("on_order", 0.0),
            "lead_time_days": explanation.get("lead_time_days", 0.0),
            "service_level": explanation.get("service_level", 0.0),
            "reason": explanation.get("reason", False),
            "demand_class": explanation.get("demand_class", False),
            "forecast_method": explanation.get("method", False),
            "planner_flags": ", ".join(explanation.get("flags", ())) or False,
            "payload": entry.payload,
            "run_id": run.id or False,
            "source": run.source,
            "external_id": line["external_id"],
            "revision": line["revision"],
            "company_id": company.id,
            "categ_path": product.categ_id.parent_path or "",
        }
        quantity, value, notes, business = LINE_KINDS[line["kind"]].resolve(
            self, line, context, vals, warehouse, product, uom, quantity, line["value"], convert
        )
        vals["quantity_received"] = quantity_received
        vals["quantity"] = quantity
        vals["value"] = value
        vals["rounding_note"] = "; ".join(notes) or False
        entry.warning = "; ".join(notes)
        if not business:
            business = self._check_bounds(line, vals, context)
        entry.business = business
        if business:
            vals["state"] = STATE_EXCEPTION
            vals["exception_code"], vals["exception_message"] = business
        return vals

    @api.model
    def _check_bounds(self, line, vals, context):
        max_quantity, max_value = context["max_quantity"], context["max_value"]
        for key, quantity in LINE_KINDS[line["kind"]].bounded(vals):
            if quantity > max_quantity:
                return (
                    "out_of_bounds",
                    _("%(key)s %(value)s is above the limit of %(limit)s (settings)")
                    % {"key": key, "value": quantity, "limit": max_quantity},
                )
        if vals["value"] > max_value:
            return (
                "out_of_bounds",
                _("value %(value)s is above the limit of %(limit)s (settings)")
                % {"value": round(vals["value"], 2), "limit": max_value},
            )
        return None

    @api.model
    def _vendor_terms(self, line, context, product, company):
        """(vendor, its terms for the product, business failure or None)."""
        candidates = [
            info
            for info in context["infos"].get(product.product_tmpl_id.id, ())
            if (not info.product_id or info.product_id == product)
            and (not info.company_id or info.company_id == company)
        ]
        today = context["today"]
        day = max(line["order_by"], today) if line["order_by"] else today
        dated = [
            info
            for info in candidates
            if (not info.date_start or info.date_start <= day) and (not info.date_end or info.date_end >= day)
        ]
        if line["vendor"]:
            vendor = context["vendors_by_ref"].get(line["vendor"]) or context["vendors_by_name"].get(line["vendor"])
            if not vendor:
                raise LineError(
                    "unknown_vendor",
                    _("vendor %s is neither the Reference nor the exact name of a partner") % show(line["vendor"]),
                )
        elif dated:
            vendor = dated[0].partner_id
        else:
            return (
                self.env["res.partner"],
                [],
                (
                    "vendor_without_terms",
                    _("vendor false: sku %s has no vendor with valid terms") % show(line["sku"]),
                ),
            )
        accepted = {vendor, vendor.commercial_partner_id}
        infos = [info for info in dated if info.partner_id in accepted]
        if not infos:
            return (
                vendor,
                [],
                (
                    "vendor_without_terms",
                    _("vendor %(vendor)s has no valid terms (vendor pricelist) for sku %(sku)s")
                    % {"vendor": show(vendor.name), "sku": show(line["sku"])},
                ),
            )
        return vendor, infos, None

    @api.model
    def _round_purchase(self, quantity, infos, context, product, uom):
        """Round up to the vendor's minimum, then to a multiple of the
        product's purchase packaging. Returns (quantity, notes)."""
        product_uom = product.uom_id
        notes = []
        minimum = min(
            compat.line_uom(info)._compute_quantity(info.min_qty, product_uom, round=False)
            if compat.line_uom(info) and compat.line_uom(info) != product_uom
            else info.min_qty
            for info in infos
        )
        if float_compare(quantity, minimum, precision_rounding=product_uom.rounding) < 0:
            rounded = float_round(minimum, precision_rounding=product_uom.rounding, rounding_method="UP")
            notes.append(
                _("rounded up from %(from)s to %(to)s %(uom)s: the vendor's minimum is %(min)s")
                % {"from": quantity, "to": rounded, "uom": product_uom.name, "min": rounded}
            )
            quantity = rounded
        packagings = context["packagings"].get(product.id, [])
        if packagings:
            fits = any(abs(round(quantity / p.qty) * p.qty - quantity) <= product_uom.rounding / 2 for p in packagings)
            if not fits:
                packaging = packagings[0]
                count = math.ceil(round(quantity / packaging.qty, 6))
                rounded = float_round(count * packaging.qty, precision_rounding=product_uom.rounding)
                notes.append(
                    _(
                        "rounded up from %(from)s to %(to)s %(uom)s: a multiple of the "
                        "purchase packaging %(pack)s (%(qty)s)"
                    )
                    % {
                        "from": quantity,
                        "to": rounded,
                        "uom": product_uom.name,
                        "pack": show(packaging.name),
                        "qty": packaging.qty,
                    }
                )
                quantity = rounded
        return quantity, notes

    @api.model
    def _price_terms(self, infos, quantity, product):
        """The vendor's terms that apply to ``quantity``: the best price among
        the lines whose minimum it reaches (Odoo's ``_select_seller`` order)."""
        product_uom = product.uom_id

        def in_seller_uom(info):
            if compat.line_uom(info) and compat.line_uom(info) != product_uom:
                return product_uom._compute_quantity(quantity, compat.line_uom(info), round=False)
            return quantity

        reached = [info for info in infos if float_compare(in_seller_uom(info), info.min_qty, 6) >= 0] or infos
        return min(
            reached,
            key=lambda i: (i.price * (1 - (i.discount or 0.0) / 100.0), i.sequence, i.id),
        )

    @api.model
    def _purchase_value(self, info, quantity, product, company, context):
        product_uom = product.uom_id
        seller_quantity = quantity
        if compat.line_uom(info) and compat.line_uom(info) != product_uom:
            seller_quantity = product_uom._compute_quantity(quantity, compat.line_uom(info), round=False)
        amount = seller_quantity * info.price * (1 - (info.discount or 0.0) / 100.0)
        currency = info.currency_id or company.currency_id
        if currency != company.currency_id:
            key = (currency.id, company.id)
            if key not in context["rates"]:
                context["rates"][key] = currency._get_conversion_rate(
                    currency, company.currency_id, company, context["today"]
                )
            amount *= context["rates"][key]
        return company.currency_id.round(amount)

    @api.model
    def _apply_rules(self, entries, context):
        """State of the new proposals: exception, superseded (kept), or the
        outcome of the first approval rule that matches."""
        Rule = self.env["plansync.approval.rule"]
        now = fields.Datetime.now()
        for entry in entries:
            vals = entry.vals
            categ_path = vals.pop("categ_path", "")
            if entry.keep:
                vals["state"] = STATE_SUPERSEDED
                vals["superseded_by_id"] = entry.record_id
                vals.pop("exception_code", None)
                vals.pop("exception_message", None)
                entry.business = None
                continue
            if entry.business:
                continue
            last = context["last_quantities"].get((vals["product_id"], vals["warehouse_id"], vals["kind"]))
            rule = Rule._match(
                context["rules"].get(vals["company_id"], []),
                vals["kind"],
                vals["value"],
                vals["quantity"],
                last,
                categ_path,
                vals.get("vendor_id") or False,
            )
            vals["rule_id"] = rule["id"] if rule else False
            vals["requires_manager"] = bool(rule and rule["outcome"] == "manager")
            if rule and rule["outcome"] == "auto":
                vals.update({"state": STATE_APPROVED, "decision": "approved", "decided_at": now})
            else:
                vals["state"] = STATE_TO_APPROVE

    # ------------------------------------------------------------------
    # writing
    # ------------------------------------------------------------------

    @api.model
    def _create_records(self, run, entries):
        if not entries:
            return
        Model = self.env[RUN_KINDS[run.kind].model]
        for entry in entries:
            entry.vals.pop("categ_path", None)
        cr = self.env.cr
        try:
            with mute_logger("odoo.sql_db"), cr.savepoint():
                records = Model.create([entry.vals for entry in entries])
            for entry, record in zip(entries, records):
                self._created(entry, record)
            return
        except psycopg2.IntegrityError:
            _logger.info(
                "PlanSync: batch of run %s hit a unique constraint, creating line by line",
                run.display_name,
            )
        self.env.invalidate_all()
        for entry in entries:
            try:
                with mute_logger("odoo.sql_db"), cr.savepoint():
                    record = Model.create(entry.vals)
                self._created(entry, record)
            except psycopg2.IntegrityError:
                # imported meanwhile by a concurrent call: unchanged
                self.env.invalidate_all()
                existing = Model.with_context(active_test=False).search(
                    [
                        ("source", "=", entry.vals["source"]),
                        ("external_id", "=", entry.vals["external_id"]),
                        ("revision", "=", entry.vals["revision"]),
                    ],
                    limit=1,
                )
                entry.status = "unchanged"
                entry.record_id = existing.id
                entry.vals = None

    @api.model
    def _created(self, entry, record):
        entry.new_id = record.id
        if entry.keep:
            return  # status superseded, record_id the higher revision's record
        entry.record_id = record.id
        if entry.business:
            entry.fail(*entry.business)
            entry.record_id = record.id
        else:
            entry.status = "created"

    @api.model
    def _exception_vals(self, run, entry, code, message, proposal=None):
        raw = entry.raw
        line_kind = RUN_KINDS[run.kind].line_kind(raw)
        company = proposal.company_id if proposal else run.company_id
        return {
            "run_id": run.id,
            "kind": run.kind,
            "line_kind": line_kind,
            "source": run.source,
            "external_id": entry.external_id or False,
            "revision": entry.revision,
            "code": code,
            "message": message,
            "payload": entry.payload,
            # as received, but storable (NUL and lone surrogates shown as U+FFFD)
            "sku": storable(str(raw.get("sku")))[:256] if isinstance(raw, dict) and raw.get("sku") else False,
            "warehouse_code": (
                storable(str(raw.get("warehouse")))[:256] if isinstance(raw, dict) and raw.get("warehouse") else False
            ),
            "proposal_id": proposal.id if proposal else False,
            "company_id": company.id,
        }

    @api.model
    def _write_exceptions(self, run, entries, replay):
        """One open exception per refused line: reused when the same line
        (source, kind, external id, revision; a duplicate apart) is refused
        again, so that importing twice creates nothing more."""
        refused = [e for e in entries if e.status == "exception" and not e.exception_id]
        if not refused:
            return
        Exception_ = self.env["plansync.exception"]
        Proposal = self.env["plansync.proposal"]
        if replay is not None:
            entry = refused[0]
            proposal = Proposal.browse(entry.record_id) if entry.business else Proposal
            vals = {"code": entry.code, "message": entry.message, "run_id": run.id}
            if proposal:
                vals["proposal_id"] = proposal.id
            replay._edit().write(vals)
            entry.exception_id = replay.id
            return
        external_ids = {e.external_id for e in refused if e.external_id}
        domain = [
            ("source", "=", run.source),
            ("kind", "=", run.kind),
            ("state", "=", STATE_OPEN),
        ]
        opened = Exception_.search(
            domain
            + [
                "|",
                ("external_id", "in", list(external_ids)),
                "&",
                ("external_id", "=", False),
                ("run_id", "=", run.id),
            ],
            order="id",
        )
        by_key = {}
        for exc in opened:
            key = (exc.external_id or "", exc.revision, exc.code == "duplicate_line")
            if exc.external_id:
                by_key.setdefault(key, exc)
            else:
                by_key.setdefault(key + (json.dumps(exc.payload, sort_keys=True),), exc)
        to_create, keys, fresh = [], [], {}
        for entry in refused:
            key = (entry.external_id, entry.revision, entry.code == "duplicate_line")
            if not entry.external_id:
                key += (json.dumps(entry.payload, sort_keys=True),)
            proposal = Proposal.browse(entry.record_id) if entry.business else Proposal
            if key in fresh:
                fresh[key].append(entry)
                continue
            exc = by_key.get(key)
            if exc:
                vals = {}
                if exc.code != entry.code or exc.message != entry.message:
                    vals.update({"code": entry.code, "message": entry.message})
                if exc.payload != entry.payload:
                    vals["payload"] = entry.payload
                if exc.run_id != run:
                    vals["run_id"] = run.id
                if proposal and exc.proposal_id != proposal:
                    vals["proposal_id"] = proposal.id
                if vals:
                    exc._edit().write(vals)
                entry.exception_id = exc.id
                continue
            to_create.append(entry)
            fresh[key] = []  # lines refused twice in one batch share one record
            keys.append(key)
        if to_create:
            records = Exception_._edit().create(
                [
                    self._exception_vals(
                        run,
                        entry,
                        entry.code,
                        entry.message,
                        Proposal.browse(entry.record_id) if entry.business else None,
                    )
                    for entry in to_create
                ]
            )
            for entry, key, record in zip(to_create, keys, records):
                entry.exception_id = record.id
                for other in fresh[key]:
                    other.exception_id = record.id

    @api.model
    def _after_create(self, run, entries, touched):
        """Resolve the open exceptions of lines now imported, supersede lower
        revisions and older runs, post and capture auto-approvals, execute."""
        kind = run.kind
        strategy = RUN_KINDS[kind]
        Model = self.env[strategy.model]
        records = Model.with_context(active_test=False).browse([e.new_id for e in entries])
        if not records:
            return
        created = [e for e in entries if e.status == "created"]
        # open exceptions of lines that are now imported
        if created:
            external_ids = [e.external_id for e in created]
            opened = self.env["plansync.exception"].search(
                [
                    ("source", "=", run.source),
                    ("kind", "=", kind),
                    ("state", "=", STATE_OPEN),
                    ("external_id", "in", external_ids),
                    ("proposal_id", "=", False),
                    ("code", "!=", "duplicate_line"),
                    ("id", "not in", touched),
                ]
            )
            by_key = defaultdict(lambda: self.env["plansync.exception"])
            for exc in opened:
                by_key[(exc.external_id, exc.revision)] |= exc
            for entry in created:
                matched = by_key.get((entry.external_id, entry.revision))
                if matched:
                    record = Model.browse(entry.record_id)
                    matched._close(
                        STATE_RESOLVED,
                        _("Imported by a later batch of run %s") % run.display_name,
                        **strategy.links(record),
                    )
        # lower revisions of the same external ids
        by_external = {}
        for record in records:
            if strategy.is_live(record):
                by_external[record.external_id] = record
        if by_external:
            domain = [
                ("source", "=", run.source),
                ("external_id", "in", list(by_external)),
                ("id", "not in", records.ids),
            ]
            strategy.retire_lower(self, run, domain, by_external)
        strategy.after_create(self, run, records)

    @api.model
    def _after_create_proposals(self, run, records):
        """Proposals just imported: a newer run supersedes the open proposals
        of older runs; post, capture and execute the auto-approved ones."""
        Model = self.env["plansync.proposal"]
        # a newer run supersedes the open proposals of older runs
        fresh = records.filtered(lambda r: r.state != STATE_SUPERSEDED)
        if fresh and run.id:
            by_triple = {}
            for record in fresh:
                by_triple.setdefault((record.product_id.id, record.warehouse_id.id, record.kind), record)
            older = Model.search(
                [
                    ("source", "=", run.source),
                    ("state", "in", OPEN_STATES),
                    ("product_id", "in", list({t[0] for t in by_triple})),
                    ("warehouse_id", "in", list({t[1] for t in by_triple})),
                    ("run_id", "!=", run.id),
                    ("run_id.generated_at", "<", run.generated_at),
                    ("id", "not in", records.ids),
                ]
            )
            older = older.filtered(lambda r: (r.product_id.id, r.warehouse_id.id, r.kind) in by_triple)
            self._supersede(
                older,
                {r.id: by_triple[(r.product_id.id, r.warehouse_id.id, r.kind)] for r in older},
                lambda newer: _("run %(run)s (proposal %(name)s)")
                % {"run": run.display_name, "name": newer.display_name},
            )
        # auto-approved at import
        approved = fresh.filtered(lambda r: r.state == STATE_APPROVED)
        if approved:
            approved._message_log_batch(
                {rec.id: _("Approved at import by rule %s.") % (rec.rule_id.name or "-") for rec in approved}
            )
            approved._capture("proposal.decided")
            if approved._execute_on_approval():
                approved._execute(raise_errors=False)

    @api.model
    def _supersede(self, proposals, newer_of, describe):
        """Open proposals -> superseded by ``newer_of[id]``, with a chatter note."""
        if not proposals:
            return
        groups = defaultdict(lambda: self.env["plansync.proposal"])
        for proposal in proposals:
            groups[newer_of[proposal.id].id] |= proposal
        for newer_id, group in groups.items():
            group._edit().write({"state": STATE_SUPERSEDED, "superseded_by_id": newer_id})
        proposals.exception_ids._close(STATE_DISMISSED, _("The proposal was superseded."))
        proposals._message_log_batch(
            {proposal.id: _("Superseded by %s.") % describe(newer_of[proposal.id]) for proposal in proposals}
        )

    @api.model
    def _result(self, entry):
        if entry.status == "exception":
            return {
                "external_id": entry.external_id or "",
                "status": "exception",
                "id": entry.exception_id or False,
                "reason": "%s: %s" % (entry.code, entry.message),
            }
        reason = ""
        if entry.status == "created":
            reason = entry.warning or ""
        elif entry.status == "superseded":
            reason = entry.message or ""
        return {
            "external_id": entry.external_id or "",
            "status": entry.status,
            "id": entry.record_id or False,
            "reason": reason,
        }
