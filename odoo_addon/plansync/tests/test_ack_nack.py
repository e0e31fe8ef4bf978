# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import ValidationError

from .common import PlansyncCase


class TestAckNack(PlansyncCase):
    def _claimed(self, **kwargs):
        self.product.write({"name": "claimed"})
        result = self.claim(**kwargs)
        self.assertEqual(len(result["events"]), 1)
        return result, result["events"][0]["id"]

    def _row(self):
        return self.rows([("endpoint_id", "=", self.endpoint.id)])

    def test_ack(self):
        result, event_id = self._claimed()
        self.assertEqual(self.as_agent().ack(result["lease"], [event_id]), 1)
        row = self._row()
        self.assertEqual(row.state, "done")
        self.assertTrue(row.done_at)
        self.assertEqual(self.as_agent().ack(result["lease"], [event_id]), 0, "already done")

    def test_ack_under_foreign_lease_changes_nothing(self):
        result, event_id = self._claimed()
        self.assertEqual(self.as_agent().ack("f" * 32, [event_id]), 0)
        self.assertEqual(self.as_agent().nack("f" * 32, [event_id], "x", 0), 0)
        row = self._row()
        self.assertEqual(row.state, "claimed")
        self.assertEqual(row.lease, result["lease"])

    def test_ack_unknown_and_empty_ids(self):
        result, event_id = self._claimed()
        self.assertEqual(self.as_agent().ack(result["lease"], []), 0)
        self.assertEqual(self.as_agent().ack(result["lease"], [event_id + 1000]), 0)

    def test_ack_after_expiry_not_reclaimed_is_accepted(self):
        result, event_id = self._claimed()
        self.expire(self._row())
        self.assertEqual(self.as_agent().ack(result["lease"], [event_id]), 1)
        self.assertEqual(self._row().state, "done")

    def test_nack_backoff(self):
        result, event_id = self._claimed()
        before = fields.Datetime.now()
        self.assertEqual(self.as_agent().nack(result["lease"], [event_id], "HTTP 503", 0), 1)
        row = self._row()
        self.assertEqual(row.state, "pending")
        self.assertEqual(row.last_error, "HTTP 503")
        # first failure: backoff_base * 2^0 = 10 s
        delay = (row.next_attempt_at - before).total_seconds()
        self.assertTrue(9 <= delay <= 11, delay)
        self.assertEqual(self.claim()["events"], [], "not claimable before its time")
        # second failure: 20 s
        row._edit().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
        second = self.claim()
        self.assertEqual(second["events"][0]["attempt"], 2)
        before = fields.Datetime.now()
        self.as_agent().nack(second["lease"], [event_id], "HTTP 503", 0)
        delay = (self._row().next_attempt_at - before).total_seconds()
        self.assertTrue(19 <= delay <= 21, delay)

    def test_nack_backoff_is_capped(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.backoff_max_seconds", "15")
        result, event_id = self._claimed()
        self._row()._edit().write({"attempts": 5})
        before = fields.Datetime.now()
        self.as_agent().nack(result["lease"], [event_id], "slow", 0)
        delay = (self._row().next_attempt_at - before).total_seconds()
        self.assertTrue(14 <= delay <= 16, delay)

    def test_nack_retry_after(self):
        result, event_id = self._claimed()
        before = fields.Datetime.now()
        self.as_agent().nack(result["lease"], [event_id], "429", 120)
        delay = (self._row().next_attempt_at - before).total_seconds()
        self.assertTrue(119 <= delay <= 121, delay)

    def test_nack_after_max_attempts_is_dead(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_attempts", "2")
        result, event_id = self._claimed()
        self.as_agent().nack(result["lease"], [event_id], "first", 0)
        self._row()._edit().write({"next_attempt_at": fields.Datetime.now()})
        second = self.claim()
        self.assertEqual(self.as_agent().nack(second["lease"], [event_id], "second", 0), 1)
        row = self._row()
        self.assertEqual(row.state, "dead")
        self.assertEqual(row.last_error, "second")
        self.assertTrue(row.dead_at)

    def test_nack_final_is_dead_at_once(self):
        result, event_id = self._claimed()
        self.assertEqual(self.as_agent().nack(result["lease"], [event_id], "HTTP 422", 0, final=True), 1)
        row = self._row()
        self.assertEqual(row.state, "dead")
        self.assertEqual(row.attempts, 1)
        self.assertTrue(row.retryable)

    def test_nack_error_is_truncated(self):
        result, event_id = self._claimed()
        self.as_agent().nack(result["lease"], [event_id], "e" * 5000, 0)
        self.assertEqual(len(self._row().last_error), 4000)

    def test_a_change_during_backoff_waits_with_its_aggregate(self):
        # Fault scenario 5: the released event and a newer change of the same aggregate go out together,
        # under the newer id, once the backoff is over; never the newer alone, then the older re-rendered.
        result, first_id = self._claimed()
        self.as_agent().nack(result["lease"], [first_id], "HTTP 503", 60)
        self.product.write({"name": "newer"})
        self.flush_capture()
        self.assertEqual(self.claim()["events"], [], "the new change waits for its aggregate's backoff")
        self._row().filtered(lambda r: r.id == first_id)._edit().write(
            {"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)}
        )
        events = self.claim()["events"]
        self.assertEqual(len(events), 1)
        self.assertGreater(events[0]["id"], first_id)
        self.assertEqual(events[0]["coalesced"], 2)
        self.assertEqual(events[0]["payload"]["name"], "newer")

    def test_an_aggregate_in_backoff_does_not_hide_the_others(self):
        result, first_id = self._claimed()
        self.as_agent().nack(result["lease"], [first_id], "HTTP 503", 60)
        self.product.write({"name": "newer"})
        self.flush_capture()
        other = self.env["product.product"].create({"name": "Other", "default_code": "T-OTHER"})
        self.flush_capture()
        events = self.claim(limit=1)["events"]
        self.assertEqual([e["aggregate"]["id"] for e in events], [other.id])

    def test_nack_released_gives_the_attempt_back(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_attempts", "2")
        for _round in range(4):  # more releases than max_attempts: never a dead letter
            self._row()._edit().write({"next_attempt_at": fields.Datetime.now() - timedelta(seconds=1)})
            self.product.write({"name": "v%s" % _round})
            result = self.claim()
            event_id = result["events"][0]["id"]
            self.assertEqual(
                self.as_agent().nack(result["lease"], [event_id], "released: the agent is stopping", 1, released=True),
                1,
            )
        rows = self._row()
        self.assertEqual(set(rows.mapped("state")), {"pending"})
        self.assertEqual(max(rows.mapped("attempts")), 0)
        self.assertFalse(self.endpoint.blocked_since, "a release does not pause the endpoint")

    def test_nack_flags_exclude_each_other(self):
        result, event_id = self._claimed()
        with self.assertRaisesRegex(ValidationError, "final=True, blocked=False, released=True"):
            self.as_agent().nack(result["lease"], [event_id], "x", 0, final=True, released=True)
        with self.assertRaisesRegex(ValidationError, "released must be a boolean, got 1"):
            self.as_agent().nack(result["lease"], [event_id], "x", 0, released=1)
        self.assertEqual(self._row().state, "claimed")

    def test_nack_error_with_nul_and_lone_surrogate_is_stored_visibly(self):
        result, event_id = self._claimed()
        self.assertEqual(self.as_agent().nack(result["lease"], [event_id], "bad\x00body \ud800", 0), 1)
        self.assertEqual(self._row().last_error, "bad\ufffdbody \ufffd")
