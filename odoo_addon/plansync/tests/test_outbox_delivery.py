# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Delivery guarantees of the outbox (issue 14): an endpoint that refuses the
agent's credentials pauses without spending attempts; ack and nack check the
caller's company."""
from odoo import Command
from odoo.exceptions import ValidationError

from .common import PlansyncCase, make_user


class TestBlockedEndpoint(PlansyncCase):
    def _claimed(self):
        self.product.write({"name": "blocked %s" % self.product.name})
        result = self.claim()
        self.assertEqual(len(result["events"]), 1)
        return result, result["events"][0]["id"]

    def _row(self):
        return self.rows([("endpoint_id", "=", self.endpoint.id)])

    def _messages(self):
        return self.endpoint.message_ids.filtered(lambda m: "paused" in (m.body or ""))

    def test_30_refusals_never_make_a_dead_letter_and_the_event_goes_out_afterwards(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_attempts", "3")
        self.product.write({"name": "refused 30 times"})
        for _i in range(30):
            result = self.claim()
            self.assertEqual(len(result["events"]), 1)
            event_id = result["events"][0]["id"]
            self.assertEqual(result["events"][0]["attempt"], 1, "the attempt was given back")
            self.assertEqual(
                self.as_agent().nack(result["lease"], [event_id], "HTTP 401: bad signature", 0, blocked=True),
                1,
            )
            row = self._row()
            self.assertEqual(row.state, "pending")
            self.assertEqual(row.attempts, 0)
            row._edit().write({"next_attempt_at": False})  # due again
        self.assertFalse(self.rows([("state", "=", "dead")]), "no dead letter")
        self.assertTrue(self.endpoint.blocked_since)
        self.assertEqual(self.endpoint.blocked_reason, "HTTP 401: bad signature")
        self.assertEqual(len(self._messages()), 1, "the admins are told once, not per claim")
        result = self.claim()
        self.assertEqual(self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]]), 1)
        self.assertEqual(self._row().state, "done")
        self.assertFalse(self.endpoint.blocked_since, "cleared by the delivery")
        self.assertFalse(self.endpoint.blocked_reason)
        self.assertTrue(
            self.endpoint.message_ids.filtered(lambda m: "resumed" in (m.body or "")),
            "the admins are told that it resumed",
        )

    def test_blocked_release_waits_retry_after(self):
        result, event_id = self._claimed()
        self.as_agent().nack(result["lease"], [event_id], "HTTP 403", 300, blocked=True)
        self.assertEqual(self.claim()["events"], [], "not claimable before retry_after")
        row = self._row()
        self.assertEqual(row.last_error, "HTTP 403")
        self.assertTrue(row.next_attempt_at)

    def test_blocked_since_is_kept_while_blocked(self):
        result, event_id = self._claimed()
        self.as_agent().nack(result["lease"], [event_id], "HTTP 401", 0, blocked=True)
        since = self.endpoint.blocked_since
        self._row()._edit().write({"next_attempt_at": False})
        result, event_id = self._claimed()
        self.as_agent().nack(result["lease"], [event_id], "HTTP 404: no such hook", 0, blocked=True)
        self.assertEqual(self.endpoint.blocked_since, since)
        self.assertEqual(self.endpoint.blocked_reason, "HTTP 404: no such hook", "the latest reason")

    def test_final_and_blocked_exclude_each_other(self):
        result, event_id = self._claimed()
        with self.assertRaisesRegex(ValidationError, "final, blocked and released exclude each other"):
            self.as_agent().nack(result["lease"], [event_id], "x", 0, True, True)
        with self.assertRaisesRegex(ValidationError, "blocked must be a boolean, got 'yes'"):
            self.as_agent().nack(result["lease"], [event_id], "x", 0, False, "yes")
        self.assertEqual(self._row().state, "claimed", "nothing changed")
        self.assertFalse(self.endpoint.blocked_since)

    def test_blocked_is_shown_in_the_endpoint_views(self):
        for view in ("plansync.plansync_endpoint_view_tree", "plansync.plansync_endpoint_view_form"):
            self.assertIn("blocked_since", self.env.ref(view).arch)


class TestAckNackCompany(PlansyncCase):
    """A lease token in the hands of another company's integration user
    acknowledges and releases nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Company B (lease test)"})
        cls.agent_b = make_user(
            cls.env, "PlanSync Agent B (test)", "plansync-agent-b-test", cls.company_b, cls.group_integration
        )
        # creating a company captures changes of its own (Odoo 18 and later): start empty
        cls.flush_capture()
        cls.clear_outbox()

    def _claimed(self):
        self.product.write({"name": "company check"})
        result = self.claim()
        self.assertEqual(len(result["events"]), 1)
        return result, result["events"][0]["id"]

    def _row(self):
        return self.rows([("endpoint_id", "=", self.endpoint.id)])

    def test_another_company_cannot_ack(self):
        result, event_id = self._claimed()
        outbox_b = self.env["plansync.outbox"].with_user(self.agent_b)
        self.assertEqual(outbox_b.ack(result["lease"], [event_id]), 0)
        self.assertEqual(self._row().state, "claimed", "not marked done")
        self.assertEqual(self.as_agent().ack(result["lease"], [event_id]), 1, "its own company's agent can")

    def test_another_company_cannot_nack(self):
        result, event_id = self._claimed()
        outbox_b = self.env["plansync.outbox"].with_user(self.agent_b)
        self.assertEqual(outbox_b.nack(result["lease"], [event_id], "x", 0, True), 0, "no dead letter")
        self.assertEqual(outbox_b.nack(result["lease"], [event_id], "x", 0), 0)
        self.assertEqual(outbox_b.nack(result["lease"], [event_id], "x", 0, False, True), 0)
        row = self._row()
        self.assertEqual(row.state, "claimed")
        self.assertEqual(row.lease, result["lease"])
        self.assertFalse(self.endpoint.blocked_since)

    def test_a_user_of_both_companies_can(self):
        self.agent_b.write({"company_ids": [Command.link(self.company.id)]})
        result, event_id = self._claimed()
        outbox_b = self.env["plansync.outbox"].with_user(self.agent_b)
        self.assertEqual(outbox_b.ack(result["lease"], [event_id]), 1)
