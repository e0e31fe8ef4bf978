# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def write(self, vals):
        capture = self.env["plansync.capture"]
        # demand.line: _action_done writes {"state": "done", "date": now} on
        # the moves it validates (Odoo 17, stock.move._action_done)
        demand = self.browse()
        if vals.get("state") == "done" and capture._is_subscribed("demand.line"):
            demand = self.filtered(lambda move: move.state != "done")
        res = super().write(vals)
        capture._capture_demand(demand)
        return res
