# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The planning module's rows of the access matrix of docs/security.md."""
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.plansync.tests.access_matrix import MatrixMixin

from .common_inbound import InboundCase


@tagged("post_install", "-at_install")
class TestPlanningAccessMatrix(MatrixMixin, InboundCase):
    MODULE = "plansync_planning"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint_planning.event_type_ids |= cls.env["plansync.event.type"].search([("code", "=", "demand.line")])
        run = cls.env["plansync.run"].with_user(cls.agent_user)
        result = run.import_batch(
            "acme",
            "M1",
            "proposal",
            [cls.purchase("M-1"), cls.purchase("M-2", sku="T-NOSUCH")],
            "2026-11-30T06:00:00Z",
        )
        cls.matrix_run = cls.env["plansync.run"].browse(result["run_id"])
        cls.proposal = cls.env["plansync.proposal"].browse(result["results"][0]["id"])
        cls.exception = cls.env["plansync.exception"].browse(result["results"][1]["id"])
        assert cls.proposal.state == "to_approve", cls.proposal.state
        assert cls.exception.state == "open", cls.exception.state
        cls.make_company_b("planning")

    def test_model_access(self):
        self.check_model_rows()

    def test_methods(self):
        run, proposal, exception = self.matrix_run, self.proposal, self.exception
        planning = self.endpoint_planning.code

        def wizard(env, model, vals):
            return env[model].create(vals).action_confirm()

        calls = {
            ("plansync.outbox", "enqueue_history"): lambda env: env["plansync.outbox"].enqueue_history(
                planning, "demand.line", False, 0, 10
            ),
            ("plansync.run", "import_batch"): lambda env: env["plansync.run"].import_batch(
                "acme", "M2", "proposal", [self.purchase("M-3")]
            ),
            ("plansync.run", "planning_snapshot"): lambda env: env["plansync.run"].planning_snapshot(False, 4, 0, 10),
            ("plansync.run", "action_view_proposals"): lambda env: env["plansync.run"]
            .browse(run.id)
            .action_view_proposals(),
            ("plansync.run", "action_view_forecasts"): lambda env: env["plansync.run"]
            .browse(run.id)
            .action_view_forecasts(),
            ("plansync.run", "action_view_exceptions"): lambda env: env["plansync.run"]
            .browse(run.id)
            .action_view_exceptions(),
            ("plansync.proposal", "action_approve"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_approve(),
            ("plansync.proposal", "action_reject"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_reject("no"),
            ("plansync.proposal", "action_cancel"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_cancel("no"),
            ("plansync.proposal", "action_execute"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_execute(),
            ("plansync.proposal", "action_revalidate"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_revalidate(),
            ("plansync.proposal", "action_view_purchase_orders"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_view_purchase_orders(),
            ("plansync.proposal", "action_view_pickings"): lambda env: env["plansync.proposal"]
            .browse(proposal.id)
            .action_view_pickings(),
            ("plansync.proposal.reject", "action_confirm"): lambda env: wizard(
                env, "plansync.proposal.reject", {"proposal_ids": [(6, 0, proposal.ids)], "note": "no"}
            ),
            ("plansync.exception", "action_replay"): lambda env: env["plansync.exception"]
            .browse(exception.id)
            .action_replay(),
            ("plansync.exception", "action_dismiss"): lambda env: env["plansync.exception"]
            .browse(exception.id)
            .action_dismiss("no"),
            ("plansync.exception.dismiss", "action_confirm"): lambda env: wizard(
                env, "plansync.exception.dismiss", {"exception_ids": [(6, 0, exception.ids)], "reason": "no"}
            ),
        }
        self.check_method_rows(calls)

    def test_across_companies(self):
        """The agent of company B names company A's warehouse and endpoint."""
        env_b = self.env(user=self.agent_b)
        before = self.counts()

        def refused(call, argument):
            try:
                call()
            except ValidationError as exc:
                return "refused" if argument in str(exc) else "refused without naming %s: %s" % (argument, exc)
            return "accepted"

        def imported():
            result = env_b["plansync.run"].import_batch("acme-b", "B1", "proposal", [self.purchase("B-1")])
            return result["results"][0]["reason"].split(":")[0]

        observers = {
            "plansync.outbox.enqueue_history": lambda: refused(
                lambda: env_b["plansync.outbox"].enqueue_history(
                    self.endpoint_planning.code, "demand.line", False, 0, 10
                ),
                "endpoint",
            ),
            "plansync.run.import_batch": imported,
            "plansync.run.planning_snapshot": lambda: refused(
                lambda: env_b["plansync.run"].planning_snapshot([self.warehouse.code], 4, 0, 10), "warehouses"
            ),
        }
        self.check_company_rows(observers)
        after = self.counts()
        for key in ("proposals", "forecasts"):
            if key in before:
                self.assertEqual(before[key], after[key], key)
