# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two claimers on two real cursors never share a row nor an aggregate."""
from odoo import SUPERUSER_ID, Command, api
from odoo.tests.common import TransactionCase

from .. import compat


class TestConcurrency(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            changed = env.ref("plansync.plansync_event_type_product_changed")
            self.endpoint_id = (
                env["plansync.endpoint"]
                .create(
                    {
                        "name": "Concurrency",
                        "code": "T_CONCURRENCY",
                        "event_type_ids": [Command.set(changed.ids)],
                    }
                )
                .id
            )
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": "Concurrent agent",
                        "login": "plansync-concurrent-agent",
                        compat.USER_GROUPS: [
                            # the integration user is in no other group (docs/security.md)
                            Command.set([env.ref("plansync.group_plansync_integration").id])
                        ],
                    }
                )
            )
            self.uid = user.id
            self.partner_id = user.partner_id.id
            products = env["product.product"].create(
                [{"name": "Conc %s" % i, "default_code": "T-CONC-%s" % i} for i in range(3)]
            )
            self.product_ids = products.ids
        # a second committed change of each product: 3 aggregates, 6 rows
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            for product in env["product.product"].browse(self.product_ids):
                product.name = product.name + " v2"
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["plansync.endpoint"].browse(self.endpoint_id).unlink()
            env["product.product"].browse(self.product_ids).unlink()
            env["plansync.agent"].search([("user_id", "=", self.uid)]).unlink()
            env["res.users"].browse(self.uid).unlink()
            env["res.partner"].browse(self.partner_id).unlink()
        self.registry.clear_cache()

    def _claim(self, cr, limit, consumer):
        env = api.Environment(cr, self.uid, {})
        return env["plansync.outbox"].claim("T_CONCURRENCY", limit, 60, consumer)

    def _rows(self, ids):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT id, lease, state, claim_head_id FROM plansync_outbox WHERE id = ANY(%s)",
                (list(ids),),
            )
            return cr.fetchall()

    def test_two_claimers_never_share(self):
        cr1 = self.registry.cursor()
        cr2 = self.registry.cursor()
        try:
            first = self._claim(cr1, 2, "c1")
            # cr1 has not committed: its rows are locked, its aggregates too
            second = self._claim(cr2, 10, "c2")
            cr1.commit()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(len(first["events"]), 2)
        self.assertEqual(len(second["events"]), 1)
        aggregates1 = {e["aggregate"]["id"] for e in first["events"]}
        aggregates2 = {e["aggregate"]["id"] for e in second["events"]}
        self.assertFalse(aggregates1 & aggregates2)
        self.assertEqual(aggregates1 | aggregates2, set(self.product_ids))
        for event in first["events"] + second["events"]:
            self.assertEqual(event["coalesced"], 2)
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT lease, count(*) FROM plansync_outbox WHERE endpoint_id = %s GROUP BY lease",
                (self.endpoint_id,),
            )
            counts = dict(cr.fetchall())
        self.assertEqual(counts, {first["lease"]: 4, second["lease"]: 2})

    def test_stale_snapshot_skips_what_another_claimer_took(self):
        """A claimer whose snapshot predates another claimer's commit neither
        hands out the same aggregates nor fails with a serialization error
        (which Odoo's RPC layer would retry after a random sleep)."""
        cr1 = self.registry.cursor()
        cr2 = self.registry.cursor()
        try:
            cr2.execute("SELECT 1")  # cr2's snapshot is taken now
            first = self._claim(cr1, 10, "c1")
            cr1.commit()
            second = self._claim(cr2, 10, "c2")  # sees the rows as pending
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(len(first["events"]), 3)
        self.assertEqual(second["events"], [], "every aggregate is in flight under c1")

    def test_in_flight_aggregate_is_not_handed_out(self):
        with self.registry.cursor() as cr:
            first = self._claim(cr, 1, "c1")
        busy = first["events"][0]["aggregate"]["id"]
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["product.product"].browse(busy).name = "changed while in flight"
        with self.registry.cursor() as cr:
            second = self._claim(cr, 10, "c2")
        self.assertEqual(len(second["events"]), 2)
        self.assertNotIn(busy, {e["aggregate"]["id"] for e in second["events"]})
        # after the ack, the new change is claimable, with a higher sequence
        with self.registry.cursor() as cr:
            env = api.Environment(cr, self.uid, {})
            self.assertEqual(env["plansync.outbox"].ack(first["lease"], [first["events"][0]["id"]]), 1)
        with self.registry.cursor() as cr:
            third = self._claim(cr, 10, "c3")
        self.assertEqual([e["aggregate"]["id"] for e in third["events"]], [busy])
        self.assertGreater(third["events"][0]["sequence"], first["events"][0]["sequence"])
