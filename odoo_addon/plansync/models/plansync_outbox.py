# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
import logging
import secrets
from collections import OrderedDict
from datetime import timedelta

import psycopg2.errors

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import mute_logger

from ..tools import check_int, check_str, iso_time, storable
from .. import compat

_logger = logging.getLogger(__name__)

STATE_PENDING = "pending"
STATE_CLAIMED = "claimed"
STATE_DONE = "done"
STATE_DEAD = "dead"
STATES = [
    (STATE_PENDING, "Pending"),
    (STATE_CLAIMED, "Claimed"),
    (STATE_DONE, "Done"),
    (STATE_DEAD, "Dead letter"),
]

SCHEMA_VERSION = 1
SEQUENCE_NAME = "plansync_outbox_sequence_seq"
# First key of the advisory locks taken per (endpoint, aggregate) at claim time.
ADVISORY_NAMESPACE = 0x504C5359  # "PLSY"
MAX_ERROR_LENGTH = 4000
MAX_EVENT_IDS = 10000
MAX_RETRY_AFTER = 30 * 86400

# Only code that holds this object in its context may change the integration
# fields: a context sent over RPC is JSON and can never carry it (the idea of
# queue_job's protected fields).


def check_ids(name, value):
    if (
        not isinstance(value, (list, tuple))
        or len(value) > MAX_EVENT_IDS
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
    ):
        raise ValidationError(
            _("%(name)s must be a list of at most %(max)s integers, got %(value)r")
            % {"name": name, "max": MAX_EVENT_IDS, "value": value}
        )
    return list(dict.fromkeys(value))


# ----------------------------------------------------------------------
# the claim's pure phases (no database): see PlansyncOutbox._claim
# ----------------------------------------------------------------------


def no_claim():
    """The answer of a claim that hands out nothing."""
    return {"lease": "", "events": []}


def scan_size(limit):
    """How many claimable rows phase 1 scans for ``limit`` aggregates."""
    return min(max(limit * 10, 200), 20000)


def candidate_keys(rows):
    """Phase 1: the distinct aggregate keys of scanned rows ``(id, model,
    res_id, warehouse_id)``, in the order of their first row."""
    candidates = OrderedDict()
    for _row_id, model, res_id, warehouse_id in rows:
        candidates.setdefault((model, res_id, warehouse_id), True)
    return list(candidates)


def group_claimable(locked, rows, now, max_attempts):
    """Phase 3: the open ``rows`` (dicts) of the ``locked`` aggregates ->
    ``(groups, poison)``.

    ``groups``: one ``{"key", "rows", "head"}`` per aggregate to hand out (all
    its open rows, the newest of them as head), in the order of ``locked``.
    An aggregate's open rows go out together or not at all: an aggregate still
    in flight (seen only now that the rows are locked) or with a row waiting
    for its backoff (``next_attempt_at`` in the future) is left out, and a new
    change to it waits with the backoff. Handing out only the rows that are
    due would deliver the new change first and then the released one alone,
    re-rendered with the newer state under its older id. ``poison``:
    ``(rows, attempts)`` of the aggregates whose expired leases reached
    ``max_attempts``: the consumers kept dying on them."""
    rows_by_key = OrderedDict((key, []) for key in locked)
    for row in rows:
        key = (row["aggregate_model"], row["aggregate_id"], row["wh"])
        rows_by_key[key].append(row)
    poison = []
    groups = []
    for key, key_rows in rows_by_key.items():
        if not key_rows:
            continue
        if any(r["state"] == STATE_CLAIMED and r["lease_expires_at"] > now for r in key_rows):
            continue  # in flight (seen only now that the rows are locked)
        if any(r["state"] == STATE_PENDING and r["next_attempt_at"] and r["next_attempt_at"] > now for r in key_rows):
            continue  # waiting for its backoff: the whole aggregate waits
        exhausted = [
            r["attempts"] or 0 for r in key_rows if r["state"] == STATE_CLAIMED and (r["attempts"] or 0) >= max_attempts
        ]
        if exhausted:
            poison.append((key_rows, max(exhausted)))
        else:
            head = max(key_rows, key=lambda r: r["id"])
            groups.append({"key": key, "rows": key_rows, "head": head})
    return groups, poison


def lease_columns(events_groups, sequences):
    """Phase 5: the columns of the lease UPDATE, one entry per row: ids, head
    ids, sequences (the head's only), payloads (JSON, the head's only, none
    for a deletion) and aggregate keys. Sets each group's ``sequence``."""
    ids, heads, seqs, payloads, agg_keys = [], [], [], [], []
    for group, seq in zip(events_groups, sequences):
        group["sequence"] = seq
        head_id = group["head"]["id"]
        deleted = group["head"]["event_type"].endswith(".deleted")
        for row in group["rows"]:
            ids.append(row["id"])
            heads.append(head_id)
            is_head = row["id"] == head_id
            seqs.append(seq if is_head else None)
            payloads.append(json.dumps(group["payload"]) if is_head and not deleted else None)
            agg_keys.append(group["aggregate_key"])
    return ids, heads, seqs, payloads, agg_keys


def envelope(endpoint_code, group, company):
    """Phase 6: the envelope of one claimed group (docs/contract.md)."""
    head = group["head"]
    return {
        "id": head["id"],
        "type": head["event_type"],
        "endpoint": endpoint_code,
        "aggregate": {
            "model": head["aggregate_model"],
            "id": head["aggregate_id"],
            "key": group["aggregate_key"] or "",
        },
        "company": company,
        "occurred_at": iso_time(max(r["occurred_at"] for r in group["rows"])),
        "sequence": group["sequence"],
        "schema": SCHEMA_VERSION,
        "coalesced": len(group["rows"]),
        "attempt": max(r["attempts"] or 0 for r in group["rows"]) + 1,
        "payload": group["payload"],
    }


class PlansyncOutbox(models.Model):
    _name = "plansync.outbox"
    _inherit = ["plansync.guarded"]
    _description = "PlanSync Outbox Event"
    _order = "id desc"

    event_type = fields.Char(required=True, index=True, readonly=True)
    endpoint_id = fields.Many2one("plansync.endpoint", required=True, ondelete="cascade", readonly=True)
    aggregate_model = fields.Char(required=True, readonly=True)
    aggregate_id = fields.Many2oneReference(model_field="aggregate_model", required=True, readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", ondelete="cascade", readonly=True)
    aggregate_key = fields.Char(readonly=True)
    company_id = fields.Many2one("res.company", ondelete="cascade", readonly=True)
    occurred_at = fields.Datetime(required=True, readonly=True)
    state = fields.Selection(
        STATES,
        default=STATE_PENDING,
        readonly=True,
        required=True,
        index=True,
        copy=False,
    )
    attempts = fields.Integer(readonly=True, copy=False, default=0)
    next_attempt_at = fields.Datetime(readonly=True, copy=False)
    lease = fields.Char(readonly=True, copy=False, index="btree_not_null")
    consumer = fields.Char(readonly=True, copy=False)
    lease_expires_at = fields.Datetime(readonly=True, copy=False)
    claim_head_id = fields.Many2one(
        "plansync.outbox",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
        help="The event this row was coalesced into at its last claim.",
    )
    sequence = fields.Integer(readonly=True, copy=False, **compat.NOT_AGGREGATED)
    payload = fields.Json(readonly=True, copy=False)
    payload_text = fields.Text(compute="_compute_payload_text", string="Payload (JSON)")
    last_error = fields.Text(readonly=True, copy=False)
    claimed_at = fields.Datetime(readonly=True, copy=False)
    done_at = fields.Datetime(readonly=True, copy=False)
    dead_at = fields.Datetime(readonly=True, copy=False)
    replay_of_id = fields.Many2one("plansync.outbox", readonly=True, copy=False, ondelete="set null")
    retryable = fields.Boolean(compute="_compute_retryable")
    replayable = fields.Boolean(compute="_compute_retryable")

    _protected_fields = frozenset(
        [
            "event_type",
            "endpoint_id",
            "aggregate_model",
            "aggregate_id",
            "warehouse_id",
            "aggregate_key",
            "company_id",
            "occurred_at",
            "state",
            "attempts",
            "next_attempt_at",
            "lease",
            "consumer",
            "lease_expires_at",
            "claim_head_id",
            "sequence",
            "payload",
            "last_error",
            "claimed_at",
            "done_at",
            "dead_at",
            "replay_of_id",
        ]
    )

    def init(self):
        cr = self.env.cr
        cr.execute("CREATE SEQUENCE IF NOT EXISTS %s" % SEQUENCE_NAME)
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_claim_idx
                ON plansync_outbox (endpoint_id, id)
             WHERE state IN ('pending', 'claimed')
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_aggregate_idx
                ON plansync_outbox (endpoint_id, aggregate_model, aggregate_id,
                                    (COALESCE(warehouse_id, 0)))
             WHERE state IN ('pending', 'claimed')
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_purge_idx
                ON plansync_outbox (done_at) WHERE state = 'done'
            """
        )
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_dead_idx
                ON plansync_outbox (endpoint_id) WHERE state = 'dead'
            """
        )
        # claim: the aggregates in flight under a lease (a handful of rows, whatever the backlog)
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_inflight_idx
                ON plansync_outbox (endpoint_id, lease_expires_at) WHERE state = 'claimed'
            """
        )
        # claim: the aggregates waiting for a backoff (released rows, due later)
        cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_backoff_idx
                ON plansync_outbox (endpoint_id, next_attempt_at)
             WHERE state = 'pending' AND next_attempt_at IS NOT NULL
            """
        )

    @api.depends("payload")
    def _compute_payload_text(self):
        for rec in self:
            rec.payload_text = (
                json.dumps(rec.payload, indent=2, sort_keys=True, ensure_ascii=False) if rec.payload else ""
            )

    @api.depends("state")
    def _compute_retryable(self):
        for rec in self:
            rec.retryable = rec.state == STATE_DEAD
            rec.replayable = rec.state in (STATE_DONE, STATE_DEAD)

    @api.depends("event_type", "aggregate_key")
    def _compute_display_name(self):
        for rec in self:
            rec.display_name = "%s #%s%s" % (
                rec.event_type or "",
                rec.id or "",
                " (%s)" % rec.aggregate_key if rec.aggregate_key else "",
            )

    @api.model_create_multi
    def create(self, vals_list):
        if not self._can_edit():
            raise AccessError(_("Outbox events are created by the capture and by Replay only."))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_finished(self):
        if self._can_edit():
            return
        if any(rec.state not in (STATE_DONE, STATE_DEAD) for rec in self):
            raise UserError(_("Only delivered events and dead letters can be deleted."))

    def action_retry(self):
        """Dead letter -> pending, same id, attempts 0, due now."""
        self._check_manager()
        if any(not rec.retryable for rec in self):
            raise UserError(_("Only dead letters can be retried."))
        now = fields.Datetime.now()
        self._edit().write(
            {
                "state": STATE_PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "lease": False,
                "lease_expires_at": False,
                "claim_head_id": False,
                "dead_at": False,
            }
        )
        return True

    def action_replay(self):
        """Done or dead -> a new pending row that copies the capture."""
        self._check_manager()
        if any(not rec.replayable for rec in self):
            raise UserError(_("Only delivered events and dead letters can be replayed."))
        now = fields.Datetime.now()
        vals_list = []
        for rec in self.sudo():
            deleted = rec.event_type.endswith(".deleted")
            vals_list.append(
                {
                    "event_type": rec.event_type,
                    "endpoint_id": rec.endpoint_id.id,
                    "aggregate_model": rec.aggregate_model,
                    "aggregate_id": rec.aggregate_id,
                    "warehouse_id": rec.warehouse_id.id,
                    "company_id": rec.company_id.id,
                    "aggregate_key": rec.aggregate_key if deleted else False,
                    "payload": rec.payload if deleted else False,
                    "occurred_at": now,
                    "next_attempt_at": now,
                    "state": STATE_PENDING,
                    "replay_of_id": rec.id,
                }
            )
        replays = self._edit().create(vals_list)
        if len(replays) == 1:
            return {
                "type": "ir.actions.act_window",
                "res_model": self._name,
                "res_id": replays.id,
                "view_mode": "form",
                "target": "current",
            }
        return True

    # ------------------------------------------------------------------
    # the contract: claim, ack, nack
    # ------------------------------------------------------------------

    @api.model
    def claim(self, endpoint, limit, lease_seconds, consumer):
        """Claim up to ``limit`` events of ``endpoint`` under a fresh lease.

        See docs/contract.md. Returns ``{"lease": str, "events": [...]}``.
        """
        self._check_integration("plansync.outbox.claim")
        check_str("endpoint", endpoint, 1, 64)
        check_int("limit", limit, 1, 1000)
        check_int("lease_seconds", lease_seconds, 1, 3600)
        check_str("consumer", consumer, 1, 128)
        record = self._integration_endpoint(endpoint)
        return self._edit()._claim(record, limit, lease_seconds, consumer)

    @api.model
    def ack(self, lease, event_ids):
        """Mark the events held under ``lease`` done. Returns how many."""
        self._check_integration("plansync.outbox.ack")
        check_str("lease", lease, 1, 64)
        event_ids = check_ids("event_ids", event_ids)
        return self._edit()._ack(lease, event_ids)

    @api.model
    def nack(self, lease, event_ids, error, retry_after, final=False, blocked=False, released=False):
        """Release the events held under ``lease``. Returns how many.

        ``blocked``: the endpoint refused the agent's credentials or
        configuration, not the events: the claim's attempt is given back, the
        events never become dead letters, and the endpoint is marked blocked
        until a delivery succeeds again (docs/contract.md).

        ``released``: the agent never tried to deliver these events (it is
        stopping, or their lease ran short before their turn): the claim's
        attempt is given back, so that releases under load can never wear
        an event down to a dead letter."""
        self._check_integration("plansync.outbox.nack")
        check_str("lease", lease, 1, 64)
        event_ids = check_ids("event_ids", event_ids)
        if not isinstance(error, str):
            raise ValidationError(_("error must be a string, got %r") % (error,))
        error = storable(error)  # an endpoint's answer may hold NUL or lone surrogates: kept visible as U+FFFD
        if (
            isinstance(retry_after, bool)
            or not isinstance(retry_after, (int, float))
            or not 0 <= retry_after <= MAX_RETRY_AFTER
        ):
            raise ValidationError(
                _("retry_after must be a number of seconds from 0 to %(max)s, got %(value)r")
                % {"max": MAX_RETRY_AFTER, "value": retry_after}
            )
        if not isinstance(final, bool):
            raise ValidationError(_("final must be a boolean, got %r") % (final,))
        if not isinstance(blocked, bool):
            raise ValidationError(_("blocked must be a boolean, got %r") % (blocked,))
        if not isinstance(released, bool):
            raise ValidationError(_("released must be a boolean, got %r") % (released,))
        if final + blocked + released > 1:
            raise ValidationError(
                _(
                    "final, blocked and released exclude each other (the endpoint refused the events for good, "
                    "or the agent's credentials, or the events were never tried), got final=%(final)s, "
                    "blocked=%(blocked)s, released=%(released)s"
                )
                % {"final": final, "blocked": blocked, "released": released}
            )
        return self._edit()._nack(lease, event_ids, error[:MAX_ERROR_LENGTH], retry_after, final, blocked, released)

    # ------------------------------------------------------------------
    # internals
    # ------------------------------------------------------------------

    @api.model
    def _check_integration(self, method):
        if not self.env.user.has_group("plansync.group_plansync_integration"):
            raise AccessError(_("Only members of PlanSync / Integration may call %s.") % method)

    def _check_manager(self):
        if not self.env.su and not self.env.user.has_group("plansync.group_plansync_manager"):
            raise AccessError(_("Only PlanSync managers may retry or replay events."))
        compat.check_access(self, "write")

    @api.model
    def _integration_endpoint(self, code):
        record = (
            self.env["plansync.endpoint"]
            .sudo()
            .search(
                [
                    ("code", "=", code),
                    ("active", "=", True),
                    ("company_id", "in", self.env.user.company_ids.ids),
                ],
                limit=1,
            )
        )
        if not record:
            raise ValidationError(
                _("endpoint must be the code of an active endpoint of your companies, got %r") % (code,)
            )
        return record

    @api.model
    def _called_endpoint(self, method, endpoint, kind):
        """The checks every integration method on one endpoint makes: the
        caller is in the Integration group, ``endpoint`` is the code of an
        active endpoint of its companies, of ``kind``."""
        self._check_integration(method)
        check_str("endpoint", endpoint, 1, 64)
        record = self._integration_endpoint(endpoint)
        if record.kind != kind:
            raise ValidationError(
                _("endpoint must be the code of an endpoint of kind %(want)s, got %(code)r (%(kind)s)")
                % {"want": kind, "code": endpoint, "kind": record.kind}
            )
        return record

    @api.model
    def _settings(self):
        return self.env["res.config.settings"]._plansync_settings()

    @api.model
    def _lock_open_rows(self, endpoint, keys):
        """Lock the pending and claimed rows of ``keys`` (aggregates) with
        FOR UPDATE SKIP LOCKED; aggregates changed by another transaction since
        this one's snapshot are left out instead of failing the transaction."""
        cr = self.env.cr
        query = """
            SELECT o.id, o.aggregate_model, o.aggregate_id,
                   COALESCE(o.warehouse_id, 0) AS wh, o.state, o.next_attempt_at,
                   o.lease_expires_at, o.attempts,
                   o.event_type, o.occurred_at, o.company_id, o.aggregate_key, o.payload
              FROM plansync_outbox o
              JOIN unnest(%s::varchar[], %s::int[], %s::int[]) AS k(m, i, w)
                ON o.aggregate_model = k.m
               AND o.aggregate_id = k.i
               AND COALESCE(o.warehouse_id, 0) = k.w
             WHERE o.endpoint_id = %s
               AND o.state IN ('pending', 'claimed')
             ORDER BY o.id
               FOR UPDATE OF o SKIP LOCKED
        """

        def lock(batch):
            with mute_logger("odoo.sql_db"), cr.savepoint(flush=False):
                cr.execute(
                    query,
                    (
                        [k[0] for k in batch],
                        [k[1] for k in batch],
                        [k[2] for k in batch],
                        endpoint.id,
                    ),
                )
                return cr.dictfetchall()

        try:
            return lock(keys)
        except psycopg2.errors.SerializationFailure:
            _logger.debug("claim on %s: concurrent claim, locking aggregate by aggregate", endpoint.code)
        rows = []
        for key in keys:
            try:
                rows += lock([key])
            except psycopg2.errors.SerializationFailure:
                continue  # claimed by another consumer after our snapshot
        return rows

    @api.model
    def _claim(self, endpoint, limit, lease_seconds, consumer):
        """The claim in numbered phases; each phase is one method, pure where
        it needs no database (module functions above the class)."""
        settings = self._settings()
        now = fields.Datetime.now()
        self.env.flush_all()
        # 1. Scan claimable rows, leaving out the aggregates in flight.
        keys = self._claim_scan(endpoint, limit, now)
        if not keys:
            return no_claim()
        # 2. Advisory-lock up to `limit` aggregates, oldest first.
        locked = self._claim_lock_aggregates(endpoint, keys, limit)
        if not locked:
            return no_claim()
        # 3. Lock their open rows, group them; poison aggregates die.
        rows = self._lock_open_rows(endpoint, locked)
        groups, poison = group_claimable(locked, rows, now, settings["max_attempts"])
        for rows, attempts in poison:
            self._mark_dead(
                [r["id"] for r in rows],
                _("lease expired %s times without ack or nack") % attempts,
                now,
            )
        if not groups:
            return no_claim()
        # 4. Render the heads, batched per event type; failing groups die.
        events_groups = self._claim_render(endpoint, groups, now)
        if not events_groups:
            self.invalidate_model()
            return no_claim()
        # 5. Sequence, lease and attempts, in one statement.
        lease = self._claim_lease(events_groups, lease_seconds, consumer, now)
        # 6. The envelopes.
        return {"lease": lease, "events": self._claim_envelopes(endpoint, events_groups)}

    def _claim_scan(self, endpoint, limit, now):
        """Phase 1: the keys (model, id, warehouse id or 0) of the claimable
        aggregates in order of their oldest row.

        Scan claimable rows in id order, leaving out every aggregate that is
        in flight under an unexpired lease for this endpoint or has a row
        waiting for its backoff (the aggregate waits as one: see
        ``group_claimable``). Those aggregates are read first (a partial index on claimed rows) and
        excluded through a hashed array: no anti-join whose plan depends on
        statistics (with stale statistics on a large backlog an anti-join plan
        re-scanned every claimed row version per candidate and ran for
        minutes)."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT aggregate_model, aggregate_id, COALESCE(warehouse_id, 0)
              FROM plansync_outbox
             WHERE endpoint_id = %(endpoint)s
               AND state = 'claimed'
               AND lease_expires_at > %(now)s
             UNION
            SELECT aggregate_model, aggregate_id, COALESCE(warehouse_id, 0)
              FROM plansync_outbox
             WHERE endpoint_id = %(endpoint)s
               AND state = 'pending'
               AND next_attempt_at > %(now)s
            """,
            {"endpoint": endpoint.id, "now": now},
        )
        in_flight = cr.fetchall()
        exclude = ""
        params = {"endpoint": endpoint.id, "now": now, "scan": scan_size(limit)}
        if in_flight:
            exclude = """
               AND (o.aggregate_model || ':' || o.aggregate_id || ':' || COALESCE(o.warehouse_id, 0))
                   <> ALL (%(in_flight)s::varchar[])"""
            params["in_flight"] = ["%s:%s:%s" % key for key in in_flight]
        cr.execute(
            """
            SELECT o.id, o.aggregate_model, o.aggregate_id, COALESCE(o.warehouse_id, 0)
              FROM plansync_outbox o
             WHERE o.endpoint_id = %(endpoint)s
               AND o.state IN ('pending', 'claimed')
               AND ((o.state = 'pending'
                     AND (o.next_attempt_at IS NULL OR o.next_attempt_at <= %(now)s))
                    OR (o.state = 'claimed' AND o.lease_expires_at <= %(now)s))"""
            + exclude
            + """
             ORDER BY o.id
             LIMIT %(scan)s
            """,
            params,
        )
        return candidate_keys(cr.fetchall())

    def _claim_lock_aggregates(self, endpoint, keys, limit):
        """Phase 2: one transaction-scoped advisory lock per (endpoint,
        aggregate), taken oldest first and only until `limit` aggregates are
        held: an aggregate another claimer is handing out right now is
        skipped. Returns the keys locked, in order."""
        cr = self.env.cr
        cr.execute(
            """
            SELECT c.m, c.i, c.w
              FROM (SELECT k.m, k.i, k.w
                      FROM unnest(%s::varchar[], %s::int[], %s::int[])
                           WITH ORDINALITY AS k(m, i, w, n)
                     ORDER BY k.n) c
             WHERE pg_try_advisory_xact_lock(
                       %s, hashtext(%s || ':' || c.m || ':' || c.i || ':' || c.w))
             LIMIT %s
            """,
            (
                [k[0] for k in keys],
                [k[1] for k in keys],
                [k[2] for k in keys],
                ADVISORY_NAMESPACE,
                str(endpoint.id),
                limit,
            ),
        )
        return [tuple(row) for row in cr.fetchall()]

    def _claim_render(self, endpoint, groups, now):
        """Phase 4: render the heads, batched per event type; the groups whose
        rendering failed become dead letters. Returns the rendered groups,
        with their ``aggregate_key`` and ``payload``."""
        rendered = self.env["plansync.render"]._render_groups(endpoint, groups, now)
        events_groups = []
        for group in groups:
            result = rendered.get(group["head"]["id"])
            if isinstance(result, Exception) or result is None:
                self._mark_dead(
                    [r["id"] for r in group["rows"]],
                    _("rendering failed: %s") % (result or _("no result")),
                    now,
                )
                continue
            group["aggregate_key"], group["payload"] = result
            events_groups.append(group)
        return events_groups

    def _claim_lease(self, events_groups, lease_seconds, consumer, now):
        """Phase 5: sequence, lease and attempts of every row of the groups,
        in one statement. Returns the lease."""
        cr = self.env.cr
        lease = secrets.token_hex(16)
        lease_expires_at = now + timedelta(seconds=lease_seconds)
        cr.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)",
            (SEQUENCE_NAME, len(events_groups)),
        )
        sequences = sorted(row[0] for row in cr.fetchall())
        ids, heads, seqs, payloads, agg_keys = lease_columns(events_groups, sequences)
        cr.execute(
            """
            UPDATE plansync_outbox o
               SET state = 'claimed',
                   lease = %s,
                   consumer = %s,
                   lease_expires_at = %s,
                   claimed_at = %s,
                   attempts = COALESCE(o.attempts, 0) + 1,
                   claim_head_id = k.head,
                   sequence = COALESCE(k.seq, o.sequence),
                   payload = COALESCE(k.payload::jsonb, o.payload),
                   aggregate_key = k.agg_key,
                   write_uid = %s,
                   write_date = %s
              FROM unnest(%s::int[], %s::int[], %s::int[], %s::text[], %s::varchar[])
                   AS k(id, head, seq, payload, agg_key)
             WHERE o.id = k.id
            """,
            (
                lease,
                consumer,
                lease_expires_at,
                now,
                self.env.uid,
                now,
                ids,
                heads,
                seqs,
                payloads,
                agg_keys,
            ),
        )
        self.invalidate_model()
        return lease

    def _claim_envelopes(self, endpoint, events_groups):
        """Phase 6: one envelope per claimed group (docs/contract.md)."""
        companies = {
            company.id: {"id": company.id, "name": company.name or ""}
            for company in self.env["res.company"]
            .sudo()
            .browse({g["head"]["company_id"] for g in events_groups if g["head"]["company_id"]})
        }
        return [
            envelope(endpoint.code, group, companies.get(group["head"]["company_id"], False)) for group in events_groups
        ]

    def _mark_dead(self, ids, reason, now):
        self.env.cr.execute(
            """
            UPDATE plansync_outbox
               SET state = 'dead', dead_at = %s, last_error = %s,
                   lease_expires_at = NULL, write_uid = %s, write_date = %s
             WHERE id = ANY(%s)
            """,
            (now, reason[:MAX_ERROR_LENGTH], self.env.uid, now, list(ids)),
        )

    @api.model
    def _held(self, lease, event_ids):
        """Rows held under ``lease`` for the given head ids, locked, of
        endpoints of the caller's companies: {head_id: [(row_id, attempts,
        endpoint_id), ...]}. A lease token held by a user of another company
        acknowledges and releases nothing."""
        if not event_ids:
            return {}
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT o.claim_head_id, o.id, o.attempts, o.endpoint_id
              FROM plansync_outbox o
              JOIN plansync_endpoint e ON e.id = o.endpoint_id
             WHERE o.claim_head_id = ANY(%s)
               AND o.lease = %s
               AND o.state = 'claimed'
               AND e.company_id = ANY(%s)
             ORDER BY o.id
               FOR UPDATE OF o
            """,
            (event_ids, lease, self.env.user.company_ids.ids),
        )
        held = {}
        for head_id, row_id, attempts, endpoint_id in self.env.cr.fetchall():
            held.setdefault(head_id, []).append((row_id, attempts, endpoint_id))
        # an id that is not the head of its group is not an event id
        return {head: rows for head, rows in held.items() if head in {r[0] for r in rows}}

    @api.model
    def _endpoints_of(self, held):
        return self.env["plansync.endpoint"].sudo().browse(sorted({r[2] for rows in held.values() for r in rows}))

    @api.model
    def _ack(self, lease, event_ids):
        held = self._held(lease, event_ids)
        if not held:
            return 0
        now = fields.Datetime.now()
        self.env.cr.execute(
            """
            UPDATE plansync_outbox
               SET state = 'done', done_at = %s, lease_expires_at = NULL,
                   last_error = NULL, write_uid = %s, write_date = %s
             WHERE id = ANY(%s)
            """,
            (now, self.env.uid, now, [r[0] for rows in held.values() for r in rows]),
        )
        self.invalidate_model()
        # a delivery went through: an endpoint that was blocked is no longer
        self._endpoints_of(held).filtered("blocked_since")._mark_unblocked()
        return len(held)

    @api.model
    def _nack(self, lease, event_ids, error, retry_after, final, blocked=False, released=False):
        held = self._held(lease, event_ids)
        if not held:
            return 0
        settings = self._settings()
        now = fields.Datetime.now()
        if blocked or released:
            return self._nack_refund(held, error, retry_after, settings, now, blocked)
        dead_ids, retry = [], {}
        for rows in held.values():
            attempts = max(r[1] or 0 for r in rows)
            ids = [r[0] for r in rows]
            if final or attempts >= settings["max_attempts"]:
                dead_ids += ids
                continue
            if retry_after > 0:
                delay = retry_after
            else:
                delay = min(
                    settings["backoff_max_seconds"],
                    settings["backoff_base_seconds"] * 2 ** max(attempts - 1, 0),
                )
            retry.setdefault(now + timedelta(seconds=delay), []).extend(ids)
        if dead_ids:
            self._mark_dead(dead_ids, error, now)
        for next_attempt_at, ids in retry.items():
            self.env.cr.execute(
                """
                UPDATE plansync_outbox
                   SET state = 'pending', next_attempt_at = %s, last_error = %s,
                       lease_expires_at = NULL, write_uid = %s, write_date = %s
                 WHERE id = ANY(%s)
                """,
                (next_attempt_at, error, self.env.uid, now, ids),
            )
        self.invalidate_model()
        return len(held)

    @api.model
    def _nack_refund(self, held, error, retry_after, settings, now, blocked):
        """Not the events' fault (``blocked``: the endpoint refused the
        agent's credentials or configuration; else: never tried): the events
        go back to pending with their claim's attempt given back (never a dead
        letter), due after ``retry_after`` (or the base backoff); a blocked
        endpoint is marked so."""
        delay = retry_after if retry_after > 0 else settings["backoff_base_seconds"]
        self.env.cr.execute(
            """
            UPDATE plansync_outbox
               SET state = 'pending', next_attempt_at = %s, last_error = %s,
                   attempts = GREATEST(COALESCE(attempts, 0) - 1, 0),
                   lease_expires_at = NULL, write_uid = %s, write_date = %s
             WHERE id = ANY(%s)
            """,
            (
                now + timedelta(seconds=delay),
                error,
                self.env.uid,
                now,
                [r[0] for rows in held.values() for r in rows],
            ),
        )
        self.invalidate_model()
        if blocked:
            self._endpoints_of(held)._mark_blocked(error, now)
        return len(held)

    @api.model
    def _cron_purge_done(self, chunk_size=1000, max_chunks=100):
        """Delete delivered events older than the retention setting, in chunks."""
        retention = self._settings()["retention_days"]
        limit_date = fields.Datetime.now() - timedelta(days=retention)
        domain = [("state", "=", STATE_DONE), ("done_at", "<", limit_date)]
        purged = 0
        records = self._edit()
        for _i in range(max_chunks):
            chunk = records.search(domain, limit=chunk_size, order="id")
            if not chunk:
                break
            purged += len(chunk)
            chunk.unlink()
        if purged:
            _logger.info("PlanSync: purged %s delivered outbox events", purged)
        return purged
