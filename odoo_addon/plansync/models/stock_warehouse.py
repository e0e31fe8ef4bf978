# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import WAREHOUSE_FIELDS


class StockWarehouse(models.Model):
    _inherit = "stock.warehouse"

    @api.model_create_multi
    def create(self, vals_list):
        warehouses = super().create(vals_list)
        self.env["plansync.capture"]._capture_changed("warehouse.changed", warehouses)
        return warehouses

    def write(self, vals):
        res = super().write(vals)
        if WAREHOUSE_FIELDS.intersection(vals):
            self.env["plansync.capture"]._capture_changed("warehouse.changed", self)
        return res
