# Run inside `odoo-bin shell -d <db>` (PlanSync installed): synthesizes the sales history that
# enqueue_history("demand.line") backfills, in bulk SQL.
#
#   BENCH_DEMAND_LINES  done customer moves to create (default 1000000)
#   BENCH_PRODUCTS      storable products they spread over (default 2000)
#
# Products, customers and one draft sale order line per product are created through the ORM (a few
# thousand records); the moves with INSERT ... SELECT generate_series, 100,000 per transaction:
# done deliveries WH/Stock -> Customers (95 %) and returns Customers -> WH/Stock (5 %), 10 % of
# them in Dozens, half linked to the product's sale line, dates spread evenly over the last 3
# years (ids grow with dates, as in a real database). No quants are touched. At the end the ORM
# reads a sample of the moves and plansync.render renders them as demand lines.
import json
import os
import time

from odoo import Command, fields

env = env  # noqa: F821 (odoo-bin shell)
lines = int(os.environ.get("BENCH_DEMAND_LINES", "1000000"))
product_count = int(os.environ.get("BENCH_PRODUCTS", "2000"))
chunk = 100000
started = time.perf_counter()

company = env.company
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
stock = warehouse.lot_stock_id
customer_location = env.ref("stock.stock_location_customers")
unit = env.ref("uom.product_uom_unit")
dozen = env.ref("uom.product_uom_dozen")

# -- products, customers, sale lines (ORM) ---------------------------------------------------
Product = env["product.product"].with_context(tracking_disable=True)
products = Product.search([("default_code", "=like", "BENCH-D-%")], order="id")
for start in range(len(products), product_count, 500):
    products |= Product.create(
        [
            {
                "name": "Demand %05d" % i,
                "default_code": "BENCH-D-%05d" % i,
                "detailed_type": "product",
                "uom_id": unit.id,
                "uom_po_id": unit.id,
            }
            for i in range(start, min(product_count, start + 500))
        ]
    )
    env.cr.commit()
products = products[:product_count]
Partner = env["res.partner"].with_context(tracking_disable=True)
customers = Partner.search([("ref", "=like", "BENCH-C-%")], order="id")
if not customers:
    customers = Partner.create([{"name": "Bench customer %03d" % i, "ref": "BENCH-C-%03d" % i} for i in range(50)])
SaleLine = env["sale.order.line"]
sale_lines = SaleLine.search([("order_id.client_order_ref", "=", "BENCH-DEMAND"), ("product_id", "in", products.ids)])
line_by_product = {line.product_id.id: line.id for line in sale_lines}
missing = [p for p in products if p.id not in line_by_product]
Order = env["sale.order"].with_context(tracking_disable=True)
for start in range(0, len(missing), 20):
    batch = missing[start : start + 20]
    order = Order.create(
        {
            "partner_id": customers[(start // 20) % len(customers)].id,
            "client_order_ref": "BENCH-DEMAND",
            "warehouse_id": warehouse.id,
            "order_line": [Command.create({"product_id": p.id, "product_uom_qty": 1000}) for p in batch],
        }
    )
    for line in order.order_line:
        line_by_product[line.product_id.id] = line.id
    if start % 500 == 0:
        env.cr.commit()
env.cr.commit()
setup_seconds = time.perf_counter() - started
print(
    "SETUP %s products, %s customers, %s sale lines in %.1f s"
    % (len(products), len(customers), len(line_by_product), setup_seconds)
)

# -- moves (SQL) -----------------------------------------------------------------------------
product_ids = products.ids
line_ids = [line_by_product[p] for p in product_ids]
customer_ids = customers.ids
env.cr.execute("SELECT count(*) FROM stock_move WHERE reference = 'BENCH-DEMAND'")
already = env.cr.fetchone()[0]
moves_started = time.perf_counter()
for offset in range(already, lines, chunk):
    size = min(chunk, lines - offset)
    env.cr.execute(
        """
        INSERT INTO stock_move (
            name, reference, origin, company_id, product_id, product_uom, product_uom_qty,
            product_qty, quantity, location_id, location_dest_id, partner_id, sale_line_id,
            warehouse_id, picking_type_id, state, procure_method, priority, picked, scrapped,
            is_inventory, additional, propagate_cancel, to_refund, date, price_unit,
            create_uid, create_date, write_uid, write_date)
        SELECT 'Bench demand', 'BENCH-DEMAND', 'BENCH-DEMAND', %(company)s,
               (%(products)s::int[])[r.p], CASE WHEN r.dz THEN %(dozen)s ELSE %(unit)s END,
               r.q, CASE WHEN r.dz THEN r.q * 12 ELSE r.q END, r.q,
               CASE WHEN r.ret THEN %(customers_loc)s ELSE %(stock)s END,
               CASE WHEN r.ret THEN %(stock)s ELSE %(customers_loc)s END,
               (%(customers)s::int[])[1 + r.g %% %(n_customers)s],
               CASE WHEN r.sold THEN (%(lines)s::int[])[r.p] END,
               %(warehouse)s, CASE WHEN r.ret THEN %(in_type)s ELSE %(out_type)s END,
               'done', 'make_to_stock', '0', TRUE, FALSE, FALSE, FALSE, TRUE, r.ret,
               r.d, 0.0, %(uid)s, r.d, %(uid)s, r.d
          FROM (SELECT g,
                       1 + floor(random() * %(n_products)s)::int AS p,
                       random() < 0.05 AS ret,
                       random() < 0.10 AS dz,
                       random() < 0.50 AS sold,
                       1 + floor(random() * 10)::int AS q,
                       date_trunc('second', (now() AT TIME ZONE 'UTC') - interval '1095 days'
                           + (g::float / %(total)s) * interval '1095 days'
                           + random() * interval '1 hour') AS d
                  FROM generate_series(%(first)s, %(last)s) AS g) AS r
         ORDER BY r.g
        """,
        {
            "company": company.id,
            "products": product_ids,
            "lines": line_ids,
            "customers": customer_ids,
            "n_products": len(product_ids),
            "n_customers": len(customer_ids),
            "dozen": dozen.id,
            "unit": unit.id,
            "customers_loc": customer_location.id,
            "stock": stock.id,
            "warehouse": warehouse.id,
            "in_type": warehouse.in_type_id.id,
            "out_type": warehouse.out_type_id.id,
            "uid": env.uid,
            "total": lines,
            "first": offset + 1,
            "last": offset + size,
        },
    )
    env.cr.commit()
    print("MOVES %s / %s (%.1f s)" % (offset + size, lines, time.perf_counter() - moves_started))
env.cr.execute("ANALYZE stock_move")
env.cr.commit()
moves_seconds = time.perf_counter() - moves_started

# -- check: the ORM reads a sample, the renderer renders it ----------------------------------
env.cr.execute("SELECT id FROM stock_move WHERE reference = 'BENCH-DEMAND' ORDER BY random() LIMIT 200")
sample_ids = [row[0] for row in env.cr.fetchall()]
moves = env["stock.move"].browse(sample_ids)
values = moves.read(
    [
        "product_id",
        "product_uom",
        "quantity",
        "product_qty",
        "location_id",
        "location_dest_id",
        "state",
        "date",
        "sale_line_id",
    ]
)
assert all(v["state"] == "done" and v["quantity"] > 0 for v in values), "sample not done"
endpoint = env["plansync.endpoint"].search([("company_id", "=", company.id)], limit=1) or env["plansync.endpoint"].new(
    {"code": "BENCH-CHECK", "company_id": company.id}
)
heads = [
    {
        "id": -i - 1,
        "aggregate_id": move_id,
        "aggregate_key": False,
        "payload": None,
        "event_type": "demand.line",
        "wh": warehouse.id,
    }
    for i, move_id in enumerate(sample_ids)
]
render = env["plansync.render"].sudo()
render_started = time.perf_counter()
rendered = render._render_demand_line(endpoint, heads, fields.Datetime.now())
render_ms = (time.perf_counter() - render_started) * 1000
errors = [str(r) for r in rendered.values() if isinstance(r, Exception)]
assert not errors, errors[:3]
payloads = [payload for _key, payload in rendered.values()]
returns = [p for p in payloads if p["kind"] == "return"]
assert all(p["quantity"] < 0 for p in returns) and all(p["quantity"] > 0 for p in payloads if p["kind"] == "delivery")
env.cr.execute("SELECT count(*) FROM stock_move WHERE reference = 'BENCH-DEMAND'")
print(
    "DEMAND "
    + json.dumps(
        {
            "moves": env.cr.fetchone()[0],
            "products": len(product_ids),
            "setup_seconds": round(setup_seconds, 1),
            "moves_seconds": round(moves_seconds, 1),
            "sample_rendered": len(payloads),
            "sample_returns": len(returns),
            "sample_render_ms": round(render_ms, 1),
            "example": payloads[0],
        }
    )
)
env.cr.rollback()
