# Run inside `odoo-bin shell -d <db>` (PlanSync installed): a year of synthetic history for the real-tier
# test of the embedded planner, then `plansync.run.planning_snapshot` reads it back.
#
#   PLANSYNC_PLANNER_PREFIX     prefix of every record's code (default PLN: products PLN-001...)
#   PLANSYNC_PLANNER_PRODUCTS   storable products (default 30)
#   PLANSYNC_PLANNER_WEEKS      weeks of history (default 52)
#   PLANSYNC_PLANNER_SEED       random seed (default 7): the same seed gives the same history
#   PLANSYNC_PLANNER_WAREHOUSE2 code of a second warehouse resupplied from the main one (default
#                               PLN2; "0": none)
#   PLANSYNC_PLANNER_SECOND_EVERY  one product in this many also sells in the second warehouse
#                               (default 2; 1: all of them, as for a benchmark)
#   PLANSYNC_PLANNER_FILE       also write the JSON summary to this path (optional)
#
# Creates, in the current company: vendors (partners with Reference PLNV-1..3), a product category
# (and a "Critical" child with its own service level), products PLN-001... (two in three with smooth
# daily demand, one in three intermittent), each with vendor terms (delay, minimum quantity), one in
# four with a purchase packaging, one in three with a reordering rule on the main warehouse's stock;
# then, in bulk SQL, a simulated inventory history over the weeks before the current one up to
# yesterday: an opening inventory, done customer deliveries (never more than on hand: a sale that
# cannot be served is lost), a few customer returns, purchase orders (confirmed on the day stock
# fell to its reorder point, received after the vendor's delay plus some noise: early, on time, late)
# with their done receipts, and transfers main -> transit -> second warehouse along the resupply
# route. Orders not received by today stay open (incoming). The quants are the sum of the done
# moves, so on hand never goes below 0; product <prefix>-002 is deliberately not replenished for
# five weeks and runs out (the stockout window). Two confirmed sale orders give open outgoing
# quantities. Commits, then prints a JSON summary (with a check through planning_snapshot).
# Idempotent: when products of the prefix exist, nothing is created and the summary says so.
import json
import math
import os
import random
import time as clock
from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from psycopg2.extras import execute_values

from odoo import Command, fields
from odoo.addons.plansync import compat  # the Odoo version seams (product types, units, packagings, ...)

env = env  # noqa: F821 (provided by odoo-bin shell)


def insert(model, rows, page_size, returning=True):
    """Bulk INSERT of ``rows`` (dicts with the same keys: column -> value) into the table of
    ``model``; the ids when ``returning``. Only the columns the model stores on this Odoo version
    are written (19 stores neither a purchase line's currency and state, nor a move's ``scrapped``,
    nor a move line's ``reference``); renamed columns come from compat (LINE_UOM, the move name)."""
    if not rows:
        return []
    Model = env[model]
    columns = [
        column
        for column in rows[0]
        if column in Model._fields and Model._fields[column].store and Model._fields[column].column_type
    ]
    query = "INSERT INTO %s (%s) VALUES %%s%s" % (
        Model._table,
        ", ".join('"%s"' % column for column in columns),
        " RETURNING id" if returning else "",
    )
    result = execute_values(
        env.cr,
        query,
        [tuple(row[column] for column in columns) for row in rows],
        page_size=page_size,
        fetch=returning,
    )
    return [row[0] for row in result] if returning else []


def main():
    started = clock.perf_counter()
    prefix = os.environ.get("PLANSYNC_PLANNER_PREFIX", "PLN")
    count = int(os.environ.get("PLANSYNC_PLANNER_PRODUCTS", "30"))
    weeks = int(os.environ.get("PLANSYNC_PLANNER_WEEKS", "52"))
    seed = int(os.environ.get("PLANSYNC_PLANNER_SEED", "7"))
    second_code = os.environ.get("PLANSYNC_PLANNER_WAREHOUSE2", "PLN2")
    second_every = int(os.environ.get("PLANSYNC_PLANNER_SECOND_EVERY", "2"))
    width = max(3, len(str(count)))
    sku = lambda i: "%s-%0*d" % (prefix, width, i)  # noqa: E731

    company = env.company
    main_wh = env["stock.warehouse"].search([("company_id", "=", company.id)], order="id", limit=1)
    Product = env["product.product"].with_context(tracking_disable=True)
    existing = Product.search([("default_code", "=like", prefix + "-%")])
    if existing:
        second = env["stock.warehouse"].search([("code", "=", second_code), ("company_id", "=", company.id)])
        return {
            "created": False,
            "prefix": prefix,
            "products": len(existing),
            "intermittent": sorted(p.default_code for p in existing if int(p.default_code.rsplit("-", 1)[1]) % 3 == 0),
            "vendors": ["%sV-%s" % (prefix, n) for n in (1, 2, 3)],
            "warehouses": [main_wh.code] + ([second.code] if second_code != "0" and second else []),
            "orderpoints": env["stock.warehouse.orderpoint"].search_count([("product_id", "in", existing.ids)]),
            "stockout": {"sku": sku(2)},
            "check": check(prefix, weeks),
            "seconds": round(clock.perf_counter() - started, 1),
        }
    rng = random.Random(seed)
    tz = pytz.timezone(company.partner_id.tz or "UTC")
    today = pytz.utc.localize(fields.Datetime.now()).astimezone(tz).date()
    window_end = today - timedelta(days=today.weekday())
    first_day = window_end - timedelta(weeks=weeks)
    days = (today - first_day).days  # simulated days: first_day .. yesterday

    def at(day, hour, minute=0):
        """Naive UTC datetime of a local time of ``day``."""
        local = tz.localize(datetime.combine(first_day + timedelta(days=day), time(hour, minute)))
        return local.astimezone(pytz.utc).replace(tzinfo=None)

    # -- master data (ORM) -------------------------------------------------------------------
    Partner = env["res.partner"].with_context(tracking_disable=True)
    vendors = Partner.create(
        [{"name": "%s Vendor %s" % (prefix, n), "ref": "%sV-%s" % (prefix, n), "supplier_rank": 1} for n in (1, 2, 3)]
    )
    customer = Partner.create({"name": "%s Customer" % prefix, "ref": "%sC-1" % prefix})
    Category = env["product.category"]
    category = Category.create({"name": "%s planner fixture" % prefix})
    critical = Category.create({"name": "Critical", "parent_id": category.id, "plansync_service_level": 0.98})
    unit = env.ref("uom.product_uom_unit")
    specs = []
    for i in range(1, count + 1):
        intermittent = i % 3 == 0
        weekly = rng.uniform(2, 12) if intermittent else rng.uniform(20, 140)
        specs.append(
            {
                "index": i,
                "sku": sku(i),
                "intermittent": intermittent,
                "weekly": weekly,
                # intermittent: a sale on about one day in ten, of a lumpy size
                "day_chance": rng.uniform(0.05, 0.15) if intermittent else 6 / 7,
                "vendor": vendors[(i - 1) % 3],
                "delay": rng.choice([5, 7, 10, 14, 21]),
                "min_qty": rng.choice([0, 10, 20, 50]),
                "price": round(rng.uniform(2, 80), 2),
                "pack": rng.choice([6, 12]) if i % 4 == 1 else 0,
                "orderpoint": i % 3 == 1,
                "second": second_code != "0" and i % second_every == 0,
            }
        )
    products = Product.create(
        [
            {
                "name": "%s planner product %s" % (prefix, s["index"]),
                "default_code": s["sku"],
                **compat.storable_product_vals(),
                "uom_id": unit.id,
                **compat.purchase_uom_vals(unit),
                "categ_id": (critical if s["index"] % 5 == 0 else category).id,
                "standard_price": round(s["price"] * 0.9, 2),
                "list_price": round(s["price"] * 1.6, 2),
                "seller_ids": [
                    Command.create(
                        {
                            "partner_id": s["vendor"].id,
                            "delay": s["delay"],
                            "min_qty": s["min_qty"],
                            "price": s["price"],
                        }
                    )
                ],
            }
            for s in specs
        ]
    )
    for spec, product in zip(specs, products):
        spec["product"] = product
    for s in specs:
        if s["pack"]:
            compat.new_purchase_packaging(env, s["product"], "Box of %s" % s["pack"], s["pack"])
    second_wh = env["stock.warehouse"]
    if second_code != "0":
        second_wh = env["stock.warehouse"].search([("code", "=", second_code), ("company_id", "=", company.id)])
        if not second_wh:
            second_wh = env["stock.warehouse"].create(
                {"name": "%s second warehouse" % prefix, "code": second_code, "company_id": company.id}
            )
        second_wh.write({"resupply_wh_ids": [Command.link(main_wh.id)]})
        route = second_wh.resupply_route_ids.filtered(lambda r: r.supplier_wh_id == main_wh)[:1]
        route.rule_ids.filtered(lambda r: r.location_dest_id.warehouse_id == second_wh).write({"delay": 2})
    transit = company.internal_transit_location_id
    inventory_loc = env["stock.location"].search(
        [("usage", "=", "inventory"), ("company_id", "in", [company.id, False])], limit=1
    )
    supplier_loc = env.ref("stock.stock_location_suppliers")
    customer_loc = env.ref("stock.stock_location_customers")
    env.flush_all()

    # -- simulation (Python, in memory) --------------------------------------------------------
    moves = []  # (key, product, qty, source, dest, day_time, state, picking_type, warehouse, po_index)
    orders = []  # (spec, approve, planned, received or None, quantity)
    block = (7 * 18, 7 * 26) if weeks >= 30 else (days // 3, days // 3 + 56)
    stockout = {
        "sku": sku(2),
        "not_replenished_from": str(first_day + timedelta(days=block[0])),
        "not_replenished_to": str(first_day + timedelta(days=block[1] - 1)),
    }

    def demand_of(spec, share):
        if rng.random() >= spec["day_chance"]:
            return 0
        if spec["intermittent"]:
            mean = spec["weekly"] * share / 7 / spec["day_chance"]
            return max(1, min(int(rng.expovariate(1 / mean) + 0.5), math.ceil(3 * mean)))
        mean = spec["weekly"] * share / 6
        return max(0, int(rng.gauss(mean, mean * 0.35) + 0.5))

    for spec in specs:
        product = spec["product"]
        stock_ids = [(main_wh, 1.0)] + ([(second_wh, 0.35)] if spec["second"] else [])
        state = {}
        for wh, share in stock_ids:
            weekly = spec["weekly"] * share
            # enough for the longest lead time (late deliveries included) and a lumpy week
            lead = spec["delay"] + 8 if wh == main_wh else 3
            reorder = math.ceil(weekly / 7 * lead + (14 if spec["intermittent"] else 2) * weekly)
            quantity = max(math.ceil(weekly * 4), spec["min_qty"], 1)
            if spec["pack"]:
                quantity = math.ceil(quantity / spec["pack"]) * spec["pack"]
            state[wh.id] = {"on_hand": reorder + quantity // 2, "reorder": reorder, "qty": quantity, "due": []}
            moves.append(
                (
                    "inventory",
                    product,
                    reorder + quantity // 2,
                    inventory_loc,
                    wh.lot_stock_id,
                    at(-1, 8),
                    "done",
                    False,
                    wh,
                    None,
                )
            )
        for day in range(days):
            for wh, share in stock_ids:
                st = state[wh.id]
                for arrival in [d for d in st["due"] if d[0] == day]:
                    st["due"].remove(arrival)
                    st["on_hand"] += arrival[1]
                    if wh == main_wh:
                        moves.append(
                            (
                                "receipt",
                                product,
                                arrival[1],
                                supplier_loc,
                                wh.lot_stock_id,
                                at(day, 8),
                                "done",
                                wh.in_type_id,
                                wh,
                                arrival[2],
                            )
                        )
                    else:
                        moves.append(
                            (
                                "transfer",
                                product,
                                arrival[1],
                                transit,
                                wh.lot_stock_id,
                                at(day, 8),
                                "done",
                                wh.in_type_id,
                                wh,
                                None,
                            )
                        )
                wanted = demand_of(spec, share)
                sold = min(wanted, st["on_hand"])
                if sold:
                    st["on_hand"] -= sold
                    moves.append(
                        (
                            "delivery",
                            product,
                            sold,
                            wh.lot_stock_id,
                            customer_loc,
                            at(day, 11 + rng.randrange(6), rng.randrange(60)),
                            "done",
                            wh.out_type_id,
                            wh,
                            None,
                        )
                    )
                    if rng.random() < 0.02:
                        back = max(1, sold // 3)
                        st["on_hand"] += back
                        moves.append(
                            (
                                "return",
                                product,
                                back,
                                customer_loc,
                                wh.lot_stock_id,
                                at(day, 17),
                                "done",
                                wh.in_type_id,
                                wh,
                                None,
                            )
                        )
                on_order = sum(d[1] for d in st["due"])
                blocked = spec["index"] == 2 and wh == main_wh and block[0] <= day < block[1]
                if st["on_hand"] + on_order <= st["reorder"] and not blocked:
                    if wh == main_wh:
                        promised = spec["delay"]
                        actual = max(1, promised + rng.choice([-2, -1, 0, 0, 0, 1, 2, 4, 7]))
                        orders.append([spec, at(day, 9), at(day + promised, 9), None, st["qty"]])
                        st["due"].append((day + actual, st["qty"], len(orders) - 1))
                    else:
                        main_state = state[main_wh.id]
                        quantity = min(st["qty"], main_state["on_hand"])
                        if quantity > 0:
                            main_state["on_hand"] -= quantity
                            moves.append(
                                (
                                    "transfer",
                                    product,
                                    quantity,
                                    main_wh.lot_stock_id,
                                    transit,
                                    at(day, 10),
                                    "done",
                                    main_wh.out_type_id,
                                    main_wh,
                                    None,
                                )
                            )
                            st["due"].append((day + 2, quantity, None))
        for wh, _share in stock_ids:
            for arrival_day, quantity, order_index in state[wh.id]["due"]:
                # not arrived by today: an open receipt (or a transfer in transit)
                if wh == main_wh:
                    moves.append(
                        (
                            "receipt",
                            product,
                            quantity,
                            supplier_loc,
                            wh.lot_stock_id,
                            at(arrival_day, 8),
                            "assigned",
                            wh.in_type_id,
                            wh,
                            order_index,
                        )
                    )
                else:
                    moves.append(
                        (
                            "transfer",
                            product,
                            quantity,
                            transit,
                            wh.lot_stock_id,
                            at(arrival_day, 8),
                            "assigned",
                            wh.in_type_id,
                            wh,
                            None,
                        )
                    )
    for move in moves:
        if move[0] == "receipt" and move[6] == "done":
            orders[move[9]][3] = move[5]

    # -- purchase orders, moves, move lines, quants (SQL) --------------------------------------
    cr = env.cr
    uid = env.uid
    now = fields.Datetime.now()
    currency = company.currency_id.id
    po_rows = [
        {
            "name": "%s-PO-%05d" % (prefix, n + 1),
            "partner_id": spec["vendor"].id,
            "currency_id": currency,
            "company_id": company.id,
            "date_order": approve,
            "date_approve": approve,
            "date_planned": planned,
            "picking_type_id": main_wh.in_type_id.id,
            "state": "purchase",
            "receipt_status": "full" if received else "pending",
            "invoice_status": "no",
            "amount_untaxed": spec["price"] * quantity,
            "amount_tax": 0.0,
            "amount_total": spec["price"] * quantity,
            "currency_rate": 1.0,
            "create_uid": uid,
            "create_date": approve,
            "write_uid": uid,
            "write_date": now,
            "effective_date": received or None,
        }
        for n, (spec, approve, planned, received, quantity) in enumerate(orders)
    ]
    order_ids = insert("purchase.order", po_rows, 1000)
    line_rows = [
        {
            "order_id": order_ids[n],
            "sequence": 10,
            "name": spec["product"].display_name,
            "product_id": spec["product"].id,
            compat.LINE_UOM: unit.id,
            "product_qty": quantity,
            "product_uom_qty": quantity,
            "price_unit": spec["price"],
            "price_subtotal": spec["price"] * quantity,
            "price_total": spec["price"] * quantity,
            "price_tax": 0.0,
            "date_planned": planned,
            "plansync_first_date_planned": planned,
            "qty_received": quantity if received else 0.0,
            "qty_invoiced": 0.0,
            "qty_received_method": "stock_moves",
            "company_id": company.id,
            "partner_id": spec["vendor"].id,
            "currency_id": currency,
            "state": "purchase",
            "create_uid": uid,
            "create_date": approve,
            "write_uid": uid,
            "write_date": now,
        }
        for n, (spec, approve, planned, received, quantity) in enumerate(orders)
    ]
    line_ids = insert("purchase.order.line", line_rows, 1000)
    move_rows = []
    for kind, product, quantity, source, dest, when, state, picking_type, wh, order_index in moves:
        reference = "%s/%s" % (prefix, kind.upper())
        move_rows.append(
            {
                **compat.move_description_vals("%s %s" % (prefix, kind)),
                "reference": reference,
                "origin": reference,
                "company_id": company.id,
                "product_id": product.id,
                compat.MOVE_UOM: unit.id,
                "product_uom_qty": quantity,
                "product_qty": quantity,
                "quantity": quantity if state == "done" else 0.0,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "partner_id": customer.id if kind in ("delivery", "return") else None,
                "purchase_line_id": line_ids[order_index] if order_index is not None else None,
                "warehouse_id": wh.id,
                "picking_type_id": picking_type.id if picking_type else None,
                "state": state,
                "procure_method": "make_to_stock",
                "priority": "0",
                "picked": state == "done",
                "scrapped": False,
                "is_inventory": kind == "inventory",
                "additional": False,
                "propagate_cancel": True,
                "to_refund": kind == "return",
                "date": when,
                "price_unit": orders[order_index][0].get("price", 0.0) if order_index is not None else 0.0,
                "create_uid": uid,
                "create_date": when,
                "write_uid": uid,
                "write_date": when,
            }
        )
    move_ids = insert("stock.move", move_rows, 5000)
    line_rows = [
        {
            "move_id": move_id,
            "company_id": company.id,
            "product_id": row["product_id"],
            "product_uom_id": unit.id,
            "location_id": row["location_id"],
            "location_dest_id": row["location_dest_id"],
            "state": "done",
            "reference": row["reference"],
            "quantity": row["quantity"],
            "quantity_product_uom": row["quantity"],
            "picked": True,
            "date": row["date"],
            "create_uid": uid,
            "create_date": row["date"],
            "write_uid": uid,
            "write_date": row["date"],
        }
        for move_id, row in zip(move_ids, move_rows)
        if row["state"] == "done"
    ]
    insert("stock.move.line", line_rows, 5000, returning=False)
    quants = defaultdict(float)
    quant_locations = set((main_wh | second_wh).lot_stock_id.ids) | {transit.id}
    for _kind, product, quantity, source, dest, _when, state, _type, _wh, _order in moves:
        if state != "done":
            continue
        if dest.id in quant_locations:
            quants[product.id, dest.id] += quantity
        if source.id in quant_locations:
            quants[product.id, source.id] -= quantity
    assert all(q >= 0 for q in quants.values()), "negative on hand"
    execute_values(
        cr,
        """
        INSERT INTO stock_quant (
            product_id, location_id, company_id, quantity, reserved_quantity, in_date,
            create_uid, create_date, write_uid, write_date)
        VALUES %s
        """,
        [
            (product_id, location_id, company.id, quantity, 0.0, now, uid, now, uid, now)
            for (product_id, location_id), quantity in quants.items()
            if quantity
        ],
    )
    env.invalidate_all()
    for spec, product, orderpoint in [(s, s["product"], s["orderpoint"]) for s in specs]:
        if orderpoint:
            weekly = spec["weekly"]
            env["stock.warehouse.orderpoint"].create(
                {
                    "product_id": product.id,
                    "warehouse_id": main_wh.id,
                    "location_id": main_wh.lot_stock_id.id,
                    "product_min_qty": math.ceil(weekly / 7 * spec["delay"] + weekly),
                    "product_max_qty": math.ceil(weekly / 7 * spec["delay"] + 5 * weekly),
                    **compat.orderpoint_multiple_vals(env, product, spec["pack"] or 1),
                    "trigger": "auto",
                }
            )
    # open sales: confirmed orders not delivered yet
    sale_orders = env["sale.order"]
    for spec in specs[:2]:
        sale_orders |= (
            env["sale.order"]
            .with_context(tracking_disable=True)
            .create(
                {
                    "partner_id": customer.id,
                    "warehouse_id": main_wh.id,
                    "order_line": [Command.create({"product_id": spec["product"].id, "product_uom_qty": 5})],
                }
            )
        )
    sale_orders.action_confirm()
    env.cr.execute("ANALYZE stock_move")
    env.cr.commit()
    kinds = defaultdict(int)
    for move in moves:
        kinds["%s_%s" % (move[0], "done" if move[6] == "done" else "open")] += 1
    return {
        "created": True,
        "prefix": prefix,
        "seed": seed,
        "products": len(products),
        "intermittent": [s["sku"] for s in specs if s["intermittent"]],
        "vendors": vendors.mapped("ref"),
        "warehouses": [main_wh.code] + ([second_wh.code] if second_wh else []),
        "orderpoints": sum(1 for s in specs if s["orderpoint"]),
        "packagings": sum(1 for s in specs if s["pack"]),
        "history_start": str(first_day),
        "weeks": weeks,
        "moves": dict(sorted(kinds.items())),
        "purchase_orders": len(orders),
        "open_purchase_orders": sum(1 for o in orders if not o[3]),
        "open_sale_orders": len(sale_orders),
        "stockout": stockout,
        "check": check(prefix, weeks),
        "seconds": round(clock.perf_counter() - started, 1),
    }


def check(prefix, weeks):
    """planning_snapshot's items of the prefix: how many, with how many weeks of demand."""
    run = env["plansync.run"].sudo()
    warehouses = run._snapshot_warehouses(False)
    started = clock.perf_counter()
    items, offset, pages = [], 0, 0
    while offset is not False:
        page = run._snapshot(warehouses, weeks, offset, 500)
        items += [i for i in page["items"] if i["sku"].startswith(prefix + "-")]
        offset = page["next"]
        pages += 1
    seconds = clock.perf_counter() - started
    with_demand = [sum(1 for q in i["demand"] if q) for i in items]
    return {
        "items": len(items),
        "pages": pages,
        "snapshot_seconds": round(seconds, 3),
        "weeks_with_demand_min": min(with_demand, default=0),
        "weeks_with_demand_max": max(with_demand, default=0),
        "items_with_stockout_days": sum(1 for i in items if any(i["stockout_days"])),
        "items_with_lead_time": sum(1 for i in items if i["lead_time"]),
        "example": next((i for i in items if i["sku"] == "%s-002" % prefix), items[0] if items else False),
    }


summary = main()
print("PLANNER_FIXTURE " + json.dumps(summary, default=str))
if os.environ.get("PLANSYNC_PLANNER_FILE"):
    with open(os.environ["PLANSYNC_PLANNER_FILE"], "w") as handle:
        json.dump(summary, handle, default=str)
