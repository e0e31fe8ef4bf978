# Run inside `odoo-bin shell -d <db>` by scripts/bench/odoo-bench.sh: creates the throughput endpoints
# and BENCH_EVENTS products (product.changed) and their stock (stock.level), in transactions of 500
# through the ORM, so that every row comes from the addon's own capture.
import json
import os
import time

from odoo.addons.plansync import compat  # the Odoo version seams (storable product)

env = env  # noqa: F821 (odoo-bin shell)
count = int(os.environ.get("BENCH_EVENTS", "10000"))
sink = os.environ.get("BENCH_SINK_URL", "http://127.0.0.1:9/unused")
Endpoint = env["plansync.endpoint"]
Endpoint.search([]).write({"active": False})
types = {t.code: t.id for t in env["plansync.event.type"].search([])}
company = env.company
for code, event_type in [
    ("BENCH-P-DEF", "product.changed"),
    ("BENCH-P-TUNED", "product.changed"),
    ("BENCH-S-DEF", "stock.level"),
    ("BENCH-S-TUNED", "stock.level"),
]:
    Endpoint.create(
        {
            "name": code,
            "code": code,
            "kind": "webhook",
            "url": sink,
            "company_id": company.id,
            "event_type_ids": [(6, 0, [types[event_type]])],
        }
    )
env.cr.commit()

warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
Quant = env["stock.quant"]
started = time.perf_counter()
for start in range(0, count, 500):
    products = env["product.product"].create(
        [
            dict({"name": "Throughput %s" % i, "default_code": "TP-%s" % i}, **compat.storable_product_vals())
            for i in range(start, min(count, start + 500))
        ]
    )
    for product in products:
        Quant._update_available_quantity(product, warehouse.lot_stock_id, 7)
    env.cr.commit()
env.cr.execute(
    "SELECT e.code, count(*) FROM plansync_outbox o JOIN plansync_endpoint e ON e.id = o.endpoint_id WHERE o.state = 'pending' GROUP BY e.code"
)
print("EVENTS " + json.dumps({"pending": dict(env.cr.fetchall()), "seconds": time.perf_counter() - started}))
