# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class ProductProduct(models.Model):
    _inherit = "product.product"

    def action_plansync_channel_availability(self):
        return self.env["plansync.channel.availability"]._action_open(self)
