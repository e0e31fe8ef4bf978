# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import SUPPLIERINFO_FIELDS


class ProductSupplierinfo(models.Model):
    _inherit = "product.supplierinfo"

    @api.model_create_multi
    def create(self, vals_list):
        infos = super().create(vals_list)
        self.env["plansync.capture"]._capture_changed("vendor_terms.changed", infos)
        return infos

    def write(self, vals):
        res = super().write(vals)
        if SUPPLIERINFO_FIELDS.intersection(vals):
            self.env["plansync.capture"]._capture_changed("vendor_terms.changed", self)
        return res

    def unlink(self):
        self.env["plansync.capture"]._capture_deleted("vendor_terms.deleted", self)
        return super().unlink()
