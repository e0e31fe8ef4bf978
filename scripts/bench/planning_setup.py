# Run inside `odoo-bin shell -d <db>` by scripts/bench/planning-bench.sh: the master data the proposal
# import needs (BENCH_PRODUCTS products, default 2000, half sold by each of two vendors), no approval
# rule (every proposal waits for a planner), execution on approval off; prints the warehouse code.
import json
import os

env = env  # noqa: F821 (odoo-bin shell)
count = int(os.environ.get("BENCH_PRODUCTS", "2000"))
company = env.company
warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
vendors = env["res.partner"].create(
    [{"name": "Bench vendor A", "ref": "BV-A"}, {"name": "Bench vendor B", "ref": "BV-B"}]
)
existing = env["product.product"].search([("default_code", "=like", "BP-%")])
if not existing:
    products = env["product.product"].create(
        [
            {"name": "Bench product %s" % i, "default_code": "BP-%s" % i, "detailed_type": "product"}
            for i in range(count)
        ]
    )
    env["product.supplierinfo"].create(
        [
            {
                "partner_id": vendors[i % 2].id,
                "product_tmpl_id": p.product_tmpl_id.id,
                "min_qty": 1,
                "price": 10 + i % 7,
                "delay": 5,
            }
            for i, p in enumerate(products)
        ]
    )
env["plansync.approval.rule"].search([]).write({"active": False})
env["ir.config_parameter"].set_param("plansync.execute_on_approval", "False")
env.cr.commit()
print("SETUP " + json.dumps({"warehouse": warehouse.code, "warehouse_name": warehouse.name}))
