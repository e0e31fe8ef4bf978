# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.plansync import compat


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    # the line's unit under one name for the discrepancy views (product_uom / product_uom_id);
    # plansync_planning declares the same field for its own views
    plansync_uom_id = fields.Many2one("uom.uom", string="Line unit (PlanSync)", related=compat.LINE_UOM)
