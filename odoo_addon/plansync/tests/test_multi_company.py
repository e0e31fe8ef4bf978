# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from .common import PlansyncCase


class TestMultiCompany(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B (test)"})
        cls.warehouse_b = cls.env["stock.warehouse"].search([("company_id", "=", cls.company_b.id)], limit=1)
        if not cls.warehouse_b:
            cls.warehouse_b = cls.env["stock.warehouse"].create(
                {"name": "WH B", "code": "TWHB", "company_id": cls.company_b.id}
            )
        cls.endpoint_b = cls.env["plansync.endpoint"].create(
            {
                "name": "B hook",
                "code": "T_B_HOOK",
                "company_id": cls.company_b.id,
                "event_type_ids": [
                    Command.set(
                        [
                            cls.event_types["product.changed"].id,
                            cls.event_types["stock.level"].id,
                            cls.event_types["warehouse.changed"].id,
                        ]
                    )
                ],
            }
        )
        cls.flush_capture()
        cls.clear_outbox()

    def test_endpoint_of_b_is_invisible_in_a(self):
        env = self.env(user=self.planner)
        self.assertFalse(env["plansync.endpoint"].search([("code", "=", "T_B_HOOK")]))
        # the integration user reads no endpoint at all (docs/security.md)
        with self.assertRaises(AccessError):
            self.env(user=self.agent_user)["plansync.endpoint"].search([("code", "=", "T_B_HOOK")])
        self.warehouse_b.write({"name": "WH B renamed"})
        self.flush_capture()
        self.assertFalse(
            self.env(user=self.planner)["plansync.outbox"].search([("endpoint_id", "=", self.endpoint_b.id)])
        )
        self.assertTrue(self.rows([("endpoint_id", "=", self.endpoint_b.id)]))

    def test_events_of_b_are_not_claimable_from_a(self):
        self.warehouse_b.write({"name": "WH B renamed"})
        with self.assertRaises(ValidationError):
            self.claim(endpoint=self.endpoint_b)
        rows = self.rows([("event_type", "=", "warehouse.changed")])
        self.assertEqual(rows.endpoint_id, self.endpoint_b, "B's warehouse goes to B only")
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        result = self.claim()
        self.assertFalse(
            [e for e in result["events"] if e["type"] == "warehouse.changed"],
            "A's endpoint has no row of B's warehouse",
        )

    def test_shared_records_go_to_every_company(self):
        self.product.write({"name": "shared"})
        rows = self.rows([("event_type", "=", "product.changed")])
        self.assertEqual(set(rows.mapped("endpoint_id.code")), {"T_WEBHOOK", "T_PLANNING", "T_B_HOOK"})
        product_a = self.env["product.product"].create({"name": "A only", "company_id": self.company.id})
        rows = self.rows([("event_type", "=", "product.changed"), ("aggregate_id", "=", product_a.id)])
        self.assertEqual(set(rows.mapped("endpoint_id.code")), {"T_WEBHOOK", "T_PLANNING"})

    def test_integration_user_of_both_companies(self):
        self.agent_user.write({"company_ids": [Command.link(self.company_b.id)]})
        self.warehouse_b.write({"name": "WH B renamed"})
        result = self.claim(endpoint=self.endpoint_b)
        self.assertEqual(len(result["events"]), 1)
        self.assertEqual(
            result["events"][0]["company"],
            {"id": self.company_b.id, "name": self.company_b.name},
        )
