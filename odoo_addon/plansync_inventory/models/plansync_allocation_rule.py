# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Channel allocation: how much of the basis figure a sales channel is told
(docs/events.md, ``stock.level``)."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, float_round

# Fields whose change makes a new version of the endpoint's definition.
RULE_FIELDS = (
    "endpoint_id",
    "sequence",
    "product_id",
    "categ_id",
    "share_percent",
    "buffer_qty",
    "floor_qty",
    "ceiling_qty",
    "active",
)


def allocate(base, share_percent, buffer_qty, floor_qty, ceiling_qty, rounding):
    """The figure a channel is told out of ``base``: the share less the
    buffer (never below 0), capped by the ceiling (0 = none), 0 below the
    floor, rounded down to ``rounding``."""
    quantity = max(0.0, base * share_percent / 100.0 - buffer_qty)
    if ceiling_qty > 0:
        quantity = min(quantity, ceiling_qty)
    if float_compare(quantity, floor_qty, precision_rounding=rounding) < 0:
        quantity = 0.0
    # float_round leaves binary noise (3 * 0.1): drop it
    return round(float_round(quantity, precision_rounding=rounding, rounding_method="DOWN"), 10)


def match_rule(rules, product_id, category_path):
    """(rule, scope) for a product, or (False, False).

    :param rules: candidate rules in precedence order (sequence, id)
    :param category_path: the ids of the product's category and its
        ancestors, nearest first
    """
    by_product, by_category, endpoint_wide = {}, {}, False
    for rule in rules:
        if rule.product_id:
            by_product.setdefault(rule.product_id.id, rule)
        elif rule.categ_id:
            by_category.setdefault(rule.categ_id.id, rule)
        elif not endpoint_wide:
            endpoint_wide = rule
    if product_id in by_product:
        return by_product[product_id], "product"
    for categ_id in category_path:
        if categ_id in by_category:
            return by_category[categ_id], "category"
    if endpoint_wide:
        return endpoint_wide, "endpoint"
    return False, False


def check_channel_endpoints(records, what):
    """``what`` (allocation rules, channel mappings) belong to sales channel
    endpoints only."""
    for record in records:
        if record.endpoint_id.kind != "channel":
            raise ValidationError(
                _("endpoint_id: %(what)s are for sales channel endpoints, got %(code)s of kind %(kind)r")
                % {"what": what, "code": record.endpoint_id.code, "kind": record.endpoint_id.kind}
            )


class PlansyncAllocationRule(models.Model):
    _name = "plansync.allocation.rule"
    _description = "PlanSync Channel Allocation Rule"
    _order = "endpoint_id, sequence, id"

    endpoint_id = fields.Many2one("plansync.endpoint", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one(
        "product.product",
        ondelete="cascade",
        help="The rule applies to this product only.",
    )
    categ_id = fields.Many2one(
        "product.category",
        string="Product category",
        ondelete="cascade",
        help="The rule applies to this category and its children, unless a rule "
        "on the product or on a nearer category applies.",
    )
    share_percent = fields.Float(string="Share (%)", default=100.0, help="Share of the basis figure offered.")
    buffer_qty = fields.Float(string="Buffer", default=0.0, help="Held back from the share.")
    floor_qty = fields.Float(
        string="Floor",
        default=0.0,
        help="Below this quantity the channel is told 0 (protects the last units).",
    )
    ceiling_qty = fields.Float(string="Ceiling", default=0.0, help="Never offer more. 0 means no ceiling.")
    active = fields.Boolean(default=True)
    scope = fields.Selection(
        [("product", "Product"), ("category", "Category"), ("endpoint", "Endpoint")],
        compute="_compute_scope",
    )

    @api.depends("product_id", "categ_id")
    def _compute_scope(self):
        for rule in self:
            if rule.product_id:
                rule.scope = "product"
            elif rule.categ_id:
                rule.scope = "category"
            else:
                rule.scope = "endpoint"

    @api.constrains("share_percent", "buffer_qty", "floor_qty", "ceiling_qty")
    def _check_quantities(self):
        for rule in self:
            if not 0.0 <= rule.share_percent <= 100.0:
                raise ValidationError(_("share_percent must be from 0 to 100, got %r") % (rule.share_percent,))
            for fname in ("buffer_qty", "floor_qty", "ceiling_qty"):
                if rule[fname] < 0:
                    raise ValidationError(
                        _("%(field)s must be 0 or more, got %(value)r") % {"field": fname, "value": rule[fname]}
                    )
            if rule.ceiling_qty and rule.floor_qty > rule.ceiling_qty:
                raise ValidationError(
                    _(
                        "floor_qty must not exceed ceiling_qty (the channel would always "
                        "be told 0), got floor_qty %(floor)r and ceiling_qty %(ceiling)r"
                    )
                    % {"floor": rule.floor_qty, "ceiling": rule.ceiling_qty}
                )

    @api.constrains("product_id", "categ_id")
    def _check_scope(self):
        for rule in self:
            if rule.product_id and rule.categ_id:
                raise ValidationError(
                    _(
                        "A rule applies to a product or to a category, not both, got "
                        "product_id %(product)r and categ_id %(categ)r"
                    )
                    % {
                        "product": rule.product_id.display_name,
                        "categ": rule.categ_id.display_name,
                    }
                )

    @api.constrains("endpoint_id")
    def _check_endpoint_kind(self):
        check_channel_endpoints(self, _("allocation rules"))

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        rules.endpoint_id._bump_availability_version()
        return rules

    def write(self, vals):
        if not any(fname in vals for fname in RULE_FIELDS):
            return super().write(vals)
        before = {rule.id: rule._rule_snapshot() for rule in self}
        res = super().write(vals)
        endpoint_ids = set()
        for rule in self:
            if rule._rule_snapshot() != before[rule.id]:
                # the endpoint it left (index 0) and the one it is on
                endpoint_ids.update((before[rule.id][0], rule.endpoint_id.id))
        self.env["plansync.endpoint"].browse(endpoint_ids)._bump_availability_version()
        return res

    def unlink(self):
        endpoints = self.endpoint_id
        res = super().unlink()
        endpoints._bump_availability_version()
        return res

    def _rule_snapshot(self):
        self.ensure_one()
        return tuple(
            self[fname].id if fname in ("endpoint_id", "product_id", "categ_id") else self[fname]
            for fname in RULE_FIELDS
        )

    def _allocation(self, scope):
        """The ``allocation`` of a stock.level payload."""
        self.ensure_one()
        return {
            "rule_id": self.id,
            "scope": scope,
            "share_percent": float(self.share_percent),
            "buffer_qty": float(self.buffer_qty),
            "floor_qty": float(self.floor_qty),
            "ceiling_qty": float(self.ceiling_qty),
        }
