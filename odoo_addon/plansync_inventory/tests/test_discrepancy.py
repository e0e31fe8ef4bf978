# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Reconciliation of WMS balances and channel reports into discrepancies, and
the manager's decisions."""
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from odoo.addons.plansync import compat
from .common_wms import WmsCase


class TestWmsBalance(WmsCase):
    def setUp(self):
        super().setUp()
        self.wh = self.warehouse.code
        self.set_stock(self.product, self.shelf, 10)
        self.Discrepancy = self.env["plansync.discrepancy"]

    def open_ones(self):
        return self.Discrepancy.search([("state", "in", ("open", "investigating"))])

    def test_beyond_tolerance_opens_one_then_updates_then_resolves(self):
        self.endpoint_wms.write({"reconcile_tolerance_qty": 1})
        [result] = self.send(
            self.balance(
                "B-1", [{"sku": "T-CHAIR", "location": self.shelf.complete_name, "quantity": 7}], warehouse=self.wh
            )
        )
        self.assertEqual(result["status"], "applied", result["detail"])
        self.assertEqual(result["discrepancies"], {"opened": 1, "updated": 0, "resolved": 0, "within_tolerance": 0})
        disc = self.open_ones()
        self.assertEqual(len(disc), 1)
        self.assertEqual(
            (
                disc.kind,
                disc.endpoint_id,
                disc.product_id,
                disc.location_id,
                disc.warehouse_id,
                disc.odoo_qty,
                disc.other_qty,
                disc.difference,
                disc.state,
            ),
            ("wms", self.endpoint_wms, self.product, self.shelf, self.warehouse, 10.0, 7.0, -3.0, "open"),
        )
        self.assertEqual(disc.message_id.id, result["record_id"])
        first_seen = disc.first_seen
        # again, by barcode and in dozens: updated, not duplicated
        [again] = self.send(
            self.balance(
                "B-2",
                [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 0.5, "uom": "Dozens"}],
                warehouse=self.wh,
            )
        )
        self.assertEqual(again["discrepancies"], {"opened": 0, "updated": 1, "resolved": 0, "within_tolerance": 0})
        self.assertEqual(self.open_ones(), disc)
        self.assertEqual((disc.other_qty, disc.difference, disc.first_seen), (6.0, -4.0, first_seen))
        self.assertEqual(disc.message_id.id, again["record_id"])
        # within tolerance (9 vs 10, tolerance 1): resolved, chatter says so
        [ok] = self.send(
            self.balance("B-3", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 9}], warehouse=self.wh)
        )
        self.assertEqual(ok["discrepancies"], {"opened": 0, "updated": 0, "resolved": 1, "within_tolerance": 1})
        self.assertEqual(disc.state, "resolved")
        self.assertIn("within tolerance", disc.message_ids[:1].body)
        self.assertFalse(self.open_ones())

    def test_within_tolerance_opens_nothing(self):
        self.endpoint_wms.write({"reconcile_tolerance_percent": 20})
        [result] = self.send(
            self.balance("B-1", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 8}], warehouse=self.wh)
        )
        self.assertEqual(result["discrepancies"], {"opened": 0, "updated": 0, "resolved": 0, "within_tolerance": 1})
        self.assertFalse(self.Discrepancy.search([]))

    def test_complete_counts_missing_as_zero(self):
        self.set_stock(self.product2, self.stock_location, 3)
        message = self.balance("B-1", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 10}], warehouse=self.wh)
        [partial] = self.send(message)
        self.assertEqual(partial["discrepancies"]["opened"], 0)
        [complete] = self.send(dict(message, message_id="B-2", complete=True))
        self.assertEqual(complete["discrepancies"], {"opened": 1, "updated": 0, "resolved": 0, "within_tolerance": 1})
        disc = self.open_ones()
        self.assertEqual(
            (disc.product_id, disc.location_id, disc.odoo_qty, disc.other_qty),
            (self.product2, self.stock_location, 3.0, 0.0),
        )

    def test_bad_lines_are_an_exception_and_good_lines_reconcile(self):
        [result] = self.send(
            self.balance(
                "B-1",
                [
                    {"sku": "NOPE", "location": "T-SHELF-1", "quantity": 1},
                    {"sku": "T-CHAIR", "location": "WH/Nowhere", "quantity": 1},
                    {"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": -2},
                    {"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 1, "uom": "kg"},
                    {"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 1e308},
                    {"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 10**400},
                    {"sku": "T-DESK", "location": "T-SHELF-1", "quantity": 2},
                ],
                warehouse=self.wh,
                complete=True,
            )
        )
        self.assertEqual((result["status"], result["code"]), ("exception", "unknown_sku"))
        for needle in (
            "NOPE",
            "WH/Nowhere",
            "negative_quantity",
            "uom_mismatch",
            "balances[4].quantity must be a number from 0 to 1e+15",
            "balances[5].quantity must be a number from 0 to 1e+15",
            "6 of 7",
        ):
            self.assertIn(needle, result["detail"])
        # the desk line reconciled; the chair at the shelf (named by refused lines) is not counted as 0
        self.assertEqual(self.open_ones().mapped("product_id"), self.product2)
        self.assertEqual(self.env["plansync.wms.message"].search_count([("state", "=", "exception")]), 1)

    def test_unknown_warehouse(self):
        [result] = self.send(self.balance("B-1", [], warehouse="NOPE"))
        self.assertEqual((result["status"], result["code"]), ("exception", "unknown_warehouse"))
        self.assertIn("'NOPE'", result["detail"])

    def test_accept_adjusts_the_quant(self):
        [result] = self.send(
            self.balance("B-1", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 7}], warehouse=self.wh)
        )
        disc = self.open_ones()
        self.assertFalse(disc.with_user(self.planner).can_decide)
        with self.assertRaises(AccessError):
            disc.with_user(self.planner).action_accept()
        disc.with_user(self.manager).action_accept()
        self.assertEqual(self.quantity(self.product, self.shelf), 7)
        self.assertEqual((disc.state, disc.decided_by), ("accepted", self.manager))
        move = self.env["stock.move"].search(
            [("product_id", "=", self.product.id), ("is_inventory", "=", True), ("state", "=", "done")]
        )
        self.assertEqual(len(move), 1)
        self.assertEqual((move.location_id, move.product_uom_qty), (self.shelf, 3.0))
        self.assertIn("PlanSync", move[compat.INVENTORY_MOVE_NAME])
        self.assertIn("Accepted by %s" % self.manager.name, disc.message_ids[:1].body)
        with self.assertRaises(UserError):
            disc.with_user(self.manager).action_accept()

    def test_accept_refused_after_odoo_changed(self):
        self.send(self.balance("B-1", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 7}], warehouse=self.wh))
        disc = self.open_ones()
        self.set_stock(self.product, self.shelf, -2)
        with self.assertRaisesRegex(UserError, "now 8.0"):
            disc.with_user(self.manager).action_accept()
        self.assertEqual(self.quantity(self.product, self.shelf), 8)
        self.assertEqual(disc.state, "open")

    def test_ignore_needs_a_reason_and_investigate(self):
        self.send(
            self.balance(
                "B-1",
                [
                    {"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 7},
                    {"sku": "T-DESK", "location": "T-SHELF-1", "quantity": 1},
                ],
                warehouse=self.wh,
            )
        )
        chair, desk = self.open_ones().sorted(lambda d: d.product_id.default_code)
        action = chair.with_user(self.manager).action_ignore()
        self.assertEqual(action["res_model"], "plansync.discrepancy.ignore")
        self.assertEqual(chair.state, "open")
        wizard = (
            self.env["plansync.discrepancy.ignore"]
            .with_user(self.manager)
            .with_context(action["context"])
            .create({"reason": "Count in progress"})
        )
        wizard.action_confirm()
        self.assertEqual((chair.state, chair.ignore_reason), ("ignored", "Count in progress"))
        self.assertIn("Count in progress", chair.message_ids[:1].body)
        desk.with_user(self.manager).action_investigate()
        self.assertEqual(desk.state, "investigating")
        self.assertEqual(desk.activity_ids.user_id, self.manager)
        # still one per (endpoint, product, location): reconciling updates the investigated one
        [again] = self.send(
            self.balance("B-2", [{"sku": "T-DESK", "location": "T-SHELF-1", "quantity": 2}], warehouse=self.wh)
        )
        self.assertEqual(again["discrepancies"]["updated"], 1)
        self.assertEqual((desk.state, desk.other_qty), ("investigating", 2.0))

    def test_at_risk_sale_lines(self):
        customer = self.env["res.partner"].create({"name": "Customer (test)"})
        order = self.env["sale.order"].create(
            {
                "partner_id": customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [Command.create({"product_id": self.product.id, "product_uom_qty": 4})],
            }
        )
        order.action_confirm()
        self.send(self.balance("B-1", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 1}], warehouse=self.wh))
        disc = self.open_ones()
        self.assertEqual(disc.at_risk_line_ids, order.order_line)
        self.assertEqual((disc.at_risk_count, disc.at_risk_qty), (1, 4.0))
        # the planner reads
        self.assertEqual(disc.with_user(self.planner).read(["odoo_qty"])[0]["odoo_qty"], 10.0)

    def test_multi_company(self):
        self.send(self.balance("B-1", [{"sku": "T-CHAIR", "location": "T-SHELF-1", "quantity": 1}], warehouse=self.wh))
        other = self.env["res.company"].create({"name": "Other (test)"})
        stranger = self.manager.copy(
            {"login": "plansync-manager-other", "company_id": other.id, "company_ids": [Command.set(other.ids)]}
        )
        self.assertFalse(self.env["plansync.discrepancy"].with_user(stranger).search([]))
        self.assertFalse(self.env["plansync.wms.message"].with_user(stranger).search([]))


class TestChannelReport(WmsCase):
    def setUp(self):
        super().setUp()
        self.channel = self.env["plansync.endpoint"].create(
            {
                "name": "Shop (test)",
                "code": "T_SHOP",
                "kind": "channel",
                "company_id": self.company.id,
                "availability_basis": "on_hand",
                "reconcile_tolerance_qty": 1,
            }
        )
        self.set_stock(self.product, self.stock_location, 10)

    def report(self, items, endpoint="T_SHOP"):
        return self.env["plansync.discrepancy"].with_user(self.agent_user).report_channel(endpoint, items)

    def test_report_opens_updates_resolves(self):
        item = {"sku": "T-CHAIR", "warehouse": self.warehouse.code, "sent": 5, "sent_at": "2026-11-30T06:00:00Z"}
        self.assertEqual(
            self.report([item]), {"checked": 1, "within_tolerance": 0, "opened": 1, "updated": 0, "resolved": 0}
        )
        disc = self.env["plansync.discrepancy"].search([("kind", "=", "channel")])
        self.assertEqual(
            (disc.odoo_qty, disc.other_qty, disc.difference, disc.location_id.id), (10.0, 5.0, -5.0, False)
        )
        self.assertEqual(self.report([dict(item, sent=4)])["updated"], 1)
        self.assertEqual(
            self.report([dict(item, sent=10)]),
            {"checked": 1, "within_tolerance": 1, "opened": 0, "updated": 0, "resolved": 1},
        )
        self.assertEqual(disc.state, "resolved")

    def test_accept_reenqueues_the_stock_level(self):
        self.report([{"sku": "T-CHAIR", "warehouse": self.warehouse.code, "sent": 5}])
        disc = self.env["plansync.discrepancy"].search([("kind", "=", "channel")])
        self.flush_capture()
        self.clear_outbox()
        disc.with_user(self.manager).action_accept()
        rows = self.rows()
        self.assertEqual(
            [(r.event_type, r.endpoint_id, r.aggregate_id, r.warehouse_id, r.state) for r in rows],
            [("stock.level", self.channel, self.product.id, self.warehouse, "pending")],
        )
        self.assertEqual(disc.state, "accepted")

    def test_bad_items(self):
        with self.assertRaisesRegex(ValidationError, r"items\[0\].sku.*'NOPE'"):
            self.report([{"sku": "NOPE", "warehouse": self.warehouse.code, "sent": 1}])
        with self.assertRaisesRegex(ValidationError, r"items\[0\].warehouse.*'XX'"):
            self.report([{"sku": "T-CHAIR", "warehouse": "XX", "sent": 1}])
        with self.assertRaisesRegex(ValidationError, r"items\[0\].sent"):
            self.report([{"sku": "T-CHAIR", "warehouse": self.warehouse.code, "sent": "1"}])
        # found by the fuzz suite: NUL or a lone surrogate reached PostgreSQL and failed the whole call
        for sku, shown in (("\x00", r"'\\x00'"), ("T-\ud800", r"'T-\\ud800'"), ("x" * 300, "xxxx")):
            with self.assertRaisesRegex(ValidationError, r"items\[0\].sku must be the Internal Reference.*" + shown):
                self.report([{"sku": sku, "warehouse": self.warehouse.code, "sent": 1}])
        with self.assertRaisesRegex(ValidationError, r"items\[1\].warehouse.*'\\x00'"):
            self.report(
                [
                    {"sku": "T-CHAIR", "warehouse": self.warehouse.code, "sent": 1},
                    {"sku": "T-CHAIR", "warehouse": "\x00", "sent": 1},
                ]
            )
        for sent in (1e300, float("inf"), 10**400, True):
            with self.assertRaisesRegex(ValidationError, r"items\[0\].sent must be a finite number of at most 1e\+15"):
                self.report([{"sku": "T-CHAIR", "warehouse": self.warehouse.code, "sent": sent}])
        with self.assertRaisesRegex(ValidationError, "kind channel"):
            self.report([], endpoint="T_WMS")
        with self.assertRaises(AccessError):
            self.env["plansync.discrepancy"].with_user(self.manager).report_channel("T_SHOP", [])
        self.assertFalse(self.env["plansync.discrepancy"].search([]))
