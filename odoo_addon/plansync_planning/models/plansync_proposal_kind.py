# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.plansync import compat


@compat.table_constraints
class PlansyncProposalKind(models.Model):
    """The three kinds of proposal, as records, so that an approval rule can
    name any of them (many2many tags)."""

    _name = "plansync.proposal.kind"
    _description = "PlanSync Proposal Kind"
    _order = "sequence, id"

    code = fields.Selection(
        [("purchase", "Purchase"), ("transfer", "Transfer"), ("parameter", "Parameter")],
        required=True,
    )
    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "There is one record per proposal kind."),
    ]
