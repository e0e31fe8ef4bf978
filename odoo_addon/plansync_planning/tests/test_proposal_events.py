# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import Command

from odoo.addons.plansync.tests.common import walk_none
from .common_inbound import InboundCase

PAYLOAD_KEYS = {
    "id",
    "source",
    "external_id",
    "revision",
    "run",
    "kind",
    "product",
    "warehouse",
    "state",
    "quantity",
    "uom",
    "decision",
    "decided_by",
    "decided_at",
    "rule",
    "note",
    "orders",
    "executed_at",
}
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class TestProposalEvents(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        types = cls.env["plansync.event.type"].search([("code", "in", ("proposal.decided", "proposal.executed"))])
        cls.endpoint_feedback = cls.env["plansync.endpoint"].create(
            {
                "name": "Planning feedback (test)",
                "code": "T_FEEDBACK",
                "kind": "planning",
                "company_id": cls.company.id,
                "event_type_ids": [Command.set(types.ids)],
            }
        )

    def feedback(self):
        result = self.claim(endpoint=self.endpoint_feedback, limit=1000)
        self.assertEqual(walk_none(result), [])
        if result["events"]:
            self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        return result["events"]

    def check_payload(self, payload):
        """Keys and types of docs/events.md (shared-types ProposalFeedback)."""
        self.assertEqual(set(payload), PAYLOAD_KEYS)
        self.assertIsInstance(payload["id"], int)
        for key in ("source", "external_id"):
            self.assertIsInstance(payload[key], str)
        self.assertIsInstance(payload["revision"], int)
        self.assertGreaterEqual(payload["revision"], 1)
        self.assertTrue(payload["run"] is False or isinstance(payload["run"], str))
        self.assertIn(payload["kind"], ("purchase", "transfer", "parameter"))
        self.assertEqual(set(payload["product"]), {"id", "sku"})
        self.assertEqual(set(payload["warehouse"]), {"id", "code"})
        self.assertIn(
            payload["state"],
            ("new", "exception", "to_approve", "approved", "done", "rejected", "cancelled", "superseded"),
        )
        self.assertIsInstance(payload["quantity"], float)
        self.assertEqual(set(payload["uom"]), {"id", "name"})
        self.assertIn(payload["decision"], (False, "approved", "rejected", "cancelled"))
        for key in ("decided_by", "rule", "note"):
            self.assertTrue(payload[key] is False or isinstance(payload[key], str), key)
        for key in ("decided_at", "executed_at"):
            self.assertTrue(payload[key] is False or ISO_TIME.match(payload[key]), key)
        self.assertIsInstance(payload["orders"], list)
        for order in payload["orders"]:
            self.assertEqual(set(order), {"model", "id", "name"})
            self.assertIsInstance(order["id"], int)
            self.assertIsInstance(order["name"], str)
        self.assertEqual(walk_none(payload), [])

    def test_decided_and_executed_are_captured_and_rendered(self):
        self.set_execute_on_approval(False)
        result = self.import_lines([self.purchase("P-1", quantity=10, vendor="T-V1"), self.purchase("P-2")])
        approved, rejected = self.proposals(result)
        self.assertFalse(self.feedback(), "an import decides nothing without a rule")
        approved.with_user(self.planner).action_approve()
        rejected.with_user(self.planner).action_reject(note="too early")
        rows = self.rows([("endpoint_id", "=", self.endpoint_feedback.id)])
        self.assertEqual(set(rows.mapped("event_type")), {"proposal.decided"})
        self.assertEqual(rows.warehouse_id, self.warehouse)
        events = {e["aggregate"]["id"]: e for e in self.feedback()}
        self.assertEqual(set(events), {approved.id, rejected.id})
        decided = events[approved.id]
        self.assertEqual(decided["type"], "proposal.decided")
        self.assertEqual(decided["aggregate"], {"model": "plansync.proposal", "id": approved.id, "key": "acme:P-1"})
        payload = decided["payload"]
        self.check_payload(payload)
        self.assertEqual(
            {
                k: payload[k]
                for k in (
                    "source",
                    "external_id",
                    "revision",
                    "run",
                    "kind",
                    "state",
                    "quantity",
                    "decision",
                    "decided_by",
                    "note",
                    "orders",
                    "executed_at",
                )
            },
            {
                "source": "acme",
                "external_id": "P-1",
                "revision": 1,
                "run": "R1",
                "kind": "purchase",
                "state": "approved",
                "quantity": 10.0,
                "decision": "approved",
                "decided_by": "Planner (test)",
                "note": False,
                "orders": [],
                "executed_at": False,
            },
        )
        self.assertEqual(payload["product"], {"id": self.prod_a.id, "sku": "T-PLAN-A"})
        self.assertEqual(payload["warehouse"], {"id": self.warehouse.id, "code": self.warehouse.code})
        self.check_payload(events[rejected.id]["payload"])
        self.assertEqual(
            (events[rejected.id]["payload"]["decision"], events[rejected.id]["payload"]["note"]),
            ("rejected", "too early"),
        )
        approved.with_user(self.planner).action_execute()
        [executed] = self.feedback()
        self.assertEqual(executed["type"], "proposal.executed")
        payload = executed["payload"]
        self.check_payload(payload)
        order = approved.purchase_line_ids.order_id
        self.assertEqual(payload["orders"], [{"model": "purchase.order", "id": order.id, "name": order.name}])
        self.assertEqual(payload["state"], "done")
        self.assertTrue(payload["executed_at"])

    def test_decision_and_execution_coalesce(self):
        self.env["plansync.approval.rule"].create({"name": "Everything", "outcome": "auto"})
        self.import_lines([self.transfer("T-1"), self.parameter("M-1", max_qty=9)])
        events = self.feedback()
        self.assertEqual(len(events), 2)
        for event in events:
            self.assertEqual(event["type"], "proposal.executed")
            self.assertEqual(event["coalesced"], 2)
            self.check_payload(event["payload"])
            self.assertEqual(event["payload"]["rule"], "Everything")
            self.assertEqual(event["payload"]["decided_by"], False)
            self.assertTrue(event["payload"]["orders"])

    def test_nobody_subscribed_nothing_recorded(self):
        self.endpoint_feedback.active = False
        proposal = self.proposals(self.import_lines([self.purchase("P-1")]))
        proposal.with_user(self.planner).action_approve()
        self.assertFalse(self.rows([("event_type", "like", "proposal.")]))
