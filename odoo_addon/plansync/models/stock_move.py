# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from .plansync_capture import MOVE_FIELDS, PICKING_MOVE_FIELDS

LOCATION_FIELDS = ("location_id", "location_dest_id")


class StockMove(models.Model):
    _inherit = "stock.move"

    @api.model_create_multi
    def create(self, vals_list):
        moves = super().create(vals_list)
        capture = self.env["plansync.capture"]
        capture._capture_stock(moves, LOCATION_FIELDS)
        capture._capture_pickings(moves.picking_id)
        return moves

    def write(self, vals):
        capture = self.env["plansync.capture"]
        # picking.changed: the picking a move leaves as well
        pickings = self.picking_id if "picking_id" in vals else self.env["stock.picking"]
        if not MOVE_FIELDS.intersection(vals) or not capture._is_subscribed("stock.level"):
            res = super().write(vals)
        else:
            if {"location_id", "location_dest_id", "product_id"}.intersection(vals):
                capture._capture_stock(self, LOCATION_FIELDS)  # before the change
            res = super().write(vals)
            capture._capture_stock(self, LOCATION_FIELDS)
        if PICKING_MOVE_FIELDS.intersection(vals):
            capture._capture_pickings(pickings | self.picking_id)
        return res

    def unlink(self):
        capture = self.env["plansync.capture"]
        capture._capture_stock(self, LOCATION_FIELDS)
        pickings = self.picking_id
        res = super().unlink()
        capture._capture_pickings(pickings.exists())
        return res
