# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from .. import compat

CODE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")

KINDS = [
    ("planning", "Planning"),
    ("wms", "WMS"),
    ("channel", "Sales channel"),
    ("webhook", "Webhook"),
]

# Fields whose change alters what the capture writes.
SUBSCRIPTION_FIELDS = ("event_type_ids", "warehouse_ids", "company_id", "active")


@compat.table_constraints
class PlansyncEndpoint(models.Model):
    _name = "plansync.endpoint"
    _description = "PlanSync Endpoint"
    _inherit = ["mail.thread"]
    _order = "company_id, name, id"

    name = fields.Char(required=True, tracking=True)
    code = fields.Char(
        required=True,
        tracking=True,
        help="Identifier the agent claims with: letters, digits, '_', '.' and '-'.",
    )
    kind = fields.Selection(KINDS, required=True, default="webhook", tracking=True)
    url = fields.Char(string="URL", tracking=True)
    event_type_ids = fields.Many2many(
        "plansync.event.type",
        "plansync_endpoint_event_type_rel",
        "endpoint_id",
        "event_type_id",
        string="Event types",
        help="Event types captured for this endpoint.",
    )
    warehouse_ids = fields.Many2many(
        "stock.warehouse",
        "plansync_endpoint_warehouse_rel",
        "endpoint_id",
        "warehouse_id",
        string="Warehouses",
        help="Per-warehouse events (stock levels) of these warehouses only; " "empty means every warehouse.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
        tracking=True,
    )
    active = fields.Boolean(default=True, tracking=True)
    batch_size = fields.Integer(default=50, tracking=True)
    concurrency = fields.Integer(default=2, tracking=True)
    rate_limit = fields.Float(
        string="Rate limit (requests/s)",
        default=0.0,
        tracking=True,
        help="0 means no limit.",
    )
    timeout_seconds = fields.Integer(default=30, tracking=True)
    blocked_since = fields.Datetime(
        readonly=True,
        copy=False,
        help="Since when the endpoint refuses the agent's credentials or configuration "
        "(HTTP 401, 403, 404, ... or the agent's own configuration errors): its events wait, "
        "without spending attempts, until a delivery succeeds again.",
    )
    blocked_reason = fields.Text(readonly=True, copy=False)
    pending_count = fields.Integer(compute="_compute_backlog")
    dead_count = fields.Integer(compute="_compute_backlog")
    lag_seconds = fields.Float(compute="_compute_backlog")
    done_last_hour = fields.Integer(compute="_compute_backlog")

    _sql_constraints = [
        ("code_uniq", "unique(code)", "The code of an endpoint must be unique."),
        ("batch_size_positive", "CHECK(batch_size > 0)", "Batch size must be positive."),
        (
            "concurrency_positive",
            "CHECK(concurrency > 0)",
            "Concurrency must be positive.",
        ),
        (
            "rate_limit_positive",
            "CHECK(rate_limit >= 0)",
            "The rate limit cannot be negative.",
        ),
        (
            "timeout_positive",
            "CHECK(timeout_seconds > 0)",
            "The timeout must be positive.",
        ),
    ]

    def _compute_backlog(self):
        values = self._backlog_values()
        for rec in self:
            backlog = values.get(rec.id, {})
            rec.pending_count = backlog.get("pending", 0)
            rec.dead_count = backlog.get("dead", 0)
            rec.lag_seconds = backlog.get("lag_seconds", 0.0)
            rec.done_last_hour = backlog.get("done_last_hour", 0)

    @api.constrains("code")
    def _check_code(self):
        for rec in self:
            if not rec.code or not CODE_RE.match(rec.code):
                raise ValidationError(
                    _("The endpoint code may only contain letters, digits, '_', '.' " "and '-', got %r") % (rec.code,)
                )

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env.registry.clear_cache()
        return records

    def write(self, vals):
        res = super().write(vals)
        if any(field in vals for field in SUBSCRIPTION_FIELDS):
            self.env.registry.clear_cache()
        return res

    def unlink(self):
        res = super().unlink()
        self.env.registry.clear_cache()
        return res

    def _mark_blocked(self, reason, now):
        """The agent cannot deliver to these endpoints because of their
        credentials or configuration: keep the reason, and since when; tell
        the endpoint's followers once, when it becomes blocked."""
        for rec in self.sudo():
            newly = not rec.blocked_since
            rec.write({"blocked_since": rec.blocked_since or now, "blocked_reason": reason})
            if newly:
                rec.message_post(
                    body=_(
                        "Deliveries to this endpoint are paused: it refuses the agent's "
                        "credentials or configuration (%s). Its events wait without spending "
                        "attempts; the agent tries again with backoff (at most every 5 minutes) "
                        "and delivery resumes by itself once the endpoint accepts again. Check the "
                        "endpoint's URL and the agent's PLANSYNC_SECRET_%s."
                    )
                    % (reason, re.sub(r"[^A-Z0-9]", "_", (rec.code or "").upper())),
                    subtype_xmlid="mail.mt_comment",
                )
        return True

    def _mark_unblocked(self):
        """A delivery succeeded: the endpoint is no longer blocked."""
        for rec in self.sudo().filtered("blocked_since"):
            since = rec.blocked_since
            rec.write({"blocked_since": False, "blocked_reason": False})
            rec.message_post(
                body=_("Deliveries to this endpoint resumed (paused since %s UTC).") % since,
                subtype_xmlid="mail.mt_comment",
            )
        return True

    def action_view_pending(self):
        return self._action_view_outbox([("state", "in", ("pending", "claimed"))], _("Pending events"))

    def action_view_dead(self):
        return self._action_view_outbox([("state", "=", "dead")], _("Dead letters"))

    def action_view_done(self):
        return self._action_view_outbox([("state", "=", "done")], _("Delivered events"))

    def _action_view_outbox(self, domain, name):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id("plansync.plansync_outbox_action")
        action["domain"] = [("endpoint_id", "=", self.id)] + domain
        action["name"] = name
        action["context"] = {"default_endpoint_id": self.id}
        return action

    def _definition(self):
        """The availability definition stock events carry. The core counts
        the free quantity (on hand - reserved) of every internal location of
        the warehouse, without horizon; plansync_inventory makes it a per
        endpoint choice (basis, locations, horizon, version)."""
        self.ensure_one()
        return {
            "id": self.id,
            "endpoint": self.code,
            "version": 1,
            "basis": "free",
            "horizon_days": 0,
            "included_location_ids": [],
            "excluded_location_ids": [],
        }

    def _backlog_values(self):
        """Backlog per endpoint id, in one query: pending (pending or claimed),
        dead, lag_seconds (age of the oldest pending row) and done_last_hour."""
        ids = [rec_id for rec_id in self.ids if rec_id]
        if not ids:
            return {}
        self.env["plansync.outbox"].flush_model()
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            SELECT endpoint_id,
                   count(*) FILTER (WHERE state IN ('pending', 'claimed')),
                   count(*) FILTER (WHERE state = 'dead'),
                   min(occurred_at) FILTER (WHERE state IN ('pending', 'claimed')),
                   count(*) FILTER (WHERE state = 'done' AND done_at >= %s)
              FROM plansync_outbox
             WHERE endpoint_id = ANY(%s)
               AND (state IN ('pending', 'claimed', 'dead')
                    OR (state = 'done' AND done_at >= %s))
             GROUP BY endpoint_id
            """,
            (now - timedelta(hours=1), ids, now - timedelta(hours=1)),
        )
        result = {}
        for endpoint_id, pending, dead, oldest, done in self.env.cr.fetchall():
            lag = max((now - oldest).total_seconds(), 0.0) if oldest else 0.0
            result[endpoint_id] = {
                "pending": pending,
                "dead": dead,
                "lag_seconds": round(lag, 3),
                "done_last_hour": done,
            }
        return result
