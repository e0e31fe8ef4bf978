# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError

from .common_inbound import InboundCase

MODELS = (
    "plansync.run", "plansync.forecast", "plansync.proposal", "plansync.exception",
    "plansync.approval.rule", "plansync.demand.report",
)


class TestPlanningSecurity(InboundCase):
    def test_integration_imports_but_cannot_touch_the_records(self):
        result = self.import_lines([self.purchase("P-1"), self.purchase("P-2", sku="T-NOSUCH")])
        proposal = self.proposals(result)
        env = self.env(user=self.agent_user)
        for model in MODELS:
            with self.subTest(model=model), self.assertRaises(AccessError):
                env[model].search([], limit=1)
        with self.assertRaises(AccessError):
            env["plansync.proposal"].browse(proposal.id).read(["state"])
        with self.assertRaises(AccessError):
            env["plansync.proposal"].browse(proposal.id).write({"state": "approved"})
        with self.assertRaises(AccessError):
            env["plansync.proposal"].browse(proposal.id).action_approve()
        with self.assertRaises(AccessError):
            env["plansync.proposal"].create({"kind": "purchase", "product_id": self.prod_a.id,
                                             "warehouse_id": self.warehouse.id, "source": "x",
                                             "external_id": "x"})
        with self.assertRaises(AccessError):
            env["plansync.approval.rule"].create({"name": "sneaky", "outcome": "auto"})
        self.assertEqual(proposal.state, "to_approve")

    def test_planner_reads_and_decides_manager_configures(self):
        self.import_lines([self.purchase("P-1")])
        planner = self.env(user=self.planner)
        for model in MODELS:
            with self.subTest(model=model):
                planner[model].search([], limit=1)
        with self.assertRaises(AccessError):
            planner["plansync.approval.rule"].create({"name": "mine", "outcome": "auto"})
        with self.assertRaises(AccessError):
            planner["plansync.proposal"].search([]).unlink()
        with self.assertRaises(AccessError):
            planner["plansync.run"].search([]).write({"state": "stale"})
        rule = self.env(user=self.manager)["plansync.approval.rule"].create({"name": "mine", "outcome": "auto"})
        self.assertEqual(rule.company_id, self.company)

    def test_multi_company_rules(self):
        company_b = self.env["res.company"].create({"name": "PlanSync B (test)"})
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        agent_b = self.env["res.users"].with_context(no_reset_password=True).create(
            {
                "name": "Agent B", "login": "plansync-agent-b", "company_id": company_b.id,
                "company_ids": [Command.set(company_b.ids)],
                "groups_id": [Command.set([self.group_user.id, self.group_integration.id])],
            }
        )
        self.env["product.supplierinfo"].create(
            {"partner_id": self.vendor1.id, "product_tmpl_id": self.prod_a.product_tmpl_id.id,
             "price": 1, "company_id": company_b.id}
        )
        result = self.import_lines(
            [self.purchase("B-1", warehouse=warehouse_b.code), self.purchase("B-2", sku="T-NOSUCH", warehouse=warehouse_b.code)],
            source="acme-b", user=agent_b,
        )
        self.assertEqual([r["status"] for r in result["results"]], ["created", "exception"])
        proposal_b = self.proposals(result)
        self.assertEqual(proposal_b.company_id, company_b)
        self.assertEqual(proposal_b.warehouse_id, warehouse_b)
        planner = self.env(user=self.planner)  # company A only
        self.assertFalse(planner["plansync.proposal"].search([("id", "=", proposal_b.id)]))
        self.assertFalse(planner["plansync.run"].search([("id", "=", result["run_id"])]))
        self.assertFalse(planner["plansync.exception"].search([("source", "=", "acme-b")]))
        with self.assertRaises(AccessError):
            proposal_b.with_user(self.planner).action_approve()
        # the agent of company A does not see company B's warehouse
        other = self.import_lines([self.purchase("A-1", warehouse=warehouse_b.code)], source="acme-a")
        self.assertTrue(other["results"][0]["reason"].startswith("unknown_warehouse"))
