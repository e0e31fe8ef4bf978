# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from odoo.addons.plansync import compat

GRANULARITIES = [("week", "Week"), ("month", "Month")]


@compat.table_constraints
class PlansyncForecast(models.Model):
    """One forecast figure of the planning platform: a product's demand in a
    warehouse for one week or month. A higher revision of the same external
    id archives the lower one (kept for the record)."""

    _name = "plansync.forecast"
    _inherit = ["plansync.guarded"]
    _description = "PlanSync Forecast"
    _order = "period_start, product_id, warehouse_id, id"

    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True, ondelete="cascade")
    categ_id = fields.Many2one(related="product_id.categ_id", string="Product Category", store=True)
    warehouse_id = fields.Many2one("stock.warehouse", required=True, readonly=True, index=True, ondelete="cascade")
    period_start = fields.Date(required=True, readonly=True, index=True)
    granularity = fields.Selection(GRANULARITIES, required=True, readonly=True)
    quantity = fields.Float(readonly=True, digits="Product Unit of Measure")
    lower = fields.Float(
        readonly=True,
        digits="Product Unit of Measure",
        help="Lower bound of the forecast; the quantity when the platform sent none.",
    )
    upper = fields.Float(
        readonly=True,
        digits="Product Unit of Measure",
        help="Upper bound of the forecast; the quantity when the platform sent none.",
    )
    uom_id = fields.Many2one(related="product_id.uom_id", string="Unit")
    run_id = fields.Many2one("plansync.run", readonly=True, index="btree_not_null", ondelete="cascade")
    source = fields.Char(required=True, readonly=True, index=True)
    external_id = fields.Char(required=True, readonly=True, index=True)
    revision = fields.Integer(required=True, readonly=True, default=1, **compat.NOT_AGGREGATED)
    active = fields.Boolean(default=True, readonly=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )

    _sql_constraints = [
        (
            "external_uniq",
            "unique(source, external_id, revision)",
            "A forecast of this source, external id and revision exists already.",
        ),
    ]

    _protected_fields = frozenset(
        [
            "product_id",
            "warehouse_id",
            "period_start",
            "granularity",
            "quantity",
            "lower",
            "upper",
            "run_id",
            "source",
            "external_id",
            "revision",
            "active",
            "company_id",
        ]
    )

    @api.depends("source", "external_id", "revision")
    def _compute_display_name(self):
        for rec in self:
            name = "%s:%s" % (rec.source or "", rec.external_id or "")
            if rec.revision and rec.revision > 1:
                name += " r%s" % rec.revision
            rec.display_name = name
