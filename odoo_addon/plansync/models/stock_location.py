# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import LOCATION_FIELDS

# A change of these moves stock between warehouses or in or out of the counted locations.
LEVEL_FIELDS = frozenset(["location_id", "usage", "active"])


class StockLocation(models.Model):
    _inherit = "stock.location"

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        self.env["plansync.capture"]._capture_changed("location.changed", locations)
        return locations

    def write(self, vals):
        capture = self.env["plansync.capture"]
        levels = bool(LEVEL_FIELDS.intersection(vals)) and capture._is_subscribed("stock.level")
        if levels:
            self._plansync_capture_levels()  # as counted before the change
        res = super().write(vals)
        if levels:
            self._plansync_capture_levels()
        if LOCATION_FIELDS.intersection(vals) and capture._is_subscribed("location.changed"):
            locations = self
            if {"name", "location_id"}.intersection(vals):
                # the full name of every child changes too
                locations = self.sudo().with_context(active_test=False).search([("id", "child_of", self.ids)])
            capture._capture_changed("location.changed", locations)
        return res

    def _plansync_capture_levels(self):
        """stock.level of the products stored in, or moving to or from, these
        locations and their children."""
        if not self:
            return
        capture = self.env["plansync.capture"]
        domain = [("location_id", "child_of", self.ids)]
        capture._capture_stock(
            self.env["stock.quant"].sudo().with_context(active_test=False).search(domain),
            ("location_id",),
        )
        capture._capture_stock(
            self.env["stock.move"]
            .sudo()
            .search(
                [
                    ("state", "not in", ("draft", "done", "cancel")),
                    "|",
                    ("location_id", "child_of", self.ids),
                    ("location_dest_id", "child_of", self.ids),
                ]
            ),
            ("location_id", "location_dest_id"),
        )
