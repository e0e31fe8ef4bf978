# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

# key (without the "plansync." prefix): (type, default, minimum, maximum)
PLANNING_SETTINGS = {
    "max_line_quantity": (float, 1000000.0, 1.0, 1e15),
    "max_line_value": (float, 10000000.0, 1.0, 1e15),
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    plansync_max_line_quantity = fields.Float(
        string="Max quantity per line",
        config_parameter="plansync.max_line_quantity",
        default=1000000.0,
        help="Imported forecast and proposal lines above this quantity are exceptions " "(out_of_bounds).",
    )
    plansync_max_line_value = fields.Float(
        string="Max value per line",
        config_parameter="plansync.max_line_value",
        default=10000000.0,
        help="Imported proposal lines above this value (company currency) are exceptions " "(out_of_bounds).",
    )
    # Stored as "True"/"False" (not as a boolean parameter, which Odoo deletes
    # when unchecked): an absent parameter means the default, True.
    plansync_execute_on_approval = fields.Boolean(
        string="Execute on approval",
        default=True,
        help="Approving a proposal executes it at once (purchase, transfer or reordering "
        "rule); otherwise approved proposals wait for the Execute button.",
    )

    plansync_default_service_level = fields.Float(
        related="company_id.plansync_default_service_level",
        readonly=False,
        help="Target cycle service level of the company's products whose category sets "
        "none (0.5 to 0.9999): the embedded planner's input (planning_snapshot).",
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        res["plansync_execute_on_approval"] = self.env["plansync.proposal"]._execute_on_approval()
        return res

    def set_values(self):
        super().set_values()
        self.env["ir.config_parameter"].sudo().set_param(
            "plansync.execute_on_approval", "True" if self.plansync_execute_on_approval else "False"
        )

    @api.constrains(*["plansync_%s" % key for key in PLANNING_SETTINGS])
    def _check_plansync_planning_settings(self):
        self._check_plansync_ranges(PLANNING_SETTINGS)

    @api.model
    def _plansync_setting_specs(self):
        specs = super()._plansync_setting_specs()
        specs.update(PLANNING_SETTINGS)
        return specs
