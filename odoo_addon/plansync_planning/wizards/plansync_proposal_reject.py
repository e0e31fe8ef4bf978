# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PlansyncProposalReject(models.TransientModel):
    """Reject (or cancel) one or many proposals with a note."""

    _name = "plansync.proposal.reject"
    _description = "PlanSync: Reject Proposals"

    proposal_ids = fields.Many2many("plansync.proposal", string="Proposals", required=True)
    mode = fields.Selection([("reject", "Reject"), ("cancel", "Cancel")], required=True, default="reject")
    note = fields.Text(required=True, help="Why: shown in the chatter and sent back to the planning platform.")

    def action_confirm(self):
        self.ensure_one()
        if self.mode == "cancel":
            self.proposal_ids.action_cancel(note=self.note)
        else:
            self.proposal_ids.action_reject(note=self.note)
        return {"type": "ir.actions.act_window_close"}
