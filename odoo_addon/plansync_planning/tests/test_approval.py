# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError

from .common_inbound import InboundCase


class TestApproval(InboundCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Rule = cls.env["plansync.approval.rule"]
        cls.kind = {
            code: cls.env.ref("plansync_planning.plansync_proposal_kind_%s" % code)
            for code in ("purchase", "transfer", "parameter")
        }

    def setUp(self):
        super().setUp()
        self.set_execute_on_approval(False)

    def rule(self, name, outcome, sequence=10, **vals):
        vals.update({"name": name, "outcome": outcome, "sequence": sequence})
        return self.Rule.create(vals)

    def test_no_rule_a_planner_approves(self):
        proposal = self.proposals(self.import_lines([self.purchase("P-1")]))
        self.assertEqual(proposal.state, "to_approve")
        self.assertTrue(proposal.with_user(self.planner).can_approve)
        proposal.with_user(self.planner).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertEqual(proposal.decision, "approved")
        self.assertEqual(proposal.decided_by_id, self.planner)
        self.assertTrue(proposal.decided_at)
        body = proposal.message_ids[:1].body
        self.assertIn("Approved by Planner (test)", body)
        self.assertIn("none: a planner approves", body)
        with self.assertRaisesRegex(UserError, "Cannot approve"):
            proposal.with_user(self.planner).action_approve()

    def test_auto_rule_approves_at_import(self):
        small = self.rule("Small purchases", "auto", value_max=500)
        result = self.import_lines([self.purchase("P-1", quantity=10), self.purchase("P-2", quantity=100)])
        auto, big = self.proposals(result)
        self.assertEqual((auto.state, auto.rule_id, auto.decision), ("approved", small, "approved"))
        self.assertFalse(auto.decided_by_id, "the rule decided")
        self.assertIn("Approved at import by rule Small purchases", auto.message_ids[:1].body)
        self.assertEqual((big.state, big.rule_id), ("to_approve", self.Rule))

    def test_auto_rule_executes_at_once_when_set(self):
        self.set_execute_on_approval(True)
        self.rule("Everything", "auto")
        proposal = self.proposals(self.import_lines([self.purchase("P-1", quantity=10)]))
        self.assertEqual(proposal.state, "done")
        self.assertEqual(proposal.purchase_line_ids.product_qty, 10.0)

    def test_manager_rule_only_a_manager_decides(self):
        big = self.rule("Big purchases", "manager", value_min=500)
        proposal = self.proposals(self.import_lines([self.purchase("P-1", quantity=100)]))
        self.assertEqual((proposal.rule_id, proposal.requires_manager), (big, True))
        as_planner = proposal.with_user(self.planner)
        self.assertFalse(as_planner.can_approve)
        self.assertFalse(as_planner.can_reject)
        with self.assertRaisesRegex(AccessError, "manager"):
            as_planner.action_approve()
        with self.assertRaises(AccessError):
            as_planner.action_reject(note="no")
        self.assertEqual(proposal.state, "to_approve")
        self.assertTrue(proposal.with_user(self.manager).can_approve)
        proposal.with_user(self.manager).action_approve()
        self.assertEqual(proposal.state, "approved")
        self.assertIn("rule: Big purchases", proposal.message_ids[:1].body)

    def test_first_matching_rule_by_sequence(self):
        second = self.rule("Second", "manager", sequence=20)
        first = self.rule("First", "auto", sequence=10, value_max=50)
        result = self.import_lines([self.purchase("P-1", quantity=5), self.purchase("P-2", quantity=10)])
        p1, p2 = self.proposals(result)
        self.assertEqual((p1.rule_id, p1.state), (first, "approved"))
        self.assertEqual((p2.rule_id, p2.state), (second, "to_approve"))

    def test_change_percent_against_last_approved(self):
        rule = self.rule("Stable", "auto", change_percent_max=20)
        first = self.proposals(self.import_lines([self.purchase("P-1", quantity=100)], ref="R1"))
        self.assertEqual(first.state, "to_approve", "no approved history: the rule does not hold")
        first.with_user(self.planner).action_approve()
        result = self.import_lines(
            [
                self.purchase("P-2", quantity=110),
                self.purchase("P-3", quantity=150, warehouse=self.warehouse2.code),
                self.purchase("P-4", sku="T-PLAN-B", quantity=100),
            ],
            ref="R2",
            generated_at="2026-12-01T06:00:00Z",
        )
        within, other_wh, other_product = self.proposals(result)
        self.assertEqual((within.rule_id, within.state), (rule, "approved"))
        self.assertEqual(other_wh.state, "to_approve")
        self.assertEqual(other_product.state, "to_approve")
        result = self.import_lines([self.purchase("P-5", quantity=150)], ref="R3", generated_at="2026-12-02T06:00:00Z")
        self.assertEqual(self.proposals(result).state, "to_approve", "50% above 110")

    def test_category_vendor_and_kind_conditions(self):
        parent = self.env["product.category"].create({"name": "Furniture (test)"})
        child = self.env["product.category"].create({"name": "Chairs (test)", "parent_id": parent.id})
        self.prod_a.categ_id = child
        by_categ = self.rule("Furniture", "manager", sequence=1, categ_ids=[Command.set(parent.ids)])
        by_vendor = self.rule("Azure", "auto", sequence=2, vendor_ids=[Command.set(self.vendor2.ids)])
        by_kind = self.rule("Transfers", "auto", sequence=3, kind_ids=[Command.set(self.kind["transfer"].ids)])
        result = self.import_lines(
            [
                self.purchase("P-1"),  # category child_of Furniture
                self.purchase("P-2", sku="T-PLAN-B"),  # vendor Azure (first seller)
                self.purchase("P-3", sku="T-PLAN-B", vendor="T-V1"),  # no rule
                self.transfer("T-1", sku="T-PLAN-B"),
                self.parameter("M-1", sku="T-PLAN-B", min_qty=3),
            ]
        )
        p1, p2, p3, t1, m1 = self.proposals(result)
        self.assertEqual((p1.rule_id, p1.requires_manager), (by_categ, True))
        self.assertEqual((p2.rule_id, p2.state), (by_vendor, "approved"))
        self.assertEqual((p3.rule_id, p3.state), (self.Rule, "to_approve"))
        self.assertEqual((t1.rule_id, t1.state), (by_kind, "approved"))
        self.assertEqual((m1.rule_id, m1.state), (self.Rule, "to_approve"))

    def test_rules_of_another_company_do_not_apply(self):
        company_b = self.env["res.company"].create({"name": "PlanSync B (test)"})
        self.rule("B only", "auto", company_id=company_b.id)
        self.assertEqual(self.proposals(self.import_lines([self.purchase("P-1")])).state, "to_approve")

    def test_reject_with_a_note_through_the_wizard(self):
        proposals = self.proposals(self.import_lines([self.purchase("P-1"), self.purchase("P-2", sku="T-PLAN-B")]))
        action = proposals.with_user(self.planner).action_reject()
        self.assertEqual(action["res_model"], "plansync.proposal.reject")
        wizard = (
            self.env["plansync.proposal.reject"]
            .with_user(self.planner)
            .with_context(action["context"])
            .create({"note": "Season is over"})
        )
        self.assertEqual(wizard.proposal_ids, proposals)
        wizard.action_confirm()
        for proposal in proposals:
            self.assertEqual(proposal.state, "rejected")
            self.assertEqual(proposal.decision_note, "Season is over")
            self.assertEqual(proposal.decided_by_id, self.planner)
            self.assertIn("Season is over", proposal.message_ids[:1].body)
        self.assertFalse(self.env["purchase.order"].search([("origin", "like", "acme")]))

    def test_cancel_is_for_managers(self):
        proposal = self.proposals(self.import_lines([self.purchase("P-1")]))
        self.assertFalse(proposal.with_user(self.planner).can_cancel)
        with self.assertRaises(AccessError):
            proposal.with_user(self.planner).action_cancel()
        proposal.with_user(self.manager).action_cancel(note="duplicate of a manual order")
        self.assertEqual((proposal.state, proposal.decision), ("cancelled", "cancelled"))
        with self.assertRaises(UserError):
            proposal.with_user(self.manager).action_approve()

    def test_state_and_integration_fields_cannot_be_written(self):
        proposal = self.proposals(self.import_lines([self.purchase("P-1")]))
        for user in (self.planner, self.manager):
            for vals in ({"state": "approved"}, {"quantity": 1}, {"rule_id": False}, {"requires_manager": False}):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(AccessError):
                    proposal.with_user(user).write(vals)
        with self.assertRaises(AccessError):
            proposal.with_user(self.manager).with_context(**{"_plansync_edit:plansync.proposal": True}).write(
                {"state": "done"}
            )
        self.assertEqual(proposal.state, "to_approve")

    def test_settings(self):
        settings = self.env["res.config.settings"].create(
            {"plansync_execute_on_approval": False, "plansync_max_line_quantity": 50}
        )
        settings.execute()
        Param = self.env["ir.config_parameter"].sudo()
        self.assertEqual(Param.get_param("plansync.execute_on_approval"), "False")
        self.assertFalse(self.env["plansync.proposal"]._execute_on_approval())
        self.assertFalse(self.env["res.config.settings"].create({}).plansync_execute_on_approval)
        result = self.import_lines([self.purchase("P-1", quantity=60)])
        self.assertTrue(result["results"][0]["reason"].startswith("out_of_bounds: quantity 60.0"))
        self.env["res.config.settings"].create({"plansync_execute_on_approval": True}).execute()
        self.assertTrue(self.env["plansync.proposal"]._execute_on_approval())
        Param.search([("key", "=", "plansync.execute_on_approval")]).unlink()
        self.assertTrue(self.env["plansync.proposal"]._execute_on_approval(), "default: on")
        with self.assertRaisesRegex(ValidationError, "max_line_quantity"):
            self.env["res.config.settings"].create({"plansync_max_line_quantity": 0})
