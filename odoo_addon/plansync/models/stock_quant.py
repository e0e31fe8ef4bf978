# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import QUANT_FIELDS

LOCATION_FIELDS = ("location_id",)


class StockQuant(models.Model):
    _inherit = "stock.quant"

    @api.model_create_multi
    def create(self, vals_list):
        quants = super().create(vals_list)
        self.env["plansync.capture"]._capture_stock(quants, LOCATION_FIELDS)
        return quants

    def write(self, vals):
        capture = self.env["plansync.capture"]
        if not QUANT_FIELDS.intersection(vals) or not capture._is_subscribed("stock.level"):
            return super().write(vals)
        if {"location_id", "product_id"}.intersection(vals):
            capture._capture_stock(self, LOCATION_FIELDS)  # where it leaves
        res = super().write(vals)
        capture._capture_stock(self, LOCATION_FIELDS)
        return res

    def unlink(self):
        self.env["plansync.capture"]._capture_stock(self, LOCATION_FIELDS)
        return super().unlink()
