# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .plansync_capture_planning import SALE_CONFIRMED, SALE_ORDER_FIELDS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def write(self, vals):
        """Confirmation, cancellation, a new commitment date or warehouse
        change every line of the order: fan out to ``sale.open_line``."""
        capture = self.env["plansync.capture"]
        if not SALE_ORDER_FIELDS.intersection(vals) or not capture._is_subscribed(
            "sale.open_line"
        ):
            return super().write(vals)
        confirmed = self.filtered(lambda order: order.state in SALE_CONFIRMED)
        if "warehouse_id" in vals and confirmed:
            # the warehouse it leaves hears of it too
            capture._capture_sale_lines(
                confirmed.order_line,
                warehouses={order.id: order.warehouse_id.id for order in confirmed},
            )
        res = super().write(vals)
        # confirmed before (now cancelled) or after (now confirmed)
        orders = confirmed | self.filtered(lambda order: order.state in SALE_CONFIRMED)
        capture._capture_sale_lines(orders.order_line, states=None)
        return res

    def unlink(self):
        # the database deletes the lines (ondelete cascade), not their unlink()
        entries = self.order_line._plansync_unlink_entries()
        res = super().unlink()
        if entries:
            self.env["plansync.capture"]._record_last(entries)
        return res
