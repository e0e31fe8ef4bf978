# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from .common import PlansyncCase

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


class TestClaim(PlansyncCase):
    def test_envelope(self):
        self.product.write({"name": "Office chair v2"})
        result = self.claim(limit=10, lease_seconds=30, consumer="host:42")
        self.assertTrue(result["lease"])
        self.assertEqual(len(result["events"]), 1)
        event = result["events"][0]
        row = self.rows([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(event["id"], row.id)
        self.assertEqual(event["type"], "product.changed")
        self.assertEqual(event["endpoint"], "T_WEBHOOK")
        self.assertEqual(
            event["aggregate"],
            {"model": "product.product", "id": self.product.id, "key": "T-CHAIR"},
        )
        self.assertEqual(event["company"], False, "a product shared between companies")
        self.assertRegex(event["occurred_at"], ISO)
        self.assertEqual(event["schema"], 1)
        self.assertEqual(event["coalesced"], 1)
        self.assertEqual(event["attempt"], 1)
        self.assertGreater(event["sequence"], 0)
        self.assertEqual(event["payload"]["name"], "Office chair v2")
        self.assertEqual(event["payload"]["sku"], "T-CHAIR")
        self.assertEqual(event["payload"]["type"], "product")
        self.assertEqual(row.state, "claimed")
        self.assertEqual(row.lease, result["lease"])
        self.assertEqual(row.consumer, "host:42")
        self.assertEqual(row.attempts, 1)
        self.assertEqual(row.payload, event["payload"], "rendered onto the head row")
        self.assertEqual(row.aggregate_key, "T-CHAIR")
        self.assertEqual(row.sequence, event["sequence"])

    def test_nothing_to_claim(self):
        self.assertEqual(self.claim(), {"lease": "", "events": []})

    def test_claimed_rows_are_not_claimed_twice(self):
        self.product.write({"name": "x"})
        self.assertEqual(len(self.claim()["events"]), 1)
        self.assertEqual(self.claim(consumer="other")["events"], [])

    def test_limit_and_oldest_first(self):
        self.product2.write({"name": "first"})
        self.flush_capture()
        self.product.write({"name": "second"})
        result = self.claim(limit=1)
        self.assertEqual([e["aggregate"]["id"] for e in result["events"]], [self.product2.id])
        result = self.claim(limit=5)
        self.assertEqual([e["aggregate"]["id"] for e in result["events"]], [self.product.id])

    def test_expired_lease_is_claimable_again(self):
        self.product.write({"name": "x"})
        first = self.claim(consumer="dies")
        self.expire(self.rows([("endpoint_id", "=", self.endpoint.id)]))
        second = self.claim(consumer="takes over")
        self.assertEqual(len(second["events"]), 1)
        self.assertNotEqual(second["lease"], first["lease"])
        self.assertEqual(second["events"][0]["attempt"], 2)
        self.assertGreater(second["events"][0]["sequence"], first["events"][0]["sequence"])
        self.assertEqual(
            self.as_agent().ack(first["lease"], [first["events"][0]["id"]]),
            0,
            "the old lease no longer holds the event",
        )

    def test_poison_becomes_dead_after_max_attempts(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_attempts", "2")
        self.product.write({"name": "poison"})
        for _attempt in range(2):
            self.assertEqual(len(self.claim()["events"]), 1)
            self.expire(self.rows([("endpoint_id", "=", self.endpoint.id)]))
        self.assertEqual(self.claim()["events"], [])
        row = self.rows([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(row.state, "dead")
        self.assertEqual(row.last_error, "lease expired 2 times without ack or nack")
        self.assertTrue(row.dead_at)

    def test_rendering_failure_is_dead_rest_goes_on(self):
        self.product.write({"name": "fine"})
        self.flush_capture()
        ghost = (
            self.env["plansync.outbox"]
            ._edit()
            .create(
                {
                    "event_type": "product.changed",
                    "endpoint_id": self.endpoint.id,
                    "aggregate_model": "product.product",
                    "aggregate_id": 999999999,
                    "occurred_at": "2026-01-01 00:00:00",
                }
            )
        )
        unknown = (
            self.env["plansync.outbox"]
            ._edit()
            .create(
                {
                    "event_type": "nobody.knows",
                    "endpoint_id": self.endpoint.id,
                    "aggregate_model": "res.partner",
                    "aggregate_id": self.env.user.partner_id.id,
                    "occurred_at": "2026-01-01 00:00:00",
                }
            )
        )
        result = self.claim()
        self.assertEqual([e["aggregate"]["id"] for e in result["events"]], [self.product.id])
        self.assertEqual(ghost.state, "dead")
        self.assertIn("999999999", ghost.last_error)
        self.assertEqual(unknown.state, "dead")
        self.assertIn("nobody.knows", unknown.last_error)

    def test_advisory_locks_only_for_handed_out_aggregates(self):
        self.product.write({"name": "a"})
        self.product2.write({"name": "b"})
        self.uom_unit.write({"rounding": 0.001})
        self.flush_capture()
        self.env.cr.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        before = self.env.cr.fetchone()[0]
        self.assertEqual(len(self.claim(limit=1)["events"]), 1)
        self.env.cr.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
        self.assertEqual(self.env.cr.fetchone()[0] - before, 1)

    def test_pending_in_backoff_is_not_claimable(self):
        self.product.write({"name": "x"})
        first = self.claim()
        self.as_agent().nack(first["lease"], [first["events"][0]["id"]], "down", 0)
        self.assertEqual(self.claim()["events"], [])
