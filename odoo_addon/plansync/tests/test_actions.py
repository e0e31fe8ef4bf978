# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError

from .common import PlansyncCase


class TestActions(PlansyncCase):
    def _dead(self, product=None):
        (product or self.product).write({"name": "dead"})
        result = self.claim()
        self.as_agent().nack(result["lease"], [e["id"] for e in result["events"]], "gone", 0, final=True)
        return self.rows([("endpoint_id", "=", self.endpoint.id), ("state", "=", "dead")])

    def test_retry(self):
        dead = self._dead()
        self.assertTrue(dead.retryable)
        dead.with_user(self.manager).action_retry()
        self.assertEqual(dead.state, "pending")
        self.assertEqual(dead.attempts, 0)
        self.assertLessEqual(dead.next_attempt_at, fields.Datetime.now())
        result = self.claim()
        self.assertEqual([e["id"] for e in result["events"]], dead.ids, "same id")
        self.assertEqual(result["events"][0]["attempt"], 1)

    def test_bulk_retry_and_refusals(self):
        dead = self._dead(self.product) | self._dead(self.product2)
        self.assertEqual(len(dead), 2)
        dead.with_user(self.manager).action_retry()
        self.assertEqual(set(dead.mapped("state")), {"pending"})
        with self.assertRaises(UserError):
            dead.with_user(self.manager).action_retry()
        with self.assertRaises(UserError):
            dead.with_user(self.manager).action_replay()

    def test_replay(self):
        self.product.write({"name": "done"})
        result = self.claim()
        self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        done = self.rows([("endpoint_id", "=", self.endpoint.id)])
        self.assertTrue(done.replayable)
        self.assertFalse(done.retryable)
        done.with_user(self.manager).action_replay()
        replay = self.rows([("replay_of_id", "=", done.id)])
        self.assertEqual(len(replay), 1)
        self.assertNotEqual(replay.id, done.id)
        self.assertEqual(replay.state, "pending")
        self.assertEqual(done.state, "done")
        self.assertEqual(
            (replay.event_type, replay.aggregate_model, replay.aggregate_id, replay.endpoint_id),
            (done.event_type, done.aggregate_model, done.aggregate_id, done.endpoint_id),
        )
        result = self.claim()
        self.assertEqual([e["id"] for e in result["events"]], replay.ids)

    def test_replay_of_deleted_keeps_its_payload(self):
        product = self.env["product.product"].create({"name": "Gone", "default_code": "T-GONE2"})
        self.flush_capture()
        self.clear_outbox()
        product.unlink()
        dead = self._dead_rows_of_type("product.deleted")
        dead.with_user(self.manager).action_replay()
        replay = self.rows([("replay_of_id", "=", dead.id)])
        self.assertEqual(replay.payload, dead.payload)
        self.assertEqual(replay.aggregate_key, "T-GONE2")

    def _dead_rows_of_type(self, event_type):
        result = self.claim()
        self.as_agent().nack(result["lease"], [e["id"] for e in result["events"]], "x", 0, final=True)
        return self.rows([("event_type", "=", event_type), ("state", "=", "dead")])

    def test_planner_cannot_retry_or_replay(self):
        dead = self._dead()
        with self.assertRaises(AccessError):
            dead.with_user(self.planner).action_retry()
        with self.assertRaises(AccessError):
            dead.with_user(self.planner).action_replay()
        self.assertEqual(dead.state, "dead")

    def test_delete_only_finished(self):
        self.product.write({"name": "x"})
        pending = self.rows([("endpoint_id", "=", self.endpoint.id)])
        with self.assertRaises(UserError):
            pending.with_user(self.manager).unlink()
        dead = self._dead(self.product2)
        dead.with_user(self.manager).unlink()
        self.assertFalse(dead.exists())

    def test_purge_cron(self):
        self.product.write({"name": "old"})
        self.product2.write({"name": "recent"})
        result = self.claim()
        self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        rows = self.rows([("endpoint_id", "=", self.endpoint.id)])
        old = rows.filtered(lambda r: r.aggregate_id == self.product.id)
        old._edit().write({"done_at": fields.Datetime.now() - timedelta(days=8)})
        self.product.write({"name": "pending, old capture"})
        pending = self.rows([("state", "=", "pending"), ("endpoint_id", "=", self.endpoint.id)])
        cron = self.env.ref("plansync.plansync_outbox_cron_purge")
        # what the cron runs, in this transaction (19's method_direct_trigger runs the
        # job in a cursor of its own, which does not see this test's data)
        cron.ir_actions_server_id.run()
        self.assertFalse(old.exists())
        self.assertTrue((rows - old).exists())
        self.assertTrue(pending.exists())
        self.assertEqual(self.env["plansync.outbox"]._cron_purge_done(), 0)
