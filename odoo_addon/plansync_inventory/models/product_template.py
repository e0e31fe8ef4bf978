# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def action_plansync_channel_availability(self):
        return self.env["plansync.channel.availability"]._action_open(self.product_variant_ids)
