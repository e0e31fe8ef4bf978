# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``plansync.outbox.enqueue_history``: backfill and full reconciliation
through the outbox (docs/contract.md).

One call is one statement: a page of record ids after the cursor (``scan``),
the ones not in the endpoint's outbox yet (``fresh``) inserted as pending rows,
and the count of the records left after the page, in one snapshot.
"""
from datetime import date, datetime, time

import pytz

from odoo import _, api, models
from odoo.exceptions import ValidationError
from odoo.tools import mute_logger

from odoo.addons.plansync.tools import check_int, check_str, company_tz

MAX_HISTORY_LIMIT = 50000
MAX_CURSOR = 2**31 - 1
# ANALYZE the outbox once this many rows, plus this share of its rows, have
# changed since the last ANALYZE (autovacuum: 50 rows + 10 %, a minute later)
HISTORY_ANALYZE_ROWS = 10000
HISTORY_ANALYZE_SHARE = 0.2

# kind -> (aggregate model, columns, source). The columns are ``id``,
# ``warehouse_id`` and ``company_id`` of a record; the source is the FROM and
# WHERE of the records of one kind for one endpoint, written so that
# "AND <condition on x.id>" can follow.
_WAREHOUSES = "(%(all_warehouses)s OR {wh} IS NULL OR {wh} = ANY(%(warehouses)s))"
HISTORY_SOURCES = {
    # Customer moves are told apart by their locations, known in advance
    # (customer locations, internal locations of the endpoint's warehouses):
    # the filter reads stock_move alone, so that counting what remains is an
    # index-only scan of plansync_stock_move_done_idx.
    "demand.line": (
        "stock.move",
        """
        x.id,
        (SELECT l.warehouse_id FROM stock_location l
          WHERE l.id = CASE WHEN x.location_dest_id = ANY(%(customer_locations)s)
                            THEN x.location_id ELSE x.location_dest_id END) AS warehouse_id,
        x.company_id
        """,
        """
          FROM stock_move x
         WHERE x.state = 'done'
           AND x.company_id = %(company)s
           AND ((x.location_dest_id = ANY(%(customer_locations)s)
                 AND x.location_id = ANY(%(warehouse_locations)s))
             OR (x.location_id = ANY(%(customer_locations)s)
                 AND x.location_dest_id = ANY(%(warehouse_locations)s)))
           AND (%(since)s::timestamp IS NULL OR x.date >= %(since)s::timestamp)
        """,
    ),
    "product.changed": (
        "product.product",
        "x.id, NULL::integer AS warehouse_id, t.company_id",
        """
          FROM product_product x
          JOIN product_template t ON t.id = x.product_tmpl_id
         WHERE (t.company_id IS NULL OR t.company_id = %(company)s)
        """,
    ),
    "uom.changed": (
        "uom.uom",
        "x.id, NULL::integer AS warehouse_id, NULL::integer AS company_id",
        """
          FROM uom_uom x
         WHERE TRUE
        """,
    ),
    "warehouse.changed": (
        "stock.warehouse",
        "x.id, NULL::integer AS warehouse_id, x.company_id",
        """
          FROM stock_warehouse x
         WHERE x.company_id = %(company)s
        """,
    ),
    "location.changed": (
        "stock.location",
        "x.id, NULL::integer AS warehouse_id, x.company_id",
        """
          FROM stock_location x
         WHERE (x.company_id IS NULL OR x.company_id = %(company)s)
        """,
    ),
    "vendor_terms.changed": (
        "product.supplierinfo",
        "x.id, NULL::integer AS warehouse_id, x.company_id",
        """
          FROM product_supplierinfo x
         WHERE (x.company_id IS NULL OR x.company_id = %(company)s)
        """,
    ),
    "sale.open_line": (
        "sale.order.line",
        "x.id, o.warehouse_id, x.company_id",
        """
          FROM sale_order_line x
          JOIN sale_order o ON o.id = x.order_id
         WHERE o.state = 'sale'
           AND x.company_id = %(company)s
           AND x.display_type IS NULL
           AND x.product_id IS NOT NULL
           AND x.product_uom_qty > COALESCE(x.qty_delivered, 0)
           AND """
        + _WAREHOUSES.format(wh="o.warehouse_id"),
    ),
    "purchase.open_line": (
        "purchase.order.line",
        "x.id, pt.warehouse_id, x.company_id",
        """
          FROM purchase_order_line x
          JOIN purchase_order o ON o.id = x.order_id
          LEFT JOIN stock_picking_type pt ON pt.id = o.picking_type_id
         WHERE o.state IN ('purchase', 'done')
           AND x.company_id = %(company)s
           AND x.display_type IS NULL
           AND x.product_id IS NOT NULL
           AND x.product_qty > COALESCE(x.qty_received, 0)
           AND """
        + _WAREHOUSES.format(wh="pt.warehouse_id"),
    ),
}
HISTORY_KINDS = tuple(HISTORY_SOURCES)

# Already in the endpoint's outbox: a demand line is an immutable fact, any row
# of the move counts; for a state, a row still pending or claimed (coalescing
# delivers the current state anyway).
_KNOWN = {
    "history": """
        SELECT 1 FROM plansync_outbox o
         WHERE o.endpoint_id = %(endpoint)s
           AND o.event_type = 'demand.line'
           AND o.aggregate_model = 'stock.move'
           AND o.aggregate_id = s.id
    """,
    "state": """
        SELECT 1 FROM plansync_outbox o
         WHERE o.endpoint_id = %(endpoint)s
           AND o.state IN ('pending', 'claimed')
           AND o.aggregate_model = %(model)s
           AND o.aggregate_id = s.id
           AND o.event_type = %(kind)s
    """,
}

HISTORY_QUERY = """
    WITH scan AS MATERIALIZED (
        SELECT {columns}
        {source}
           AND x.id > %(cursor)s
         ORDER BY x.id
         LIMIT %(limit)s
    ), inserted AS (
        INSERT INTO plansync_outbox (
            event_type, endpoint_id, aggregate_model, aggregate_id, warehouse_id,
            company_id, occurred_at, next_attempt_at, state, attempts,
            create_uid, create_date, write_uid, write_date)
        SELECT %(kind)s, %(endpoint)s, %(model)s, s.id, s.warehouse_id,
               s.company_id,
               date_trunc('second', now() AT TIME ZONE 'UTC'),
               date_trunc('second', now() AT TIME ZONE 'UTC'), 'pending', 0,
               %(uid)s, now() AT TIME ZONE 'UTC', %(uid)s, now() AT TIME ZONE 'UTC'
          FROM scan s
         WHERE NOT EXISTS ({known})
         ORDER BY s.id
        RETURNING 1
    ), page AS (
        SELECT count(*) AS scanned, COALESCE(max(id), %(cursor)s) AS cursor FROM scan
    )
    SELECT page.scanned,
           (SELECT count(*) FROM inserted),
           page.cursor,
           (SELECT count(*) {source} AND x.id > page.cursor)
      FROM page
"""


class PlansyncOutbox(models.Model):
    _inherit = "plansync.outbox"

    def init(self):
        super().init()
        # enqueue_history: "has this endpoint a demand line of this move?"
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_demand_idx
                ON plansync_outbox (endpoint_id, aggregate_id)
             WHERE event_type = 'demand.line'
            """
        )
        # Deleting outbox rows (the purge cron, an endpoint deleted with its
        # rows) makes PostgreSQL look up the rows that reference each deleted
        # one through replay_of_id: without an index, one sequential scan per
        # deleted row, quadratic once a backfill has put millions of rows in
        # the outbox (claim_head_id has its index already).
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_outbox_replay_of_idx
                ON plansync_outbox (replay_of_id)
             WHERE replay_of_id IS NOT NULL
            """
        )
        # enqueue_history: the done moves in id order, and the count of those
        # left after a page, read from the index alone (no heap access once
        # the table is vacuumed)
        self.env.cr.execute(
            """
            CREATE INDEX IF NOT EXISTS plansync_stock_move_done_idx
                ON stock_move (id)
                   INCLUDE (company_id, location_id, location_dest_id, date)
             WHERE state = 'done'
            """
        )

    @api.model
    def enqueue_history(self, endpoint, kind, since, cursor, limit):
        """Put one page of history (``demand.line``) or of the current state
        of a kind into the outbox of ``endpoint``. See docs/contract.md.

        Returns ``{"enqueued", "skipped", "cursor", "done", "remaining"}``.
        """
        self._check_integration("plansync.outbox.enqueue_history")
        check_str("endpoint", endpoint, 1, 64)
        if not isinstance(kind, str) or kind not in HISTORY_KINDS:
            raise ValidationError(
                _("kind must be one of %(kinds)s, got %(value)r") % {"kinds": ", ".join(HISTORY_KINDS), "value": kind}
            )
        since_day = self._check_since(since)
        check_int("cursor", cursor, 0, MAX_CURSOR)
        check_int("limit", limit, 1, MAX_HISTORY_LIMIT)
        record = self._integration_endpoint(endpoint)
        if kind not in record.event_type_ids.filtered("active").mapped("code"):
            raise ValidationError(
                _("kind must be an event type that endpoint %(endpoint)r subscribes to, " "got %(value)r")
                % {"endpoint": endpoint, "value": kind}
            )
        return self._edit()._enqueue_history(record, kind, since_day, cursor, limit)

    @api.model
    def _check_since(self, since):
        """``since``: False or ``YYYY-MM-DD``; returns a date or None."""
        if since is False:
            return None
        day = None
        if isinstance(since, str) and len(since) == 10:
            try:
                day = date.fromisoformat(since)
            except ValueError:
                day = None
        if day is None:
            raise ValidationError(_("since must be false or a date YYYY-MM-DD, got %r") % (since,))
        return day

    @api.model
    def _enqueue_history(self, endpoint, kind, since_day, cursor, limit):
        self.env.flush_all()
        # One call at a time per endpoint: under REPEATABLE READ two concurrent
        # calls (two agents, or a call retried after a client timeout while the
        # first still runs) would not see each other's rows and enqueue the
        # same moves twice. The second one fails here with LockNotAvailable,
        # which Odoo's RPC layer retries with a fresh snapshot. NO KEY UPDATE
        # does not block the captures' inserts (their foreign key check takes
        # KEY SHARE on the endpoint).
        with mute_logger("odoo.sql_db"):
            self.env.cr.execute(
                "SELECT id FROM plansync_endpoint WHERE id = %s FOR NO KEY UPDATE NOWAIT",
                (endpoint.id,),
            )
        self.env.cr.execute(*self._history_query(endpoint, kind, since_day, cursor, limit))
        scanned, enqueued, new_cursor, remaining = self.env.cr.fetchone()
        self.invalidate_model()
        if enqueued:
            self._analyze_if_stale()
        return {
            "enqueued": enqueued,
            "skipped": scanned - enqueued,
            "cursor": new_cursor,
            "done": not remaining,
            "remaining": remaining,
        }

    @api.model
    def _analyze_if_stale(self):
        """Refresh the planner's statistics of the outbox when a backfill has
        changed a good part of it since the last ANALYZE. Without this, the
        first claim after a large backfill (a million rows of an endpoint the
        statistics have never seen) was planned from statistics of an almost
        empty outbox and ran for minutes; autovacuum's ANALYZE comes only
        about a minute later."""
        self.env.cr.execute(
            """
            SELECT n_mod_since_analyze, n_live_tup
              FROM pg_stat_user_tables
             WHERE relid = 'plansync_outbox'::regclass
            """
        )
        row = self.env.cr.fetchone()
        if row and row[0] > HISTORY_ANALYZE_ROWS + HISTORY_ANALYZE_SHARE * row[1]:
            self.env.cr.execute("ANALYZE plansync_outbox")

    @api.model
    def _history_query(self, endpoint, kind, since_day, cursor, limit):
        """(query, params) of one enqueue_history page (also for EXPLAIN)."""
        model, columns, source = HISTORY_SOURCES[kind]
        since = None
        if since_day and kind == "demand.line":
            # the day starts at midnight in the company's timezone (events.md:
            # a demand line's date is the day in that timezone)
            tz_name = company_tz(endpoint.company_id)
            try:
                tz = pytz.timezone(tz_name) if tz_name else pytz.utc
            except pytz.UnknownTimeZoneError:
                tz = pytz.utc
            start = tz.localize(datetime.combine(since_day, time.min))
            since = start.astimezone(pytz.utc).replace(tzinfo=None)
        warehouses = endpoint.warehouse_ids.ids
        # customer locations, and the internal locations of the endpoint's
        # warehouses (of every warehouse when it has none)
        self.env.cr.execute(
            """
            SELECT id, usage FROM stock_location
             WHERE usage = 'customer'
                OR (usage = 'internal' AND warehouse_id IS NOT NULL
                    AND (%s OR warehouse_id = ANY(%s)))
            """,
            (not warehouses, warehouses or [0]),
        )
        locations = self.env.cr.fetchall()
        query = HISTORY_QUERY.format(
            columns=columns,
            source=source,
            known=_KNOWN["history" if kind == "demand.line" else "state"],
        )
        params = {
            "kind": kind,
            "model": model,
            "endpoint": endpoint.id,
            "company": endpoint.company_id.id,
            "since": since,
            "all_warehouses": not warehouses,
            "warehouses": warehouses or [0],
            "customer_locations": [i for i, usage in locations if usage == "customer"] or [0],
            "warehouse_locations": [i for i, usage in locations if usage == "internal"] or [0],
            "cursor": cursor,
            "limit": limit,
            "uid": self.env.uid,
        }
        return query, params
