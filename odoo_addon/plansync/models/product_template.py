# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import PRODUCT_FIELDS


class ProductTemplate(models.Model):
    _inherit = "product.template"

    @api.model_create_multi
    def create(self, vals_list):
        templates = super().create(vals_list)
        templates._plansync_capture_variants()
        return templates

    def write(self, vals):
        res = super().write(vals)
        if PRODUCT_FIELDS.intersection(vals):
            self._plansync_capture_variants()
        return res

    def unlink(self):
        # variants go with their template through ON DELETE CASCADE
        variants = self.with_context(active_test=False).product_variant_ids.exists()
        self.env["plansync.capture"]._capture_deleted("product.deleted", variants)
        return super().unlink()

    def _plansync_capture_variants(self):
        capture = self.env["plansync.capture"]
        if self and capture._is_subscribed("product.changed"):
            variants = self.with_context(active_test=False).sudo().product_variant_ids
            capture._capture_changed("product.changed", variants)
