# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.plansync import compat
from .plansync_capture_planning import PURCHASE_CONFIRMED, PURCHASE_LINE_FIELDS


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    # the line's unit under one name for PlanSync's views (product_uom / product_uom_id)
    plansync_uom_id = fields.Many2one("uom.uom", string="Line unit (PlanSync)", related=compat.LINE_UOM)

    plansync_first_date_planned = fields.Datetime(
        string="First promised date",
        compute="_compute_plansync_first_date_planned",
        store=True,
        readonly=True,
        copy=False,
        help="The expected arrival the line had when its order was confirmed "
        "(PlanSync: first_promised_date and slip_days of purchase.open_line).",
    )

    @api.depends("state", "date_planned")
    def _compute_plansync_first_date_planned(self):
        for line in self:
            first = line.plansync_first_date_planned
            if not first and line.state in PURCHASE_CONFIRMED:
                first = line.date_planned
            line.plansync_first_date_planned = first

    def _compute_qty_received(self):
        """``qty_received`` is a stored compute (purchase_stock: from the done
        moves): its recompute does not go through ``write``."""
        capture = self.env["plansync.capture"]
        if not capture._is_subscribed("purchase.open_line"):
            return super()._compute_qty_received()
        before = capture._stored_values(self, "qty_received")
        res = super()._compute_qty_received()
        capture._capture_purchase_lines(
            self.filtered(lambda line: line.id in before and line.qty_received != before[line.id])
        )
        return res

    def _compute_price_unit_and_date_planned_and_name(self):
        """Odoo recomputes ``date_planned`` of a line (vendor lead time) when
        its quantity or unit changes, confirmed or not, without ``write``."""
        capture = self.env["plansync.capture"]
        if not capture._is_subscribed("purchase.open_line", "purchase.date_slipped"):
            return super()._compute_price_unit_and_date_planned_and_name()
        before = capture._stored_values(self, "date_planned")
        res = super()._compute_price_unit_and_date_planned_and_name()
        changed = self.filtered(lambda line: line.id in before and line.date_planned != before[line.id])
        capture._capture_purchase_lines(changed)
        capture._capture_slips(changed, before)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["plansync.capture"]._capture_purchase_lines(lines)
        return lines

    def write(self, vals):
        capture = self.env["plansync.capture"]
        if not PURCHASE_LINE_FIELDS.intersection(vals):
            return super().write(vals)
        previous = {}
        if "date_planned" in vals and capture._is_subscribed("purchase.date_slipped"):
            previous = {line.id: line.date_planned for line in self}
        res = super().write(vals)
        capture._capture_purchase_lines(self)
        if previous:
            capture._capture_slips(self, previous)
        return res

    def unlink(self):
        return self.env["plansync.capture"]._unlink_lines("purchase.open_line", self, super().unlink)
