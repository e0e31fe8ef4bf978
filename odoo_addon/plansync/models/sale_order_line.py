# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture_planning import SALE_LINE_FIELDS


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    def _compute_qty_delivered(self):
        """``qty_delivered`` is a stored compute (sale_stock: from the done
        moves): its recompute, when a delivery or a return is validated, does
        not go through ``write``. Capture the lines whose value changes."""
        capture = self.env["plansync.capture"]
        if not capture._is_subscribed("sale.open_line"):
            return super()._compute_qty_delivered()
        before = capture._stored_values(self, "qty_delivered")
        res = super()._compute_qty_delivered()
        changed = self.filtered(
            lambda line: line.id in before and line.qty_delivered != before[line.id]
        )
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
        entries = self._plansync_unlink_entries()
        res = super().unlink()
        if entries:
            self.env["plansync.capture"]._record_last(entries)
        return res

    def _plansync_unlink_entries(self):
        """A line of a cancelled order may be deleted (with its order, or
        alone) before its closing event is delivered: its last state (open
        quantity 0) is rendered now, to be recorded once the deletion passed,
        for the lines that have a row still to deliver."""
        capture = self.env["plansync.capture"]
        if not self or not capture._is_subscribed("sale.open_line"):
            return []
        undelivered = capture._open_in_outbox("sale.open_line", self._name, set(self.ids))
        lines = self.sudo().filtered(lambda line: line.id in undelivered)
        rendered = self.env["plansync.render"].sudo()._sale_open_line_values(lines)
        return [
            (
                "sale.open_line",
                "sale.order.line",
                line.id,
                line.order_id.warehouse_id.id,
                line.order_id.company_id.id,
                rendered[line.id][0],
                rendered[line.id][1],
            )
            for line in lines
        ]
