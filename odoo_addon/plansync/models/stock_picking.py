# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

from .plansync_capture import PICKING_FIELDS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    # A picking's state is computed from its moves: state changes and line
    # changes are captured by stock.move (stock_move.py); here, its header.
    def write(self, vals):
        res = super().write(vals)
        if PICKING_FIELDS.intersection(vals):
            self.env["plansync.capture"]._capture_pickings(self)
        return res
