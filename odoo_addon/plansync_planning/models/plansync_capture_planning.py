# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Capture of the planning events (docs/events.md, "Planning events").

Same rules as the rest of the capture: the overrides only *record* (event
type, model, id, warehouse, company) through ``plansync.capture._record``;
the precommit callback writes the outbox rows in one INSERT ... SELECT. The
only payloads recorded at capture are the ones that would be gone at claim
time: the previous promised date of a slip, and the last state of an open
line that is deleted (sale_order_line.py, purchase_order_line.py).
"""
from datetime import datetime

import pytz

from odoo import api, fields, models

from odoo.addons.plansync.models.plansync_capture import PRECOMMIT_KEY
from odoo.addons.plansync.tools import company_tz, local_date
from odoo.addons.plansync import compat

# Fields whose change is captured (docs/events.md).
SALE_LINE_FIELDS = frozenset(["product_uom_qty", "qty_delivered", "product_id", compat.LINE_UOM, "state"])
SALE_ORDER_FIELDS = frozenset(["state", "commitment_date", "warehouse_id"])
PURCHASE_LINE_FIELDS = frozenset(
    [
        "product_qty",
        "qty_received",
        "date_planned",
        "product_id",
        compat.LINE_UOM,
        "price_unit",
        "state",
    ]
)
PURCHASE_ORDER_FIELDS = frozenset([*compat.PURCHASE_ORDER_STATE_FIELDS, "date_planned", "picking_type_id"])

SALE_CONFIRMED = ("sale",)
PURCHASE_CONFIRMED = ("purchase", "done")
SLIP_MODEL = "purchase.order.line/slip"

# event type: (line model, confirmed order states, order -> warehouse, render method)
OPEN_LINES = {
    "sale.open_line": (
        "sale.order.line",
        SALE_CONFIRMED,
        lambda order: order.warehouse_id,
        "_sale_open_line_values",
    ),
    "purchase.open_line": (
        "purchase.order.line",
        PURCHASE_CONFIRMED,
        lambda order: order.picking_type_id.warehouse_id,
        "_purchase_open_line_values",
    ),
}


class PlansyncCapture(models.AbstractModel):
    _inherit = "plansync.capture"

    # ------------------------------------------------------------------
    # helpers
    # ------------------------------------------------------------------

    @api.model
    def _stored_values(self, records, fname):
        """{id: value} of a stored field as it is *now* (before a compute or a
        write changes it): the cache when it holds the record, else the
        database, in one query. New records (not in the database yet) are
        left out."""
        field = records._fields[fname]
        cache = records.env.cache
        values, missing = {}, []
        for record in records:
            if not isinstance(record.id, int):
                continue
            try:
                values[record.id] = cache.get(record, field)
            except KeyError:
                missing.append(record.id)
        if missing:
            query = 'SELECT id, "%s" FROM "%s" WHERE id = ANY(%%s)' % (fname, records._table)
            self.env.cr.execute(query, (missing,))
            values.update(dict(self.env.cr.fetchall()))
        return values

    # ------------------------------------------------------------------
    # demand.line
    # ------------------------------------------------------------------

    @api.model
    def _demand_side(self, move):
        """("delivery" | "return", warehouse) of a customer move of a
        warehouse, or (False, False): internal -> customer is a delivery,
        customer -> internal a return; anything else (dropship supplier ->
        customer, internal transfers, receipts) is not demand."""
        source, dest = move.location_id, move.location_dest_id
        if dest.usage == "customer" and source.usage == "internal" and source.warehouse_id:
            return "delivery", source.warehouse_id
        if source.usage == "customer" and dest.usage == "internal" and dest.warehouse_id:
            return "return", dest.warehouse_id
        return False, False

    @api.model
    def _capture_demand(self, moves):
        """``demand.line`` for moves that just became done."""
        moves = self._stored(moves)
        if not moves or not self._is_subscribed("demand.line"):
            return
        entries = []
        for move in moves.sudo():
            if move.state != "done":
                continue
            kind, warehouse = self._demand_side(move)
            if kind:
                entries.append(
                    (
                        "demand.line",
                        "stock.move",
                        move.id,
                        warehouse.id,
                        warehouse.company_id.id,
                        "",
                        None,
                    )
                )
        if entries:
            self._record(entries)

    # ------------------------------------------------------------------
    # sale.open_line, purchase.open_line (one code, two kinds of order)
    # ------------------------------------------------------------------

    @api.model
    def _capture_sale_lines(self, lines, states=SALE_CONFIRMED, warehouses=None):
        """``sale.open_line`` for the product lines of ``lines`` whose order is
        in ``states``. ``warehouses``: {order_id: warehouse_id} to record
        instead of the order's current one (before a change of warehouse)."""
        self._capture_open_lines("sale.open_line", lines, states, warehouses)

    @api.model
    def _capture_purchase_lines(self, lines, states=PURCHASE_CONFIRMED, warehouses=None):
        """``purchase.open_line``, as ``_capture_sale_lines``."""
        self._capture_open_lines("purchase.open_line", lines, states, warehouses)

    @api.model
    def _capture_open_lines(self, event_type, lines, states, warehouses=None):
        lines = self._stored(lines)
        if not lines or not self._is_subscribed(event_type):
            return
        model, _confirmed, warehouse_of, _render = OPEN_LINES[event_type]
        entries = []
        for line in lines.sudo():
            if not isinstance(line.id, int) or line.display_type or not line.product_id:
                continue
            order = line.order_id
            if states is not None and order.state not in states:
                continue
            if warehouses is not None:
                warehouse_id = warehouses.get(order.id, 0)
            else:
                warehouse_id = warehouse_of(order).id
            entries.append((event_type, model, line.id, warehouse_id, order.company_id.id, "", None))
        if entries:
            self._record(entries)

    @api.model
    def _last_open_lines(self, event_type, lines):
        """A line of a cancelled order may be deleted (with its order, or
        alone) before its closing event is delivered: its last state (open
        quantity 0) is rendered now, to be recorded (``_record_last``) once
        the deletion passed, for the lines that have a row still to deliver."""
        lines = self._stored(lines)
        if not lines or not self._is_subscribed(event_type):
            return []
        model, _confirmed, warehouse_of, render = OPEN_LINES[event_type]
        undelivered = self._open_in_outbox(event_type, model, set(lines.ids))
        lines = lines.sudo().filtered(lambda line: line.id in undelivered)
        rendered = getattr(self.env["plansync.render"].sudo(), render)(lines)
        return [
            (
                event_type,
                model,
                line.id,
                warehouse_of(line.order_id).id,
                line.order_id.company_id.id,
                rendered[line.id][0],
                rendered[line.id][1],
            )
            for line in lines
        ]

    @api.model
    def _order_write(self, orders, vals, event_type, fields_, warehouse_field, write):
        """``write`` (the order's super().write) with the fan-out to its open
        lines: confirmation, cancellation, locking or a change of date or
        warehouse changes every line of the order. On a change of warehouse
        the warehouse it leaves hears of it too."""
        if not fields_.intersection(vals) or not self._is_subscribed(event_type):
            return write(vals)
        _model, confirmed_states, warehouse_of, _render = OPEN_LINES[event_type]
        confirmed = orders.filtered(lambda order: order.state in confirmed_states)
        if warehouse_field in vals and confirmed:
            self._capture_open_lines(
                event_type,
                confirmed.order_line,
                confirmed_states,
                warehouses={order.id: warehouse_of(order).id for order in confirmed},
            )
        res = write(vals)
        # confirmed before (now cancelled) or after (now confirmed)
        orders = confirmed | orders.filtered(lambda order: order.state in confirmed_states)
        self._capture_open_lines(event_type, orders.order_line, None)
        return res

    @api.model
    def _unlink_lines(self, event_type, lines, unlink):
        """``unlink`` (super().unlink of the lines or of their orders: the
        database deletes an order's lines, not their unlink()) that keeps the
        last state of the lines still to deliver."""
        entries = self._last_open_lines(event_type, lines)
        res = unlink()
        if entries:
            self._record_last(entries)
        return res

    @api.model
    def _capture_slips(self, lines, previous):
        """``purchase.date_slipped`` for the confirmed lines whose promised day
        (in the company's timezone) is now later than in ``previous``
        ({line_id: datetime}). The previous and new days are recorded now:
        the previous one is gone at claim time."""
        lines = self._stored(lines)
        if not lines or not self._is_subscribed("purchase.date_slipped"):
            return
        entries = []
        for line in lines.sudo():
            old = previous.get(line.id)
            new = line.date_planned
            if not old or not new or line.display_type or not line.product_id:
                continue
            order = line.order_id
            if order.state not in PURCHASE_CONFIRMED:
                continue
            tz_name = company_tz(order.company_id)
            old_day, new_day = local_date(old, tz_name), local_date(new, tz_name)
            if new_day <= old_day:
                continue
            entries.append(
                (
                    "purchase.date_slipped",
                    SLIP_MODEL,
                    line.id,
                    order.picking_type_id.warehouse_id.id,
                    order.company_id.id,
                    "",
                    {
                        "line_id": line.id,
                        "previous_date": fields.Date.to_string(old_day),
                        "promised_date": fields.Date.to_string(new_day),
                    },
                )
            )
        if entries:
            self._record_facts(entries)

    @api.model
    def _open_in_outbox(self, event_type, model, ids):
        """The ids among ``ids`` that have a row of ``event_type`` still to
        deliver: pending or claimed, or recorded by this transaction."""
        found = set()
        recorded = self.env.cr.precommit.data.get(PRECOMMIT_KEY) or {}
        for key in recorded:
            if key[0] == event_type and key[1] == model and key[2] in ids:
                found.add(key[2])
        self.env.cr.execute(
            """
            SELECT DISTINCT o.aggregate_id
              FROM plansync_outbox o
             WHERE o.endpoint_id IN (SELECT id FROM plansync_endpoint)
               AND o.state IN ('pending', 'claimed')
               AND o.aggregate_model = %s
               AND o.aggregate_id = ANY(%s)
               AND o.event_type = %s
            """,
            (model, list(ids), event_type),
        )
        found.update(row[0] for row in self.env.cr.fetchall())
        return found

    @api.model
    def _record_last(self, entries):
        """Like ``_record``, but each entry replaces what the transaction
        recorded for the same aggregate before: a line cancelled, then deleted
        in one transaction keeps the payload recorded at its deletion."""
        pending = self._pending()
        for event_type, model, res_id, warehouse_id, company_id, key, payload in entries:
            if compat.is_in_memory_id(res_id) or not res_id:
                continue  # in memory only: not a change
            pending[(event_type, model, res_id, warehouse_id or 0)] = (
                company_id or 0,
                key or "",
                payload,
            )

    @api.model
    def _record_facts(self, entries):
        """Like ``_record``, but every entry is kept: two slips of one line in
        one transaction are two facts, not one (``_record`` keeps the first
        entry of an aggregate per transaction). The later one supersedes the
        earlier one for the new date while the earliest previous date is kept."""
        key = "plansync.capture.facts"
        precommit = self.env.cr.precommit
        pending = precommit.data.get(key)
        if pending is None:
            pending = precommit.data[key] = {}
        for entry in entries:
            event_type, model, res_id, warehouse_id, company_id, agg_key, payload = entry
            known = pending.get((event_type, model, res_id))
            if known:
                # merge into the fact recorded earlier in this transaction
                payload = dict(
                    payload,
                    previous_date=min(known["previous_date"], payload["previous_date"]),
                )
                known.update(payload)
                continue
            pending[(event_type, model, res_id)] = payload
            self._record([entry])
