# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PlansyncDiscrepancyIgnore(models.TransientModel):
    """Ignore one or many discrepancies with a reason."""

    _name = "plansync.discrepancy.ignore"
    _description = "PlanSync: Ignore Discrepancies"

    discrepancy_ids = fields.Many2many("plansync.discrepancy", string="Discrepancies", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.discrepancy_ids.action_ignore(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
