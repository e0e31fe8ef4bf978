# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import PRODUCT_FIELDS


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model_create_multi
    def create(self, vals_list):
        products = super().create(vals_list)
        self.env["plansync.capture"]._capture_changed("product.changed", products)
        return products

    def write(self, vals):
        res = super().write(vals)
        if PRODUCT_FIELDS.intersection(vals):
            self.env["plansync.capture"]._capture_changed("product.changed", self)
        return res

    def unlink(self):
        self.env["plansync.capture"]._capture_deleted("product.deleted", self)
        return super().unlink()
