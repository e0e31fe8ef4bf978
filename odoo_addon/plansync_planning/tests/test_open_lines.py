# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta

from odoo import fields

from odoo.addons.plansync import compat
from odoo.addons.plansync.tools import company_tz, local_date

from .common_planning import PLANNING_TYPES, PlanningCase


class TestSaleOpenLine(PlanningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["stock.quant"]._update_available_quantity(cls.product, cls.stock_location, 500)
        cls.flush_capture()
        cls.clear_outbox()

    def _line_event(self, line):
        events = [e for e in self.claim_loop("sale.open_line") if e["aggregate"]["id"] == line.id]
        self.assertEqual(len(events), 1)
        return events[0]

    def test_quotation_is_not_captured_confirmation_is(self):
        order = self.sell(self.product, 10, confirm=False)
        order.order_line.product_uom_qty = 12
        self.assertFalse(self.loop_rows("sale.open_line"))
        order.action_confirm()
        rows = self.loop_rows("sale.open_line")
        self.assertEqual(rows.mapped("aggregate_id"), order.order_line.ids)
        self.assertEqual(rows.warehouse_id, self.warehouse)
        event = self._line_event(order.order_line)
        payload = event["payload"]
        self.assertEqual(event["aggregate"]["key"], "%s/%s" % (order.name, order.order_line.id))
        self.assertEqual(payload["order"], order.name)
        self.assertEqual(payload["order_id"], order.id)
        self.assertEqual(payload["customer"], {"id": self.customer.id, "name": "Deco Addict", "ref": "C-009"})
        self.assertEqual(payload["product"], {"id": self.product.id, "sku": "T-CHAIR"})
        self.assertEqual(payload["warehouse"], {"id": self.warehouse.id, "code": self.warehouse.code})
        self.assertEqual((payload["ordered"], payload["delivered"], payload["open_quantity"]), (12.0, 0.0, 12.0))
        self.assertEqual(payload["state"], "sale")
        self.assertEqual(payload["commitment_date"], False)
        self.assertRegex(payload["date_order"], r"Z$")

    def test_delivery_lowers_open_quantity_and_closes_the_line(self):
        order = self.sell(self.product, 10)
        line = order.order_line
        self.claim_loop()
        self.validate(order.picking_ids, quantity=4)
        self.assertEqual(line.qty_delivered, 4.0)
        self.assertEqual(len(self.loop_rows("sale.open_line")), 1, "qty_delivered's recompute is captured")
        payload = self._line_event(line)["payload"]
        self.assertEqual((payload["delivered"], payload["open_quantity"]), (4.0, 6.0))
        backorder = order.picking_ids.filtered(lambda p: p.state != "done")
        self.validate(backorder)
        payload = self._line_event(line)["payload"]
        self.assertEqual((payload["delivered"], payload["open_quantity"]), (10.0, 0.0))
        self.assertEqual(payload["state"], "sale")

    def test_reservation_alone_is_not_captured(self):
        order = self.sell(self.product, 10)
        self.claim_loop()
        order.picking_ids.do_unreserve()
        order.picking_ids.action_assign()
        self.assertFalse(self.loop_rows("sale.open_line"), "qty_delivered did not change")

    def test_quantity_in_dozens_is_in_product_unit(self):
        self.env["ir.config_parameter"].sudo().set_param("stock.propagate_uom", "1")
        order = self.sell(self.product, 2, uom=self.uom_dozen)
        self.validate(order.picking_ids, quantity=1)
        payload = self._line_event(order.order_line)["payload"]
        self.assertEqual((payload["ordered"], payload["delivered"], payload["open_quantity"]), (24.0, 12.0, 12.0))
        self.assertEqual(payload["uom"]["id"], self.uom_unit.id)

    def test_quantity_and_commitment_date_changes(self):
        self.company.partner_id.tz = "Pacific/Auckland"
        order = self.sell(self.product, 10)
        self.claim_loop()
        order.order_line.product_uom_qty = 15
        self.assertEqual(len(self.loop_rows("sale.open_line")), 1)
        self.assertEqual(self._line_event(order.order_line)["payload"]["open_quantity"], 15.0)
        order.commitment_date = datetime(2026, 12, 3, 22, 0, 0)  # 4 December in Auckland
        self.assertEqual(len(self.loop_rows("sale.open_line")), 1)
        payload = self._line_event(order.order_line)["payload"]
        self.assertEqual(payload["commitment_date"], "2026-12-04")
        order.note = "not a captured field"
        self.assertFalse(self.loop_rows("sale.open_line"))

    def test_cancel_closes_and_deleted_line_renders_its_last_state(self):
        order = self.sell(self.product, 10)
        line_id = order.order_line.id
        name = order.name
        self.claim_loop()
        order._action_cancel()
        self.flush_capture()
        order.unlink()
        self.assertEqual(len(self.loop_rows("sale.open_line")), 2)
        [event] = self.claim_loop("sale.open_line")
        self.assertEqual(event["coalesced"], 2)
        self.assertEqual(event["aggregate"]["id"], line_id)
        self.assertEqual(event["aggregate"]["key"], "%s/%s" % (name, line_id))
        self.assertEqual(event["payload"]["state"], "cancel")
        self.assertEqual(event["payload"]["open_quantity"], 0.0)
        self.assertEqual(event["payload"]["ordered"], 10.0)

    def test_cancelled_quotation_deleted_is_not_captured(self):
        order = self.sell(self.product, 10, confirm=False)
        order._action_cancel()
        order.unlink()
        self.assertFalse(self.loop_rows("sale.open_line"))


class TestPurchaseOpenLine(PlanningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Europe/Brussels"
        # noon in Brussels: the day is the same in UTC and in the company's zone
        cls.promised = datetime(2026, 12, 6, 11, 0, 0)

    def _line_event(self, line, event_type="purchase.open_line"):
        events = [e for e in self.claim_loop(event_type) if e["aggregate"]["id"] == line.id]
        self.assertEqual(len(events), 1)
        return events[0]

    def test_rfq_is_not_captured_confirmation_sets_first_date(self):
        order = self.buy(self.product, 100, self.promised, confirm=False)
        line = order.order_line
        self.assertFalse(line.plansync_first_date_planned)
        line.date_planned = self.promised + timedelta(days=1)
        self.assertFalse(self.loop_rows("purchase.open_line"))
        self.assertFalse(self.loop_rows("purchase.date_slipped"), "an RFQ has no promise yet")
        line.date_planned = self.promised
        order.button_confirm()
        self.assertEqual(line.plansync_first_date_planned, self.promised)
        rows = self.loop_rows("purchase.open_line")
        self.assertEqual(rows.mapped("aggregate_id"), line.ids)
        self.assertEqual(rows.warehouse_id, self.warehouse)
        event = self._line_event(line)
        payload = event["payload"]
        self.assertEqual(event["aggregate"]["key"], "%s/%s" % (order.name, line.id))
        self.assertEqual(payload["vendor"], {"id": self.vendor.id, "name": "Wood Corner", "ref": "V-014"})
        self.assertEqual(payload["warehouse"], {"id": self.warehouse.id, "code": self.warehouse.code})
        self.assertEqual((payload["ordered"], payload["received"], payload["open_quantity"]), (100.0, 0.0, 100.0))
        self.assertEqual(payload["promised_date"], "2026-12-06")
        self.assertEqual(payload["first_promised_date"], "2026-12-06")
        self.assertEqual(payload["slip_days"], 0)
        self.assertEqual(payload["price_unit"], 55.0)
        self.assertEqual(payload["currency"], self.company.currency_id.name)
        self.assertEqual(payload["state"], "purchase")

    def test_receipt_raises_received_quantity(self):
        order = self.buy(self.product, 100, self.promised)
        line = order.order_line
        self.claim_loop()
        self.validate(order.picking_ids, quantity=40)
        self.assertEqual(line.qty_received, 40.0)
        self.assertEqual(len(self.loop_rows("purchase.open_line")), 1, "qty_received's recompute is captured")
        payload = self._line_event(line)["payload"]
        self.assertEqual((payload["received"], payload["open_quantity"]), (40.0, 60.0))
        self.validate(order.picking_ids.filtered(lambda p: p.state != "done"))
        payload = self._line_event(line)["payload"]
        self.assertEqual((payload["received"], payload["open_quantity"]), (100.0, 0.0))

    def test_later_date_slips_and_keeps_first_date(self):
        order = self.buy(self.product, 100, self.promised)
        line = order.order_line
        self.claim_loop()
        line.date_planned = self.promised + timedelta(days=4)
        self.assertEqual(line.plansync_first_date_planned, self.promised)
        slips = self.loop_rows("purchase.date_slipped")
        self.assertEqual(len(slips), 1)
        self.assertEqual(slips.aggregate_model, "purchase.order.line/slip")
        self.assertEqual(slips.aggregate_id, line.id)
        self.assertEqual(
            slips.payload,
            {"line_id": line.id, "previous_date": "2026-12-06", "promised_date": "2026-12-10"},
            "the dates are recorded at capture",
        )
        events = self.claim_loop()
        by_type = {e["type"]: e for e in events}
        self.assertEqual(set(by_type), {"purchase.open_line", "purchase.date_slipped"})
        open_line = by_type["purchase.open_line"]["payload"]
        self.assertEqual(open_line["promised_date"], "2026-12-10")
        self.assertEqual(open_line["first_promised_date"], "2026-12-06")
        self.assertEqual(open_line["slip_days"], 4)
        slip = by_type["purchase.date_slipped"]
        self.assertEqual(
            slip["aggregate"],
            {
                "model": "purchase.order.line/slip",
                "id": line.id,
                "key": "%s/%s" % (order.name, line.id),
            },
        )
        self.assertEqual(
            slip["payload"],
            {
                "line_id": line.id,
                "order": order.name,
                "vendor": {"id": self.vendor.id, "name": "Wood Corner", "ref": "V-014"},
                "product": {"id": self.product.id, "sku": "T-CHAIR"},
                "warehouse": {"id": self.warehouse.id, "code": self.warehouse.code},
                "previous_date": "2026-12-06",
                "promised_date": "2026-12-10",
                "slip_days": 4,
                "open_quantity": 100.0,
            },
        )

    def test_earlier_or_same_day_is_not_a_slip(self):
        order = self.buy(self.product, 100, self.promised)
        line = order.order_line
        self.claim_loop()
        line.date_planned = self.promised - timedelta(days=2)
        line.date_planned = self.promised - timedelta(days=2, hours=-3)  # later, same day
        self.assertFalse(self.loop_rows("purchase.date_slipped"))
        payload = self._line_event(line)["payload"]
        self.assertEqual(payload["promised_date"], "2026-12-04")
        self.assertEqual(payload["slip_days"], -2)

    def test_slips_coalesce_from_earliest_previous_to_newest_promised(self):
        order = self.buy(self.product, 100, self.promised)
        line = order.order_line
        self.claim_loop()
        line.date_planned = self.promised + timedelta(days=3)
        self.flush_capture()
        line.date_planned = self.promised + timedelta(days=1)  # earlier: no slip
        self.flush_capture()
        line.date_planned = self.promised + timedelta(days=2)
        self.assertEqual(len(self.loop_rows("purchase.date_slipped")), 2)
        [event] = self.claim_loop("purchase.date_slipped")
        self.assertEqual(event["coalesced"], 2)
        payload = event["payload"]
        self.assertEqual(
            (payload["previous_date"], payload["promised_date"], payload["slip_days"]),
            ("2026-12-06", "2026-12-08", 2),
        )

    def test_two_slips_in_one_transaction_are_one_fact(self):
        order = self.buy(self.product, 100, self.promised)
        line = order.order_line
        self.claim_loop()
        line.date_planned = self.promised + timedelta(days=3)
        line.date_planned = self.promised + timedelta(days=5)
        slips = self.loop_rows("purchase.date_slipped")
        self.assertEqual(len(slips), 1)
        self.assertEqual(
            (slips.payload["previous_date"], slips.payload["promised_date"]),
            ("2026-12-06", "2026-12-11"),
        )

    def test_quantity_change_recomputes_date_and_is_captured(self):
        self.env["product.supplierinfo"].create(
            {
                "partner_id": self.vendor.id,
                "product_tmpl_id": self.product.product_tmpl_id.id,
                "price": 50.0,
                "delay": 30,
            }
        )
        order = self.buy(self.product, 100, self.promised)
        line = order.order_line
        self.claim_loop()
        line.product_qty = 120  # Odoo recomputes date_planned from the vendor's lead time
        self.flush_capture()
        self.assertEqual(line.date_planned, order.date_order + timedelta(days=30))
        self.assertEqual(len(self.loop_rows("purchase.date_slipped")), 1)
        # the day in the company's timezone, as rendered (a UTC day differs late in the evening)
        expected = fields.Date.to_string(local_date(line.date_planned, company_tz(order.company_id)))
        payload = self._line_event(line)["payload"]
        self.assertEqual(payload["ordered"], 120.0)
        self.assertEqual(payload["promised_date"], expected)

    def test_cancel_closes_and_deleted_line_renders_its_last_state(self):
        order = self.buy(self.product, 100, self.promised)
        line_id = order.order_line.id
        self.claim_loop()
        order.button_cancel()
        self.flush_capture()
        order.unlink()
        [event] = self.claim_loop("purchase.open_line")
        self.assertEqual(event["aggregate"]["id"], line_id)
        self.assertEqual((event["payload"]["state"], event["payload"]["open_quantity"]), ("cancel", 0.0))

    def test_locked_order_stays_open(self):
        order = self.buy(self.product, 100, self.promised)
        self.claim_loop()
        compat.lock_purchase_order(order)
        payload = self._line_event(order.order_line)["payload"]
        self.assertEqual((payload["state"], payload["open_quantity"]), ("done", 100.0))

    def test_every_planning_payload_matches_the_schema(self):
        """One claim with every planning type: exact keys, no None."""
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 50)
        sale = self.sell(self.product, 3)
        self.validate(sale.picking_ids)
        purchase = self.buy(self.product, 10, self.promised)
        purchase.order_line.date_planned = self.promised + timedelta(days=1)
        # a vendor and a customer without ref, a product without SKU
        bare = self.env["product.product"].create({"name": "No SKU", **compat.storable_product_vals()})
        self.customer.ref = False
        self.vendor.ref = False
        self.buy(bare, 1, self.promised)
        events = self.claim_loop()
        self.assertEqual({e["type"] for e in events}, set(PLANNING_TYPES))
        bare_events = [e for e in events if e["payload"]["product"]["id"] == bare.id]
        self.assertEqual(bare_events[0]["payload"]["product"]["sku"], "product.product:%s" % bare.id)
        self.assertEqual(bare_events[0]["payload"]["vendor"]["ref"], False)


class TestPlanningRenderBatched(PlanningCase):
    """Rendering reads each model once per claim: rendering four records takes
    as many queries as rendering one."""

    def _count(self, method, records):
        heads = [
            {"id": -1 - i, "aggregate_id": rec.id, "aggregate_key": False, "payload": None, "wh": 0}
            for i, rec in enumerate(records)
        ]
        render = self.env["plansync.render"].sudo()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        results = getattr(render, method)(self.endpoint_demand, heads, fields.Datetime.now())
        self.assertFalse([r for r in results.values() if isinstance(r, Exception)])
        return self.cr.sql_log_count - before

    def test_one_or_four_records_same_queries(self):
        self.env["stock.quant"]._update_available_quantity(self.product, self.stock_location, 50)
        products = (
            self.product
            | self.product2
            | self.env["product.product"].create(
                [{"name": "P%s" % i, "default_code": "T-P%s" % i, **compat.storable_product_vals()} for i in range(2)]
            )
        )
        sales = self.env["sale.order"]
        purchases = self.env["purchase.order"]
        for product in products:
            sales |= self.sell(product, 1)
            purchases |= self.buy(product, 1, datetime(2026, 12, 6, 11, 0))
        for picking in sales.picking_ids:
            self.validate(picking)
        for method, records in (
            ("_render_demand_line", sales.picking_ids.move_ids),
            ("_render_sale_open_line", sales.order_line),
            ("_render_purchase_open_line", purchases.order_line),
        ):
            with self.subTest(method=method):
                self.assertEqual(len(records), 4)
                self.assertEqual(self._count(method, records[:1]), self._count(method, records))
