# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .. import compat
from .plansync_capture import PRODUCT_FIELDS


class ProductTemplate(models.Model):
    _inherit = "product.template"

    # views test this instead of a version's own field (detailed_type / is_storable)
    plansync_storable = fields.Boolean(string="Storable (PlanSync)", compute="_compute_plansync_storable")

    @api.depends(compat.STORABLE_FIELD)
    def _compute_plansync_storable(self):
        for template in self:
            template.plansync_storable = compat.is_storable(template)

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
