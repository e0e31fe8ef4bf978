# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""plansync.wms.message.receive: confirmations through Odoo's own validation,
exactly once; bad input is parked as an exception and leaves stock untouched."""
import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError, ValidationError
from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger, sql

from odoo.addons.plansync.tests.common import walk_none
from .common_wms import RESULT_KEYS, WmsCase
from odoo.addons.plansync import compat


class TestWmsConfirmation(WmsCase):
    def test_shipment_validates_the_delivery_once(self):
        self.set_stock(self.product, self.stock_location, 10)
        picking = self.deliver(self.product, 4)
        message = self.shipment("M-1", picking, [{"sku": "T-CHAIR", "quantity": 4}])
        [result] = self.send(message)
        self.assertEqual(set(result), RESULT_KEYS)
        self.assertFalse(walk_none(result))
        self.assertEqual((result["status"], result["code"], result["discrepancies"]), ("applied", False, False))
        self.assertEqual(picking.state, "done")
        self.assertEqual(self.quantity(self.product, self.stock_location), 6)
        record = self.env["plansync.wms.message"].browse(result["record_id"])
        self.assertEqual(
            (record.state, record.picking_id, record.received_by_id), ("applied", picking, self.agent_user)
        )
        self.assertIn("M-1", picking.message_ids[:1].body)
        self.assertIn(self.agent_user.name, picking.message_ids[:1].body)
        # the same message again: duplicate, its first result, nothing changes
        [again] = self.send(message)
        self.assertEqual(again, dict(result, status="duplicate"))
        self.assertEqual(self.quantity(self.product, self.stock_location), 6)
        self.assertEqual(self.env["plansync.wms.message"].search_count([]), 1)
        # another message for the done picking: picking_not_open
        [other] = self.send(self.shipment("M-2", picking, [{"sku": "T-CHAIR", "quantity": 4}]))
        self.assertEqual((other["status"], other["code"]), ("exception", "picking_not_open"))
        self.assertEqual(self.quantity(self.product, self.stock_location), 6)

    def test_same_message_twice_in_one_call(self):
        self.set_stock(self.product, self.stock_location, 10)
        picking = self.deliver(self.product, 4)
        message = self.shipment("M-1", picking, [{"sku": "T-CHAIR", "quantity": 4}])
        first, second = self.send(message, message)
        self.assertEqual((first["status"], second["status"]), ("applied", "duplicate"))
        self.assertEqual(self.quantity(self.product, self.stock_location), 6)

    def test_partial_quantity_leaves_a_backorder(self):
        self.set_stock(self.product, self.stock_location, 10)
        self.set_stock(self.product2, self.stock_location, 10)
        picking = self.deliver(self.product, 5)
        picking.write(
            {
                "move_ids": [
                    Command.create(
                        {
                            **compat.move_description_vals("Desk"),
                            "product_id": self.product2.id,
                            "product_uom_qty": 2,
                            "product_uom": self.product2.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ]
            }
        )
        picking.action_confirm()
        picking.action_assign()
        # 3 of 5 chairs; the desks are not shipped yet
        [result] = self.send(self.shipment("M-1", picking, [{"sku": "T-CHAIR", "quantity": 3}]))
        self.assertEqual(result["status"], "applied", result["detail"])
        self.assertEqual(picking.state, "done")
        backorder = picking.backorder_ids
        self.assertEqual(len(backorder), 1)
        self.assertIn(backorder.name, result["detail"])
        self.assertEqual(
            sorted((m.product_id.default_code, m.product_uom_qty) for m in backorder.move_ids),
            [("T-CHAIR", 2.0), ("T-DESK", 2.0)],
        )
        self.assertEqual(self.quantity(self.product, self.stock_location), 7)
        self.assertEqual(self.quantity(self.product2, self.stock_location), 10)
        record = self.env["plansync.wms.message"].browse(result["record_id"])
        self.assertEqual(record.backorder_ids, backorder)

    def test_receipt_in_another_unit(self):
        picking = self.receive(self.product, 24, validate=False)
        [result] = self.send(
            self.shipment(
                "R-1", picking, [{"sku": "T-CHAIR", "quantity": 2, "uom": "Dozens"}], kind="receipt_confirmed"
            )
        )
        self.assertEqual(result["status"], "applied", result["detail"])
        self.assertEqual(self.quantity(self.product, self.stock_location), 24)

    def test_lots_of_a_tracked_product(self):
        picking = self.receive(self.product_lot, 10, validate=False)
        [result] = self.send(
            self.shipment(
                "R-1",
                picking,
                [
                    {
                        "sku": "T-PAINT",
                        "quantity": 10,
                        "lots": [{"name": "L-A", "quantity": 6}, {"name": "L-B", "quantity": 4}],
                    }
                ],
                kind="receipt_confirmed",
            )
        )
        self.assertEqual(result["status"], "applied", result["detail"])
        quants = self.env["stock.quant"].search(
            [("product_id", "=", self.product_lot.id), ("location_id", "=", self.stock_location.id)]
        )
        self.assertEqual(sorted((q.lot_id.name, q.quantity) for q in quants), [("L-A", 6.0), ("L-B", 4.0)])
        # shipped from lot L-B: the lot must exist
        delivery = self.deliver(self.product_lot, 3)
        [unknown] = self.send(
            self.shipment(
                "S-1", delivery, [{"sku": "T-PAINT", "quantity": 3, "lots": [{"name": "L-X", "quantity": 3}]}]
            )
        )
        self.assertEqual((unknown["status"], unknown["code"]), ("exception", "unknown_lot"))
        self.assertIn("L-X", unknown["detail"])
        self.assertNotEqual(delivery.state, "done")
        [shipped] = self.send(
            self.shipment(
                "S-2", delivery, [{"sku": "T-PAINT", "quantity": 3, "lots": [{"name": "L-B", "quantity": 3}]}]
            )
        )
        self.assertEqual(shipped["status"], "applied", shipped["detail"])
        self.assertEqual(delivery.move_line_ids.lot_id.name, "L-B")
        quants.invalidate_recordset()
        self.assertEqual(sorted((q.lot_id.name, q.quantity) for q in quants), [("L-A", 6.0), ("L-B", 1.0)])

    def test_bad_input_is_an_exception_and_touches_nothing(self):
        self.set_stock(self.product, self.stock_location, 10)
        self.set_stock(
            self.product_lot,
            self.stock_location,
            5,
            lot=self.env["stock.lot"].create({"name": "L-1", "product_id": self.product_lot.id}),
        )
        picking = self.deliver(self.product, 4)
        lot_picking = self.deliver(self.product_lot, 2)
        cases = [
            ("unknown_sku", self.shipment("B-1", picking, [{"sku": "NOPE", "quantity": 1}]), "NOPE"),
            (
                "unknown_picking",
                self.shipment("B-2", "WH/OUT/NOPE", [{"sku": "T-CHAIR", "quantity": 1}]),
                "WH/OUT/NOPE",
            ),
            ("over_delivery", self.shipment("B-3", picking, [{"sku": "T-CHAIR", "quantity": 5}]), "T-CHAIR"),
            ("over_delivery", self.shipment("B-4", picking, [{"sku": "T-DESK", "quantity": 1}]), "T-DESK"),
            (
                "negative_quantity",
                self.shipment("B-5", picking, [{"sku": "T-CHAIR", "quantity": -1}]),
                "lines[0].quantity",
            ),
            ("uom_mismatch", self.shipment("B-6", picking, [{"sku": "T-CHAIR", "quantity": 1, "uom": "kg"}]), "'kg'"),
            (
                "uom_mismatch",
                self.shipment("B-7", picking, [{"sku": "T-CHAIR", "quantity": 1, "uom": "Parsec"}]),
                "Parsec",
            ),
            ("lot_required", self.shipment("B-8", lot_picking, [{"sku": "T-PAINT", "quantity": 2}]), "lines[0].lots"),
            ("invalid", self.shipment("B-9", picking, [{"sku": "T-CHAIR", "quantity": "4"}]), "lines[0].quantity"),
            ("invalid", dict(self.shipment("B-10", picking, []), lines="x"), "lines"),
            (
                "invalid",
                dict(self.shipment("B-11", picking, [{"sku": "T-CHAIR", "quantity": 1}]), type="teleported"),
                "teleported",
            ),
            (
                "invalid",
                self.shipment("B-12", picking, [{"sku": "T-CHAIR", "quantity": 1}], kind="receipt_confirmed"),
                "outgoing",
            ),
            (
                "invalid",
                dict(self.shipment("B-13", picking, [{"sku": "T-CHAIR", "quantity": 1}]), occurred_at="yesterday"),
                "yesterday",
            ),
            # absurd magnitudes are that message's exception, not an OverflowError failing the call
            ("invalid", self.shipment("B-14", picking, [{"sku": "T-CHAIR", "quantity": 1e308}]), "lines[0].quantity"),
            (
                "invalid",
                self.shipment("B-15", picking, [{"sku": "T-CHAIR", "quantity": 10**400}]),
                "lines[0].quantity",
            ),
            (
                "invalid",
                self.shipment(
                    "B-16",
                    lot_picking,
                    [{"sku": "T-PAINT", "quantity": 2, "lots": [{"name": "L-1", "quantity": 1e300}]}],
                ),
                "lines[0].lots[0].quantity",
            ),
        ]
        quants_before = self.env["stock.quant"].search_read([], ["quantity", "reserved_quantity"], order="id")
        results = self.send(*[case[1] for case in cases])
        for (code, _message, needle), result in zip(cases, results):
            self.assertEqual((result["status"], result["code"]), ("exception", code), result["detail"])
            self.assertIn(needle, result["detail"])
            record = self.env["plansync.wms.message"].browse(result["record_id"])
            self.assertEqual((record.state, record.code), ("exception", code))
            if _message.get("picking") == picking.name:
                self.assertEqual(record.picking_id, picking)
        self.assertEqual(
            self.env["stock.quant"].search_read([], ["quantity", "reserved_quantity"], order="id"),
            quants_before,
        )
        self.assertEqual((picking.state, lot_picking.state), ("assigned", "assigned"))
        self.assertEqual(picking.move_ids.quantity, 4)

    def test_replay_after_fixing(self):
        self.set_stock(self.product, self.stock_location, 10)
        picking = self.deliver(self.product, 4)
        picking.move_ids.product_id.default_code = "T-CHAIR-OLD"
        [result] = self.send(self.shipment("M-1", picking, [{"sku": "T-CHAIR", "quantity": 4}]))
        self.assertEqual(result["code"], "unknown_sku")
        record = self.env["plansync.wms.message"].browse(result["record_id"])
        self.assertFalse(record.with_user(self.planner).can_replay)
        with self.assertRaises(AccessError):
            record.with_user(self.planner).action_replay()
        self.assertTrue(record.with_user(self.manager).can_replay)
        self.product.default_code = "T-CHAIR"
        action = record.with_user(self.manager).action_replay()
        self.assertEqual(action["params"]["type"], "success")
        self.assertEqual((record.state, record.code, record.replay_count), ("applied", False, 1))
        self.assertEqual(picking.state, "done")
        # the agent sends it again: duplicate of the first result, nothing more
        [again] = self.send(self.shipment("M-1", picking, [{"sku": "T-CHAIR", "quantity": 4}]))
        self.assertEqual((again["status"], again["record_id"]), ("duplicate", record.id))
        self.assertEqual(self.quantity(self.product, self.stock_location), 6)

    def test_dismiss_needs_a_reason(self):
        [result] = self.send(self.shipment("M-1", "WH/OUT/NOPE", [{"sku": "T-CHAIR", "quantity": 1}]))
        record = self.env["plansync.wms.message"].browse(result["record_id"])
        action = record.with_user(self.manager).action_dismiss()
        self.assertEqual(action["res_model"], "plansync.wms.message.dismiss")
        self.assertEqual(record.state, "exception")
        wizard = (
            self.env["plansync.wms.message.dismiss"]
            .with_user(self.manager)
            .with_context(action["context"])
            .create({"reason": "Test picking"})
        )
        wizard.action_confirm()
        self.assertEqual(
            (record.state, record.resolution_note, record.resolved_by_id), ("dismissed", "Test picking", self.manager)
        )
        self.assertIn("Test picking", record.message_ids[:1].body)


class TestWmsArguments(WmsCase):
    def test_arguments_and_rights(self):
        Message = self.env["plansync.wms.message"]
        with self.assertRaises(AccessError):
            self.send(self.shipment("M-1", "X", []), user=self.manager)
        with self.assertRaisesRegex(ValidationError, "kind wms.*T_WEBHOOK"):
            self.send(self.shipment("M-1", "X", []), endpoint="T_WEBHOOK")
        with self.assertRaisesRegex(ValidationError, "NOPE"):
            self.send(self.shipment("M-1", "X", []), endpoint="NOPE")
        with self.assertRaisesRegex(ValidationError, r"messages\[1\].message_id"):
            self.send(self.shipment("M-1", "X", []), {"type": "balance"})
        with self.assertRaisesRegex(ValidationError, "messages must be a list"):
            Message.with_user(self.agent_user).receive("T_WMS", "nope")
        self.assertEqual(Message.search_count([]), 0)
        # the integration user reads no messages, no discrepancies
        with self.assertRaises(AccessError):
            Message.with_user(self.agent_user).search([])
        with self.assertRaises(AccessError):
            self.env["plansync.discrepancy"].with_user(self.agent_user).search([])
        # by name too
        self.assertEqual(Message.with_user(self.agent_user).receive(endpoint="T_WMS", messages=[]), [])

    def test_protected_fields(self):
        [result] = self.send(self.shipment("M-1", "WH/OUT/NOPE", [{"sku": "T-CHAIR", "quantity": 1}]))
        record = self.env["plansync.wms.message"].browse(result["record_id"])
        with self.assertRaises(AccessError):
            record.with_user(self.manager).write({"state": "applied"})


class TestWmsConcurrency(TransactionCase):
    """The same message on two transactions: one applies, the other fails
    (and is retried by the agent: then it reports duplicate)."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
            self.endpoint_id = (
                env["plansync.endpoint"].create({"name": "WMS conc", "code": "T_WMS_CONC", "kind": "wms"}).id
            )
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": "WMS agent",
                        "login": "plansync-wms-conc-agent",
                        # the integration user is in no other group (docs/security.md)
                        compat.USER_GROUPS: [Command.set([env.ref("plansync.group_plansync_integration").id])],
                    }
                )
            )
            self.uid, self.partner_id = user.id, user.partner_id.id
            product = env["product.product"].create(
                {"name": "Conc WMS", "default_code": "T-WMS-CONC", **compat.storable_product_vals()}
            )
            self.product_id = product.id
            env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 10)
            picking = env["stock.picking"].create(
                {
                    "picking_type_id": warehouse.out_type_id.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": env.ref("stock.stock_location_customers").id,
                    "move_ids": [
                        Command.create(
                            {
                                **compat.move_description_vals("x"),
                                "product_id": product.id,
                                "product_uom_qty": 4,
                                "product_uom": product.uom_id.id,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": env.ref("stock.stock_location_customers").id,
                            }
                        )
                    ],
                }
            )
            picking.action_confirm()
            picking.action_assign()
            self.picking_id, self.picking_name = picking.id, picking.name
            self.location_id = warehouse.lot_stock_id.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["plansync.endpoint"].browse(self.endpoint_id).unlink()
            picking = env["stock.picking"].browse(self.picking_id)
            if sql.table_exists(cr, "stock_valuation_layer"):  # gone in 19
                cr.execute("DELETE FROM stock_valuation_layer WHERE product_id = %s", (self.product_id,))
            cr.execute("DELETE FROM stock_move_line WHERE product_id = %s", (self.product_id,))
            cr.execute("DELETE FROM stock_move WHERE product_id = %s", (self.product_id,))
            cr.execute("DELETE FROM stock_quant WHERE product_id = %s", (self.product_id,))
            cr.execute("DELETE FROM stock_picking WHERE id = %s OR backorder_id = %s", (picking.id, picking.id))
            env["product.product"].browse(self.product_id).unlink()
            env["res.users"].browse(self.uid).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
        self.registry.clear_cache()

    def _receive(self, cr):
        env = api.Environment(cr, self.uid, {})
        return env["plansync.wms.message"].receive(
            "T_WMS_CONC",
            [
                {
                    "message_id": "C-1",
                    "type": "shipment_confirmed",
                    "picking": self.picking_name,
                    "lines": [{"sku": "T-WMS-CONC", "quantity": 4}],
                }
            ],
        )

    def test_concurrent_duplicate_applies_once(self):
        cr1 = self.registry.cursor()
        cr2 = self.registry.cursor()
        try:
            cr2.execute("SELECT 1")  # cr2's snapshot is taken before cr1 commits
            [first] = self._receive(cr1)
            cr1.commit()
            with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger("odoo.sql_db"):
                self._receive(cr2)
            cr2.rollback()
            [retried] = self._receive(cr2)  # the retry sees the first one
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(first["status"], "applied", first["detail"])
        self.assertEqual((retried["status"], retried["record_id"]), ("duplicate", first["record_id"]))
        with self.registry.cursor() as cr:
            cr.execute("SELECT state FROM stock_picking WHERE id = %s", (self.picking_id,))
            self.assertEqual(cr.fetchone()[0], "done")
            cr.execute(
                "SELECT sum(quantity) FROM stock_quant WHERE product_id = %s AND location_id = %s",
                (self.product_id, self.location_id),
            )
            self.assertEqual(cr.fetchone()[0], 6)
            cr.execute("SELECT count(*) FROM stock_move WHERE product_id = %s AND state = 'done'", (self.product_id,))
            self.assertEqual(cr.fetchone()[0], 1)
