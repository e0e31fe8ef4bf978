# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo import Command

from odoo.addons.plansync import compat
from .common_planning import PlanningCase


class TestDemand(PlanningCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.partner_id.tz = "Pacific/Auckland"  # UTC+13 in November
        cls.env["stock.quant"]._update_available_quantity(cls.product, cls.stock_location, 500)
        cls.flush_capture()
        cls.clear_outbox()

    def _deliver_order(self, quantity=2, uom=None):
        order = self.sell(self.product, quantity, uom=uom or self.uom_dozen)
        picking = order.picking_ids
        self.assertEqual(len(picking), 1)
        self.validate(picking)
        return order, picking

    def test_delivery_in_dozens_one_line_in_product_unit(self):
        # keep the sale line's unit on the delivery (else Odoo converts to Units)
        self.env["ir.config_parameter"].sudo().set_param("stock.propagate_uom", "1")
        order, picking = self._deliver_order(2)
        move = picking.move_ids
        self.assertEqual(move.product_uom, self.uom_dozen)
        rows = self.loop_rows("demand.line")
        self.assertEqual(len(rows), 1, "one row per move")
        self.assertEqual((rows.aggregate_model, rows.aggregate_id), ("stock.move", move.id))
        self.assertEqual(rows.warehouse_id, self.warehouse)
        self.assertEqual(rows.company_id, self.company)
        self.assertFalse(rows.payload, "nothing rendered at capture")
        # 20:30 UTC on 30 November is 1 December in Auckland
        self.set_done_date(move, datetime(2026, 11, 30, 20, 30, 5))
        [event] = self.claim_loop("demand.line")
        payload = event["payload"]
        self.assertEqual(payload["quantity"], 24.0, "2 Dozens are 24 Units")
        self.assertEqual(payload["uom"], {"id": self.uom_unit.id, "name": self.uom_unit.name})
        self.assertEqual(payload["kind"], "delivery")
        self.assertEqual(payload["date"], "2026-12-01")
        self.assertEqual(payload["done_at"], "2026-11-30T20:30:05Z")
        self.assertEqual(payload["order"], order.name)
        self.assertEqual(payload["sale_line_id"], order.order_line.id)
        self.assertEqual(payload["customer"], {"id": self.customer.id, "ref": "C-009"})
        self.assertEqual(payload["product"], {"id": self.product.id, "sku": "T-CHAIR"})
        self.assertEqual(payload["warehouse"], {"id": self.warehouse.id, "code": self.warehouse.code})
        self.assertEqual(payload["id"], move.id)
        self.assertEqual(
            event["aggregate"],
            {
                "model": "stock.move",
                "id": move.id,
                "key": "T-CHAIR@%s@2026-12-01" % self.warehouse.code,
            },
        )

    def test_day_in_utc_without_company_timezone(self):
        self.company.partner_id.tz = False
        _order, picking = self._deliver_order(1)
        self.set_done_date(picking.move_ids, datetime(2026, 11, 30, 20, 30, 5))
        [event] = self.claim_loop("demand.line")
        self.assertEqual(event["payload"]["date"], "2026-11-30")

    def test_customer_return_is_negative(self):
        order, picking = self._deliver_order(1)
        self.claim_loop()
        returned = self.return_picking(picking, 5)
        self.validate(returned)
        rows = self.loop_rows("demand.line")
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows.aggregate_id, returned.move_ids.id)
        [event] = self.claim_loop("demand.line")
        payload = event["payload"]
        self.assertEqual(payload["kind"], "return")
        self.assertEqual(payload["quantity"], -5.0)
        self.assertEqual(payload["order"], order.name)
        self.assertEqual(payload["sale_line_id"], order.order_line.id)
        self.assertEqual(payload["warehouse"]["id"], self.warehouse.id)

    def test_delivery_without_sale_order(self):
        picking = self.deliver(self.product, 3)
        picking.partner_id = self.customer
        self.validate(picking)
        [event] = self.claim_loop("demand.line")
        payload = event["payload"]
        self.assertEqual(payload["quantity"], 3.0)
        self.assertEqual((payload["order"], payload["sale_line_id"]), (False, False))
        self.assertEqual(payload["customer"], {"id": self.customer.id, "ref": "C-009"})

    def test_dropship_and_receipt_are_not_demand(self):
        dropship = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.supplier_location.id,
                "location_dest_id": self.customer_location.id,
                "partner_id": self.customer.id,
                "move_ids": [
                    Command.create(
                        {
                            **compat.move_description_vals("dropship"),
                            "product_id": self.product.id,
                            "product_uom_qty": 4,
                            "product_uom": self.uom_unit.id,
                            "location_id": self.supplier_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        dropship.action_confirm()
        self.validate(dropship)
        self.receive(self.product, 7)
        self.assertFalse(self.loop_rows("demand.line"))
        self.assertFalse(self.claim_loop("demand.line"))

    def test_only_done_moves_are_demand(self):
        order = self.sell(self.product, 2)
        order.picking_ids.action_assign()
        self.assertFalse(self.loop_rows("demand.line"))
        order.picking_ids.action_cancel()
        self.assertFalse(self.loop_rows("demand.line"))

    def test_nobody_subscribed_nothing_recorded(self):
        self.endpoint_demand.event_type_ids = [
            Command.unlink(self.env.ref("plansync_planning.plansync_event_type_demand_line").id)
        ]
        self._deliver_order(1)
        self.assertFalse(self.rows([("event_type", "=", "demand.line")]))

    def test_endpoint_warehouses_filter(self):
        other = self.env["stock.warehouse"].create({"name": "Other (test)", "code": "TOTH"})
        self.endpoint_demand.warehouse_ids = [Command.set(other.ids)]
        self._deliver_order(1)
        self.assertFalse(self.loop_rows("demand.line"))
        self.endpoint_demand.warehouse_ids = [Command.set(self.warehouse.ids)]
        self._deliver_order(1)
        self.assertEqual(len(self.loop_rows("demand.line")), 1)
