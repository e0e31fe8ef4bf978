# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What differs between the kinds of an import, one small strategy each.

``RUN_KINDS``: one strategy per run kind of ``import_batch`` (forecast,
proposal): the model and table it fills, the references it prefetches, the
values of one line, what happens before and after the records are created.
``LINE_KINDS``: one strategy per proposal kind (purchase, transfer,
parameter, as ``data/plansync_proposal_kind_data.xml`` declares them): how a
proposal line resolves its kind-specific references, quantity and value, and
which quantities the sanity limits bound.

The strategies hold no state: the ``importer`` (a ``plansync.import``
recordset) is passed in and does the database work. ``plansync.import``
looks a kind up in these mappings and never branches on it.
"""
from odoo import _

from odoo.addons.plansync.tools import show

from .plansync_proposal import OPEN_STATES, STATE_EXCEPTION, STATE_SUPERSEDED


class RunKind:
    """A run kind of import_batch; subclasses override what differs."""

    code = None
    model = None
    table = None
    # the column _check_existing reads beside (external id, revision, id)
    state_column = None

    def prefetch(self, importer, lines, products, context):
        """Add the kind's references to the ``context`` of the batch."""
        return context

    def open_exceptions(self, importer, existing):
        """{record id: its open plansync.exception} of the ``existing``
        records ({external id: {revision: (id, state)}}) that are in exception."""
        return {}

    def vals(self, importer, run, entry, context):
        raise NotImplementedError

    def before_create(self, importer, entries, context):
        """Last changes to the values of the valid lines of the batch."""

    def links(self, record):
        """The keyword arguments of plansync.exception._close naming ``record``."""
        raise NotImplementedError

    def line_kind(self, raw):
        """The line kind of an exception on the raw line ``raw``."""
        return False

    def is_live(self, record):
        """Whether a record just created supersedes lower revisions."""
        raise NotImplementedError

    def retire_lower(self, importer, run, domain, by_external):
        """Retire the records of ``domain`` that are lower revisions of the
        records of ``by_external`` ({external id: record})."""
        raise NotImplementedError

    def after_create(self, importer, run, records):
        """What else the kind does once its records exist."""


class ForecastRun(RunKind):
    code = "forecast"
    model = "plansync.forecast"
    table = "plansync_forecast"
    state_column = "active"

    def vals(self, importer, run, entry, context):
        return importer._forecast_vals(run, entry, context)

    def links(self, record):
        return {"proposal": None, "forecast": record}

    def line_kind(self, raw):
        return "forecast"

    def is_live(self, record):
        return bool(record.active)

    def retire_lower(self, importer, run, domain, by_external):
        lower = importer.env[self.model].search(domain + [("active", "=", True)])
        lower = lower.filtered(lambda r: r.revision < by_external[r.external_id].revision)
        lower._edit().write({"active": False})


class ProposalRun(RunKind):
    code = "proposal"
    model = "plansync.proposal"
    table = "plansync_proposal"
    state_column = "state"

    def prefetch(self, importer, lines, products, context):
        return importer._prefetch_proposal(lines, products, context)

    def open_exceptions(self, importer, existing):
        return importer._open_exceptions_of(
            [rec[0] for revs in existing.values() for rec in revs.values() if rec[1] == STATE_EXCEPTION]
        )

    def vals(self, importer, run, entry, context):
        return importer._proposal_vals(run, entry, context)

    def before_create(self, importer, entries, context):
        importer._apply_rules(entries, context)

    def links(self, record):
        return {"proposal": record, "forecast": None}

    def line_kind(self, raw):
        if isinstance(raw, dict) and raw.get("kind") in LINE_KINDS:
            return raw["kind"]
        return False

    def is_live(self, record):
        return record.state != STATE_SUPERSEDED

    def retire_lower(self, importer, run, domain, by_external):
        lower = importer.env[self.model].search(domain + [("state", "in", OPEN_STATES)])
        lower = lower.filtered(lambda r: r.revision < by_external[r.external_id].revision)
        importer._supersede(
            lower,
            {r.id: by_external[r.external_id] for r in lower},
            lambda newer: _("revision %s") % newer.revision,
        )

    def after_create(self, importer, run, records):
        importer._after_create_proposals(run, records)


class LineKind:
    """A proposal kind; subclasses override what differs."""

    code = None

    def resolve(self, importer, line, context, vals, warehouse, product, uom, quantity, value, convert):
        """Resolve the kind's references into ``vals`` (changed in place).

        :param warehouse, product: the line's, resolved
        :param uom: the unit of the line's quantities
        :param quantity: the proposed quantity in the product's unit
        :param value: the line's value, or False when it sends none
        :param convert: the line's unit -> the product's unit
        :return: ``(quantity, value, notes, business)``: the quantity after
            rounding, the value, rounding notes, and a business failure
            ``(code, message)`` or None
        """
        raise NotImplementedError

    def bounded(self, vals):
        """``[(name, quantity)]`` the sanity limit on quantities applies to."""
        return [("quantity", vals["quantity"])]


class PurchaseLine(LineKind):
    code = "purchase"

    def resolve(self, importer, line, context, vals, warehouse, product, uom, quantity, value, convert):
        company = warehouse.company_id
        notes = []
        vendor, infos, business = importer._vendor_terms(line, context, product, company)
        vals["vendor_id"] = vendor.id if vendor else False
        if infos:
            quantity, notes = importer._round_purchase(quantity, infos, context, product, uom)
            info = importer._price_terms(infos, quantity, product)
            vals["supplierinfo_id"] = info.id
            if value is False:
                value = importer._purchase_value(info, quantity, product, company, context)
        rule = warehouse.buy_pull_id
        if not business and (not rule or not rule.active):
            business = (
                "no_route",
                _("warehouse %s has no active Buy rule to purchase with") % show(line["warehouse"]),
            )
        return quantity, value, notes, business


class TransferLine(LineKind):
    code = "transfer"

    def resolve(self, importer, line, context, vals, warehouse, product, uom, quantity, value, convert):
        business = None
        source = importer._warehouse(line, context, "source_warehouse", "unknown_source_warehouse")
        vals["source_warehouse_id"] = source.id
        route = warehouse.resupply_route_ids.filtered(lambda r: r.active and r.supplier_wh_id == source)[:1]
        vals["route_id"] = route.id
        if not route:
            business = (
                "no_route",
                _("source_warehouse %(src)s does not resupply warehouse %(wh)s " "(no resupply route between them)")
                % {"src": show(line["source_warehouse"]), "wh": show(line["warehouse"])},
            )
        if value is False:
            value = quantity * product.with_company(warehouse.company_id).standard_price
        return quantity, value, [], business


class ParameterLine(LineKind):
    code = "parameter"
    KEYS = ("min_qty", "max_qty", "safety_stock")

    def resolve(self, importer, line, context, vals, warehouse, product, uom, quantity, value, convert):
        parameter = line["parameter"] or {}
        for key in self.KEYS:
            vals["parameter_%s" % key] = convert(parameter.get(key, 0.0))
        if value is False:
            value = 0.0
        return quantity, value, [], None

    def bounded(self, vals):
        return [("parameter.%s" % key, vals["parameter_%s" % key]) for key in self.KEYS]


RUN_KINDS = {kind.code: kind() for kind in (ForecastRun, ProposalRun)}
LINE_KINDS = {kind.code: kind() for kind in (PurchaseLine, TransferLine, ParameterLine)}
