# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PlansyncExceptionDismiss(models.TransientModel):
    """Dismiss one or many exceptions with a reason."""

    _name = "plansync.exception.dismiss"
    _description = "PlanSync: Dismiss Exceptions"

    exception_ids = fields.Many2many("plansync.exception", string="Exceptions", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.exception_ids.action_dismiss(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
