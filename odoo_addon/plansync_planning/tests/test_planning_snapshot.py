# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""plansync.run.planning_snapshot: the embedded planner's input.

A world of its own, in a new company (UTC) whose warehouses see nothing of the
database's other records: SW1 and SW2 (resupplied from SW1 along a route of
1 + 2 days); SNAP-1 bought from SV-1 in Dozens with a purchase packaging of 6
and a reordering rule on SW1; four weeks of history on SW1 (deliveries, a
customer return, two receipts of purchase orders, a stockout), an open
purchase, an open delivery, an open transfer to SW2; SNAP-2 with only a
reordering rule on SW2 and a vendor in EUR; products that are no items.

SNAP-1 on SW1, day by day (weeks from history_start; on hand at end of day):
  week 0: Mon 0 (out), Tue receipt +30 (PO-A) 30, Wed -10 20, Fri -5 15
  week 1: Mon -15 0 (out Mon-Wed), Thu return +2 2, Fri -2 0 (out Fri-Sun)
  week 2: out Mon-Wed, Thu receipt +20 (PO-B) 20, Fri -4 16
  week 3: Tue -6 10
  this week: -3 (now): 7 on hand
"""
from datetime import datetime, time, timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.plansync.tests.common import PlansyncCase, make_user, walk_none
from odoo.addons.plansync import compat

ITEM_KEYS = {
    "product_id",
    "sku",
    "warehouse_id",
    "warehouse",
    "company_id",
    "uom",
    "category",
    "service_level",
    "unit_cost",
    "demand",
    "stockout_days",
    "on_hand",
    "reserved",
    "incoming",
    "outgoing",
    "vendor",
    "lead_time",
    "reorder_rule",
    "resupply_from",
}
WEEKS = 4


class TestPlanningSnapshot(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Company = cls.env["res.company"]
        cls.company_a = Company.create({"name": "Snapshot Co (test)"})
        cls.company_b = Company.create({"name": "Snapshot Other Co (test)"})
        cls.company_a.partner_id.tz = False  # UTC
        cls.company_a.plansync_default_service_level = 0.9
        env_a = cls.env(context=dict(cls.env.context, allowed_company_ids=cls.company_a.ids))
        cls.env_a = env_a
        both = cls.company_a | cls.company_b
        cls.agent_a = make_user(
            cls.env,
            "Snapshot agent (test)",
            "plansync-snapshot-agent",
            cls.company_a,
            cls.group_integration,
            internal=False,
        )
        cls.agent_ab = make_user(
            cls.env,
            "Snapshot agent of both (test)",
            "plansync-snapshot-agent-ab",
            both,
            cls.group_integration,
            internal=False,
        )
        cls.planner_a = make_user(
            cls.env,
            "Snapshot planner (test)",
            "plansync-snapshot-planner",
            cls.company_a,
            cls.group_planner,
        )
        Warehouse = env_a["stock.warehouse"]
        cls.wh1 = Warehouse.search([("company_id", "=", cls.company_a.id)], limit=1)
        cls.wh1.write({"name": "Snap W1", "code": "SW1"})
        cls.wh2 = Warehouse.create(
            {
                "name": "Snap W2",
                "code": "SW2",
                "company_id": cls.company_a.id,
                "resupply_wh_ids": [Command.set(cls.wh1.ids)],
            }
        )
        route = cls.wh2.resupply_route_ids
        route.rule_ids.filtered(lambda r: r.location_dest_id.warehouse_id == cls.wh2).delay = 2
        route.rule_ids.filtered(lambda r: r.location_src_id.warehouse_id == cls.wh1).delay = 1
        cls.whb = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_b.id)], limit=1)
        cls.whb.code = "SWB"
        cls.transit = cls.company_a.internal_transit_location_id
        # -- products, vendors ---------------------------------------------------------------
        Category = cls.env["product.category"]
        parent = Category.create({"name": "Snap parent", "plansync_service_level": 0.97})
        child = Category.create({"name": "Snap child", "parent_id": parent.id})
        Partner = cls.env["res.partner"]
        cls.v0 = Partner.create({"name": "Snap Vendor Expired", "ref": "SV-0"})
        cls.v1 = Partner.create({"name": "Snap Vendor One", "ref": "SV-1"})
        cls.v2 = Partner.create({"name": "Snap Vendor Two", "ref": "SV-2"})
        cls.v3 = Partner.create({"name": "Snap Vendor Three"})
        cls.vb = Partner.create({"name": "Snap Vendor of B", "ref": "SV-B"})
        cls.customer_a = Partner.create({"name": "Snap Customer"})
        cls.dozen = cls.env.ref("uom.product_uom_dozen")
        cls.dozen.active = True  # archived by default in 19 (uom/data/uom_data.xml)
        Product = env_a["product.product"]
        cls.p1 = Product.create(
            {
                "name": "Snap one",
                "default_code": "SNAP-1",
                **compat.storable_product_vals(),
                "categ_id": child.id,
                "uom_id": cls.uom_unit.id,
                **compat.purchase_uom_vals(cls.dozen),
            }
        )
        cls.p1.with_company(cls.company_a).standard_price = 8.0
        today = fields.Date.today()
        Info = cls.env["product.supplierinfo"]
        tmpl = cls.p1.product_tmpl_id.id
        cls.vendor_terms = Info.create(
            [
                {
                    "partner_id": cls.v0.id,
                    "product_tmpl_id": tmpl,
                    "sequence": 1,
                    "price": 1.0,
                    "date_end": today - timedelta(days=30),
                },
                {
                    "partner_id": cls.vb.id,
                    "product_tmpl_id": tmpl,
                    "sequence": 2,
                    "price": 1.0,
                    "company_id": cls.company_b.id,
                },
                {
                    "partner_id": cls.v1.id,
                    "product_tmpl_id": tmpl,
                    "sequence": 5,
                    "price": 24.0,
                    "min_qty": 2,
                    "delay": 5,
                    "company_id": cls.company_a.id,
                    compat.LINE_UOM: cls.dozen.id,
                },
                {
                    "partner_id": cls.v2.id,
                    "product_tmpl_id": tmpl,
                    "sequence": 10,
                    "price": 12.0,
                    compat.LINE_UOM: cls.dozen.id,
                },
            ]
        )
        compat.new_sales_packaging(cls.env, cls.p1, "Sales box", 4)
        compat.new_purchase_packaging(cls.env, cls.p1, "Box of 6", 6)
        cls.p2 = Product.create(
            {
                "name": "Snap two",
                "default_code": "SNAP-2",
                **compat.storable_product_vals(),
                "company_id": cls.company_a.id,
                "standard_price": 3.0,
            }
        )
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.env["res.currency.rate"].create(
            {"currency_id": cls.eur.id, "rate": 0.5, "company_id": cls.company_a.id, "name": today - timedelta(days=10)}
        )
        Info.create(
            {
                "partner_id": cls.v3.id,
                "product_tmpl_id": cls.p2.product_tmpl_id.id,
                "price": 10.0,
                "currency_id": cls.eur.id,
                "delay": 3,
                "company_id": cls.company_a.id,
            }
        )
        Orderpoint = env_a["stock.warehouse.orderpoint"]
        cls.rule1 = Orderpoint.create(
            {
                "product_id": cls.p1.id,
                "warehouse_id": cls.wh1.id,
                "location_id": cls.wh1.lot_stock_id.id,
                "product_min_qty": 10,
                "product_max_qty": 50,
                **compat.orderpoint_multiple_vals(cls.env, cls.p1, 6),
            }
        )
        cls.rule2 = Orderpoint.create(
            {
                "product_id": cls.p2.id,
                "warehouse_id": cls.wh2.id,
                "location_id": cls.wh2.lot_stock_id.id,
                "product_min_qty": 1,
                "product_max_qty": 5,
                **compat.orderpoint_multiple_vals(cls.env, cls.p2, 1),
            }
        )
        # not items: a consumable, an archived product, one without Internal Reference,
        # a product of company B, a product in stock in company B only
        cls.consu = Product.create({"name": "Snap consu", "default_code": "SNAP-C", **compat.consumable_product_vals()})
        cls.archived = Product.create(
            {"name": "Snap archived", "default_code": "SNAP-A", **compat.storable_product_vals()}
        )
        cls.no_code = Product.create({"name": "Snap no code", **compat.storable_product_vals()})
        cls.in_b = Product.create({"name": "Snap in B", "default_code": "SNAP-B", **compat.storable_product_vals()})
        # -- history (weeks from history_start, UTC) ------------------------------------------
        _as_of, cls.history_start, cls.window_end = (
            cls.env["plansync.run"].with_company(cls.company_a)._snapshot_window(WEEKS)
        )
        cls.po_a = cls._purchase(30, approve=cls.at(0, -6, 10), planned=cls.at(0, -1, 10))
        cls._receive(cls.po_a, cls.at(0, 1))
        cls._deliver(cls.p1, 10, cls.at(0, 2))
        cls._deliver(cls.p1, 5, cls.at(0, 4))
        cls._deliver(cls.p1, 15, cls.at(1, 0))
        cls._return(cls.p1, 2, cls.at(1, 3))
        cls._deliver(cls.p1, 2, cls.at(1, 4))
        cls.po_b = cls._purchase(20, approve=cls.at(2, 0, 9), planned=cls.at(2, 4, 9))
        cls._receive(cls.po_b, cls.at(2, 3))
        cls._deliver(cls.p1, 4, cls.at(2, 4))
        cls._deliver(cls.p1, 6, cls.at(3, 1))
        cls._deliver(cls.p1, 3, fields.Datetime.now())
        # open: a purchase of 12 (1 Dozen), a reserved delivery of 4, a transfer of 5 to SW2
        cls.po_c = cls._purchase(12, approve=cls.at(3, 2, 9), planned=cls.at(3, 6, 9))
        cls.open_delivery = cls._deliver(cls.p1, 4, cls.at(3, 6), done=False)
        Move = env_a["stock.move"]
        for source, dest in ((cls.wh1.lot_stock_id, cls.transit), (cls.transit, cls.wh2.lot_stock_id)):
            Move.create(
                {
                    **compat.move_description_vals("to SW2"),
                    "product_id": cls.p1.id,
                    "product_uom_qty": 5,
                    "product_uom": cls.uom_unit.id,
                    "location_id": source.id,
                    "location_dest_id": dest.id,
                    "company_id": cls.company_a.id,
                }
            )._action_confirm()
        # the products that are no items have stock or moves in SW1
        cls._deliver(cls.consu, 1, cls.at(1, 1))
        cls.env["stock.quant"]._update_available_quantity(cls.archived, cls.wh1.lot_stock_id, 5)
        cls.archived.active = False
        cls.env["stock.quant"]._update_available_quantity(cls.no_code, cls.wh1.lot_stock_id, 5)
        cls.env["stock.quant"]._update_available_quantity(cls.in_b, cls.whb.lot_stock_id, 5)
        # only the vendor terms declared above: 19 adds the vendor of a confirmed PO
        # again (purchase.order._add_supplier_to_product), 17 and 18 do not
        Info.search([("product_tmpl_id", "=", tmpl), ("id", "not in", cls.vendor_terms.ids)]).unlink()
        cls.flush_capture()

    # ------------------------------------------------------------------

    @classmethod
    def at(cls, week, day, hour=12):
        """UTC time of ``day`` (0 = Monday) of history week ``week``."""
        return datetime.combine(cls.history_start + timedelta(days=7 * week + day), time(hour))

    @classmethod
    def _dated(cls, moves, when):
        moves.write({"date": when})
        moves.move_line_ids.write({"date": when})
        moves.flush_recordset()

    @classmethod
    def _picking(cls, product, quantity, source, dest, picking_type, when, done=True):
        picking = cls.env_a["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": dest.id,
                "partner_id": cls.customer_a.id,
                "move_ids": [
                    Command.create(
                        {
                            **compat.move_description_vals(product.name),
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        if done:
            picking.move_ids.quantity = quantity
            picking.move_ids.picked = True
            picking.with_context(skip_backorder=True).button_validate()
            cls._dated(picking.move_ids, when)
        else:
            picking.action_assign()
        return picking

    @classmethod
    def _deliver(cls, product, quantity, when, done=True):
        return cls._picking(
            product,
            quantity,
            cls.wh1.lot_stock_id,
            cls.customer_location,
            cls.wh1.out_type_id,
            when,
            done,
        )

    @classmethod
    def _return(cls, product, quantity, when):
        return cls._picking(product, quantity, cls.customer_location, cls.wh1.lot_stock_id, cls.wh1.in_type_id, when)

    @classmethod
    def _purchase(cls, units, approve, planned):
        order = cls.env_a["purchase.order"].create(
            {
                "partner_id": cls.v1.id,
                "company_id": cls.company_a.id,
                "picking_type_id": cls.wh1.in_type_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": cls.p1.id,
                            "product_qty": units,
                            compat.LINE_UOM: cls.uom_unit.id,
                            "price_unit": 2.0,
                            "date_planned": planned,
                        }
                    )
                ],
            }
        )
        order.button_confirm()
        order.write({"date_approve": approve})
        order.order_line.write({"date_planned": planned})
        order.flush_recordset()
        return order

    @classmethod
    def _receive(cls, order, when):
        picking = order.picking_ids
        picking.move_ids.quantity = picking.move_ids.product_uom_qty
        picking.move_ids.picked = True
        picking.with_context(skip_backorder=True).button_validate()
        cls._dated(picking.move_ids, when)

    def snapshot(self, warehouses=False, weeks=WEEKS, offset=0, limit=100, user=None):
        return (
            self.env["plansync.run"].with_user(user or self.agent_a).planning_snapshot(warehouses, weeks, offset, limit)
        )

    def item(self, result, product, warehouse):
        found = [i for i in result["items"] if (i["product_id"], i["warehouse_id"]) == (product.id, warehouse.id)]
        self.assertEqual(len(found), 1, "one item for %s @ %s" % (product.default_code, warehouse.code))
        return found[0]

    # ------------------------------------------------------------------

    def test_window(self):
        result = self.snapshot()
        self.assertEqual(set(result), {"as_of", "history_start", "weeks", "items", "next", "total"})
        as_of = fields.Date.from_string(result["as_of"])
        start = fields.Date.from_string(result["history_start"])
        self.assertEqual(as_of, fields.Date.today(), "today in UTC, the company's timezone")
        self.assertEqual(start.weekday(), 0, "a Monday")
        self.assertEqual(start, self.history_start)
        # the last bucket is the last complete week before today
        last_sunday = start + timedelta(days=7 * WEEKS - 1)
        self.assertLess(last_sunday, as_of)
        self.assertGreaterEqual(last_sunday + timedelta(days=7), as_of)
        self.assertEqual(result["weeks"], WEEKS)

    def test_items_and_order(self):
        result = self.snapshot()
        pairs = [(i["product_id"], i["warehouse_id"]) for i in result["items"]]
        self.assertEqual(
            pairs,
            [(self.p1.id, self.wh1.id), (self.p1.id, self.wh2.id), (self.p2.id, self.wh2.id)],
            "storable active products with a code, by (product, warehouse): SNAP-1 in SW1 (history), "
            "in SW2 (an open transfer), SNAP-2 in SW2 (a reordering rule); no consumable, archived "
            "product, product without code nor stock of another company",
        )
        self.assertEqual((result["total"], result["next"]), (3, False))
        for item in result["items"]:
            self.assertEqual(set(item), ITEM_KEYS)
            self.assertEqual(len(item["demand"]), WEEKS)
            self.assertEqual(len(item["stockout_days"]), WEEKS)
        self.assertEqual(walk_none(result), [], "no None anywhere")

    def test_demand_and_stockout_days(self):
        item = self.item(self.snapshot(), self.p1, self.wh1)
        self.assertEqual(item["demand"], [15.0, 15.0, 4.0, 6.0], "deliveries net of the return of 2")
        self.assertEqual(item["stockout_days"], [1, 6, 3, 0])
        self.assertTrue(all(isinstance(d, int) for d in item["stockout_days"]))
        never_stocked = self.item(self.snapshot(), self.p2, self.wh2)
        self.assertEqual(never_stocked["demand"], [0.0] * WEEKS)
        self.assertEqual(never_stocked["stockout_days"], [7] * WEEKS)

    def test_longer_window_before_any_move(self):
        item = self.item(self.snapshot(weeks=6), self.p1, self.wh1)
        self.assertEqual(item["demand"], [0.0, 0.0, 15.0, 15.0, 4.0, 6.0])
        self.assertEqual(item["stockout_days"], [7, 7, 1, 6, 3, 0])

    def test_quantities_as_odoo_counts_them(self):
        result = self.snapshot()
        item1 = self.item(result, self.p1, self.wh1)
        self.assertEqual(item1["on_hand"], 7.0)
        self.assertEqual(item1["reserved"], 4.0, "the open delivery's reservation")
        self.assertEqual(item1["incoming"], 12.0, "the open purchase (1 Dozen)")
        self.assertEqual(item1["outgoing"], 9.0, "the open delivery and the transfer to SW2")
        item2 = self.item(result, self.p1, self.wh2)
        self.assertEqual((item2["on_hand"], item2["incoming"], item2["outgoing"]), (0.0, 5.0, 0.0))
        for warehouse, item in ((self.wh1, item1), (self.wh2, item2)):
            odoo = self.p1.with_context(**{compat.WAREHOUSE_CONTEXT: warehouse.id})
            self.assertEqual(
                (item["on_hand"], item["incoming"], item["outgoing"]),
                (odoo.qty_available, odoo.incoming_qty, odoo.outgoing_qty),
            )

    def test_lead_time_from_receipts(self):
        result = self.snapshot()
        item = self.item(result, self.p1, self.wh1)
        # PO-A: confirmed day -6, promised day -1, received day 1: 7 days, 2 late;
        # PO-B: 3 days, promised 4: 1 early. The open PO-C is no sample.
        self.assertEqual(
            item["lead_time"],
            {"samples": 2, "mean_days": 5.0, "std_days": 2.0, "mean_delay_days": 0.5},
        )
        self.assertFalse(self.item(result, self.p1, self.wh2)["lead_time"])
        # a window that starts after PO-A's receipt measures PO-B only
        self.assertEqual(
            self.item(self.snapshot(weeks=2), self.p1, self.wh1)["lead_time"],
            {"samples": 1, "mean_days": 3.0, "std_days": 0.0, "mean_delay_days": -1.0},
        )

    def test_vendor_terms(self):
        result = self.snapshot()
        item = self.item(result, self.p1, self.wh1)
        self.assertEqual(
            item["vendor"],
            {
                "code": "SV-1",
                "partner_id": self.v1.id,
                "lead_time_days": 5.0,
                "min_qty": 24.0,
                "multiple": 6.0,
                "price": 2.0,
                "currency": self.company_a.currency_id.name,
            },
            "the first valid terms of company A (not the expired ones, not company B's), "
            "2 Dozens at 24 per Dozen in Units, the purchase packaging",
        )
        item = self.item(result, self.p2, self.wh2)
        self.assertEqual(item["vendor"]["code"], "Snap Vendor Three", "no Reference: the name")
        self.assertEqual(item["vendor"]["price"], 20.0, "10 EUR at 0.5 EUR per unit of the company's currency")
        self.assertEqual(item["vendor"]["multiple"], False)
        self.assertEqual(item["vendor"]["min_qty"], 0.0)

    def test_rules_routes_and_product_data(self):
        result = self.snapshot()
        item1 = self.item(result, self.p1, self.wh1)
        self.assertEqual(
            item1["reorder_rule"],
            {"id": self.rule1.id, "min_qty": 10.0, "max_qty": 50.0, "multiple": 6.0},
        )
        self.assertFalse(item1["resupply_from"])
        item2 = self.item(result, self.p1, self.wh2)
        self.assertFalse(item2["reorder_rule"])
        self.assertEqual(item2["resupply_from"], {"warehouse": "SW1", "lead_time_days": 3.0})
        self.assertEqual(self.item(result, self.p2, self.wh2)["reorder_rule"]["id"], self.rule2.id)
        self.assertEqual(
            (item1["sku"], item1["warehouse"], item1["company_id"], item1["uom"]),
            ("SNAP-1", "SW1", self.company_a.id, self.uom_unit.name),
        )
        self.assertEqual(item1["category"], "Snap parent / Snap child")
        self.assertEqual(item1["service_level"], 0.97, "the parent category's")
        self.assertEqual(item1["unit_cost"], 8.0)
        self.assertEqual(self.item(result, self.p2, self.wh2)["service_level"], 0.9, "the company's")

    def test_day_in_the_company_timezone(self):
        self.company_a.partner_id.tz = "Pacific/Kiritimati"  # UTC+14
        _as_of, start, _end = self.env["plansync.run"].with_company(self.company_a)._snapshot_window(WEEKS)
        before = self.item(self.snapshot(), self.p1, self.wh1)["demand"]
        # Sunday 12:00 UTC of week 2 is Monday 02:00 of week 3 in Kiritimati
        self._deliver(self.p1, 1, datetime.combine(start + timedelta(days=20), time(12)))
        after = self.item(self.snapshot(), self.p1, self.wh1)["demand"]
        self.assertEqual([a - b for a, b in zip(after, before)], [0.0, 0.0, 0.0, 1.0])

    def test_paging(self):
        first = self.snapshot(limit=2)
        self.assertEqual((len(first["items"]), first["next"], first["total"]), (2, 2, 3))
        second = self.snapshot(offset=first["next"], limit=2)
        self.assertEqual((len(second["items"]), second["next"], second["total"]), (1, False, 3))
        whole = self.snapshot()
        self.assertEqual(first["items"] + second["items"], whole["items"])
        past = self.snapshot(offset=10, limit=2)
        self.assertEqual((past["items"], past["next"], past["total"]), ([], False, 3))

    def test_warehouse_selection(self):
        result = self.snapshot(warehouses=["SW2"])
        self.assertEqual({i["warehouse"] for i in result["items"]}, {"SW2"})
        self.assertEqual(result["total"], 2)

    def test_multi_company(self):
        result = self.snapshot()
        self.assertEqual({i["company_id"] for i in result["items"]}, {self.company_a.id})
        with self.assertRaisesRegex(ValidationError, "warehouses: 'SWB' is not the code"):
            self.snapshot(warehouses=["SWB"])
        both = self.snapshot(user=self.agent_ab)
        in_b = [i for i in both["items"] if i["warehouse"] == "SWB"]
        self.assertEqual([i["sku"] for i in in_b], ["SNAP-B"])
        self.assertEqual(in_b[0]["company_id"], self.company_b.id)
        only_a = (
            self.env["plansync.run"]
            .with_user(self.agent_ab)
            .with_context(allowed_company_ids=self.company_a.ids)
            .planning_snapshot(False, WEEKS, 0, 100)
        )
        self.assertEqual(only_a["items"], result["items"], "the allowed companies only")

    def test_arguments_are_validated(self):
        bad = [
            (("SW1", WEEKS, 0, 10), "warehouses must be false or a list"),
            (([], WEEKS, 0, 10), "warehouses must be false or a list"),
            (([3], WEEKS, 0, 10), "warehouses must be false or a list"),
            ((["NOPE"], WEEKS, 0, 10), "warehouses: 'NOPE' is not the code"),
            ((False, 0, 0, 10), "weeks must be an integer from 1 to 260, got 0"),
            ((False, 261, 0, 10), "weeks must be an integer from 1 to 260, got 261"),
            ((False, "4", 0, 10), "weeks must be an integer from 1 to 260, got '4'"),
            ((False, True, 0, 10), "weeks must be an integer from 1 to 260, got True"),
            ((False, WEEKS, -1, 10), "offset must be an integer from 0 to"),
            ((False, WEEKS, 0, 0), "limit must be an integer from 1 to 5000, got 0"),
            ((False, WEEKS, 0, 5001), "limit must be an integer from 1 to 5000, got 5001"),
            ((False, WEEKS, 0, None), "limit must be an integer from 1 to 5000, got None"),
        ]
        Run = self.env["plansync.run"].with_user(self.agent_a)
        for args, message in bad:
            with self.subTest(args=args), self.assertRaises(ValidationError) as caught:
                Run.planning_snapshot(*args)
            self.assertIn(message, str(caught.exception))

    def test_integration_group_only(self):
        with self.assertRaisesRegex(AccessError, "planning_snapshot"):
            self.snapshot(user=self.planner_a)
        with self.assertRaises(AccessError):
            self.snapshot(user=self.planner)

    def test_service_level_settings(self):
        with self.assertRaises(ValidationError):
            self.env["product.category"].create({"name": "Too sure", "plansync_service_level": 1.0})
        with self.assertRaises(ValidationError):
            self.company_a.plansync_default_service_level = 0.3
        settings = self.env["res.config.settings"].with_company(self.company_a).create({})
        self.assertEqual(settings.plansync_default_service_level, 0.9)
        settings.plansync_default_service_level = 0.99
        settings.execute()
        self.assertEqual(self.company_a.plansync_default_service_level, 0.99)
        self.assertEqual(self.item(self.snapshot(), self.p2, self.wh2)["service_level"], 0.99)
