# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Differences between Odoo's quantities and a WMS's or a channel's, beyond the
endpoint's tolerance (docs/contract.md, section 4).

At most one open (or investigating) discrepancy per (endpoint, product,
location or warehouse): reconciling again updates it, a difference back
within tolerance resolves it. A manager decides: Accept (the WMS count becomes
Odoo's quantity through an inventory adjustment; for a channel, the stock
level is sent again), Ignore with a reason, or Investigate.
"""
from odoo import SUPERUSER_ID, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round

from odoo.addons.plansync.tools import MAX_MAGNITUDE, bounded_number, is_text, show
from odoo.addons.plansync import compat

MAX_ITEMS = 5000
MAX_CODE_LENGTH = 256  # an Internal Reference longer than this matches no product

KINDS = [("wms", "WMS"), ("channel", "Sales channel")]
STATE_OPEN = "open"
STATE_INVESTIGATING = "investigating"
STATE_ACCEPTED = "accepted"
STATE_IGNORED = "ignored"
STATE_RESOLVED = "resolved"
STATES = [
    (STATE_OPEN, "Open"),
    (STATE_INVESTIGATING, "Investigating"),
    (STATE_ACCEPTED, "Accepted"),
    (STATE_IGNORED, "Ignored"),
    (STATE_RESOLVED, "Resolved"),
]
OPEN_STATES = (STATE_OPEN, STATE_INVESTIGATING)


def within_tolerance(endpoint, odoo_qty, other_qty, rounding):
    """|other - odoo| <= max(tol_qty, tol_percent/100 * |odoo|)."""
    allowed = max(
        endpoint.reconcile_tolerance_qty or 0.0,
        (endpoint.reconcile_tolerance_percent or 0.0) / 100.0 * abs(odoo_qty),
    )
    return float_compare(abs(other_qty - odoo_qty), allowed, precision_rounding=rounding) <= 0


class PlansyncDiscrepancy(models.Model):
    _name = "plansync.discrepancy"
    _description = "PlanSync Stock Discrepancy"
    _inherit = ["mail.thread", "mail.activity.mixin", "plansync.guarded"]
    _order = "first_seen desc, id desc"

    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    endpoint_id = fields.Many2one("plansync.endpoint", required=True, readonly=True, index=True, ondelete="cascade")
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True, index=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    odoo_qty = fields.Float(string="Odoo", readonly=True, digits="Product Unit of Measure")
    other_qty = fields.Float(
        string="WMS / channel",
        readonly=True,
        digits="Product Unit of Measure",
        help="The WMS's count or the quantity last sent to the channel.",
    )
    difference = fields.Float(readonly=True, digits="Product Unit of Measure", help="WMS / channel - Odoo.")
    first_seen = fields.Datetime(string="Since", readonly=True)
    last_seen = fields.Datetime(readonly=True)
    message_id = fields.Many2one(
        "plansync.wms.message",
        string="Last balance message",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
    )
    state = fields.Selection(STATES, default=STATE_OPEN, readonly=True, required=True, index=True, copy=False)
    ignore_reason = fields.Text(readonly=True)
    decided_by = fields.Many2one("res.users", readonly=True)
    decided_at = fields.Datetime(readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True, ondelete="cascade")
    at_risk_line_ids = fields.Many2many("sale.order.line", compute="_compute_at_risk", string="At-risk sale lines")
    at_risk_count = fields.Integer(compute="_compute_at_risk", string="At-risk lines")
    at_risk_qty = fields.Float(compute="_compute_at_risk", string="At-risk quantity", digits="Product Unit of Measure")
    can_decide = fields.Boolean(compute="_compute_can_decide")

    _protected_fields = frozenset(
        [
            "kind",
            "endpoint_id",
            "product_id",
            "warehouse_id",
            "location_id",
            "uom_id",
            "odoo_qty",
            "other_qty",
            "difference",
            "first_seen",
            "last_seen",
            "message_id",
            "state",
            "ignore_reason",
            "decided_by",
            "decided_at",
            "company_id",
        ]
    )

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS plansync_discrepancy_open_uniq
                ON plansync_discrepancy (endpoint_id, product_id, COALESCE(location_id, 0),
                                         warehouse_id)
             WHERE state IN ('open', 'investigating')
            """
        )

    def _compute_at_risk(self):
        """Open sale lines of the product delivered from the warehouse with a
        quantity left to deliver."""
        Line = self.env["sale.order.line"].sudo()
        for rec in self:
            lines = Line.browse()
            if rec.product_id and rec.warehouse_id:
                lines = Line.search(
                    [
                        ("product_id", "=", rec.product_id.id),
                        ("order_id.warehouse_id", "=", rec.warehouse_id.id),
                        ("state", "=", "sale"),
                    ]
                ).filtered(
                    lambda l: float_compare(
                        l.qty_delivered,
                        l.product_uom_qty,
                        precision_rounding=compat.line_uom(l).rounding,
                    )
                    < 0
                )
            rec.at_risk_line_ids = lines
            rec.at_risk_count = len(lines)
            rec.at_risk_qty = sum(
                compat.line_uom(l)._compute_quantity(
                    l.product_uom_qty - l.qty_delivered, l.product_id.uom_id, round=False
                )
                for l in lines
            )

    @api.depends("state")
    @api.depends_context("uid")
    def _compute_can_decide(self):
        manager = self.env.user.has_group("plansync.group_plansync_manager")
        for rec in self:
            rec.can_decide = manager and rec.state in OPEN_STATES

    @api.depends("product_id", "location_id", "warehouse_id", "endpoint_id")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = "%s: %s @ %s" % (
                rec.endpoint_id.code or "",
                rec.product_id.default_code or rec.product_id.name or "",
                rec.location_id.complete_name or rec.warehouse_id.code or "",
            )

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------

    def action_accept(self):
        """WMS: Odoo's quant at the location becomes the WMS count. Channel:
        the stock level is sent to the channel again."""
        self._check_decide()
        for rec in self:
            if rec.kind == "wms":
                rec._accept_wms()
            else:
                rec._accept_channel()
        return True

    def action_ignore(self, reason=False):
        self._check_decide()
        if not reason or not str(reason).strip():
            return {
                "type": "ir.actions.act_window",
                "res_model": "plansync.discrepancy.ignore",
                "view_mode": "form",
                "target": "new",
                "context": {"default_discrepancy_ids": self.ids},
            }
        self._decide(
            STATE_IGNORED,
            _("Ignored by %(user)s: %(reason)s") % {"user": self.env.user.name, "reason": reason},
            ignore_reason=reason,
        )
        return True

    def action_investigate(self):
        self._check_decide()
        if any(rec.state != STATE_OPEN for rec in self):
            raise UserError(_("Only open discrepancies can be put under investigation."))
        self._decide(STATE_INVESTIGATING, _("Under investigation by %s.") % self.env.user.name)
        for rec in self:
            rec.sudo().activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Investigate stock discrepancy"),
                note=_("%(name)s: Odoo %(odoo)s, %(kind)s %(other)s")
                % {
                    "name": rec.display_name,
                    "odoo": rec.odoo_qty,
                    "kind": rec.endpoint_id.code,
                    "other": rec.other_qty,
                },
                user_id=self.env.uid,
            )
        return True

    # ------------------------------------------------------------------
    # the contract
    # ------------------------------------------------------------------

    @api.model
    def report_channel(self, endpoint, items):
        """Compare what was last sent to a channel with its current figure
        (docs/contract.md). Returns {"checked", "within_tolerance", "opened",
        "updated", "resolved"}."""
        record = self.env["plansync.outbox"]._called_endpoint(
            "plansync.discrepancy.report_channel", endpoint, "channel"
        )
        if not isinstance(items, (list, tuple)) or len(items) > MAX_ITEMS:
            raise ValidationError(
                _("items must be a list of at most %(max)s objects, got %(value)s")
                % {"max": MAX_ITEMS, "value": show(items)}
            )
        return self.sudo()._report_channel(record, items)

    # ------------------------------------------------------------------
    # internals
    # ------------------------------------------------------------------

    def _check_decide(self):
        if not self.env.su and not self.env.user.has_group("plansync.group_plansync_manager"):
            raise AccessError(_("Only PlanSync managers may decide discrepancies."))
        compat.check_access(self, "write")
        if any(rec.state not in OPEN_STATES for rec in self):
            raise UserError(_("Only open discrepancies or those under investigation can be decided."))

    def _decide(self, state, note, **vals):
        vals.update(state=state, decided_by=self.env.uid, decided_at=fields.Datetime.now())
        self._edit().write(vals)
        for rec in self:
            rec._message_log(body=note)

    def _current_odoo_qty(self):
        self.ensure_one()
        groups = (
            self.env["stock.quant"]
            .sudo()
            ._read_group(
                [("product_id", "=", self.product_id.id), ("location_id", "=", self.location_id.id)],
                [],
                ["quantity:sum"],
            )
        )
        return groups[0][0] or 0.0 if groups else 0.0

    def _accept_wms(self):
        self.ensure_one()
        product = self.product_id
        rounding = product.uom_id.rounding
        if product.tracking != "none":
            raise UserError(
                _("%(product)s is tracked by %(tracking)s: adjust it per lot in Inventory.")
                % {"product": product.display_name, "tracking": product.tracking}
            )
        current = self._current_odoo_qty()
        if float_compare(current, self.odoo_qty, precision_rounding=rounding):
            raise UserError(
                _(
                    "Odoo's quantity of %(product)s at %(location)s is now %(now)s, it was "
                    "%(then)s when the WMS count was reconciled: reconcile again before accepting."
                )
                % {
                    "product": product.display_name,
                    "location": self.location_id.complete_name,
                    "now": current,
                    "then": self.odoo_qty,
                }
            )
        name = _("PlanSync: WMS count accepted (%(endpoint)s, discrepancy %(id)s)") % {
            "endpoint": self.endpoint_id.code,
            "id": self.id,
        }
        # Odoo lets only stock managers apply inventory: the decision is the
        # PlanSync manager's, the adjustment runs as superuser for this quant only.
        Quant = (
            self.env["stock.quant"]
            .with_user(SUPERUSER_ID)
            .with_company(self.company_id)
            .with_context(inventory_mode=True, inventory_name=name)
        )
        quant = Quant._gather(product, self.location_id, strict=True)[:1]
        target = float_round(
            (quant.quantity if quant else 0.0) + self.other_qty - self.odoo_qty,
            precision_rounding=rounding,
        )
        if float_compare(target, 0.0, precision_rounding=rounding) < 0:
            raise UserError(
                _("The WMS count %(count)s is below what packages or owners hold at %(location)s.")
                % {"count": self.other_qty, "location": self.location_id.complete_name}
            )
        quant = Quant.create(
            {
                "product_id": product.id,
                "location_id": self.location_id.id,
                "inventory_quantity": target,
                "user_id": self.env.uid,
            }
        )
        action = quant.action_apply_inventory()
        if isinstance(action, dict):
            raise UserError(_("Odoo asks for a decision on this adjustment: %s") % action.get("name"))
        moves = (
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("product_id", "=", product.id),
                    ("is_inventory", "=", True),
                    (compat.INVENTORY_MOVE_NAME, "=", name),
                ],
                order="id desc",
                limit=1,
            )
        )
        self._decide(
            STATE_ACCEPTED,
            _(
                "Accepted by %(user)s: Odoo's quantity at %(location)s set from %(then)s to "
                "%(count)s (stock move %(move)s)."
            )
            % {
                "user": self.env.user.name,
                "location": self.location_id.complete_name,
                "then": self.odoo_qty,
                "count": self.other_qty,
                "move": moves.id or "-",
            },
        )

    def _accept_channel(self):
        self.ensure_one()
        now = fields.Datetime.now()
        row = (
            self.env["plansync.outbox"]
            ._edit()
            .create(
                {
                    "event_type": "stock.level",
                    "endpoint_id": self.endpoint_id.id,
                    "aggregate_model": "product.product",
                    "aggregate_id": self.product_id.id,
                    "warehouse_id": self.warehouse_id.id,
                    "company_id": self.warehouse_id.company_id.id,
                    "occurred_at": now,
                    "next_attempt_at": now,
                    "state": "pending",
                }
            )
        )
        self._decide(
            STATE_ACCEPTED,
            _("Accepted by %(user)s: the stock level is sent to the channel again (outbox event %(row)s).")
            % {"user": self.env.user.name, "row": row.id},
        )

    @api.model
    def _reconcile(self, endpoint, kind, warehouse, entries, message=False):
        """Open, update or resolve discrepancies.

        :param entries: [(product, location or False, odoo_qty, other_qty)] in
            the product's unit
        :return: {"opened", "updated", "resolved", "within_tolerance"}
        """
        counts = {"opened": 0, "updated": 0, "resolved": 0, "within_tolerance": 0}
        if not entries:
            return counts
        now = fields.Datetime.now()
        opened = self.search(
            [
                ("endpoint_id", "=", endpoint.id),
                ("kind", "=", kind),
                ("warehouse_id", "=", warehouse.id),
                ("product_id", "in", list({e[0].id for e in entries})),
                ("state", "in", OPEN_STATES),
            ]
        )
        by_key = {(d.product_id.id, d.location_id.id or False): d for d in opened}
        create = []
        for product, location, odoo_qty, other_qty in entries:
            rounding = product.uom_id.rounding or 0.01
            odoo_qty = float_round(odoo_qty, precision_rounding=rounding)
            other_qty = float_round(other_qty, precision_rounding=rounding)
            existing = by_key.get((product.id, location.id if location else False))
            if within_tolerance(endpoint, odoo_qty, other_qty, rounding):
                counts["within_tolerance"] += 1
                if existing:
                    existing._edit().write(
                        {
                            "state": STATE_RESOLVED,
                            "odoo_qty": odoo_qty,
                            "other_qty": other_qty,
                            "difference": float_round(other_qty - odoo_qty, precision_rounding=rounding),
                            "last_seen": now,
                            "message_id": message.id if message else existing.message_id.id,
                        }
                    )
                    existing._message_log(
                        body=_("Resolved: back within tolerance (%(kind)s %(other)s, Odoo %(odoo)s).")
                        % {"kind": endpoint.code, "other": other_qty, "odoo": odoo_qty}
                    )
                    counts["resolved"] += 1
                continue
            vals = {
                "odoo_qty": odoo_qty,
                "other_qty": other_qty,
                "difference": float_round(other_qty - odoo_qty, precision_rounding=rounding),
                "last_seen": now,
            }
            if message:
                vals["message_id"] = message.id
            if existing:
                changed = float_compare(existing.odoo_qty, odoo_qty, precision_rounding=rounding) or (
                    float_compare(existing.other_qty, other_qty, precision_rounding=rounding)
                )
                existing._edit().write(vals)
                if changed:
                    existing._message_log(
                        body=_("Updated: %(kind)s %(other)s, Odoo %(odoo)s.")
                        % {"kind": endpoint.code, "other": other_qty, "odoo": odoo_qty}
                    )
                counts["updated"] += 1
                continue
            vals.update(
                kind=kind,
                endpoint_id=endpoint.id,
                product_id=product.id,
                warehouse_id=warehouse.id,
                location_id=location.id if location else False,
                uom_id=product.uom_id.id,
                first_seen=now,
                company_id=endpoint.company_id.id,
            )
            create.append(vals)
        if create:
            records = self._edit().with_context(mail_create_nolog=True).create(create)
            # create() caches the x2many fields of new records as empty
            records.invalidate_recordset(["at_risk_line_ids"])
            for rec in records:
                rec._message_log(
                    body=_("Opened: %(kind)s %(other)s, Odoo %(odoo)s, difference %(diff)s.")
                    % {
                        "kind": endpoint.code,
                        "other": rec.other_qty,
                        "odoo": rec.odoo_qty,
                        "diff": rec.difference,
                    }
                )
            counts["opened"] += len(records)
        return counts

    @api.model
    def _report_channel(self, endpoint, items):
        """Current ``available`` of each (product, warehouse) vs what was sent."""
        Product = self.env["product.product"].with_context(active_test=False)
        warehouses = endpoint.warehouse_ids or self.env["stock.warehouse"].search(
            [("company_id", "=", endpoint.company_id.id)]
        )
        parsed = {}  # (product, warehouse): sent; the last item of a pair counts
        for index, item in enumerate(items):
            field = "items[%s]" % index
            if not isinstance(item, dict):
                raise ValidationError(
                    _("%(field)s must be an object, got %(value)s") % {"field": field, "value": show(item)}
                )
            sku, code, sent = item.get("sku"), item.get("warehouse"), item.get("sent")
            product = (
                Product.search(
                    [("default_code", "=", sku), ("company_id", "in", [False, endpoint.company_id.id])],
                    limit=1,
                )
                if isinstance(sku, str) and 0 < len(sku) <= MAX_CODE_LENGTH and is_text(sku)
                else Product.browse()
            )
            if not product:
                raise ValidationError(
                    _("%(field)s.sku must be the Internal Reference of a product of %(company)s, got %(value)s")
                    % {"field": field, "company": endpoint.company_id.name, "value": show(sku)}
                )
            # compared in Python, never sent to SQL: any string is safe here
            warehouse = warehouses.filtered(lambda w: w.code == code)[:1] if isinstance(code, str) else False
            if not warehouse:
                raise ValidationError(
                    _("%(field)s.warehouse must be the code of a warehouse of endpoint %(code)s, got %(value)s")
                    % {"field": field, "code": endpoint.code, "value": show(code)}
                )
            if not bounded_number(sent):
                raise ValidationError(
                    _("%(field)s.sent must be a finite number of at most %(max)g, got %(value)s")
                    % {"field": field, "max": MAX_MAGNITUDE, "value": show(sent)}
                )
            sent_at = item.get("sent_at")
            if sent_at is not None and sent_at is not False and not isinstance(sent_at, str):
                raise ValidationError(
                    _("%(field)s.sent_at must be an ISO 8601 time, got %(value)s")
                    % {"field": field, "value": show(sent_at)}
                )
            parsed[(product, warehouse)] = float(sent)
        parsed = [(p, w, sent) for (p, w), sent in parsed.items()]
        heads = [
            {"id": index, "wh": warehouse.id, "aggregate_id": product.id}
            for index, (product, warehouse, _sent) in enumerate(parsed)
        ]
        render = (
            self.env["plansync.render"]
            .sudo()
            .with_company(endpoint.company_id)
            .with_context(active_test=False, lang="en_US")
        )
        rendered = render._render_stock_level(endpoint, heads, fields.Datetime.now()) if heads else {}
        counts = {"checked": 0, "within_tolerance": 0, "opened": 0, "updated": 0, "resolved": 0}
        by_warehouse = {}
        for index, (product, warehouse, sent) in enumerate(parsed):
            result = rendered.get(index)
            if not isinstance(result, tuple):
                raise ValidationError(
                    _("items[%(index)s]: no stock level for %(sku)s: %(error)s")
                    % {"index": index, "sku": product.default_code, "error": result}
                )
            by_warehouse.setdefault(warehouse, []).append((product, False, result[1]["available"], sent))
        for warehouse, entries in by_warehouse.items():
            for key, value in self._reconcile(endpoint, "channel", warehouse, entries).items():
                counts[key] += value
            counts["checked"] += len(entries)
        return counts
