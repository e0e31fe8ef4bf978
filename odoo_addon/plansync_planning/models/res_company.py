# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# The embedded planner's cycle service level: below 50% a safety stock is
# negative, at 100% infinite.
SERVICE_LEVEL_MIN = 0.5
SERVICE_LEVEL_MAX = 0.9999
DEFAULT_SERVICE_LEVEL = 0.95


def check_service_level(value, name, allow_zero=False):
    if allow_zero and not value:
        return
    if not SERVICE_LEVEL_MIN <= value <= SERVICE_LEVEL_MAX:
        values = {"name": name, "low": SERVICE_LEVEL_MIN, "high": SERVICE_LEVEL_MAX, "value": value}
        if allow_zero:
            raise ValidationError(_("%(name)s must be 0 (inherit) or from %(low)s to %(high)s, got %(value)r") % values)
        raise ValidationError(_("%(name)s must be from %(low)s to %(high)s, got %(value)r") % values)


class ResCompany(models.Model):
    _inherit = "res.company"

    plansync_default_service_level = fields.Float(
        string="Default service level",
        default=DEFAULT_SERVICE_LEVEL,
        help="Target cycle service level of the products whose category (and its parents) "
        "sets none: the probability of not running out during a replenishment lead time "
        "(0.5 to 0.9999). The embedded planner sizes safety stocks with it.",
    )

    @api.constrains("plansync_default_service_level")
    def _check_plansync_default_service_level(self):
        for company in self:
            check_service_level(company.plansync_default_service_level, "plansync_default_service_level")
