# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from odoo.addons.plansync import compat


@compat.table_constraints
class PlansyncEndpoint(models.Model):
    """Tolerances of the reconciliation of WMS and channel endpoints: a
    difference is within tolerance when |other - odoo| <= max(qty, percent/100 * |odoo|)."""

    _inherit = "plansync.endpoint"

    reconcile_tolerance_qty = fields.Float(
        string="Tolerance (quantity)",
        default=0.0,
        tracking=True,
        digits="Product Unit of Measure",
        help="Differences up to this quantity (product unit) are not discrepancies.",
    )
    reconcile_tolerance_percent = fields.Float(
        string="Tolerance (%)",
        default=0.0,
        tracking=True,
        help="Differences up to this share of Odoo's quantity are not discrepancies.",
    )

    _sql_constraints = [
        (
            "reconcile_tolerance_positive",
            "CHECK(reconcile_tolerance_qty >= 0 AND reconcile_tolerance_percent >= 0)",
            "Reconciliation tolerances cannot be negative.",
        ),
    ]
