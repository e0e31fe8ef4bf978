# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.plansync import compat
from .plansync_capture_planning import SALE_LINE_FIELDS


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # the line's unit under one name for PlanSync's views (product_uom / product_uom_id)
    plansync_uom_id = fields.Many2one("uom.uom", string="Line unit (PlanSync)", related=compat.LINE_UOM)

    def _compute_qty_delivered(self):
        """``qty_delivered`` is a stored compute (sale_stock: from the done
        moves): its recompute, when a delivery or a return is validated, does
        not go through ``write``. Capture the lines whose value changes."""
        capture = self.env["plansync.capture"]
        if not capture._is_subscribed("sale.open_line"):
            return super()._compute_qty_delivered()
        before = capture._stored_values(self, "qty_delivered")
        res = super()._compute_qty_delivered()
        changed = self.filtered(lambda line: line.id in before and line.qty_delivered != before[line.id])
        capture._capture_sale_lines(changed)
        return res

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        self.env["plansync.capture"]._capture_sale_lines(lines)
        return lines

    def write(self, vals):
        res = super().write(vals)
        if SALE_LINE_FIELDS.intersection(vals):
            self.env["plansync.capture"]._capture_sale_lines(self)
        return res

    def unlink(self):
        return self.env["plansync.capture"]._unlink_lines("sale.open_line", self, super().unlink)
