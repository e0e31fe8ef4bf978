# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Approval rules (docs/planning.md): ordered per company; the first rule whose
conditions all hold decides the outcome of a proposal; none: a planner."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

OUTCOME_AUTO = "auto"
OUTCOME_PLANNER = "planner"
OUTCOME_MANAGER = "manager"
OUTCOMES = [
    (OUTCOME_AUTO, "Approve automatically"),
    (OUTCOME_PLANNER, "A planner approves"),
    (OUTCOME_MANAGER, "A manager approves"),
]


class PlansyncApprovalRule(models.Model):
    _name = "plansync.approval.rule"
    _description = "PlanSync Approval Rule"
    _order = "sequence, id"

    sequence = fields.Integer(default=10)
    name = fields.Char(required=True, translate=True)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one("res.company", required=True, index=True, default=lambda self: self.env.company)
    kind_ids = fields.Many2many(
        "plansync.proposal.kind",
        string="Proposal kinds",
        help="The rule applies to these kinds of proposal; none: to every kind.",
    )
    value_min = fields.Monetary(
        string="Value from",
        currency_field="currency_id",
        help="The rule applies when the proposal's value is at least this (0: no lower bound).",
    )
    value_max = fields.Monetary(
        string="Value to",
        currency_field="currency_id",
        help="The rule applies when the proposal's value is at most this (0: no upper bound).",
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    change_percent_max = fields.Float(
        string="Max change (%)",
        help="The rule applies when the quantity differs by at most this percentage from the "
        "last approved (or executed) proposal of the same product, warehouse and kind. "
        "0: not checked. When set and there is no earlier approved proposal, the rule "
        "does not apply.",
    )
    categ_ids = fields.Many2many(
        "product.category",
        string="Product categories",
        help="The rule applies to products of these categories or their sub-categories; " "none: to every product.",
    )
    vendor_ids = fields.Many2many(
        "res.partner",
        string="Vendors",
        help="The rule applies to purchase proposals of these vendors; none: to every proposal.",
    )
    outcome = fields.Selection(OUTCOMES, required=True, default=OUTCOME_PLANNER)

    @api.constrains("value_min", "value_max", "change_percent_max")
    def _check_bounds(self):
        for rule in self:
            if rule.value_min < 0 or rule.value_max < 0 or rule.change_percent_max < 0:
                raise ValidationError(_("Values and percentages of a rule cannot be negative."))
            if rule.value_max and float_compare(rule.value_max, rule.value_min, 2) < 0:
                raise ValidationError(
                    _("Value to (%(max)s) must not be lower than value from (%(min)s).")
                    % {"max": rule.value_max, "min": rule.value_min}
                )

    # ------------------------------------------------------------------
    # matching
    # ------------------------------------------------------------------

    @api.model
    def _rules_by_company(self, company_ids):
        """{company_id: [rule data]} of the active rules, in order; plain data
        so that a whole batch is matched without further queries."""
        rules = self.sudo().search([("company_id", "in", list(company_ids))])
        result = {}
        for rule in rules:
            result.setdefault(rule.company_id.id, []).append(
                {
                    "id": rule.id,
                    "name": rule.name,
                    "kinds": frozenset(rule.kind_ids.mapped("code")),
                    "value_min": rule.value_min,
                    "value_max": rule.value_max,
                    "change_percent_max": rule.change_percent_max,
                    "categ_ids": frozenset(rule.categ_ids.ids),
                    "vendor_ids": frozenset(rule.vendor_ids.ids),
                    "outcome": rule.outcome,
                }
            )
        return result

    @api.model
    def _match(self, rules, kind, value, quantity, last_quantity, categ_path, vendor_id):
        """The first rule (data of ``_rules_by_company``) whose conditions all
        hold, or None.

        :param categ_path: the product category's parent_path ("1/4/9/")
        :param last_quantity: last approved quantity, or None when there is none
        """
        categ_ids = {int(c) for c in (categ_path or "").split("/") if c}
        for rule in rules:
            if rule["kinds"] and kind not in rule["kinds"]:
                continue
            if rule["value_min"] and value < rule["value_min"]:
                continue
            if rule["value_max"] and value > rule["value_max"]:
                continue
            if rule["categ_ids"] and not rule["categ_ids"] & categ_ids:
                continue
            if rule["vendor_ids"] and vendor_id not in rule["vendor_ids"]:
                continue
            if rule["change_percent_max"]:
                if not last_quantity:
                    continue
                change = abs(quantity - last_quantity) / last_quantity * 100.0
                if change > rule["change_percent_max"] + 1e-9:
                    continue
            return rule
        return None
