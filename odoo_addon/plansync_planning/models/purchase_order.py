# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .plansync_capture_planning import PURCHASE_ORDER_FIELDS


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    def write(self, vals):
        """Confirmation, locking, cancellation or a new destination change
        every line of the order: fan out to ``purchase.open_line``."""
        return self.env["plansync.capture"]._order_write(
            self, vals, "purchase.open_line", PURCHASE_ORDER_FIELDS, "picking_type_id", super().write
        )

    def unlink(self):
        return self.env["plansync.capture"]._unlink_lines("purchase.open_line", self.order_line, super().unlink)
