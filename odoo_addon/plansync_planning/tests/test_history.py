# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.plansync.tests.common import walk_none
from .common_planning import PlanningCase

RESULT_KEYS = {"enqueued", "skipped", "cursor", "done", "remaining"}


class TestHistory(PlanningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["stock.quant"]._update_available_quantity(cls.product, cls.stock_location, 500)
        # three done deliveries, one return, a receipt and an internal move: four demand lines
        cls.pickings = cls.env["stock.picking"]
        for quantity in (1, 2, 3):
            picking = cls.deliver(cls, cls.product, quantity)
            cls.validate(cls, picking)
            cls.pickings |= picking
        returned = cls.return_picking(cls, cls.pickings[0], 1)
        cls.validate(cls, returned)
        cls.receive(cls, cls.product, 5)
        cls.moves = (cls.pickings | returned).move_ids.sorted("id")
        dates = [
            datetime(2024, 1, 10, 12, 0),
            datetime(2025, 6, 1, 12, 0),
            datetime(2025, 12, 31, 12, 0),  # 1 January 2026 in Auckland
            datetime(2026, 11, 1, 12, 0),
        ]
        for move, when in zip(cls.moves, dates):
            move.date = when
        cls.moves.flush_recordset()
        cls.flush_capture()
        cls.clear_outbox()  # the capture recorded them: start as if it had not

    def history(self, kind="demand.line", since=False, cursor=0, limit=1000, endpoint=None):
        result = self.as_agent().enqueue_history((endpoint or self.endpoint_demand).code, kind, since, cursor, limit)
        self.assertEqual(set(result), RESULT_KEYS)
        self.assertEqual(walk_none(result), [])
        return result

    def test_pages_with_cursor_until_done(self):
        first = self.history(limit=3)
        self.assertEqual(
            first,
            {"enqueued": 3, "skipped": 0, "cursor": self.moves[2].id, "done": False, "remaining": 1},
        )
        second = self.history(cursor=first["cursor"], limit=3)
        self.assertEqual(
            second,
            {"enqueued": 1, "skipped": 0, "cursor": self.moves[3].id, "done": True, "remaining": 0},
        )
        rows = self.loop_rows("demand.line")
        self.assertEqual(rows.mapped("aggregate_id"), self.moves.ids)
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        self.assertEqual(rows.warehouse_id, self.warehouse)
        self.assertEqual(rows.company_id, self.company)
        past_end = self.history(cursor=second["cursor"])
        self.assertEqual(
            past_end,
            {"enqueued": 0, "skipped": 0, "cursor": second["cursor"], "done": True, "remaining": 0},
        )

    def test_idempotent_even_after_delivery(self):
        self.history()
        again = self.history()
        self.assertEqual((again["enqueued"], again["skipped"], again["done"]), (0, 4, True))
        events = self.claim_loop("demand.line")
        self.assertEqual(len(events), 4)
        self.assertEqual(sorted(e["payload"]["quantity"] for e in events), [-1.0, 1.0, 2.0, 3.0])
        # acknowledged: a demand line is a fact, never enqueued twice
        self.assertEqual(self.history()["enqueued"], 0)
        self.assertFalse(self.loop_rows("demand.line"))

    def test_captured_lines_are_not_enqueued_again(self):
        picking = self.deliver(self.product, 4)
        self.validate(picking)
        self.assertEqual(len(self.loop_rows("demand.line")), 1)
        result = self.history()
        self.assertEqual((result["enqueued"], result["skipped"]), (4, 1))

    def test_since_is_a_day_in_the_company_timezone(self):
        self.company.partner_id.tz = False
        self.assertEqual(self.history(since="2025-06-01")["enqueued"], 3)
        self.clear_outbox()
        self.assertEqual(self.history(since="2026-01-01")["enqueued"], 1)
        self.clear_outbox()
        self.company.partner_id.tz = "Pacific/Auckland"
        result = self.history(since="2026-01-01")
        self.assertEqual(result["enqueued"], 2, "31 December 12:00 UTC is 1 January in Auckland")
        self.assertEqual(self.loop_rows("demand.line").mapped("aggregate_id"), self.moves[2:].ids)

    def test_endpoint_warehouses(self):
        other = self.env["stock.warehouse"].create({"name": "Other (test)", "code": "TOTH"})
        self.endpoint_demand.warehouse_ids = [Command.set(other.ids)]
        self.assertEqual(
            self.history(),
            {
                "enqueued": 0,
                "skipped": 0,
                "cursor": 0,
                "done": True,
                "remaining": 0,
            },
        )
        self.endpoint_demand.warehouse_ids = [Command.set((other | self.warehouse).ids)]
        self.assertEqual(self.history()["enqueued"], 4)

    def test_company_of_the_endpoint(self):
        company_b = self.env["res.company"].create({"name": "PlanSync B (test)"})
        self.agent_user.company_ids = [Command.link(company_b.id)]
        endpoint_b = self.env["plansync.endpoint"].create(
            {
                "name": "Planning B",
                "code": "T_LOOP_B",
                "company_id": company_b.id,
                "event_type_ids": [Command.set(self.planning_types.ids)],
            }
        )
        result = self.history(endpoint=endpoint_b)
        self.assertEqual((result["enqueued"], result["done"]), (0, True))
        self.agent_user.company_ids = [Command.unlink(company_b.id)]
        with self.assertRaisesRegex(ValidationError, "endpoint"):
            self.history(endpoint=endpoint_b)

    def test_state_kinds_skip_pending_rows(self):
        self.endpoint_demand.event_type_ids = [Command.link(self.event_types["product.changed"].id)]
        products = self.env["product.product"].with_context(active_test=False).search([])
        result = self.history(kind="product.changed", limit=50000)
        self.assertEqual(result["enqueued"], len(products))
        self.assertTrue(result["done"])
        self.assertEqual(self.history(kind="product.changed", limit=50000)["skipped"], len(products))
        self.product.write({"name": "changed"})
        result = self.claim(endpoint=self.endpoint_demand, limit=1000)
        self.assertEqual(len(result["events"]), len(products), "one event per product")
        self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        # delivered: the next reconciliation enqueues the current state again
        self.assertEqual(self.history(kind="product.changed", limit=50000)["enqueued"], len(products))

    def test_open_lines_only(self):
        open_order = self.sell(self.product, 5)
        closed_order = self.sell(self.product, 2)
        self.validate(closed_order.picking_ids)
        self.sell(self.product, 7, confirm=False)
        self.flush_capture()
        self.clear_outbox()
        result = self.history(kind="sale.open_line")
        self.assertEqual(result["enqueued"], 1)
        self.assertEqual(self.loop_rows("sale.open_line").mapped("aggregate_id"), open_order.order_line.ids)
        [event] = self.claim_loop("sale.open_line")
        self.assertEqual(event["payload"]["open_quantity"], 5.0)

        purchase = self.buy(self.product, 10, datetime(2026, 12, 6, 11, 0))
        received = self.buy(self.product, 3, datetime(2026, 12, 6, 11, 0))
        self.validate(received.picking_ids)
        self.flush_capture()
        self.clear_outbox()
        result = self.history(kind="purchase.open_line")
        self.assertEqual(result["enqueued"], 1)
        [event] = self.claim_loop("purchase.open_line")
        self.assertEqual(event["aggregate"]["id"], purchase.order_line.id)

    def test_bad_arguments_name_argument_and_value(self):
        code = self.endpoint_demand.code
        cases = [
            ((123, "demand.line", False, 0, 10), "endpoint"),
            (("", "demand.line", False, 0, 10), "endpoint"),
            (("NO_SUCH", "demand.line", False, 0, 10), "NO_SUCH"),
            ((code, "stock.level", False, 0, 10), "kind"),
            ((code, "bogus", False, 0, 10), "bogus"),
            ((code, "product.changed", False, 0, 10), "subscribes"),
            ((code, "demand.line", "2026-13-01", 0, 10), "since"),
            ((code, "demand.line", "2026-1-1", 0, 10), "2026-1-1"),
            ((code, "demand.line", None, 0, 10), "since"),
            ((code, "demand.line", 20260101, 0, 10), "since"),
            ((code, "demand.line", False, -1, 10), "cursor"),
            ((code, "demand.line", False, True, 10), "cursor"),
            ((code, "demand.line", False, "0", 10), "cursor"),
            ((code, "demand.line", False, 0, 0), "limit must be an integer from 1 to 50000, got 0"),
            ((code, "demand.line", False, 0, 50001), "50001"),
        ]
        for args, message in cases:
            with self.subTest(args=args), self.assertRaisesRegex(ValidationError, message):
                self.as_agent().enqueue_history(*args)
        self.assertFalse(self.loop_rows("demand.line"), "nothing changed")

    def test_only_the_integration_group(self):
        for user in (self.planner, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.env["plansync.outbox"].with_user(user).enqueue_history(
                    self.endpoint_demand.code, "demand.line", False, 0, 10
                )
        self.assertFalse(self.loop_rows("demand.line"))
