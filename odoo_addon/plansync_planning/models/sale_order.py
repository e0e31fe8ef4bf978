# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .plansync_capture_planning import SALE_ORDER_FIELDS


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def write(self, vals):
        """Confirmation, cancellation, a new commitment date or warehouse
        change every line of the order: fan out to ``sale.open_line``."""
        return self.env["plansync.capture"]._order_write(
            self, vals, "sale.open_line", SALE_ORDER_FIELDS, "warehouse_id", super().write
        )

    def unlink(self):
        return self.env["plansync.capture"]._unlink_lines("sale.open_line", self.order_line, super().unlink)
