# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .res_company import check_service_level


class ProductCategory(models.Model):
    _inherit = "product.category"

    plansync_service_level = fields.Float(
        string="Service level",
        default=0.0,
        help="Target cycle service level of the category's products for the embedded "
        "planner (0.5 to 0.9999). 0: the parent category's, else the company's default "
        "(Inventory settings, PlanSync).",
    )

    @api.constrains("plansync_service_level")
    def _check_plansync_service_level(self):
        for category in self:
            check_service_level(category.plansync_service_level, "plansync_service_level", allow_zero=True)

    def _plansync_service_levels(self):
        """{category id: service level}: the category's own level, else its
        nearest parent's, else 0.0 (the caller applies the company's default)."""
        chains = {
            category.id: [int(part) for part in (category.parent_path or "").split("/") if part] for category in self
        }
        ancestors = self.browse(sorted({i for chain in chains.values() for i in chain}))
        levels = {category.id: category.plansync_service_level for category in ancestors}
        return {
            category_id: next((levels[i] for i in reversed(chain) if levels.get(i)), 0.0)
            for category_id, chain in chains.items()
        }
