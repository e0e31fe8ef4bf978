# Run inside `odoo-bin shell -d <db>` by scripts/bench/odoo-bench.sh: validates BENCH_RECEIPTS receipts
# of BENCH_LINES lines each, one transaction per receipt as a user does, and prints one JSON line with
# the time of each validation (button_validate + commit). Receipts are prepared (created, confirmed,
# quantities set) and committed before the clock starts. Runs on Odoo 17, 18 and 19 through the compat
# seams; in database A (no PlanSync installed) the addon's package is still importable from the addons path.
import json
import os
import time

from odoo.addons.plansync import compat  # the Odoo version seams (storable product, move name)

env = env  # noqa: F821 (odoo-bin shell)
count = int(os.environ.get("BENCH_RECEIPTS", "25"))
lines = int(os.environ.get("BENCH_LINES", "3"))
tag = os.environ.get("BENCH_TAG", "x")
round_no = int(os.environ.get("BENCH_ROUND", "0"))

Product = env["product.product"]
products = Product.search([("default_code", "=like", "CAPBENCH-%")], order="id")
if len(products) < count * lines:
    products |= Product.create(
        [
            dict({"name": "Capture bench %s" % i, "default_code": "CAPBENCH-%s" % i}, **compat.storable_product_vals())
            for i in range(len(products), count * lines)
        ]
    )
    env.cr.commit()
warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
supplier = env.ref("stock.stock_location_suppliers")
pickings = env["stock.picking"]
for r in range(count):
    chosen = products[r * lines : (r + 1) * lines]
    picking = env["stock.picking"].create(
        {
            "picking_type_id": warehouse.in_type_id.id,
            "location_id": supplier.id,
            "location_dest_id": warehouse.lot_stock_id.id,
            "move_ids": [
                (
                    0,
                    0,
                    {
                        **compat.move_description_vals("bench"),
                        "product_id": p.id,
                        "product_uom_qty": 5,
                        "location_id": supplier.id,
                        "location_dest_id": warehouse.lot_stock_id.id,
                    },
                )
                for p in chosen
            ],
        }
    )
    picking.action_confirm()
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
        move.picked = True
    pickings |= picking
env.cr.commit()

times = []
for picking in pickings:
    start = time.perf_counter()
    result = picking.button_validate()
    env.cr.commit()
    times.append(time.perf_counter() - start)
    assert result is True, "validation asked for a wizard: %r" % (result,)
outbox = 0
if "plansync.outbox" in env:
    env.cr.execute("SELECT count(*) FROM plansync_outbox")
    outbox = env.cr.fetchone()[0]
print("BENCH " + json.dumps({"tag": tag, "round": round_no, "times": times, "outbox_rows": outbox}))
