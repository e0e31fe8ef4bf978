# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from lxml import etree

from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import Form

from odoo.addons.plansync import compat

from .common_inbound import InboundCase

MODELS = (
    "plansync.run",
    "plansync.forecast",
    "plansync.proposal",
    "plansync.exception",
    "plansync.approval.rule",
    "plansync.demand.report",
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
            env["plansync.proposal"].create(
                {
                    "kind": "purchase",
                    "product_id": self.prod_a.id,
                    "warehouse_id": self.warehouse.id,
                    "source": "x",
                    "external_id": "x",
                }
            )
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
        agent_b = (
            self.env["res.users"]
            .with_context(no_reset_password=True)
            .create(
                {
                    "name": "Agent B",
                    "login": "plansync-agent-b",
                    "company_id": company_b.id,
                    "company_ids": [Command.set(company_b.ids)],
                    compat.USER_GROUPS: [Command.set([self.group_integration.id])],
                }
            )
        )
        self.env["product.supplierinfo"].create(
            {
                "partner_id": self.vendor1.id,
                "product_tmpl_id": self.prod_a.product_tmpl_id.id,
                "price": 1,
                "company_id": company_b.id,
            }
        )
        result = self.import_lines(
            [
                self.purchase("B-1", warehouse=warehouse_b.code),
                self.purchase("B-2", sku="T-NOSUCH", warehouse=warehouse_b.code),
            ],
            source="acme-b",
            user=agent_b,
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

    def test_a_planner_without_purchase_or_stock_rights_opens_the_screens(self):
        """The forms and lists load for a PlanSync user who is neither a purchase
        nor an inventory user: the order links are hidden, not errors."""
        self.assertFalse(self.planner.has_group("purchase.group_purchase_user"))
        self.assertFalse(self.planner.has_group("stock.group_stock_user"))
        result = self.import_lines(
            [
                self.purchase("P-1", vendor="T-V1"),
                self.transfer("T-1"),
                self.parameter("M-1", min_qty=2),
                self.purchase("P-2", sku="T-NOSUCH"),
            ]
        )
        proposals = self.proposals(result)
        proposals.with_user(self.planner).action_approve()
        self.assertEqual(set(proposals.mapped("state")), {"done"})
        for proposal in proposals:
            form = Form(proposal.with_user(self.planner))
            self.assertEqual(form.state, "done")
            self.assertEqual(
                proposal.with_user(self.planner).purchase_order_count, 1 if proposal.kind == "purchase" else 0
            )
        run = self.env["plansync.run"].browse(result["run_id"]).with_user(self.planner)
        self.assertEqual(Form(run).proposal_count, 3)
        exception = self.env["plansync.exception"].browse(result["results"][3]["id"])
        self.assertEqual(Form(exception.with_user(self.planner)).code, "unknown_sku")
        for model in MODELS:
            with self.subTest(model=model):
                views = self.env[model].with_user(self.planner).get_views([(False, "list"), (False, "search")])
                # the fields the list shows (get_views describes every field of the model in 19)
                arch = etree.fromstring(views["views"]["list"]["arch"])
                fields = list({node.get("name") for node in arch.iter("field")})
                self.env[model].with_user(self.planner).search_read([], fields, limit=5)
