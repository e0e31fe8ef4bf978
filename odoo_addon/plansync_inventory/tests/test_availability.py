# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from contextlib import contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.plansync import compat

from ..models.plansync_allocation_rule import allocate, match_rule
from ..models.plansync_channel_mapping import channel_units
from odoo.addons.plansync.tests.common import PlansyncCase, walk_none


class TestAllocationMath(PlansyncCase):
    """The pure helpers behind ``available`` and ``channel.quantity``."""

    def test_share_and_buffer(self):
        self.assertEqual(allocate(100.0, 50.0, 5.0, 0.0, 0.0, 1.0), 45.0)
        self.assertEqual(allocate(100.0, 100.0, 0.0, 0.0, 0.0, 1.0), 100.0)
        self.assertEqual(allocate(10.0, 50.0, 8.0, 0.0, 0.0, 1.0), 0.0, "never below 0")
        self.assertEqual(allocate(-4.0, 100.0, 0.0, 0.0, 0.0, 1.0), 0.0, "negative basis")
        self.assertEqual(allocate(100.0, 0.0, 0.0, 0.0, 0.0, 1.0), 0.0)

    def test_ceiling(self):
        self.assertEqual(allocate(100.0, 100.0, 0.0, 0.0, 30.0, 1.0), 30.0)
        self.assertEqual(allocate(20.0, 100.0, 0.0, 0.0, 30.0, 1.0), 20.0)
        self.assertEqual(allocate(100.0, 100.0, 0.0, 0.0, 0.0, 1.0), 100.0, "0 = no ceiling")

    def test_floor_protects_the_last_units(self):
        self.assertEqual(allocate(4.0, 100.0, 0.0, 5.0, 0.0, 1.0), 0.0)
        self.assertEqual(allocate(5.0, 100.0, 0.0, 5.0, 0.0, 1.0), 5.0, "at the floor: kept")
        self.assertEqual(allocate(12.0, 50.0, 1.0, 5.0, 0.0, 1.0), 5.0)
        self.assertEqual(allocate(10.0, 50.0, 1.0, 5.0, 0.0, 1.0), 0.0, "4 < floor 5")

    def test_rounded_down_to_the_unit(self):
        self.assertEqual(allocate(10.0, 33.0, 0.0, 0.0, 0.0, 1.0), 3.0, "3.3 -> 3")
        self.assertEqual(allocate(10.0, 39.0, 0.0, 0.0, 0.0, 1.0), 3.0, "3.9 -> 3, not 4")
        self.assertEqual(allocate(10.0, 33.33, 0.0, 0.0, 0.0, 0.01), 3.33)
        self.assertEqual(allocate(3.0, 10.0, 0.0, 0.0, 0.0, 0.1), 0.3, "no float noise lost")

    def test_channel_units(self):
        self.assertEqual(channel_units(24.0, 1.0, 12.0), 2)
        self.assertEqual(channel_units(35.0, 1.0, 12.0), 2, "rounded down")
        self.assertEqual(channel_units(11.0, 1.0, 12.0), 0)
        self.assertEqual(channel_units(2.0, 12.0, 1.0), 24)
        self.assertEqual(channel_units(0.1 * 3, 10.0, 1.0), 3, "0.30000000000000004 is 3")
        self.assertIsInstance(channel_units(24.0, 1.0, 12.0), int)

    def test_match_rule_precedence(self):
        Rule = self.env["plansync.allocation.rule"]
        channel = self.env["plansync.endpoint"].create({"name": "Match", "code": "T_MATCH", "kind": "channel"})
        Category = self.env["product.category"]
        c1 = Category.create({"name": "M1"})
        c2 = Category.create({"name": "M2", "parent_id": c1.id})
        c3 = Category.create({"name": "M3", "parent_id": c2.id})
        wide = Rule.create({"endpoint_id": channel.id, "sequence": 1})
        parent = Rule.create({"endpoint_id": channel.id, "categ_id": c1.id})
        child = Rule.create({"endpoint_id": channel.id, "categ_id": c2.id})
        product = Rule.create({"endpoint_id": channel.id, "product_id": self.product.id})
        rules = wide | parent | child | product
        path = [c3.id, c2.id, c1.id]
        self.assertEqual(match_rule(rules, self.product.id, path), (product, "product"))
        self.assertEqual(match_rule(rules, self.product2.id, path), (child, "category"))
        self.assertEqual(match_rule(rules, self.product2.id, [c1.id]), (parent, "category"))
        self.assertEqual(match_rule(rules, self.product2.id, []), (wide, "endpoint"))
        self.assertEqual(match_rule(rules - wide, self.product2.id, []), (False, False))
        second = Rule.create({"endpoint_id": channel.id, "sequence": 0})
        ordered = (second | wide).sorted(lambda r: (r.sequence, r.id))
        self.assertEqual(match_rule(ordered, self.product2.id, []), (second, "endpoint"))


class TestAvailability(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Category = cls.env["product.category"]
        cls.categ_parent = Category.create({"name": "Avail parent"})
        cls.categ_child = Category.create({"name": "Avail child", "parent_id": cls.categ_parent.id})
        cls.product.categ_id = cls.categ_child
        cls.product2.categ_id = cls.categ_child
        cls.channel = cls.env["plansync.endpoint"].create(
            {
                "name": "Shop (test)",
                "code": "T_SHOP",
                "kind": "channel",
                "availability_basis": "free",
                "event_type_ids": [Command.set(cls.event_types["stock.level"].ids)],
            }
        )
        cls.uom_dozen = cls.env.ref("uom.product_uom_dozen")
        cls.uom_dozen.active = True  # archived by default in 19 (uom/data/uom_data.xml)
        cls.uom_kg = cls.env.ref("uom.product_uom_kgm")
        cls.flush_capture()
        cls.clear_outbox()

    @contextmanager
    def refused(self, pattern):
        """A ValidationError whose message matches ``pattern``; rolled back."""
        with self.assertRaises(ValidationError) as caught:
            yield
        self.assertRegex(str(caught.exception), pattern)

    def rule(self, **vals):
        return self.env["plansync.allocation.rule"].create(dict({"endpoint_id": self.channel.id}, **vals))

    def level(self, product=None):
        """Claim and ack the channel's events; the stock.level payload of product."""
        product = product or self.product
        result = self.claim(endpoint=self.channel)
        if result["events"]:
            self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        levels = [
            e["payload"] for e in result["events"] if e["type"] == "stock.level" and e["aggregate"]["id"] == product.id
        ]
        return levels[-1] if levels else False

    def render(self, product=None, warehouse=None):
        """The payload the channel would be sent now (same renderer)."""
        product = product or self.product
        warehouse = warehouse or self.warehouse
        heads = [{"id": 1, "aggregate_id": product.id, "wh": warehouse.id}]
        return self.channel._availability_render(heads, fields.Datetime.now())[1][1]

    def snapshot(self, *args, user=None):
        Endpoint = self.env["plansync.endpoint"].with_user(user or self.agent_user)
        return Endpoint.availability_snapshot(*args)

    # ------------------------------------------------------------------
    # definition
    # ------------------------------------------------------------------

    def test_rule_precedence_product_category_endpoint(self):
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 100)
        self.rule(share_percent=10.0)
        self.assertEqual(self.render()["available"], 10.0)
        self.assertEqual(self.render()["allocation"]["scope"], "endpoint")
        self.rule(categ_id=self.categ_parent.id, share_percent=20.0)
        self.assertEqual(self.render()["available"], 20.0, "an ancestor beats endpoint-wide")
        child = self.rule(categ_id=self.categ_child.id, share_percent=30.0)
        self.assertEqual(self.render()["available"], 30.0, "the nearest ancestor wins")
        product = self.rule(product_id=self.product.id, share_percent=40.0, sequence=99)
        payload = self.render()
        self.assertEqual(payload["available"], 40.0, "a product rule beats categories")
        self.assertEqual(payload["allocation"]["rule_id"], product.id)
        self.assertEqual(payload["allocation"]["scope"], "product")
        product.active = False
        self.assertEqual(self.render()["allocation"]["rule_id"], child.id)
        self.env["plansync.allocation.rule"].with_context(active_test=False).search(
            [("endpoint_id", "=", self.channel.id)]
        ).unlink()
        payload = self.render()
        self.assertIs(payload["allocation"], False)
        self.assertEqual(payload["available"], 100.0)

    def test_rule_changes_bump_the_version(self):
        self.assertEqual(self.channel.availability_version, 1)
        rule = self.rule(share_percent=50.0)
        self.assertEqual(self.channel.availability_version, 2)
        rule.share_percent = 60.0
        self.assertEqual(self.channel.availability_version, 3)
        rule.share_percent = 60.0
        self.assertEqual(self.channel.availability_version, 3, "no change, no version")
        rule.active = False
        self.assertEqual(self.channel.availability_version, 4)
        rule.unlink()
        self.assertEqual(self.channel.availability_version, 5)
        self.channel.availability_horizon_days = 7
        self.assertEqual(self.channel.availability_version, 6)
        self.assertEqual(self.render()["definition"]["version"], 6)
        self.assertEqual(self.render()["definition"]["horizon_days"], 7)

    def test_horizon(self):
        receipt = self.receive(self.product, 10, validate=False)
        receipt.move_ids.date = fields.Datetime.now() + timedelta(days=10)
        delivery = self.deliver(self.product, 3)
        delivery.move_ids.date = fields.Datetime.now() + timedelta(days=2)
        self.channel.availability_basis = "forecast"
        payload = self.render()
        self.assertEqual((payload["incoming"], payload["outgoing"]), (10.0, 3.0))
        self.assertEqual(payload["forecast"], 7.0)
        self.channel.availability_horizon_days = 5
        payload = self.render()
        self.assertEqual((payload["incoming"], payload["outgoing"]), (0.0, 3.0))
        self.assertEqual(payload["forecast"], -3.0)
        self.assertEqual(payload["basis_quantity"], -3.0)
        self.channel.availability_horizon_days = 15
        self.assertEqual(self.render()["incoming"], 10.0)
        self.channel.availability_horizon_days = 1
        payload = self.render()
        self.assertEqual((payload["incoming"], payload["outgoing"]), (0.0, 0.0))
        with self.refused(r"availability_horizon_days.*-1"):
            self.channel.availability_horizon_days = -1

    def test_rule_constraints_name_field_and_value(self):
        cases = [
            ({"share_percent": 150.0}, r"share_percent.*150"),
            ({"share_percent": -1.0}, r"share_percent.*-1"),
            ({"buffer_qty": -2.0}, r"buffer_qty.*-2"),
            ({"floor_qty": -3.0}, r"floor_qty.*-3"),
            ({"ceiling_qty": -4.0}, r"ceiling_qty.*-4"),
            ({"floor_qty": 10.0, "ceiling_qty": 5.0}, r"floor_qty.*10.*ceiling_qty.*5"),
            (
                {"product_id": self.product.id, "categ_id": self.categ_child.id},
                r"product_id.*Office chair.*categ_id.*Avail child",
            ),
            ({"endpoint_id": self.endpoint.id}, r"endpoint_id.*T_WEBHOOK.*webhook"),
        ]
        for vals, pattern in cases:
            with self.subTest(vals=vals), self.refused(pattern):
                self.rule(**vals)
        self.assertEqual(self.channel.availability_version, 1, "nothing changed")
        self.rule()
        with self.refused(r"kind.*T_SHOP.*webhook"):
            self.channel.kind = "webhook"

    # ------------------------------------------------------------------
    # channel mapping
    # ------------------------------------------------------------------

    def mapping(self, **vals):
        return self.env["plansync.channel.mapping"].create(
            dict(
                {
                    "endpoint_id": self.channel.id,
                    "product_id": self.product.id,
                    "channel_sku": "SHOP-CHAIR",
                    "uom_id": self.uom_dozen.id,
                },
                **vals,
            )
        )

    def test_channel_unit_conversion_rounds_down(self):
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 35)
        self.mapping()
        payload = self.render()
        self.assertEqual(payload["available"], 35.0)
        self.assertEqual(payload["channel"], {"sku": "SHOP-CHAIR", "uom": self.uom_dozen.name, "quantity": 2})
        self.rule(share_percent=80.0)  # 28
        self.assertEqual(self.render()["channel"]["quantity"], 2)
        self.rule(product_id=self.product.id, buffer_qty=12.0)  # 23
        self.assertEqual(self.render()["channel"]["quantity"], 1)
        self.assertIs(self.render(self.product2)["channel"], False, "no mapping")

    def test_mapping_default_unit(self):
        mapping = self.env["plansync.channel.mapping"].create(
            {"endpoint_id": self.channel.id, "product_id": self.product.id, "channel_sku": "X"}
        )
        self.assertEqual(mapping.uom_id, self.uom_unit)

    def test_mapping_constraints(self):
        with self.refused(r"uom_id.*%s.*%s" % (self.uom_kg.name, self.uom_unit.name)):
            self.mapping(uom_id=self.uom_kg.id)
        self.mapping()
        with self.refused(r"product_id.*Office chair"):
            self.mapping(channel_sku="OTHER")
        with self.refused(r"channel_sku.*SHOP-CHAIR"):
            self.mapping(product_id=self.product2.id)
        lamp = self.env["product.product"].create({"name": "Lamp", **compat.storable_product_vals()})
        with self.refused(r"channel_sku.*'DUP'"):
            self.env["plansync.channel.mapping"].create(
                [
                    {"endpoint_id": self.channel.id, "product_id": self.product2.id, "channel_sku": "DUP"},
                    {"endpoint_id": self.channel.id, "product_id": lamp.id, "channel_sku": "DUP"},
                ]
            )
        second = self.mapping(product_id=self.product2.id, channel_sku="SHOP-DESK")
        with self.refused(r"channel_sku.*SHOP-CHAIR"):
            second.channel_sku = "SHOP-CHAIR"
        with self.refused(r"channel_sku.*'  '"):
            second.channel_sku = "  "
        with self.refused(r"endpoint_id.*T_WEBHOOK"):
            self.mapping(endpoint_id=self.endpoint.id)
        other = self.env["plansync.endpoint"].create({"name": "Shop 2", "code": "T_SHOP2", "kind": "channel"})
        self.mapping(endpoint_id=other.id)  # same product and sku, other endpoint

    # ------------------------------------------------------------------
    # the stock.level event
    # ------------------------------------------------------------------

    def test_claimed_payload_carries_definition_and_allocation(self):
        self.level()
        rule = self.rule(share_percent=33.33, buffer_qty=1.0, floor_qty=2.0, ceiling_qty=100.0)
        self.mapping(uom_id=self.uom_unit.id)
        self.receive(self.product, 11)
        payload = self.level()
        self.assertEqual(payload["free"], 11.0)
        self.assertEqual(payload["basis_quantity"], 11.0)
        self.assertEqual(self.uom_unit.rounding, 0.01)
        self.assertEqual(payload["available"], 2.66, "11 * 33.33% - 1 = 2.6663, rounded down")
        self.assertEqual(
            payload["definition"],
            {
                "id": self.channel.id,
                "endpoint": "T_SHOP",
                "version": 2,
                "basis": "free",
                "horizon_days": 0,
                "included_location_ids": [],
                "excluded_location_ids": [],
            },
        )
        self.assertEqual(
            payload["allocation"],
            {
                "rule_id": rule.id,
                "scope": "endpoint",
                "share_percent": 33.33,
                "buffer_qty": 1.0,
                "floor_qty": 2.0,
                "ceiling_qty": 100.0,
            },
        )
        self.assertEqual(payload["channel"], {"sku": "SHOP-CHAIR", "uom": self.uom_unit.name, "quantity": 2})
        self.assertEqual(walk_none(payload), [])

    def test_payload_without_rule_or_mapping(self):
        self.receive(self.product, 5)
        payload = self.level()
        self.assertEqual(payload["available"], 5.0)
        self.assertEqual(payload["basis_quantity"], 5.0)
        self.assertIs(payload["allocation"], False)
        self.assertIs(payload["channel"], False)

    # ------------------------------------------------------------------
    # availability_snapshot
    # ------------------------------------------------------------------

    def test_snapshot_pages(self):
        other = self.env["stock.warehouse"].create({"name": "Avail WH2", "code": "TAW2", "company_id": self.company.id})
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 7)
        self.env["stock.quant"]._update_available_quantity(self.product, other.lot_stock_id, 3)
        self.mapping(uom_id=self.uom_unit.id)
        codes = [self.warehouse.code, other.code]
        first = self.snapshot("T_SHOP", codes, 0, 5000)
        products = self.env["product.product"].search(
            compat.storable_domain() + [("company_id", "in", (False, self.company.id))]
        )
        self.assertEqual(first["total"], 2 * len(products))
        self.assertEqual(len(first["items"]), first["total"])
        self.assertIs(first["next_offset"], False)
        self.assertEqual(first["endpoint"], "T_SHOP")
        order = [(i["warehouse"]["id"], i["product"]["id"]) for i in first["items"]]
        self.assertEqual(order, sorted(order), "by (warehouse id, product id)")
        self.assertEqual(
            {(i["warehouse"]["code"], i["product"]["id"]) for i in first["items"]},
            {(code, p.id) for code in codes for p in products},
        )
        figures = {(i["warehouse"]["code"], i["product"]["id"]): i for i in first["items"]}
        chair = figures[(self.warehouse.code, self.product.id)]
        self.assertEqual(chair, self.render())
        self.assertEqual(chair["available"], 7.0)
        self.assertEqual(chair["channel"]["quantity"], 7)
        self.assertEqual(figures[(other.code, self.product.id)]["available"], 3.0)
        # pages of 3 give the same items
        items, offset, pages = [], 0, 0
        while offset is not False:
            page = self.snapshot("T_SHOP", codes, offset, 3)
            self.assertEqual(page["offset"], offset)
            self.assertEqual(page["total"], first["total"])
            items += page["items"]
            offset = page["next_offset"]
            pages += 1
        self.assertEqual(pages, -(-first["total"] // 3))
        strip = lambda items: [dict(i, computed_at=False) for i in items]  # noqa: E731
        self.assertEqual(strip(items), strip(first["items"]))
        beyond = self.snapshot("T_SHOP", codes, first["total"] + 10, 3)
        self.assertEqual(beyond["items"], [])
        self.assertIs(beyond["next_offset"], False)
        self.assertEqual(walk_none(first), [])

    def test_snapshot_warehouses_default(self):
        other = self.env["stock.warehouse"].create({"name": "Avail WH3", "code": "TAW3", "company_id": self.company.id})
        warehouses = self.env["stock.warehouse"].search([("company_id", "=", self.company.id)])
        result = self.snapshot("T_SHOP", False, 0, 5000)
        self.assertEqual({i["warehouse"]["id"] for i in result["items"]}, set(warehouses.ids))
        self.channel.warehouse_ids = other
        result = self.snapshot("T_SHOP", False, 0, 5000)
        self.assertEqual({i["warehouse"]["code"] for i in result["items"]}, {"TAW3"})
        with self.refused(r"warehouses.*%s.*T_SHOP" % self.warehouse.code):
            self.snapshot("T_SHOP", [self.warehouse.code], 0, 10)

    def test_snapshot_arguments(self):
        cases = [
            (("T_SHOP", False, -1, 10), r"offset.*-1"),
            (("T_SHOP", False, 0, 0), r"limit.*0"),
            (("T_SHOP", False, 0, 5001), r"limit.*5001"),
            (("T_SHOP", False, "0", 10), r"offset.*'0'"),
            (("T_SHOP", False, 0, True), r"limit.*True"),
            (("T_SHOP", "WH", 0, 10), r"warehouses.*'WH'"),
            (("T_SHOP", [], 0, 10), r"warehouses.*\[\]"),
            (("T_SHOP", ["NOPE"], 0, 10), r"warehouses.*'NOPE'"),
            (("NOPE", False, 0, 10), r"endpoint.*'NOPE'"),
            ((42, False, 0, 10), r"endpoint.*42"),
        ]
        for args, pattern in cases:
            with self.subTest(args=args), self.refused(pattern):
                self.snapshot(*args)
        # by name as well
        result = (
            self.env["plansync.endpoint"]
            .with_user(self.agent_user)
            .availability_snapshot(endpoint="T_SHOP", warehouses=False, offset=0, limit=1)
        )
        self.assertEqual(len(result["items"]), 1)

    def test_snapshot_rights(self):
        for user in (self.planner, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.snapshot("T_SHOP", False, 0, 10, user=user)

    def test_product_channel_availability(self):
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 30)
        self.rule(share_percent=50.0)
        self.mapping()
        action = self.product.product_tmpl_id.with_user(self.planner).action_plansync_channel_availability()
        lines = self.env[action["res_model"]].search(action["domain"])
        line = lines.filtered(lambda l: l.endpoint_id == self.channel and l.warehouse_id == self.warehouse)
        payload = self.render()
        self.assertEqual(len(line), 1)
        self.assertEqual(line.product_id, self.product)
        self.assertEqual(line.basis_quantity, payload["basis_quantity"])
        self.assertEqual(line.available, 15.0)
        self.assertEqual(line.allocation_scope, "endpoint")
        self.assertEqual(
            (line.channel_sku, line.channel_uom, line.channel_quantity),
            ("SHOP-CHAIR", self.uom_dozen.name, 1),
        )
        self.assertFalse(lines.endpoint_id - self.channel, "channel endpoints only")

    def test_rights_and_companies(self):
        rule = self.rule(share_percent=50.0)
        mapping = self.mapping()
        cases = (
            ("plansync.allocation.rule", rule, {"sequence": 5}),
            ("plansync.channel.mapping", mapping, {"channel_sku": "X"}),
        )
        for model, record, vals in cases:
            # the integration user reads none: the snapshots and events render as superuser
            with self.subTest(model=model, user="integration"), self.assertRaises(AccessError):
                self.env[model].with_user(self.agent_user).search([])
            for user in (self.planner, self.agent_user):
                with self.subTest(model=model, user=user.login):
                    if user == self.planner:
                        self.assertEqual(self.env[model].with_user(user).search([]), record)
                    with self.assertRaises(AccessError):
                        record.with_user(user).write(vals)
                    with self.assertRaises(AccessError):
                        record.with_user(user).unlink()
        manager_rule = (
            self.env["plansync.allocation.rule"]
            .with_user(self.manager)
            .create({"endpoint_id": self.channel.id, "categ_id": self.categ_child.id})
        )
        manager_rule.with_user(self.manager).share_percent = 10.0
        self.assertEqual(self.channel.availability_version, 4)
        company_b = self.env["res.company"].create({"name": "Avail Co B (test)"})
        channel_b = self.env["plansync.endpoint"].create(
            {"name": "Shop B", "code": "T_SHOP_B", "kind": "channel", "company_id": company_b.id}
        )
        rule_b = self.rule(endpoint_id=channel_b.id)
        self.assertEqual(rule_b.company_id, company_b)
        Rule = self.env["plansync.allocation.rule"].with_user(self.manager)
        self.assertNotIn(rule_b, Rule.search([]), "another company's rules stay hidden")
