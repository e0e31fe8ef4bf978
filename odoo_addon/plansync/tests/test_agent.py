# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

import psycopg2

from odoo import SUPERUSER_ID, Command, api, fields, release
from odoo.exceptions import ValidationError
from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger

from .. import compat

from .common import PlansyncCase

STATS = {
    "version": "0.1.0",
    "host": "wms-gw-1",
    "pid": 4242,
    "started_at": "2026-11-30T08:00:00Z",
    "mode": "run",
    "endpoints": {
        "T_WEBHOOK": {
            "delivered": 1200,
            "failed": 3,
            "parked": 1,
            "per_minute": 540.5,
            "last_error": "",
            "last_delivery_at": "2026-11-30T08:10:00Z",
        },
        "UNKNOWN": {"delivered": 1},
    },
}


class TestAgent(PlansyncCase):
    def heartbeat(self, consumer="agent-1", stats=None):
        return self.as_agent("plansync.agent").heartbeat(consumer, stats or STATS)

    def test_heartbeat_upsert_and_config(self):
        self.product.write({"name": "x"})
        self.flush_capture()
        config = self.heartbeat()
        agent = self.env["plansync.agent"].search([("name", "=", "agent-1")])
        self.assertEqual(len(agent), 1)
        self.assertEqual(agent.host, "wms-gw-1")
        self.assertEqual(agent.pid, 4242)
        self.assertEqual(agent.version, "0.1.0")
        self.assertEqual(agent.status, "alive")
        self.assertEqual(fields.Datetime.to_string(agent.started_at), "2026-11-30 08:00:00")
        self.assertEqual(len(agent.line_ids), 1, "unknown endpoint codes are ignored")
        line = agent.line_ids
        self.assertEqual(line.endpoint_id, self.endpoint)
        self.assertEqual((line.delivered, line.failed, line.parked), (1200, 3, 1))
        self.assertEqual(line.per_minute, 540.5)
        self.assertGreaterEqual(line.lag_seconds, 0.0)
        # second beat updates the same record
        stats = dict(STATS, version="0.2.0")
        self.heartbeat(stats=stats)
        self.assertEqual(self.env["plansync.agent"].search([("name", "=", "agent-1")]), agent)
        self.assertEqual(agent.version, "0.2.0")
        self.assertEqual(len(agent.line_ids), 1)

        self.assertEqual(config["addon_version"], "%s.1.0.0" % release.major_version)
        self.assertEqual(config["database"]["name"], self.env.cr.dbname)
        self.assertEqual(
            config["database"]["uuid"],
            self.env["ir.config_parameter"].get_param("database.uuid"),
        )
        self.assertRegex(config["server_time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(
            config["user"],
            {
                "id": self.agent_user.id,
                "login": "plansync-agent-test",
                "groups": ["plansync.group_plansync_integration"],
                "companies": [self.company.id],
            },
        )
        self.assertEqual(
            config["settings"],
            {
                "batch_size": 100,
                "lease_seconds": 60,
                "max_attempts": 8,
                "heartbeat_seconds": 30,
                "poll_seconds": 1.0,
            },
        )
        webhook = [e for e in config["endpoints"] if e["code"] == "T_WEBHOOK"][0]
        self.assertEqual(webhook["pending"], 1)
        self.assertEqual(webhook["dead"], 0)
        self.assertEqual(webhook["kind"], "webhook")
        self.assertEqual(webhook["company"], self.company.id)
        self.assertEqual(webhook["rate_limit"], 0.0)
        self.assertIn("stock.level", webhook["event_types"])
        planning = [e for e in config["endpoints"] if e["code"] == "T_PLANNING"][0]
        self.assertEqual(planning["url"], False)

    def test_heartbeat_reports_the_callers_api_keys_and_their_expiry(self):
        agent_user = self.as_agent("plansync.agent").env.user
        apikeys = self.env["res.users.apikeys"].with_user(agent_user)
        has_expiry = "expiration_date" in apikeys._fields  # keys expire from Odoo 18
        expiry = fields.Datetime.now().replace(microsecond=0) + timedelta(days=10)
        # made by an administrator (sudo), as docs/security.md says: from 18 a user of no
        # user type may give its own keys one day at most
        (apikeys.sudo() if has_expiry else apikeys)._generate(
            None, "plansync agent key", *([expiry] if has_expiry else [])
        )
        self.env["res.users.apikeys"].with_user(self.env.ref("base.user_admin"))._generate(
            None, "someone else's key", *([False] if has_expiry else [])
        )
        keys = self.heartbeat()["api_keys"]
        self.assertEqual([k["name"] for k in keys], ["plansync agent key"], "only the caller's keys")
        expected = expiry.strftime("%Y-%m-%dT%H:%M:%SZ") if has_expiry else False
        self.assertEqual(keys[0]["expires"], expected)

    def test_check_mode_writes_nothing(self):
        config = self.heartbeat(consumer="checker", stats=dict(STATS, mode="check"))
        self.assertTrue(config["endpoints"])
        self.assertFalse(self.env["plansync.agent"].search([("name", "=", "checker")]))

    def test_silent_status(self):
        self.heartbeat()
        agent = self.env["plansync.agent"].search([("name", "=", "agent-1")])
        self.assertIn(agent, self.env["plansync.agent"].search([("status", "=", "alive")]))
        agent.last_seen = fields.Datetime.now() - timedelta(seconds=121)
        agent.invalidate_recordset(["status"])
        self.assertEqual(agent.status, "silent")
        self.assertIn(agent, self.env["plansync.agent"].search([("status", "=", "silent")]))
        self.assertNotIn(agent, self.env["plansync.agent"].search([("status", "!=", "silent")]))
        self.env["ir.config_parameter"].sudo().set_param("plansync.agent_silent_after_seconds", "600")
        agent.invalidate_recordset(["status"])
        self.assertEqual(agent.status, "alive")

    def test_heartbeat_validation(self):
        agents_before = self.env["plansync.agent"].search_count([])
        cases = [
            ("", STATS, "consumer"),
            ("a", "not a dict", "stats"),
            ("a", dict(STATS, mode="sometimes"), "stats.mode"),
            ("a", dict(STATS, pid=-1), "stats.pid"),
            ("a", dict(STATS, started_at="yesterday"), "stats.started_at"),
            ("a", dict(STATS, endpoints=[]), "stats.endpoints"),
            (
                "a",
                dict(STATS, endpoints={"T_WEBHOOK": {"delivered": "many"}}),
                "stats.endpoints.T_WEBHOOK.delivered",
            ),
        ]
        for consumer, stats, fragment in cases:
            with self.subTest(fragment=fragment):
                with self.assertRaises(ValidationError) as caught:
                    self.heartbeat(consumer=consumer, stats=stats)
                self.assertIn(fragment, str(caught.exception))
        self.assertEqual(
            self.env["plansync.agent"].search_count([]), agents_before, "a refused heartbeat writes nothing"
        )

    def test_mode_defaults_to_run(self):
        self.heartbeat(consumer="no-mode", stats={"host": "h"})
        agent = self.env["plansync.agent"].search([("name", "=", "no-mode")])
        self.assertEqual((agent.mode, agent.host, agent.version, agent.pid), ("run", "h", False, 0))


class TestHeartbeatRace(TransactionCase):
    """Two processes reporting under one new name at once: the second gets a
    serialization error (which Odoo's RPC layer retries), not a unique
    violation, and its retry updates the one agent record."""

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.uid = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": "Racing agent",
                        "login": "plansync-racing-agent",
                        compat.USER_GROUPS: [
                            # the integration user is in no other group (docs/security.md)
                            Command.set([env.ref("plansync.group_plansync_integration").id])
                        ],
                    }
                )
                .id
            )
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["plansync.agent"].search([("user_id", "=", self.uid)]).unlink()
            env["res.users"].browse(self.uid).unlink()

    def test_same_new_name_on_two_cursors(self):
        name = "race-agent-%s" % id(self)
        stats = dict(STATS, endpoints={})
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            agents_b = api.Environment(cr_b, self.uid, {})["plansync.agent"]
            cr_b.execute("SELECT count(*) FROM plansync_agent")  # B's snapshot starts before A commits
            api.Environment(cr_a, self.uid, {})["plansync.agent"].heartbeat(name, stats)
            cr_a.commit()
            with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger("odoo.sql_db"):
                agents_b.heartbeat(name, dict(stats, pid=99))
            cr_b.rollback()
        with self.registry.cursor() as cr:
            agents = api.Environment(cr, self.uid, {})["plansync.agent"]
            agents.heartbeat(name, dict(stats, pid=99))
            found = agents.sudo().search([("name", "=", name)])
            self.assertEqual(len(found), 1)
            self.assertEqual(found.pid, 99)
