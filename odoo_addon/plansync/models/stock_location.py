# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import LOCATION_FIELDS


class StockLocation(models.Model):
    _inherit = "stock.location"

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        self.env["plansync.capture"]._capture_changed("location.changed", locations)
        return locations

    def write(self, vals):
        res = super().write(vals)
        if LOCATION_FIELDS.intersection(vals):
            capture = self.env["plansync.capture"]
            if capture._is_subscribed("location.changed"):
                locations = self
                if {"name", "location_id"}.intersection(vals):
                    # the full name of every child changes too
                    locations = (
                        self.sudo()
                        .with_context(active_test=False)
                        .search([("id", "child_of", self.ids)])
                    )
                capture._capture_changed("location.changed", locations)
        return res
