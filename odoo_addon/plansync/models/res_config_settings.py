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

    @api.constrains(*["plansync_%s" % key for key in SETTINGS])
    def _check_plansync_settings(self):
        self._check_plansync_ranges(SETTINGS)
        for rec in self:
            if rec.plansync_backoff_max_seconds < rec.plansync_backoff_base_seconds:
                raise ValidationError(
                    _("backoff_max_seconds (%(max)s) must not be lower than " "backoff_base_seconds (%(base)s)")
                    % {
                        "max": rec.plansync_backoff_max_seconds,
                        "base": rec.plansync_backoff_base_seconds,
                    }
                )

    def _check_plansync_ranges(self, specs):
        """Every setting of ``specs`` ({key: (type, default, low, high)}) in range."""
        for rec in self:
            for key, (_type, _default, low, high) in specs.items():
                value = rec["plansync_%s" % key]
                if not low <= value <= high:
                    raise ValidationError(
                        _("%(key)s must be from %(low)s to %(high)s, got %(value)r")
                        % {"key": key, "low": low, "high": high, "value": value}
                    )

    @api.model
    def _plansync_setting_specs(self):
        """{key: (type, default, low, high)} of the settings stored as
        ``plansync.<key>`` system parameters; feature modules add theirs."""
        return dict(SETTINGS)

    @api.model
    def _plansync_settings(self):
        """All PlanSync settings, read with safe defaults.

        A missing, unparsable or out-of-range system parameter falls back to
        its default, so that a bad manual edit cannot stop the outbox.
        """
        params = self.env["ir.config_parameter"].sudo()
        result = {}
        for key, (kind, default, low, high) in self._plansync_setting_specs().items():
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
