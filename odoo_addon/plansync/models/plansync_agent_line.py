# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .. import compat


@compat.table_constraints
class PlansyncAgentLine(models.Model):
    _name = "plansync.agent.line"
    _description = "PlanSync Agent Endpoint Statistics"
    _order = "agent_id, endpoint_id"

    agent_id = fields.Many2one("plansync.agent", required=True, ondelete="cascade", index=True, readonly=True)
    endpoint_id = fields.Many2one("plansync.endpoint", required=True, ondelete="cascade", index=True, readonly=True)
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True)
    delivered = fields.Integer(readonly=True)
    failed = fields.Integer(readonly=True)
    parked = fields.Integer(readonly=True)
    per_minute = fields.Float(readonly=True)
    last_error = fields.Text(readonly=True)
    last_delivery_at = fields.Datetime(readonly=True)
    lag_seconds = fields.Float(readonly=True, help="Age of the oldest pending event, computed by Odoo.")

    _sql_constraints = [
        (
            "agent_endpoint_uniq",
            "unique(agent_id, endpoint_id)",
            "One statistics line per agent and endpoint.",
        ),
    ]
