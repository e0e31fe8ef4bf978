# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Capture across real transactions: committed on real cursors, cleaned up."""
from unittest.mock import patch

from odoo import SUPERUSER_ID, Command, api
from odoo.tests.common import TransactionCase

from odoo.addons.plansync.models.plansync_capture import PlansyncCapture


class TestCommit(TransactionCase):
    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            changed = env.ref("plansync.plansync_event_type_product_changed")
            endpoints = env["plansync.endpoint"].create(
                [
                    {
                        "name": "Commit A",
                        "code": "T_COMMIT_A",
                        "event_type_ids": [Command.set(changed.ids)],
                    },
                    {
                        "name": "Commit B",
                        "code": "T_COMMIT_B",
                        "event_type_ids": [Command.set(changed.ids)],
                    },
                ]
            )
            product = env["product.product"].create({"name": "Committed", "default_code": "T-COMMIT"})
            self.endpoint_ids = endpoints.ids
            self.product_id = product.id
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["plansync.endpoint"].browse(self.endpoint_ids).unlink()
            env["product.product"].browse(self.product_id).unlink()
        self.registry.clear_cache()

    def _count(self):
        with self.registry.cursor() as cr:
            cr.execute(
                """SELECT endpoint_id, count(*) FROM plansync_outbox
                    WHERE aggregate_model = 'product.product' AND aggregate_id = %s
                      AND endpoint_id = ANY(%s) GROUP BY endpoint_id""",
                (self.product_id, self.endpoint_ids),
            )
            return dict(cr.fetchall())

    def _clear(self):
        with self.registry.cursor() as cr:
            cr.execute("DELETE FROM plansync_outbox WHERE endpoint_id = ANY(%s)", (self.endpoint_ids,))

    def test_rollback_leaves_nothing_commit_one_per_endpoint(self):
        self._clear()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["product.product"].browse(self.product_id).write({"name": "Rolled back"})
            env.flush_all()
            cr.rollback()
        self.assertEqual(self._count(), {})
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].browse(self.product_id)
            product.write({"name": "Committed 1"})
            product.write({"name": "Committed 2"})
            cr.commit()
        self.assertEqual(self._count(), {self.endpoint_ids[0]: 1, self.endpoint_ids[1]: 1})

    def test_failed_insert_fails_the_business_transaction(self):
        def boom(self):
            raise RuntimeError("outbox insert failed")

        with patch.object(PlansyncCapture, "_flush", boom):
            with self.assertRaises(RuntimeError):
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    env["product.product"].browse(self.product_id).write({"name": "Lost"})
                    cr.commit()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.assertEqual(env["product.product"].browse(self.product_id).name, "Committed")
