# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PlansyncWmsMessageDismiss(models.TransientModel):
    """Dismiss one or many WMS messages in exception with a reason."""

    _name = "plansync.wms.message.dismiss"
    _description = "PlanSync: Dismiss WMS Messages"

    message_ids = fields.Many2many("plansync.wms.message", string="Messages", required=True)
    reason = fields.Text(required=True)

    def action_confirm(self):
        self.ensure_one()
        self.message_ids.action_dismiss(reason=self.reason)
        return {"type": "ir.actions.act_window_close"}
