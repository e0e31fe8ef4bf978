# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .plansync_capture_planning import PURCHASE_CONFIRMED, PURCHASE_ORDER_FIELDS


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def write(self, vals):
        """Confirmation, locking, cancellation or a new destination change
        every line of the order: fan out to ``purchase.open_line``."""
        capture = self.env["plansync.capture"]
        if not PURCHASE_ORDER_FIELDS.intersection(vals) or not capture._is_subscribed(
            "purchase.open_line"
        ):
            return super().write(vals)
        confirmed = self.filtered(lambda order: order.state in PURCHASE_CONFIRMED)
        if "picking_type_id" in vals and confirmed:
            # the warehouse it leaves hears of it too
            capture._capture_purchase_lines(
                confirmed.order_line,
                warehouses={
                    order.id: order.picking_type_id.warehouse_id.id for order in confirmed
                },
            )
        res = super().write(vals)
        orders = confirmed | self.filtered(lambda order: order.state in PURCHASE_CONFIRMED)
        capture._capture_purchase_lines(orders.order_line, states=None)
        return res

    def unlink(self):
        # the database deletes the lines (ondelete cascade), not their unlink()
        entries = self.order_line._plansync_unlink_entries()
        res = super().unlink()
        if entries:
            self.env["plansync.capture"]._record_last(entries)
        return res
