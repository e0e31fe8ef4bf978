# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

# key (without the "plansync." prefix): (type, default, minimum, maximum)
SETTINGS = {
    "batch_size": (int, 100, 1, 1000),
    "lease_seconds": (int, 60, 1, 3600),
    "max_attempts": (int, 8, 1, 1000),
    "retention_days": (int, 7, 1, 3650),
    "backoff_base_seconds": (int, 10, 1, 86400),
    "backoff_max_seconds": (int, 3600, 1, 7 * 86400),
    "heartbeat_seconds": (int, 30, 1, 3600),
    "poll_seconds": (float, 1.0, 0.05, 3600.0),
    "agent_silent_after_seconds": (int, 120, 1, 86400),
    "max_line_quantity": (float, 1000000.0, 1.0, 1e15),
    "max_line_value": (float, 10000000.0, 1.0, 1e15),
}


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    plansync_batch_size = fields.Integer(
        string="Claim batch size",
        config_parameter="plansync.batch_size",
        default=100,
        help="How many events the agent claims per call (1 to 1000).",
    )
    plansync_lease_seconds = fields.Integer(
        string="Lease (seconds)",
        config_parameter="plansync.lease_seconds",
        default=60,
        help="How long claimed events stay reserved for one agent (1 to 3600).",
    )
    plansync_max_attempts = fields.Integer(
        string="Max attempts",
        config_parameter="plansync.max_attempts",
        default=8,
        help="Attempts after which an event becomes a dead letter.",
    )
    plansync_retention_days = fields.Integer(
        string="Keep delivered events (days)",
        config_parameter="plansync.retention_days",
        default=7,
    )
    plansync_backoff_base_seconds = fields.Integer(
        string="Backoff base (seconds)",
        config_parameter="plansync.backoff_base_seconds",
        default=10,
    )
    plansync_backoff_max_seconds = fields.Integer(
        string="Backoff max (seconds)",
        config_parameter="plansync.backoff_max_seconds",
        default=3600,
    )
    plansync_heartbeat_seconds = fields.Integer(
        string="Agent heartbeat (seconds)",
        config_parameter="plansync.heartbeat_seconds",
        default=30,
    )
    plansync_poll_seconds = fields.Float(
        string="Agent poll interval (seconds)",
        config_parameter="plansync.poll_seconds",
        default=1.0,
    )
    plansync_agent_silent_after_seconds = fields.Integer(
        string="Agent silent after (seconds)",
        config_parameter="plansync.agent_silent_after_seconds",
        default=120,
    )
    plansync_max_line_quantity = fields.Float(
        string="Max quantity per line",
        config_parameter="plansync.max_line_quantity",
        default=1000000.0,
        help="Imported forecast and proposal lines above this quantity are exceptions "
        "(out_of_bounds).",
    )
    plansync_max_line_value = fields.Float(
        string="Max value per line",
        config_parameter="plansync.max_line_value",
        default=10000000.0,
        help="Imported proposal lines above this value (company currency) are exceptions "
        "(out_of_bounds).",
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

    @api.constrains(*["plansync_%s" % key for key in SETTINGS])
    def _check_plansync_settings(self):
        for rec in self:
            for key, (_type, _default, low, high) in SETTINGS.items():
                value = rec["plansync_%s" % key]
                if not low <= value <= high:
                    raise ValidationError(
                        _("%(key)s must be from %(low)s to %(high)s, got %(value)r")
                        % {"key": key, "low": low, "high": high, "value": value}
                    )
            if rec.plansync_backoff_max_seconds < rec.plansync_backoff_base_seconds:
                raise ValidationError(
                    _(
                        "backoff_max_seconds (%(max)s) must not be lower than "
                        "backoff_base_seconds (%(base)s)"
                    )
                    % {
                        "max": rec.plansync_backoff_max_seconds,
                        "base": rec.plansync_backoff_base_seconds,
                    }
                )

    @api.model
    def _plansync_settings(self):
        """All PlanSync settings, read with safe defaults.

        A missing, unparsable or out-of-range system parameter falls back to
        its default, so that a bad manual edit cannot stop the outbox.
        """
        params = self.env["ir.config_parameter"].sudo()
        result = {}
        for key, (kind, default, low, high) in SETTINGS.items():
            raw = params.get_param("plansync.%s" % key)
            try:
                value = kind(float(raw)) if kind is int else kind(raw)
            except (TypeError, ValueError):
                value = default
            if not low <= value <= high:
                value = default
            result[key] = value
        if result["backoff_max_seconds"] < result["backoff_base_seconds"]:
            result["backoff_max_seconds"] = result["backoff_base_seconds"]
        return result
