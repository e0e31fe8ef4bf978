# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common_inbound import InboundCase


class TestExceptions(InboundCase):
    def setUp(self):
        super().setUp()
        self.set_execute_on_approval(False)

    def test_replay_after_creating_the_product(self):
        result = self.import_lines([self.purchase("P-1", sku="T-NEW", quantity=4)])
        exc = self.env["plansync.exception"].browse(result["results"][0]["id"])
        self.assertEqual((exc.code, exc.state), ("unknown_sku", "open"))
        self.assertTrue(exc.with_user(self.planner).can_replay)
        # still unknown: stays open, the same record
        action = exc.with_user(self.planner).action_replay()
        self.assertEqual(action["params"]["type"], "warning")
        self.assertEqual((exc.state, exc.replay_count), ("open", 1))
        self.assertEqual(self.env["plansync.exception"].search_count([]), 1)
        self.env["product.product"].create(
            {
                "name": "New",
                "default_code": "T-NEW",
                "seller_ids": [Command.create({"partner_id": self.vendor1.id, "price": 1})],
            }
        )
        exc.with_user(self.planner).action_replay()
        self.assertEqual(exc.state, "resolved")
        proposal = exc.proposal_id
        self.assertEqual((proposal.external_id, proposal.quantity, proposal.state), ("P-1", 4.0, "to_approve"))
        self.assertEqual(proposal.run_id, exc.run_id)
        self.assertEqual(exc.resolved_by_id, self.planner)
        self.assertIn("Resolved by Planner (test)", exc.message_ids[:1].body)
        # the agent sends the line again: unchanged
        again = self.import_lines([self.purchase("P-1", sku="T-NEW", quantity=4)])
        self.assertEqual(
            again["results"][0], {"external_id": "P-1", "status": "unchanged", "id": proposal.id, "reason": ""}
        )

    def test_import_of_the_fixed_line_resolves_the_exception(self):
        result = self.import_lines([self.purchase("P-1", sku="T-NEW")])
        exc = self.env["plansync.exception"].browse(result["results"][0]["id"])
        self.env["product.product"].create(
            {
                "name": "New",
                "default_code": "T-NEW",
                "seller_ids": [Command.create({"partner_id": self.vendor1.id, "price": 1})],
            }
        )
        again = self.import_lines([self.purchase("P-1", sku="T-NEW")], ref="R1")
        self.assertEqual(again["results"][0]["status"], "created")
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(exc.proposal_id.id, again["results"][0]["id"])

    def test_dismiss_with_a_reason(self):
        result = self.import_lines([self.purchase("P-1", sku="T-NEW"), self.forecast_like_bad()])
        exceptions = self.env["plansync.exception"].browse([r["id"] for r in result["results"]])
        action = exceptions.with_user(self.planner).action_dismiss()
        wizard = (
            self.env["plansync.exception.dismiss"]
            .with_user(self.planner)
            .with_context(action["context"])
            .create({"reason": "Discontinued"})
        )
        wizard.action_confirm()
        self.assertEqual(set(exceptions.mapped("state")), {"dismissed"})
        self.assertEqual(set(exceptions.mapped("resolution_note")), {"Discontinued"})
        with self.assertRaises(UserError):
            exceptions.with_user(self.planner).action_replay()

    def forecast_like_bad(self):
        return self.purchase("P-2", quantity="ten")

    def test_revalidate_a_proposal_in_exception(self):
        result = self.import_lines([self.purchase("P-1", sku="T-NOSELL", quantity=3)])
        item = result["results"][0]
        self.assertTrue(item["reason"].startswith("vendor_without_terms: "))
        exc = self.env["plansync.exception"].browse(item["id"])
        proposal = exc.proposal_id
        self.assertEqual(proposal.state, "exception")
        self.assertTrue(proposal.with_user(self.planner).can_revalidate)
        # not fixed yet: stays in exception, no second exception record
        proposal.with_user(self.planner).action_revalidate()
        self.assertEqual(proposal.state, "exception")
        self.assertEqual(len(proposal.exception_ids), 1)
        # the same line again: the same exception
        again = self.import_lines([self.purchase("P-1", sku="T-NOSELL", quantity=3)])
        self.assertEqual(again["results"][0]["id"], exc.id)
        self.assertEqual(again["results"][0]["status"], "exception")
        self.prod_nosell.seller_ids = [Command.create({"partner_id": self.vendor2.id, "price": 4, "min_qty": 5})]
        proposal.with_user(self.planner).action_revalidate()
        self.assertEqual(proposal.state, "to_approve")
        self.assertEqual(proposal.vendor_id, self.vendor2)
        self.assertEqual((proposal.quantity, proposal.value), (5.0, 20.0))
        self.assertIn("minimum", proposal.rounding_note)
        self.assertFalse(proposal.exception_code)
        self.assertEqual(exc.state, "resolved")
        self.assertIn("Revalidated", proposal.message_ids[:1].body)

    def test_replay_of_a_proposal_exception_revalidates(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_line_quantity", "10")
        result = self.import_lines([self.purchase("P-1", quantity=50)])
        exc = self.env["plansync.exception"].browse(result["results"][0]["id"])
        self.assertEqual(exc.code, "out_of_bounds")
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_line_quantity", "100")
        exc.with_user(self.planner).action_replay()
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(exc.proposal_id.state, "to_approve")

    def test_duplicate_line_replays_to_the_imported_line(self):
        result = self.import_lines([self.purchase("P-1"), self.purchase("P-1", quantity=99)])
        self.assertEqual([r["status"] for r in result["results"]], ["created", "exception"])
        exc = self.env["plansync.exception"].browse(result["results"][1]["id"])
        self.assertEqual((exc.code, exc.state), ("duplicate_line", "open"))
        exc.with_user(self.planner).action_replay()
        self.assertEqual(exc.state, "resolved")
        self.assertEqual(exc.proposal_id.id, result["results"][0]["id"])

    def test_integration_and_outsiders_cannot_act(self):
        result = self.import_lines([self.purchase("P-1", sku="T-NEW")])
        exc = self.env["plansync.exception"].browse(result["results"][0]["id"])
        with self.assertRaises(AccessError):
            exc.with_user(self.agent_user).action_replay()
        with self.assertRaises(AccessError):
            exc.with_user(self.agent_user).read(["message"])
        with self.assertRaises(AccessError):
            exc.with_user(self.planner).write({"state": "resolved"})
        self.assertEqual(exc.state, "open")
