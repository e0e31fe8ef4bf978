# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import datetime, timedelta, timezone

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.modules.module import get_manifest

from ..tools import check_str, iso_time
from .. import compat

MODES = [("run", "Run"), ("once", "Once"), ("check", "Check")]
STATUSES = [("alive", "Alive"), ("silent", "Silent")]
# the groups the heartbeat reports (user.groups): PlanSync's, and Internal User,
# which the integration user should not have (docs/security.md): plansync check
# warns on any group beside PlanSync / Integration
GROUPS = (
    "plansync.group_plansync_user",
    "plansync.group_plansync_manager",
    "plansync.group_plansync_integration",
    "base.group_user",
)
ISO_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
MAX_INT = 2**31 - 1


def _invalid(name, rule, value):
    return ValidationError(_("%(name)s must be %(rule)s, got %(value)r") % {"name": name, "rule": rule, "value": value})


def _count(name, value):
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_INT:
        raise _invalid(name, _("an integer from 0 to %s") % MAX_INT, value)
    return value


def _time(name, value):
    """An ISO 8601 time (or False) -> naive UTC datetime (or False)."""
    if value is False or value is None or value == "":
        return False
    if not isinstance(value, str) or not ISO_RE.match(value):
        raise _invalid(name, _("an ISO 8601 time YYYY-MM-DDTHH:MM:SSZ or false"), value)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        # an offset can push a time at the calendar's edge out of it (9999-12-31T23:59:59-23:59)
        return parsed.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise _invalid(name, _("an ISO 8601 time YYYY-MM-DDTHH:MM:SSZ or false"), value) from exc


@compat.table_constraints
class PlansyncAgent(models.Model):
    _name = "plansync.agent"
    _description = "PlanSync Agent"
    _order = "last_seen desc, id desc"

    name = fields.Char(string="Consumer", required=True, readonly=True, index=True)
    version = fields.Char(readonly=True)
    host = fields.Char(readonly=True)
    pid = fields.Integer(string="PID", readonly=True, **compat.NOT_AGGREGATED)
    started_at = fields.Datetime(readonly=True)
    mode = fields.Selection(MODES, readonly=True)
    last_seen = fields.Datetime(readonly=True)
    user_id = fields.Many2one("res.users", string="Reported by", readonly=True)
    status = fields.Selection(STATUSES, compute="_compute_status", search="_search_status")
    line_ids = fields.One2many("plansync.agent.line", "agent_id", readonly=True)

    _sql_constraints = [
        ("name_uniq", "unique(name)", "One agent record per consumer name."),
    ]

    @api.depends("last_seen")
    def _compute_status(self):
        threshold = self._silent_threshold()
        for rec in self:
            rec.status = "alive" if rec.last_seen and rec.last_seen >= threshold else "silent"

    def _search_status(self, operator, value):
        if operator in ("=", "!="):
            values = {value}
        elif operator in ("in", "not in"):
            values = set(value)
        else:
            raise ValidationError(_("Unsupported operator %r on status") % operator)
        if operator in ("!=", "not in"):
            values = {"alive", "silent"} - values
        threshold = self._silent_threshold()
        alive = [("last_seen", ">=", threshold)]
        silent = ["|", ("last_seen", "=", False), ("last_seen", "<", threshold)]
        if values == {"alive"}:
            return alive
        if values == {"silent"}:
            return silent
        if values == {"alive", "silent"}:
            return []
        return [("id", "=", False)]

    @api.model
    def _silent_threshold(self):
        settings = self.env["res.config.settings"]._plansync_settings()
        return fields.Datetime.now() - timedelta(seconds=settings["agent_silent_after_seconds"])

    # ------------------------------------------------------------------
    # the contract: heartbeat
    # ------------------------------------------------------------------

    @api.model
    def heartbeat(self, consumer, stats):
        """Record the agent's health and return the configuration.

        See docs/contract.md. With ``stats["mode"] == "check"`` nothing is
        written.
        """
        self.env["plansync.outbox"]._check_integration("plansync.agent.heartbeat")
        check_str("consumer", consumer, 1, 128)
        values = self._validate_stats(stats)
        endpoints = self._integration_endpoints()
        backlog = endpoints._backlog_values()
        now = fields.Datetime.now()
        if values["mode"] != "check":
            self.sudo()._upsert(consumer, values, endpoints, backlog, now)
        return self._config(endpoints, backlog, now)

    @api.model
    def _validate_stats(self, stats):
        if not isinstance(stats, dict):
            raise _invalid("stats", _("an object"), stats)
        mode = stats.get("mode", "run")
        if not isinstance(mode, str) or mode not in dict(MODES):
            raise _invalid("stats.mode", _("one of run, once, check"), mode)
        values = {"mode": mode}
        for key, size in (("version", 64), ("host", 255)):
            value = stats.get(key, "")
            if not isinstance(value, str) or len(value) > size:
                raise _invalid("stats.%s" % key, _("a string of at most %s characters") % size, value)
            values[key] = value
        values["pid"] = _count("stats.pid", stats.get("pid", 0))
        values["started_at"] = _time("stats.started_at", stats.get("started_at", False))
        endpoint_stats = stats.get("endpoints", {})
        if not isinstance(endpoint_stats, dict):
            raise _invalid("stats.endpoints", _("an object keyed by endpoint code"), endpoint_stats)
        values["endpoints"] = {}
        for code, item in endpoint_stats.items():
            prefix = "stats.endpoints.%s" % code
            if not isinstance(item, dict):
                raise _invalid(prefix, _("an object"), item)
            line = {key: _count("%s.%s" % (prefix, key), item.get(key, 0)) for key in ("delivered", "failed", "parked")}
            per_minute = item.get("per_minute", 0)
            if isinstance(per_minute, bool) or not isinstance(per_minute, (int, float)) or not 0 <= per_minute < 1e12:
                raise _invalid("%s.per_minute" % prefix, _("a number from 0"), per_minute)
            line["per_minute"] = float(per_minute)
            last_error = item.get("last_error", "")
            if last_error is False:
                last_error = ""
            if not isinstance(last_error, str):
                raise _invalid("%s.last_error" % prefix, _("a string"), last_error)
            line["last_error"] = last_error[:4000]
            line["last_delivery_at"] = _time("%s.last_delivery_at" % prefix, item.get("last_delivery_at", False))
            values["endpoints"][code] = line
        return values

    @api.model
    def _integration_endpoints(self):
        return (
            self.env["plansync.endpoint"]
            .sudo()
            .search(
                [
                    ("active", "=", True),
                    ("company_id", "in", self.env.user.company_ids.ids),
                ],
                order="code",
            )
        )

    @api.model
    def _upsert(self, consumer, values, endpoints, backlog, now):
        agent = self.search([("name", "=", consumer)], limit=1)
        agent_vals = {
            "version": values["version"] or False,
            "host": values["host"] or False,
            "pid": values["pid"],
            "started_at": values["started_at"],
            "mode": values["mode"],
            "last_seen": now,
            "user_id": self.env.uid,
        }
        if not agent:
            # Two processes reporting under one new name at once: the second
            # INSERT meets the first's row, which its snapshot cannot see, and
            # fails with a serialization error that Odoo retries; the retry
            # finds the row. (A plain create failed on the unique name.)
            self.flush_model()
            self.env.cr.execute(
                """
                INSERT INTO plansync_agent (name, create_uid, create_date, write_uid, write_date)
                VALUES (%s, %s, now() at time zone 'UTC', %s, now() at time zone 'UTC')
                ON CONFLICT (name) DO NOTHING
                RETURNING id
                """,
                (consumer, self.env.uid, self.env.uid),
            )
            row = self.env.cr.fetchone()
            agent = self.browse(row[0]) if row else self.search([("name", "=", consumer)], limit=1)
        agent.write(agent_vals)
        lines = {line.endpoint_id.id: line for line in agent.line_ids}
        for endpoint in endpoints:
            reported = values["endpoints"].get(endpoint.code)
            if reported is None:
                continue
            line_vals = dict(
                reported,
                last_error=reported["last_error"] or False,
                lag_seconds=backlog.get(endpoint.id, {}).get("lag_seconds", 0.0),
            )
            line = lines.get(endpoint.id)
            if line:
                line.write(line_vals)
            else:
                self.env["plansync.agent.line"].create(dict(line_vals, agent_id=agent.id, endpoint_id=endpoint.id))
        return agent

    @api.model
    def _warehouse_codes(self, endpoint):
        """The warehouses an endpoint covers: its own, else every warehouse of
        its company."""
        warehouses = endpoint.sudo().warehouse_ids or self.env["stock.warehouse"].sudo().search(
            [("company_id", "=", endpoint.company_id.id)], order="id"
        )
        return [code for code in warehouses.sorted("id").mapped("code") if code]

    def _api_keys(self, user):
        """The caller's API keys and when each expires, for ``plansync check``
        (``expires`` False: never; keys have no expiry before Odoo 18)."""
        keys = self.env["res.users.apikeys"].sudo().search([("user_id", "=", user.id)], order="id")
        has_expiry = "expiration_date" in keys._fields
        return [
            {
                "name": key.name or "",
                "expires": iso_time(key.expiration_date) if has_expiry else False,
            }
            for key in keys
        ]

    def _config(self, endpoints, backlog, now):
        user = self.env.user
        settings = self.env["res.config.settings"]._plansync_settings()
        return {
            "addon_version": get_manifest("plansync").get("version") or "",
            "server_time": iso_time(now),
            "database": {
                "name": self.env.cr.dbname,
                "uuid": self.env["ir.config_parameter"].sudo().get_param("database.uuid") or "",
            },
            "user": {
                "id": user.id,
                "login": user.login or "",
                "groups": [xmlid for xmlid in GROUPS if user.has_group(xmlid)],
                "companies": user.company_ids.ids,
            },
            "api_keys": self._api_keys(user),
            "settings": {
                key: settings[key]
                for key in (
                    "batch_size",
                    "lease_seconds",
                    "max_attempts",
                    "heartbeat_seconds",
                    "poll_seconds",
                )
            },
            "endpoints": [
                {
                    "code": endpoint.code,
                    "name": endpoint.name or "",
                    "kind": endpoint.kind,
                    "url": endpoint.url or False,
                    "event_types": endpoint.event_type_ids.filtered("active").mapped("code"),
                    "company": endpoint.company_id.id,
                    "batch_size": endpoint.batch_size,
                    "concurrency": endpoint.concurrency,
                    "rate_limit": float(endpoint.rate_limit),
                    "timeout_seconds": endpoint.timeout_seconds,
                    "warehouses": self._warehouse_codes(endpoint),
                    "pending": backlog.get(endpoint.id, {}).get("pending", 0),
                    "dead": backlog.get(endpoint.id, {}).get("dead", 0),
                    "lag_seconds": backlog.get(endpoint.id, {}).get("lag_seconds", 0.0),
                    "blocked_since": iso_time(endpoint.blocked_since),
                    "blocked_reason": endpoint.blocked_reason or "",
                }
                for endpoint in endpoints
            ],
        }
