# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The core's rows of the access matrix of docs/security.md, checked against Odoo."""
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .access_matrix import MatrixMixin
from .common import PlansyncCase, make_user


@tagged("post_install", "-at_install")
class TestAccessMatrix(MatrixMixin, PlansyncCase):
    MODULE = "plansync"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a dead letter to retry, replay, ack and nack
        cls.product.write({"name": "Office chair (matrix)"})
        cls.flush_capture()
        Outbox = cls.env["plansync.outbox"].with_user(cls.agent_user)
        claimed = Outbox.claim(cls.endpoint.code, 100, 60, "matrix")
        cls.lease = claimed["lease"]
        cls.event_ids = [event["id"] for event in claimed["events"]]
        Outbox.nack(cls.lease, cls.event_ids, "refused for good", 0, True)
        cls.dead = cls.env["plansync.outbox"].sudo().browse(cls.event_ids[0])
        assert cls.dead.state == "dead", cls.dead.state
        cls.make_company_b("core")

    def test_model_access(self):
        self.check_model_rows()

    def test_methods(self):
        endpoint, dead = self.endpoint, self.dead
        calls = {
            ("plansync.outbox", "claim"): lambda env: env["plansync.outbox"].claim(endpoint.code, 10, 60, "m"),
            ("plansync.outbox", "ack"): lambda env: env["plansync.outbox"].ack("no-such-lease", dead.ids),
            ("plansync.outbox", "nack"): lambda env: env["plansync.outbox"].nack("no-such-lease", dead.ids, "e", 0),
            ("plansync.outbox", "action_retry"): lambda env: env["plansync.outbox"].browse(dead.id).action_retry(),
            ("plansync.outbox", "action_replay"): lambda env: env["plansync.outbox"].browse(dead.id).action_replay(),
            ("plansync.agent", "heartbeat"): lambda env: env["plansync.agent"].heartbeat("m", {"mode": "check"}),
            ("plansync.endpoint", "action_view_pending"): lambda env: env["plansync.endpoint"]
            .browse(endpoint.id)
            .action_view_pending(),
            ("plansync.endpoint", "action_view_dead"): lambda env: env["plansync.endpoint"]
            .browse(endpoint.id)
            .action_view_dead(),
            ("plansync.endpoint", "action_view_done"): lambda env: env["plansync.endpoint"]
            .browse(endpoint.id)
            .action_view_done(),
        }
        self.check_method_rows(calls)

    def test_integration_user_is_in_no_other_group(self):
        """As docs/security.md sets it up: a user of no user type (not internal),
        so that Odoo's grants to internal users (some 120 models: partners' e-mail,
        phone and street, product costs, vendor prices, move lines) do not apply."""
        user = self.matrix_users()["integration"]
        self.assertTrue(user.share)
        self.assertFalse(user.has_group("base.group_user"))
        readable = [
            name
            for name in self.env.registry
            if not self.env[name]._abstract
            and not self.env[name]._transient
            and self.env["ir.model.access"].with_user(user).check(name, "read", raise_exception=False)
        ]
        # res.lang: Odoo's translation of messages looks the user's language up as the user;
        # res.currency: 19 flushes as the request's user, rounding monetary amounts there
        self.assertEqual(sorted(readable), ["res.currency", "res.lang"])
        reply = self.env["plansync.agent"].with_user(user).heartbeat("m", {"mode": "check"})
        self.assertEqual(reply["user"]["groups"], ["plansync.group_plansync_integration"])
        # one set up as an internal user (earlier releases) still works, and says so:
        # plansync check warns on any group beside PlanSync / Integration
        internal = make_user(
            self.env,
            "Internal agent (matrix)",
            "plansync-matrix-internal-agent",
            self.company,
            self.group_integration,
        )
        reply = self.env["plansync.agent"].with_user(internal).heartbeat("m", {"mode": "check"})
        self.assertEqual(reply["user"]["groups"], ["plansync.group_plansync_integration", "base.group_user"])

    def test_across_companies(self):
        """The agent of company B against company A's endpoint and leases."""
        Outbox_b = self.env["plansync.outbox"].with_user(self.agent_b)
        self.product.write({"name": "Office chair (matrix 2)"})
        self.flush_capture()
        claimed = self.as_agent().claim(self.endpoint.code, 100, 60, "matrix-a")
        lease, ids = claimed["lease"], [event["id"] for event in claimed["events"]]
        self.assertTrue(ids)

        def refused(call):
            try:
                call()
            except ValidationError as exc:
                return "refused" if "endpoint" in str(exc) else "refused: %s" % exc
            return "accepted"

        def claimed_state(call):
            count = call()
            states = set(self.env["plansync.outbox"].sudo().browse(ids).mapped("state"))
            return "%s (rows %s)" % (count, ", ".join(sorted(states)))

        def listed():
            reply = self.env["plansync.agent"].with_user(self.agent_b).heartbeat("b", {"mode": "check"})
            codes = [e["code"] for e in reply["endpoints"]]
            return "listed" if self.endpoint.code in codes else "not listed"

        observers = {
            "plansync.outbox.claim": lambda: refused(lambda: Outbox_b.claim(self.endpoint.code, 10, 60, "b")),
            "plansync.agent.heartbeat": listed,
            "plansync.outbox.ack": lambda: claimed_state(lambda: Outbox_b.ack(lease, ids)),
            "plansync.outbox.nack": lambda: claimed_state(lambda: Outbox_b.nack(lease, ids, "b", 0, True)),
        }
        self.check_company_rows(observers)
        # claim and heartbeat changed nothing of company A's
        self.assertEqual(
            set(self.env["plansync.outbox"].sudo().browse(ids).mapped("state")) - {"claimed", "done", "dead"},
            set(),
        )
        self.assertFalse(self.env["plansync.agent"].search([("name", "=", "b")]))
