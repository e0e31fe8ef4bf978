# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""One planning cycle of a planning system, and the contract's import_batch."""
import re
from datetime import datetime

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from odoo.addons.plansync import compat
from .plansync_exception import CODE_VALUES
from odoo.addons.plansync.tools import check_str, parse_generated_at

RUN_KINDS = [("forecast", "Forecasts"), ("proposal", "Proposals")]
STATE_OPEN = "open"
STATE_SUPERSEDED = "superseded"
STATE_STALE = "stale"
STATES = [
    (STATE_OPEN, "Open"),
    (STATE_SUPERSEDED, "Superseded"),
    (STATE_STALE, "Stale"),
]
MAX_LINES = 5000


@compat.table_constraints
class PlansyncRun(models.Model):
    _name = "plansync.run"
    _description = "PlanSync Planning Run"
    _order = "generated_at desc, id desc"
    _rec_names_search = ["external_ref", "source"]

    source = fields.Char(required=True, readonly=True, index=True)
    external_ref = fields.Char(string="Reference", required=True, readonly=True, index=True)
    kind = fields.Selection(RUN_KINDS, required=True, readonly=True)
    generated_at = fields.Datetime(
        required=True,
        readonly=True,
        help="When the planning system produced the run (or its first import when it did not say).",
    )
    received_at = fields.Datetime(string="Received", required=True, readonly=True)
    last_batch_at = fields.Datetime(string="Last batch", readonly=True)
    batch_count = fields.Integer(string="Batches", readonly=True)
    line_count = fields.Integer(string="Lines received", readonly=True)
    created_count = fields.Integer(string="Created", readonly=True)
    unchanged_count = fields.Integer(string="Unchanged", readonly=True)
    superseded_count = fields.Integer(string="Superseded", readonly=True)
    exception_count = fields.Integer(string="Exceptions", readonly=True)
    state = fields.Selection(STATES, default=STATE_OPEN, readonly=True, required=True, index=True, copy=False)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    proposal_ids = fields.One2many("plansync.proposal", "run_id", readonly=True)
    forecast_ids = fields.One2many("plansync.forecast", "run_id", readonly=True, context={"active_test": False})
    exception_ids = fields.One2many("plansync.exception", "run_id", readonly=True)
    proposal_count = fields.Integer(compute="_compute_counts")
    to_approve_count = fields.Integer(compute="_compute_counts")
    forecast_count = fields.Integer(compute="_compute_counts")
    open_exception_count = fields.Integer(compute="_compute_counts")

    _sql_constraints = [
        (
            "run_uniq",
            "unique(source, external_ref, kind)",
            "A run of this source, reference and kind exists already.",
        ),
    ]

    def _compute_counts(self):
        def grouped(model, domain, active_test=True):
            groups = (
                self.env[model]
                .with_context(active_test=active_test)
                ._read_group(domain + [("run_id", "in", self.ids)], ["run_id"], ["__count"])
            )
            return {run.id: count for run, count in groups}

        proposals = grouped("plansync.proposal", [])
        to_approve = grouped("plansync.proposal", [("state", "=", "to_approve")])
        forecasts = grouped("plansync.forecast", [])
        exceptions = grouped("plansync.exception", [("state", "=", "open")])
        for run in self:
            run.proposal_count = proposals.get(run.id, 0)
            run.to_approve_count = to_approve.get(run.id, 0)
            run.forecast_count = forecasts.get(run.id, 0)
            run.open_exception_count = exceptions.get(run.id, 0)

    @api.depends("source", "external_ref")
    def _compute_display_name(self):
        for run in self:
            run.display_name = "%s:%s" % (run.source or "", run.external_ref or "")

    def action_view_proposals(self):
        return self._action_view("plansync_planning.plansync_proposal_action")

    def action_view_forecasts(self):
        return self._action_view("plansync_planning.plansync_forecast_action")

    def action_view_exceptions(self):
        return self._action_view("plansync_planning.plansync_exception_action")

    def _action_view(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        action["domain"] = [("run_id", "=", self.id)]
        action["context"] = {"default_run_id": self.id}
        return action

    # ------------------------------------------------------------------
    # the contract
    # ------------------------------------------------------------------

    @api.model
    def import_batch(self, source, external_ref, kind, lines, generated_at=False, rejected=False):
        """Import one batch of a planning run (docs/contract.md).

        ``rejected``: False, or ``[{"index", "code", "message"}, ...]``: lines the
        caller already refused (its own validation, a duplicate across batches).
        They are not validated again; each becomes an exception record with the
        caller's reason, so that a planner sees it in Odoo like any other.

        Returns ``{"run_id": int, "results": [{"external_id", "status", "id",
        "reason"}, ...]}``, one result per line, in order.
        """
        self.env["plansync.outbox"]._check_integration("plansync.run.import_batch")
        check_str("source", source, 1, 64)
        check_str("external_ref", external_ref, 1, 128)
        if kind not in ("forecast", "proposal"):
            raise ValidationError(_("kind must be 'forecast' or 'proposal', got %r") % (kind,))
        if not isinstance(lines, (list, tuple)) or not 1 <= len(lines) <= MAX_LINES:
            shown = "a list of %s lines" % len(lines) if isinstance(lines, (list, tuple)) else repr(lines)[:200]
            raise ValidationError(
                _("lines must be a list of 1 to %(max)s objects, got %(value)s") % {"max": MAX_LINES, "value": shown}
            )
        for index, line in enumerate(lines):
            if not isinstance(line, dict):
                raise ValidationError(
                    _("lines[%(index)s] must be an object, got %(value)s") % {"index": index, "value": repr(line)[:200]}
                )
        refusals = self._check_rejected(rejected, len(lines))
        generated = parse_generated_at(generated_at)
        if generated is None:
            raise ValidationError(_("generated_at must be false or an ISO 8601 UTC time, got %r") % (generated_at,))
        run = self.sudo()._get_run(source, external_ref, kind, generated)
        results = self.env["plansync.import"].sudo()._import(run, list(lines), rejected=refusals)
        return {"run_id": run.id, "results": results}

    @api.model
    def _check_rejected(self, rejected, count):
        """``rejected`` of import_batch -> {index: (code, message)}."""
        if rejected is False or rejected == []:
            return {}
        if not isinstance(rejected, (list, tuple)):
            raise ValidationError(_("rejected must be false or a list, got %s") % repr(rejected)[:200])
        refusals = {}
        for position, item in enumerate(rejected):
            index = item.get("index") if isinstance(item, dict) else None
            code = item.get("code") if isinstance(item, dict) else None
            message = item.get("message") if isinstance(item, dict) else None
            if (
                isinstance(index, bool)
                or not isinstance(index, int)
                or not 0 <= index < count
                or not isinstance(code, str)
                or not isinstance(message, str)
                or len(message) > 2000
            ):
                raise ValidationError(
                    _(
                        "rejected[%(position)s] must be {index: 0 to %(last)s, code: a string, "
                        "message: a string of at most 2000 characters}, got %(value)s"
                    )
                    % {"position": position, "last": count - 1, "value": repr(item)[:200]}
                )
            refusals[index] = (code if code in CODE_VALUES else "invalid", message)
        return refusals

    @api.model
    def _get_run(self, source, external_ref, kind, generated):
        """The run, created on its first batch and locked for this batch.

        The row is inserted with ON CONFLICT DO NOTHING and locked with NOWAIT:
        a concurrent import of the same run fails with a serialization or lock
        error, which Odoo's RPC layer retries with a fresh snapshot, instead of
        both importing the same lines.
        """
        cr = self.env.cr
        now = fields.Datetime.now()
        self.env.flush_all()
        cr.execute(
            """
            INSERT INTO plansync_run (
                source, external_ref, kind, generated_at, received_at, state,
                company_id, batch_count, line_count, created_count, unchanged_count,
                superseded_count, exception_count,
                create_uid, create_date, write_uid, write_date)
            VALUES (%(source)s, %(ref)s, %(kind)s, %(generated)s, %(now)s, %(state)s,
                    %(company)s, 0, 0, 0, 0, 0, 0, %(uid)s, %(now)s, %(uid)s, %(now)s)
            ON CONFLICT (source, external_ref, kind) DO NOTHING
            RETURNING id
            """,
            {
                "source": source,
                "ref": external_ref,
                "kind": kind,
                "generated": generated or now,
                "now": now,
                "state": STATE_OPEN,
                "company": self.env.company.id,
                "uid": self.env.uid,
            },
        )
        row = cr.fetchone()
        created = bool(row)
        if not row:
            with mute_logger("odoo.sql_db"):
                cr.execute(
                    """
                    SELECT id FROM plansync_run
                     WHERE source = %s AND external_ref = %s AND kind = %s
                       FOR UPDATE NOWAIT
                    """,
                    (source, external_ref, kind),
                )
                row = cr.fetchone()
        run = self.browse(row[0])
        if created:
            newest = run._newest_other_generated_at()
            if newest and newest > run.generated_at:
                run.write({"state": STATE_STALE})
            else:
                cr.execute(
                    """
                    UPDATE plansync_run SET state = %s, write_uid = %s, write_date = %s
                     WHERE source = %s AND kind = %s AND state = %s AND id != %s
                       AND generated_at < %s
                    """,
                    (
                        STATE_SUPERSEDED,
                        self.env.uid,
                        now,
                        source,
                        kind,
                        STATE_OPEN,
                        run.id,
                        run.generated_at,
                    ),
                )
                self.invalidate_model(["state"])
        return run

    def _newest_other_generated_at(self):
        self.ensure_one()
        self.env.cr.execute(
            """
            SELECT max(generated_at) FROM plansync_run
             WHERE source = %s AND kind = %s AND id != %s AND state != %s
            """,
            (self.source, self.kind, self.id, STATE_STALE),
        )
        return self.env.cr.fetchone()[0]

    def _newest_other(self):
        """The newest run of the same source and kind, when newer than this one."""
        self.ensure_one()
        newest = self._newest_other_generated_at()
        if not newest or newest <= self.generated_at:
            return self.browse()
        return self.search(
            [
                ("source", "=", self.source),
                ("kind", "=", self.kind),
                ("generated_at", "=", newest),
                ("id", "!=", self.id),
            ],
            limit=1,
        )

    def _count_batch(self, results):
        """Add one batch's statuses to the run's counters."""
        self.ensure_one()
        counts = {"created": 0, "unchanged": 0, "superseded": 0, "exception": 0}
        for result in results:
            counts[result["status"]] += 1
        self.write(
            {
                "batch_count": self.batch_count + 1,
                "line_count": self.line_count + len(results),
                "created_count": self.created_count + counts["created"],
                "unchanged_count": self.unchanged_count + counts["unchanged"],
                "superseded_count": self.superseded_count + counts["superseded"],
                "exception_count": self.exception_count + counts["exception"],
                "last_batch_at": fields.Datetime.now(),
            }
        )
