# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``plansync.run.planning_snapshot``: the embedded planner's input.

One page of product x warehouse items with their weekly demand history and
supply state, in the shape of ``shared-types/planner.ts`` (docs/contract.md).
Per page: one statement chooses the items (and counts them all), one
computes weekly demand, stockout days and lead times from a single scan of
the items' done moves (set-based, window functions, no per-item or per-day
loop), one the quantities, one the reordering rules; vendor terms, packagings,
categories, costs and resupply routes are read for the whole page at once.
"""
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from odoo.addons.plansync.tools import check_int, pick_warehouses, show
from .res_company import DEFAULT_SERVICE_LEVEL, SERVICE_LEVEL_MAX, SERVICE_LEVEL_MIN
from odoo.addons.plansync import compat


MAX_WEEKS = 260
MAX_LIMIT = 5000
MAX_OFFSET = 2**31 - 1
# stock.move states Odoo counts in incoming_qty / outgoing_qty
OPEN_MOVE_STATES = ("waiting", "confirmed", "assigned", "partially_available")
# a move's local day is within a day of its UTC day in every timezone
TZ_MARGIN = timedelta(days=1)

# The page's items and the timezones of their warehouses, as the statements
# below read them. Parameters: products, warehouses, roundings (the items and
# the rounding of their product's unit), zone_ids, zones (a timezone per
# warehouse).
ITEMS_CTE = """
    it AS (
        SELECT * FROM unnest(%(products)s::int[], %(warehouses)s::int[], %(roundings)s::float8[])
                   AS t(product_id, warehouse_id, rounding)
    ),
    zn AS (
        SELECT * FROM unnest(%(zone_ids)s::int[], %(zones)s::text[]) AS z(warehouse_id, tz)
    )
"""

# On hand and reserved per item (quants of the warehouse's internal
# locations). Parameters: product_ids, zone_ids.
QUANTS_CTE = """
quants AS (
    SELECT q.product_id, l.warehouse_id,
           sum(q.quantity)::float8 AS on_hand, sum(q.reserved_quantity)::float8 AS reserved
      FROM stock_quant q
      JOIN stock_location l ON l.id = q.location_id
     WHERE l.usage = 'internal'
       AND q.product_id = ANY(%(product_ids)s)
       AND l.warehouse_id = ANY(%(zone_ids)s)
     GROUP BY q.product_id, l.warehouse_id
)"""

# Which product x warehouse pairs are items: storable active products with an
# Internal Reference, shared or of the warehouse's company, with stock, an
# active reordering rule or open moves there (sets of a few rows each), or
# else with a done delivery to or return from a customer in the window: one
# probe per remaining pair on Odoo's index (product, source, destination, ...).
CANDIDATES_SQL = """
WITH zn AS (
    SELECT * FROM unnest(%(zone_ids)s::int[], %(zones)s::text[]) AS z(warehouse_id, tz)
),
wh AS (
    SELECT w.id, w.company_id, w.lot_stock_id, zn.tz,
           ARRAY(SELECT l.id FROM stock_location l
                  WHERE l.usage = 'internal' AND l.warehouse_id = w.id) AS internal_ids
      FROM stock_warehouse w
      JOIN zn ON zn.warehouse_id = w.id
),
customers AS (
    SELECT ARRAY(SELECT l.id FROM stock_location l WHERE l.usage = 'customer') AS ids
),
busy AS (
    SELECT q.product_id, l.warehouse_id
      FROM stock_quant q
      JOIN stock_location l ON l.id = q.location_id
     WHERE l.usage = 'internal' AND l.warehouse_id = ANY(%(zone_ids)s)
       AND (q.quantity != 0 OR q.reserved_quantity != 0)
    UNION
    SELECT o.product_id, wh.id
      FROM stock_warehouse_orderpoint o
      JOIN wh ON wh.lot_stock_id = o.location_id
     WHERE o.active
    UNION
    SELECT m.product_id, ld.warehouse_id
      FROM stock_move m
      JOIN stock_location ls ON ls.id = m.location_id
      JOIN stock_location ld ON ld.id = m.location_dest_id
     WHERE m.state IN %(open_states)s AND ld.warehouse_id = ANY(%(zone_ids)s)
       AND ls.warehouse_id IS DISTINCT FROM ld.warehouse_id
    UNION
    SELECT m.product_id, ls.warehouse_id
      FROM stock_move m
      JOIN stock_location ls ON ls.id = m.location_id
      JOIN stock_location ld ON ld.id = m.location_dest_id
     WHERE m.state IN %(open_states)s AND ls.warehouse_id = ANY(%(zone_ids)s)
       AND ld.warehouse_id IS DISTINCT FROM ls.warehouse_id
),
pairs AS (
    SELECT pp.id AS product_id, wh.id AS warehouse_id, wh.internal_ids, wh.tz
      FROM product_product pp
      JOIN product_template pt ON pt.id = pp.product_tmpl_id
      JOIN wh ON pt.company_id IS NULL OR pt.company_id = wh.company_id
     WHERE pp.active AND pt.active AND {storable}
       AND COALESCE(pp.default_code, '') != ''
)
SELECT p.product_id, p.warehouse_id
  FROM pairs p, customers c
 WHERE (p.product_id, p.warehouse_id) IN (SELECT product_id, warehouse_id FROM busy)
    OR EXISTS (
        SELECT 1 FROM stock_move m
         WHERE m.product_id = p.product_id
           AND m.location_id = ANY(p.internal_ids) AND m.location_dest_id = ANY(c.ids)
           AND m.state = 'done' AND m.date >= %(from_utc)s AND m.date < %(to_utc)s
           AND ((m.date AT TIME ZONE 'UTC') AT TIME ZONE p.tz)::date
               BETWEEN %(history_start)s AND %(history_last)s)
    OR EXISTS (
        SELECT 1 FROM stock_move m
         WHERE m.product_id = p.product_id
           AND m.location_id = ANY(c.ids) AND m.location_dest_id = ANY(p.internal_ids)
           AND m.state = 'done' AND m.date >= %(from_utc)s AND m.date < %(to_utc)s
           AND ((m.date AT TIME ZONE 'UTC') AT TIME ZONE p.tz)::date
               BETWEEN %(history_start)s AND %(history_last)s)
""".replace(
    "{storable}", compat.storable_sql("pt")
)
PAGE_SQL = (
    "SELECT product_id, warehouse_id, count(*) OVER () FROM ("
    + CANDIDATES_SQL
    + ") AS candidates ORDER BY product_id, warehouse_id OFFSET %(offset)s LIMIT %(limit)s"
)
COUNT_SQL = "SELECT count(*) FROM (" + CANDIDATES_SQL + ") AS candidates"

# The history of the page's items, from one scan of their done moves since
# the window's first day (by product): each move is a flow into or out of the
# warehouse it enters or leaves (a move inside one warehouse is none), on the
# day it was done in the timezone of the warehouse's company. Rows of three
# kinds come back:
#
# - demand (week, quantity): done customer deliveries net of customer returns
#   (as demand.line and the Forecast vs Actual report);
# - stockout (week, days): days that ended with nothing on hand (<= 0: below
#   half the unit's rounding) in the warehouse's internal locations. The on
#   hand at the end of a day is the current on hand (quants) minus the net of
#   the flows after that day: computed per week first (window sums over the
#   weeks), and per day only for the weeks whose opening level plus all their
#   outflows falls to 0 (the level only changes on days with flows: it holds
#   from one such day to the next);
# - lead_time (samples, mean, standard deviation of the population, mean
#   delay): done receipts from a vendor of purchase order lines; actual: days
#   from the order's confirmation to the receipt, promised: days from the
#   confirmation to the line's expected arrival.
#
# Weeks are counted from history_start; the days after the window (the
# current week) are one more bucket, ``weeks``, that only moves the levels.
HISTORY_SQL = (
    "WITH"
    + ITEMS_CTE
    + """,
flows AS MATERIALIZED (
    -- one row per move: into the warehouse of an internal destination, else
    -- out of the warehouse of an internal source; a move from one
    -- warehouse's internal location straight into another's also leaves
    -- the first (source_warehouse)
    SELECT m.product_id,
           CASE WHEN d.inbound THEN ld.warehouse_id ELSE ls.warehouse_id END AS warehouse_id,
           CASE WHEN d.inbound THEN m.product_qty ELSE -m.product_qty END::float8 AS quantity,
           CASE WHEN d.inbound THEN ls.usage ELSE ld.usage END AS other_usage,
           CASE WHEN d.inbound THEN m.purchase_line_id END AS receipt_line,
           CASE WHEN d.inbound AND ls.usage = 'internal' THEN ls.warehouse_id END
               AS source_warehouse,
           m.date
      FROM stock_move m
      JOIN stock_location ls ON ls.id = m.location_id
      JOIN stock_location ld ON ld.id = m.location_dest_id
     CROSS JOIN LATERAL (
           SELECT ld.usage = 'internal' AND ld.warehouse_id IS NOT NULL AS inbound) AS d
     WHERE m.product_id = ANY(%(product_ids)s)
       AND m.state = 'done'
       AND m.date >= %(from_utc)s
       AND ((ld.usage = 'internal' AND ld.warehouse_id IS NOT NULL)
            OR (ls.usage = 'internal' AND ls.warehouse_id IS NOT NULL))
       AND NOT (ls.usage = 'internal' AND ld.usage = 'internal'
                AND ls.warehouse_id IS NOT DISTINCT FROM ld.warehouse_id)
),
sides AS (
    SELECT product_id, warehouse_id, quantity, other_usage, receipt_line, date FROM flows
    UNION ALL
    SELECT product_id, source_warehouse, -quantity, 'internal', NULL, date
      FROM flows WHERE source_warehouse IS NOT NULL
),
days AS MATERIALIZED (
    SELECT product_id, warehouse_id, quantity, other_usage, receipt_line, tz, day,
           LEAST((day - %(history_start)s) / 7, %(weeks)s) AS week
      FROM (
        SELECT f.product_id, f.warehouse_id, f.quantity, f.other_usage, f.receipt_line, zn.tz,
               ((f.date AT TIME ZONE 'UTC') AT TIME ZONE zn.tz)::date AS day
          FROM sides f
          JOIN it ON it.product_id = f.product_id AND it.warehouse_id = f.warehouse_id
          JOIN zn ON zn.warehouse_id = f.warehouse_id
      ) AS local_days
     WHERE day >= %(history_start)s
),
weekly AS (
    SELECT product_id, warehouse_id, week,
           sum(quantity) AS net,
           sum(LEAST(quantity, 0.0)) AS outflow,
           sum(CASE WHEN other_usage = 'customer' THEN -quantity ELSE 0.0 END) AS demand,
           bool_or(other_usage = 'customer') AS sold
      FROM days
     GROUP BY product_id, warehouse_id, week
),
"""
    + QUANTS_CTE
    + """,
weeks_in AS (
    SELECT product_id, warehouse_id, week, net, outflow, 0.0::float8 AS on_hand,
           0.0::float8 AS rounding
      FROM weekly
    UNION ALL
    SELECT it.product_id, it.warehouse_id, g.week, 0.0, 0.0,
           CASE WHEN g.week = 0 THEN COALESCE(oh.on_hand, 0.0) ELSE 0.0 END, it.rounding
      FROM it
      LEFT JOIN quants oh
        ON oh.product_id = it.product_id AND oh.warehouse_id = it.warehouse_id
     CROSS JOIN generate_series(0, %(weeks)s) AS g(week)
),
grid AS (
    SELECT product_id, warehouse_id, week, sum(net) AS net, sum(outflow) AS outflow,
           sum(on_hand) AS on_hand, max(rounding) AS rounding
      FROM weeks_in
     GROUP BY product_id, warehouse_id, week
),
levels AS (
    SELECT product_id, warehouse_id, week, net, outflow, rounding,
           sum(on_hand) OVER items - sum(net) OVER items
             + sum(net) OVER (items ORDER BY week ROWS UNBOUNDED PRECEDING) AS end_level
      FROM grid
    WINDOW items AS (PARTITION BY product_id, warehouse_id)
),
risky AS (
    SELECT product_id, warehouse_id, week, rounding, end_level - net AS start_level
      FROM levels
     WHERE week < %(weeks)s AND end_level - net + outflow < rounding / 2.0
),
risky_days AS (
    SELECT r.product_id, r.warehouse_id, r.week, r.rounding, r.start_level, d.day,
           sum(d.quantity) AS net
      FROM risky r
      JOIN days d
        ON d.product_id = r.product_id AND d.warehouse_id = r.warehouse_id AND d.week = r.week
     GROUP BY r.product_id, r.warehouse_id, r.week, r.rounding, r.start_level, d.day
    UNION ALL
    SELECT product_id, warehouse_id, week, rounding, start_level,
           %(history_start)s + 7 * week, 0.0
      FROM risky
),
day_levels AS (
    SELECT product_id, warehouse_id, week, rounding, day,
           start_level + sum(net) OVER w AS level,
           COALESCE(lead(day) OVER w, %(history_start)s + 7 * week + 7) AS next_day
      FROM risky_days
    WINDOW w AS (PARTITION BY product_id, warehouse_id, week ORDER BY day, net
                 ROWS UNBOUNDED PRECEDING)
),
stockout AS (
    SELECT product_id, warehouse_id, week, sum(next_day - day)::float8 AS days
      FROM day_levels
     WHERE level < rounding / 2.0
     GROUP BY product_id, warehouse_id, week
),
samples AS (
    SELECT d.product_id, d.warehouse_id,
           GREATEST(d.day - ((po.date_approve AT TIME ZONE 'UTC') AT TIME ZONE d.tz)::date, 0)
               AS actual,
           GREATEST(((pol.date_planned AT TIME ZONE 'UTC') AT TIME ZONE d.tz)::date
                    - ((po.date_approve AT TIME ZONE 'UTC') AT TIME ZONE d.tz)::date, 0)
               AS promised
      FROM days d
      JOIN purchase_order_line pol ON pol.id = d.receipt_line
      JOIN purchase_order po ON po.id = pol.order_id
     WHERE d.other_usage = 'supplier' AND d.quantity > 0
       AND po.date_approve IS NOT NULL AND pol.date_planned IS NOT NULL
),
lead_time AS (
    SELECT product_id, warehouse_id, count(*)::float8 AS samples,
           avg(actual)::float8 AS mean, COALESCE(stddev_pop(actual), 0)::float8 AS std,
           avg(actual - promised)::float8 AS delay
      FROM samples
     GROUP BY product_id, warehouse_id
)
SELECT 'demand', product_id, warehouse_id, week, round(demand::numeric, 6)::float8,
       0.0::float8, 0.0::float8, 0.0::float8
  FROM weekly WHERE week < %(weeks)s AND sold
UNION ALL
SELECT 'stockout', product_id, warehouse_id, week, days, 0.0, 0.0, 0.0 FROM stockout
UNION ALL
SELECT 'lead_time', product_id, warehouse_id, 0, samples, mean, std, delay FROM lead_time
"""
)

# On hand and reserved (quants of the warehouse's internal locations),
# incoming and outgoing (moves not done, cancelled or draft into or out of
# the warehouse's locations: Odoo's incoming_qty / outgoing_qty in the
# warehouse's context).
QUANTITIES_SQL = (
    "WITH"
    + ITEMS_CTE
    + """,
"""
    + QUANTS_CTE
    + """,
moves AS (
    SELECT m.product_id, m.product_qty,
           ls.warehouse_id AS w_source, ld.warehouse_id AS w_dest
      FROM stock_move m
      JOIN stock_location ls ON ls.id = m.location_id
      JOIN stock_location ld ON ld.id = m.location_dest_id
     WHERE m.state IN %(open_states)s
       AND m.product_id = ANY(%(product_ids)s)
       AND (ls.warehouse_id = ANY(%(zone_ids)s) OR ld.warehouse_id = ANY(%(zone_ids)s))
       AND ls.warehouse_id IS DISTINCT FROM ld.warehouse_id
),
incoming AS (
    SELECT product_id, w_dest AS warehouse_id, sum(product_qty) AS quantity
      FROM moves WHERE w_dest IS NOT NULL GROUP BY product_id, w_dest
),
outgoing AS (
    SELECT product_id, w_source AS warehouse_id, sum(product_qty) AS quantity
      FROM moves WHERE w_source IS NOT NULL GROUP BY product_id, w_source
)
SELECT it.product_id, it.warehouse_id,
       COALESCE(q.on_hand, 0.0), COALESCE(q.reserved, 0.0),
       COALESCE(i.quantity, 0.0), COALESCE(o.quantity, 0.0)
  FROM it
  LEFT JOIN quants q ON q.product_id = it.product_id AND q.warehouse_id = it.warehouse_id
  LEFT JOIN incoming i ON i.product_id = it.product_id AND i.warehouse_id = it.warehouse_id
  LEFT JOIN outgoing o ON o.product_id = it.product_id AND o.warehouse_id = it.warehouse_id
"""
)

# The active reordering rule of each item on its warehouse's stock location
# (an automatic one before one that Odoo's replenishment report made).
ORDERPOINT_SQL = """
SELECT DISTINCT ON (o.product_id, w.id)
       o.product_id, w.id, o.id, o.product_min_qty, o.product_max_qty, {multiple}
  FROM stock_warehouse_orderpoint o
  JOIN stock_warehouse w ON w.lot_stock_id = o.location_id
 WHERE o.active AND o.product_id = ANY(%(product_ids)s) AND w.id = ANY(%(zone_ids)s)
 ORDER BY o.product_id, w.id, o.trigger = 'auto' DESC, o.id
""".replace(
    "{multiple}", compat.orderpoint_multiple_sql("o")
)


def valid_tz(name):
    return name if name in pytz.all_timezones_set else "UTC"


class PlansyncRun(models.Model):
    _inherit = "plansync.run"

    @api.model
    def planning_snapshot(self, warehouses, weeks, offset, limit):
        """One page of the embedded planner's input (docs/contract.md).

        ``warehouses``: a list of warehouse codes, or False for every
        warehouse of the caller's companies; ``weeks``: 1 to 260 weeks of
        history; ``offset`` >= 0 and ``limit`` 1 to 5000: the page of items
        in (product id, warehouse id) order. Returns ``{"as_of",
        "history_start", "weeks", "items", "next", "total"}``
        (shared-types/planner.ts).
        """
        self.env["plansync.outbox"]._check_integration("plansync.run.planning_snapshot")
        selected = self._snapshot_warehouses(warehouses)
        check_int("weeks", weeks, 1, MAX_WEEKS)
        check_int("offset", offset, 0, MAX_OFFSET)
        check_int("limit", limit, 1, MAX_LIMIT)
        return self.sudo()._snapshot(selected, weeks, offset, limit)

    @api.model
    def _snapshot_warehouses(self, codes):
        """``warehouses`` of planning_snapshot -> stock.warehouse (sudo) of the
        caller's companies; a code shared by two companies names the one of
        the caller's current company (as import_batch resolves it)."""
        companies = self.env.companies
        available = self.env["stock.warehouse"].sudo().search([("company_id", "in", companies.ids)], order="id")
        current = self.env.company
        return pick_warehouses(
            codes,
            available,
            available.sorted(lambda w: (w.company_id != current, w.id)),
            _("a warehouse of your companies"),
        )

    # ------------------------------------------------------------------
    # the page
    # ------------------------------------------------------------------

    @api.model
    def _snapshot_window(self, weeks):
        """(as_of, history_start, window_end): today in the caller's current
        company's timezone, the Monday ``weeks`` weeks before the current
        week's, and the current week's Monday (the end, exclusive)."""
        tz = pytz.timezone(valid_tz(self.env.company.partner_id.tz))
        as_of = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()
        window_end = as_of - timedelta(days=as_of.weekday())
        return as_of, window_end - timedelta(weeks=weeks), window_end

    @api.model
    def _snapshot(self, warehouses, weeks, offset, limit):
        as_of, history_start, window_end = self._snapshot_window(weeks)
        self.env.flush_all()
        params = {
            "zone_ids": warehouses.ids,
            "zones": self._snapshot_zones(warehouses),
            "history_start": history_start,
            "history_last": window_end - timedelta(days=1),
            "window_end": window_end,
            "from_utc": datetime.combine(history_start, time.min) - TZ_MARGIN,
            "to_utc": datetime.combine(window_end, time.min) + TZ_MARGIN,
            "open_states": OPEN_MOVE_STATES,
            "offset": offset,
            "limit": limit,
        }
        pairs, total = self._snapshot_items(params)
        result = {
            "as_of": fields.Date.to_string(as_of),
            "history_start": fields.Date.to_string(history_start),
            "weeks": weeks,
            "items": [],
            "next": offset + limit if offset + limit < total else False,
            "total": total,
        }
        if not pairs:
            return result
        params["products"] = [p for p, _w in pairs]
        params["warehouses"] = [w for _p, w in pairs]
        params["product_ids"] = sorted(set(params["products"]))
        rounding = {p.id: p.uom_id.rounding for p in self.env["product.product"].browse(params["product_ids"])}
        params["roundings"] = [rounding[p] for p in params["products"]]
        params["weeks"] = weeks
        result["items"] = self._snapshot_render(pairs, warehouses, params, as_of, weeks)
        return result

    @api.model
    def _snapshot_zones(self, warehouses):
        """The timezone of each warehouse's company (UTC when unset or unknown)."""
        self.env.cr.execute(
            """
            SELECT w.id, p.tz
              FROM stock_warehouse w
              JOIN res_company c ON c.id = w.company_id
              JOIN res_partner p ON p.id = c.partner_id
             WHERE w.id = ANY(%s)
            """,
            (warehouses.ids,),
        )
        zones = dict(self.env.cr.fetchall())
        return [valid_tz(zones.get(w.id)) for w in warehouses]

    @api.model
    def _snapshot_items(self, params):
        """([(product id, warehouse id)] of the page, total)."""
        cr = self.env.cr
        if not params["zone_ids"]:
            return [], 0
        cr.execute(PAGE_SQL, params)
        rows = cr.fetchall()
        if rows:
            return [(p, w) for p, w, _total in rows], rows[0][2]
        if not params["offset"]:
            return [], 0
        cr.execute(COUNT_SQL, params)  # past the last page: count them all
        return [], cr.fetchone()[0]

    @api.model
    def _snapshot_render(self, pairs, warehouses, params, as_of, weeks):
        cr = self.env.cr
        demand = defaultdict(lambda: [0.0] * weeks)
        stockouts = defaultdict(lambda: [0] * weeks)
        lead_times = {}
        cr.execute(HISTORY_SQL, params)
        for kind, product_id, warehouse_id, week, value, mean, std, delay in cr.fetchall():
            key = (product_id, warehouse_id)
            if kind == "demand":
                demand[key][week] = value + 0.0
            elif kind == "stockout":
                if 0 <= week < weeks:
                    stockouts[key][week] = min(7, max(0, int(value)))
            else:
                lead_times[key] = {
                    "samples": int(value),
                    "mean_days": round(max(mean, 0.0), 4),
                    "std_days": round(max(std, 0.0), 4),
                    "mean_delay_days": round(delay, 4) + 0.0,
                }
        cr.execute(QUANTITIES_SQL, params)
        quantities = {(row[0], row[1]): row[2:] for row in cr.fetchall()}
        cr.execute(ORDERPOINT_SQL, params)
        rules = {
            (product_id, warehouse_id): {
                "id": rule_id,
                "min_qty": min_qty or 0.0,
                "max_qty": max_qty or 0.0,
                "multiple": multiple or 0.0,
            }
            for product_id, warehouse_id, rule_id, min_qty, max_qty, multiple in cr.fetchall()
        }
        products = self.env["product.product"].browse(params["product_ids"])
        vendors = self._snapshot_vendors(pairs, products, warehouses, as_of)
        resupply = self._snapshot_resupply(warehouses)
        categories = products.categ_id._plansync_service_levels()
        costs = {}
        for company in warehouses.company_id:
            for product in products.with_company(company):
                costs[product.id, company.id] = max(product.standard_price or 0.0, 0.0)
        warehouse_by_id = {w.id: w for w in warehouses}
        product_by_id = {p.id: p for p in products}
        items = []
        for product_id, warehouse_id in pairs:
            product = product_by_id[product_id]
            warehouse = warehouse_by_id[warehouse_id]
            company = warehouse.company_id
            rounding = product.uom_id.rounding
            on_hand, reserved, incoming, outgoing = quantities.get((product_id, warehouse_id), (0.0, 0.0, 0.0, 0.0))
            level = categories.get(product.categ_id.id) or (
                company.plansync_default_service_level or DEFAULT_SERVICE_LEVEL
            )
            items.append(
                {
                    "product_id": product_id,
                    "sku": product.default_code,
                    "warehouse_id": warehouse_id,
                    "warehouse": warehouse.code,
                    "company_id": company.id,
                    "uom": product.uom_id.name or "",
                    "category": product.categ_id.complete_name or "",
                    "service_level": min(max(level, SERVICE_LEVEL_MIN), SERVICE_LEVEL_MAX),
                    "unit_cost": costs.get((product_id, company.id), 0.0),
                    "demand": demand[product_id, warehouse_id],
                    "stockout_days": stockouts[product_id, warehouse_id],
                    "on_hand": float_round(on_hand, precision_rounding=rounding) + 0.0,
                    "reserved": float_round(reserved, precision_rounding=rounding) + 0.0,
                    "incoming": float_round(incoming, precision_rounding=rounding) + 0.0,
                    "outgoing": float_round(outgoing, precision_rounding=rounding) + 0.0,
                    "vendor": vendors.get((product_id, warehouse_id), False),
                    "lead_time": lead_times.get((product_id, warehouse_id), False),
                    "reorder_rule": rules.get((product_id, warehouse_id), False),
                    "resupply_from": resupply.get(warehouse_id, False),
                }
            )
        return items

    @api.model
    def _snapshot_vendors(self, pairs, products, warehouses, as_of):
        """{(product id, warehouse id): vendor}: the product's first valid
        vendor terms for the warehouse's company (Odoo's order: sequence,
        greatest minimum, price), as import_batch picks a vendor when a
        line names none."""
        infos = self.env["product.supplierinfo"].search([("product_tmpl_id", "in", products.product_tmpl_id.ids)])
        by_template = defaultdict(list)
        for info in infos.sorted(lambda s: (s.sequence, -s.min_qty, s.price, s.id)):
            if (
                info.partner_id.active
                and (not info.date_start or info.date_start <= as_of)
                and (not info.date_end or info.date_end >= as_of)
            ):
                by_template[info.product_tmpl_id.id].append(info)
        packs = compat.purchase_packagings(self.env, products)
        product_by_id = {p.id: p for p in products}
        company_by_warehouse = {w.id: w.company_id for w in warehouses}
        rates = {}
        result = {}
        for product_id, warehouse_id in pairs:
            product = product_by_id[product_id]
            company = company_by_warehouse[warehouse_id]
            info = next(
                (
                    i
                    for i in by_template.get(product.product_tmpl_id.id, ())
                    if (not i.product_id or i.product_id == product) and (not i.company_id or i.company_id == company)
                ),
                None,
            )
            if info is None:
                continue
            product_uom = product.uom_id
            seller_uom = compat.line_uom(info) or product_uom
            min_qty = info.min_qty or 0.0
            price = (info.price or 0.0) * (1 - (info.discount or 0.0) / 100.0)
            if seller_uom != product_uom:
                min_qty = seller_uom._compute_quantity(min_qty, product_uom, round=False)
                price = seller_uom._compute_price(price, product_uom)
            currency = info.currency_id or company.currency_id
            if currency != company.currency_id:
                key = (currency.id, company.id)
                if key not in rates:
                    rates[key] = currency._get_conversion_rate(currency, company.currency_id, company, as_of)
                price *= rates[key]
            pack = next(
                (p for p in packs.get(product_id, ()) if not p.company_id or p.company_id == company),
                None,
            )
            partner = info.partner_id
            result[product_id, warehouse_id] = {
                "code": (partner.ref or "").strip() or partner.name or str(partner.id),
                "partner_id": partner.id,
                "lead_time_days": float(max(info.delay or 0, 0)),
                "min_qty": round(max(min_qty, 0.0), 6),
                "multiple": pack.qty if pack else False,
                "price": round(max(price, 0.0), 6),
                "currency": company.currency_id.name,
            }
        return result

    @api.model
    def _snapshot_resupply(self, warehouses):
        """{warehouse id: {"warehouse", "lead_time_days"}}: the first warehouse
        that resupplies it and the delay of the route between them (the sum of
        the delays of its active pull rules, as Odoo's lead days add them)."""
        result = {}
        for warehouse in warehouses:
            source = warehouse.resupply_wh_ids[:1]
            if not source:
                continue
            route = warehouse.resupply_route_ids.filtered(lambda r: r.active and r.supplier_wh_id == source)[:1]
            rules = route.rule_ids.filtered(lambda r: r.active and r.action in ("pull", "pull_push"))
            result[warehouse.id] = {
                "warehouse": source.code,
                "lead_time_days": float(max(sum(rules.mapped("delay")), 0)),
            }
        return result
