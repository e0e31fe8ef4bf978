# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError

from .common import PlansyncCase


class TestSecurity(PlansyncCase):
    def test_integration_user_has_no_business_access(self):
        env = self.env(user=self.agent_user)
        quant = self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 3) and self.env[
            "stock.quant"
        ].search([("product_id", "=", self.product.id)])
        with self.assertRaises(AccessError):
            env["stock.quant"].search([])
        with self.assertRaises(AccessError):
            env["stock.quant"].browse(quant.ids).read(["quantity"])
        # sale and purchase when installed: the core depends on stock only
        models = [m for m in ("sale.order", "purchase.order", "stock.move") if m in self.env]
        for model in models:
            with self.subTest(model=model), self.assertRaises(AccessError):
                env[model].search([], limit=1)
        with self.assertRaises(AccessError):
            env["product.product"].browse(self.product.id).write({"name": "hacked"})
        with self.assertRaises(AccessError):
            env["plansync.endpoint"].browse(self.endpoint.id).write({"url": "http://evil"})
        with self.assertRaises(AccessError):
            env["plansync.endpoint"].create({"name": "x", "code": "X"})
        # it reads nothing directly, not even its endpoints: the contract's
        # methods do the reading (docs/security.md)
        for model in ("plansync.endpoint", "plansync.event.type", "res.partner", "product.product"):
            with self.subTest(model=model), self.assertRaises(AccessError):
                env[model].search([], limit=1)
        self.assertFalse(self.agent_user.has_group("base.group_user"))

    def test_integration_user_cannot_touch_outbox_rows(self):
        self.product.write({"name": "x"})
        row = self.rows([("endpoint_id", "=", self.endpoint.id)])
        outbox = self.env["plansync.outbox"].with_user(self.agent_user)
        with self.assertRaises(AccessError):
            outbox.browse(row.id).write({"state": "done"})
        with self.assertRaises(AccessError):
            outbox.browse(row.id).read(["payload"])
        with self.assertRaises(AccessError):
            outbox.browse(row.id).action_retry()
        with self.assertRaises(AccessError):
            outbox.browse(row.id).action_replay()
        self.assertEqual(row.state, "pending")

    def test_protected_fields_even_for_a_manager(self):
        self.product.write({"name": "x"})
        row = self.rows([("endpoint_id", "=", self.endpoint.id)])
        as_manager = row.with_user(self.manager)
        for vals in ({"state": "done"}, {"payload": {"x": 1}}, {"lease": "mine"}, {"attempts": 0}):
            with self.subTest(vals=vals), self.assertRaises(AccessError):
                as_manager.write(vals)
        with self.assertRaises(AccessError):
            as_manager.with_context(**{"_plansync_edit:plansync.outbox": True}).write({"state": "done"})
        with self.assertRaises(AccessError):
            self.env["plansync.outbox"].with_user(self.manager).create(
                {
                    "event_type": "product.changed",
                    "endpoint_id": self.endpoint.id,
                    "aggregate_model": "product.product",
                    "aggregate_id": self.product.id,
                    "occurred_at": "2026-01-01 00:00:00",
                }
            )
        self.assertEqual(row.state, "pending")

    def test_planner_cannot_call_the_contract(self):
        outbox = self.env["plansync.outbox"].with_user(self.planner)
        with self.assertRaises(AccessError):
            outbox.claim("T_WEBHOOK", 10, 60, "planner")
        with self.assertRaises(AccessError):
            outbox.ack("abc", [1])
        with self.assertRaises(AccessError):
            outbox.nack("abc", [1], "e", 0)
        with self.assertRaises(AccessError):
            self.env["plansync.agent"].with_user(self.planner).heartbeat("p", {"mode": "run"})
        self.assertFalse(self.env["plansync.agent"].search([("name", "=", "p")]))

    def test_manager_cannot_call_the_contract_either(self):
        with self.assertRaises(AccessError):
            self.env["plansync.outbox"].with_user(self.manager).claim("T_WEBHOOK", 10, 60, "m")

    def test_planner_reads_manager_configures(self):
        self.product.write({"name": "x"})
        self.flush_capture()
        planner_env = self.env(user=self.planner)
        self.assertTrue(planner_env["plansync.outbox"].search([]))
        self.assertTrue(planner_env["plansync.endpoint"].search([]))
        with self.assertRaises(AccessError):
            planner_env["plansync.endpoint"].browse(self.endpoint.id).write({"url": "x"})
        self.env(user=self.manager)["plansync.endpoint"].browse(self.endpoint.id).write(
            {"url": "https://example.com/hook"}
        )
        self.assertEqual(self.endpoint.url, "https://example.com/hook")

    def test_admin_is_manager(self):
        self.assertTrue(self.env.ref("base.user_admin").has_group("plansync.group_plansync_manager"))
        self.assertFalse(self.agent_user.has_group("plansync.group_plansync_user"))
