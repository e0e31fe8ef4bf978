# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.tests.common import TransactionCase
from odoo.tools import mute_logger

from odoo.addons.plansync import compat

from .common_inbound import InboundCase


class TestExecution(InboundCase):
    def test_purchases_consolidate_into_one_rfq_per_vendor(self):
        self.set_execute_on_approval(False)
        result = self.import_lines(
            [
                self.purchase("P-1", sku="T-PLAN-A", quantity=10, vendor="T-V1", need_by="2026-12-20"),
                self.purchase("P-2", sku="T-PLAN-B", quantity=4, vendor="T-V1"),
                self.purchase("P-3", sku="T-PLAN-A", quantity=6, vendor="T-V1"),
                self.purchase("P-4", sku="T-PLAN-A", quantity=3, vendor="T-V2"),
                self.purchase("P-5", sku="T-PLAN-B", quantity=8, vendor="T-V2"),
            ]
        )
        proposals = self.proposals(result)
        orders_before = self.env["purchase.order"].search([])
        proposals.with_user(self.planner).action_approve()
        self.assertEqual(set(proposals.mapped("state")), {"approved"})
        proposals.with_user(self.planner).action_execute()
        self.assertEqual(set(proposals.mapped("state")), {"done"})
        orders = self.env["purchase.order"].search([]) - orders_before
        self.assertEqual(len(orders), 2, "one RFQ per vendor")
        by_vendor = {order.partner_id: order for order in orders}
        self.assertEqual(set(by_vendor), {self.vendor1, self.vendor2})
        for order in orders:
            self.assertEqual(order.state, "draft")
            self.assertEqual(order.picking_type_id, self.warehouse.in_type_id)
            self.assertIn("acme:R1", order.origin)
        lines1 = {(l.product_id, l.product_qty) for l in by_vendor[self.vendor1].order_line}
        self.assertEqual(lines1, {(self.prod_a, 16.0), (self.prod_b, 4.0)}, "same product: one line")
        lines2 = {(l.product_id, l.product_qty) for l in by_vendor[self.vendor2].order_line}
        self.assertEqual(lines2, {(self.prod_a, 3.0), (self.prod_b, 8.0)})
        p1, p2, p3, p4, _p5 = proposals
        self.assertEqual(p1.purchase_line_ids, p3.purchase_line_ids)
        self.assertEqual(p1.purchase_line_ids.order_id, by_vendor[self.vendor1])
        self.assertEqual(p4.purchase_line_ids.order_id, by_vendor[self.vendor2])
        self.assertEqual(p2.purchase_line_ids.product_id, self.prod_b)
        self.assertEqual(p1.purchase_line_ids.price_unit, 10.0)
        self.assertEqual(p2.purchase_order_count, 1)
        self.assertEqual(
            p1._orders(),
            [{"model": "purchase.order", "id": by_vendor[self.vendor1].id, "name": by_vendor[self.vendor1].name}],
        )
        self.assertTrue(p1.executed_at)
        self.assertIn(by_vendor[self.vendor1].name, p1.message_ids[:1].body)

    def test_approval_executes_at_once_and_joins_the_open_rfq(self):
        first = self.proposals(self.import_lines([self.purchase("P-1", quantity=10, vendor="T-V1")]))
        first.with_user(self.planner).action_approve()
        self.assertEqual(first.state, "done", "Execute on approval is on by default")
        order = first.purchase_line_ids.order_id
        second = self.proposals(
            self.import_lines(
                [self.purchase("P-2", sku="T-PLAN-B", quantity=2, vendor="T-V1")],
                ref="R2",
                generated_at="2026-12-01T06:00:00Z",
            )
        )
        second.with_user(self.planner).action_approve()
        self.assertEqual(second.purchase_line_ids.order_id, order, "the vendor's draft RFQ is reused")
        self.assertEqual(len(order.order_line), 2)

    def test_need_by_is_the_planned_date(self):
        proposal = self.proposals(
            self.import_lines([self.purchase("P-1", quantity=10, vendor="T-V1", need_by="2026-12-20")])
        )
        proposal.with_user(self.planner).action_approve()
        self.assertEqual(proposal.purchase_line_ids.date_planned.date().isoformat(), "2026-12-20")

    def test_executing_twice_creates_nothing_more(self):
        proposal = self.proposals(self.import_lines([self.purchase("P-1", quantity=10, vendor="T-V1")]))
        proposal.with_user(self.planner).action_approve()
        line = proposal.purchase_line_ids
        before = self.counts()
        proposal.with_user(self.planner).action_execute()
        proposal.with_user(self.manager).action_execute()
        self.assertEqual(self.counts(), before)
        self.assertEqual(line.product_qty, 10.0)
        self.assertEqual(proposal.purchase_line_ids, line)

    def test_transfer_runs_the_resupply_route(self):
        proposal = self.proposals(self.import_lines([self.transfer("T-1", quantity=4)]))
        route = self.warehouse2.resupply_route_ids.filtered(lambda r: r.supplier_wh_id == self.warehouse)
        self.assertEqual(proposal.route_id, route)
        proposal.with_user(self.planner).action_approve()
        self.assertEqual(proposal.state, "done")
        pickings = proposal.picking_ids
        self.assertEqual(len(pickings), 2, "out of the source warehouse, into the supplied one")
        out = pickings.filtered(lambda p: p.picking_type_id.warehouse_id == self.warehouse)
        receipt = pickings - out
        self.assertEqual(out.location_id, self.warehouse.lot_stock_id)
        self.assertEqual(out.location_dest_id.usage, "transit")
        self.assertEqual(receipt.location_dest_id, self.warehouse2.lot_stock_id)
        self.assertEqual(receipt.picking_type_id.warehouse_id, self.warehouse2)
        self.assertEqual(out.move_ids.product_uom_qty, 4.0)
        self.assertEqual(receipt.move_ids.product_id, self.prod_a)
        self.assertEqual(out.move_ids.route_ids, route)
        self.assertEqual(len(proposal._orders()), 2)

    def test_parameter_creates_then_updates_the_reordering_rule(self):
        proposal = self.proposals(self.import_lines([self.parameter("M-1", min_qty=5, max_qty=20)]))
        proposal.with_user(self.planner).action_approve()
        orderpoint = proposal.orderpoint_id
        self.assertEqual(orderpoint.product_id, self.prod_a)
        self.assertEqual(orderpoint.location_id, self.warehouse.lot_stock_id)
        self.assertEqual((orderpoint.product_min_qty, orderpoint.product_max_qty), (5.0, 20.0))
        second = self.proposals(
            self.import_lines([self.parameter("M-2", safety_stock=8)], ref="R2", generated_at="2026-12-01T06:00:00Z")
        )
        second.with_user(self.planner).action_approve()
        self.assertEqual(second.orderpoint_id, orderpoint, "updated, not duplicated")
        self.assertEqual(
            (orderpoint.product_min_qty, orderpoint.product_max_qty),
            (8.0, 20.0),
            "the safety stock is the minimum when no min_qty is given",
        )
        third = self.proposals(
            self.import_lines([self.parameter("M-3", min_qty=30)], ref="R3", generated_at="2026-12-02T06:00:00Z")
        )
        third.with_user(self.planner).action_approve()
        self.assertEqual((orderpoint.product_min_qty, orderpoint.product_max_qty), (30.0, 30.0))
        self.assertEqual(third._orders()[0]["model"], "stock.warehouse.orderpoint")

    def test_failed_execution_keeps_the_approval(self):
        self.set_execute_on_approval(False)
        proposals = self.proposals(self.import_lines([self.purchase("P-1", vendor="T-V1"), self.transfer("T-1")]))
        proposals.with_user(self.planner).action_approve()
        self.warehouse2.resupply_route_ids.write({"active": False})
        proposals.with_user(self.planner).action_execute()
        good, bad = proposals
        self.assertEqual(good.state, "done")
        self.assertEqual(bad.state, "approved")
        self.assertIn("resupply route", bad.execution_error)
        self.assertIn("Execution failed", bad.message_ids[:1].body)
        # executing it alone says why
        with self.assertRaisesRegex(UserError, "resupply route"):
            bad.with_user(self.planner).action_execute()
        self.assertEqual(bad.state, "approved")

    def test_approval_stands_when_its_execution_fails(self):
        proposal = self.proposals(self.import_lines([self.transfer("T-1")]))
        self.warehouse2.resupply_route_ids.write({"active": False})
        proposal.with_user(self.planner).action_approve()
        self.assertEqual((proposal.state, proposal.decision), ("approved", "approved"))
        self.assertTrue(proposal.execution_error)
        self.assertFalse(proposal.picking_ids)


class TestConcurrentExecution(TransactionCase):
    """Two transactions executing the same proposal: one order, never two."""

    def setUp(self):
        super().setUp()
        self.ids = {}
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
            self.previous_param = env["ir.config_parameter"].get_param("plansync.execute_on_approval")
            env["ir.config_parameter"].set_param("plansync.execute_on_approval", "False")
            vendor = env["res.partner"].create({"name": "Concurrent vendor", "ref": "T-CV"})
            product = env["product.product"].create(
                {
                    "name": "Concurrent",
                    "default_code": "T-CONC-EXEC",
                    **compat.storable_product_vals(),
                    "seller_ids": [Command.create({"partner_id": vendor.id, "price": 3})],
                }
            )
            user = (
                env["res.users"]
                .with_context(no_reset_password=True)
                .create(
                    {
                        "name": "Concurrent agent (exec)",
                        "login": "plansync-concurrent-exec",
                        compat.USER_GROUPS: [
                            # the integration user is in no other group (docs/security.md)
                            Command.set([env.ref("plansync.group_plansync_integration").id])
                        ],
                    }
                )
            )
            warehouse = env["stock.warehouse"].search([("company_id", "=", env.company.id)], limit=1)
            result = (
                env["plansync.run"]
                .with_user(user)
                .import_batch(
                    "conc",
                    "R1",
                    "proposal",
                    [
                        {
                            "external_id": "C-1",
                            "kind": "purchase",
                            "sku": "T-CONC-EXEC",
                            "warehouse": warehouse.code,
                            "quantity": 5,
                        }
                    ],
                )
            )
            proposal = env["plansync.proposal"].browse(result["results"][0]["id"])
            proposal.action_approve()
            self.ids = {
                "vendor": vendor.id,
                "product": product.id,
                "user": user.id,
                "partner": user.partner_id.id,
                "proposal": proposal.id,
                "run": result["run_id"],
            }
        self.addCleanup(self._cleanup)

    def _cleanup(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            orders = env["purchase.order"].search([("partner_id", "=", self.ids["vendor"])])
            orders.button_cancel()
            orders.unlink()
            env["plansync.run"].browse(self.ids["run"]).unlink()
            env["plansync.exception"].search([("source", "=", "conc")]).unlink()
            env["mail.message"].search(
                [("model", "=", "plansync.proposal"), ("res_id", "=", self.ids["proposal"])]
            ).unlink()
            env["product.product"].browse(self.ids["product"]).product_tmpl_id.unlink()
            env["res.users"].browse(self.ids["user"]).unlink()
            env["res.partner"].browse([self.ids["partner"], self.ids["vendor"]]).unlink()
            # the database's own setting, as it was
            env["ir.config_parameter"].set_param("plansync.execute_on_approval", self.previous_param or False)
        self.registry.clear_cache()

    def _orders(self):
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT count(*), coalesce(sum(l.product_qty), 0) FROM purchase_order_line l "
                "JOIN purchase_order o ON o.id = l.order_id WHERE o.partner_id = %s",
                (self.ids["vendor"],),
            )
            return cr.fetchone()

    def test_two_transactions_execute_once(self):
        cr1 = self.registry.cursor()
        cr2 = self.registry.cursor()
        try:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            cr2.execute("SELECT 1")  # cr2's snapshot predates cr1's commit
            env1["plansync.proposal"].browse(self.ids["proposal"]).action_execute()
            # cr1 holds the row lock: cr2 cannot take it
            with self.assertRaises(psycopg2.errors.LockNotAvailable), mute_logger("odoo.sql_db"):
                env2["plansync.proposal"].browse(self.ids["proposal"]).action_execute()
            cr2.rollback()
            cr1.commit()
            # a fresh transaction (what Odoo's retry does) sees "done": nothing more
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            env2["plansync.proposal"].browse(self.ids["proposal"]).action_execute()
            cr2.commit()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(self._orders(), (1, 5.0))

    def test_stale_snapshot_cannot_execute_again(self):
        cr1 = self.registry.cursor()
        cr2 = self.registry.cursor()
        try:
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            cr2.execute("SELECT state FROM plansync_proposal WHERE id = %s", (self.ids["proposal"],))
            self.assertEqual(cr2.fetchone()[0], "approved")
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env1["plansync.proposal"].browse(self.ids["proposal"]).action_execute()
            cr1.commit()
            # cr2 still sees "approved" in its snapshot: the lock refuses it
            with self.assertRaises(psycopg2.errors.SerializationFailure), mute_logger("odoo.sql_db"):
                env2["plansync.proposal"].browse(self.ids["proposal"]).action_execute()
            cr2.rollback()
        finally:
            cr1.close()
            cr2.close()
        self.assertEqual(self._orders(), (1, 5.0))
