# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from .. import compat

from .common import PlansyncCase, walk_none


class TestPickingEvents(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.picking_type = cls.env["plansync.event.type"].search([("code", "=", "picking.changed")])
        cls.wms = cls.env["plansync.endpoint"].create(
            {
                "name": "WMS (test)",
                "code": "T_WMS",
                "kind": "wms",
                "event_type_ids": [Command.set(cls.picking_type.ids)],
            }
        )
        cls.partner = cls.env["res.partner"].create({"name": "Picking Vendor (test)"})
        cls.flush_capture()
        cls.clear_outbox()

    def picking_rows(self, picking):
        return self.rows(
            [
                ("event_type", "=", "picking.changed"),
                ("aggregate_model", "=", "stock.picking"),
                ("aggregate_id", "=", picking.id),
            ]
        )

    def events(self, endpoint=None):
        """Claim and ack the WMS endpoint's events: {picking id: event}."""
        result = self.claim(endpoint=endpoint or self.wms)
        if result["events"]:
            self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        return {e["aggregate"]["id"]: e for e in result["events"] if e["type"] == "picking.changed"}

    def test_receipt_confirmed_and_done(self):
        picking = self.receive(self.product, 10, validate=False)
        picking.partner_id = self.partner
        picking.origin = "PO-TEST"
        self.assertEqual(picking.state, "assigned")
        event = self.events()[picking.id]
        self.assertEqual(event["aggregate"]["key"], picking.name)
        self.assertEqual(self.picking_rows(picking).warehouse_id, self.warehouse)
        payload = event["payload"]
        self.assertEqual(
            payload["picking"],
            {
                "id": picking.id,
                "name": picking.name,
                "type": "incoming",
                "state": "assigned",
                "scheduled_date": picking.scheduled_date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "origin": "PO-TEST",
                "partner": {"id": self.partner.id, "name": self.partner.display_name},
                "warehouse": {"id": self.warehouse.id, "code": self.warehouse.code},
                "location": self.supplier_location.complete_name,
                "location_dest": self.stock_location.complete_name,
            },
        )
        move = picking.move_ids
        self.assertEqual(
            payload["lines"],
            [
                {
                    "move_id": move.id,
                    "product": {"id": self.product.id, "sku": "T-CHAIR"},
                    "quantity": 10.0,
                    "uom": self.uom_unit.name,
                    "tracking": "none",
                    "location": self.supplier_location.complete_name,
                    "location_dest": self.stock_location.complete_name,
                }
            ],
        )
        self.assertEqual(walk_none(payload), [])
        move.quantity = 10
        move.picked = True
        picking.button_validate()
        payload = self.events()[picking.id]["payload"]
        self.assertEqual(payload["picking"]["state"], "done")

    def test_draft_is_not_captured(self):
        picking = self.receive(self.product, 3, validate=False, confirm=False)
        picking.origin = "draft"
        self.assertFalse(self.picking_rows(picking))
        picking.action_confirm()
        self.assertEqual(len(self.picking_rows(picking)), 1)

    def test_delivery_assign_quantity_cancel(self):
        self.receive(self.product, 10)
        self.events()
        picking = self.deliver(self.product, 4)
        self.assertEqual(self.events()[picking.id]["payload"]["picking"]["state"], "assigned")
        picking.move_ids.product_uom_qty = 6
        payload = self.events()[picking.id]["payload"]
        self.assertEqual(payload["lines"][0]["quantity"], 6.0)
        self.assertEqual(payload["picking"]["type"], "outgoing")
        picking.action_cancel()
        self.assertEqual(self.events()[picking.id]["payload"]["picking"]["state"], "cancel")

    def test_new_line_and_removed_line(self):
        picking = self.deliver(self.product, 2)
        self.events()
        move2 = self.env["stock.move"].create(
            {
                **compat.move_description_vals("Desk"),
                "picking_id": picking.id,
                "product_id": self.product2.id,
                "product_uom_qty": 1,
                "product_uom": self.product2.uom_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
            }
        )
        move2._action_confirm()
        lines = self.events()[picking.id]["payload"]["lines"]
        self.assertEqual([line["product"]["sku"] for line in lines], ["T-CHAIR", "T-DESK"])
        move2._action_cancel()
        move2.unlink()
        lines = self.events()[picking.id]["payload"]["lines"]
        self.assertEqual([line["product"]["sku"] for line in lines], ["T-CHAIR"])

    def test_internal_transfer_and_lot_tracking(self):
        lot_product = self.env["product.product"].create(
            {"name": "Lot item", "default_code": "T-LOT", **compat.storable_product_vals(), "tracking": "lot"}
        )
        shelf = self.env["stock.location"].create(
            {"name": "Shelf P", "location_id": self.stock_location.id, "usage": "internal"}
        )
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.int_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": shelf.id,
                "move_ids": [
                    Command.create(
                        {
                            **compat.move_description_vals("Lot item"),
                            "product_id": lot_product.id,
                            "product_uom_qty": 5,
                            "product_uom": self.uom_unit.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": shelf.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        payload = self.events()[picking.id]["payload"]
        self.assertEqual(payload["picking"]["type"], "internal")
        self.assertIs(payload["picking"]["partner"], False)
        self.assertIs(payload["picking"]["origin"], False)
        self.assertEqual(payload["lines"][0]["tracking"], "lot")
        self.assertEqual(payload["lines"][0]["location_dest"], shelf.complete_name)

    def test_per_warehouse_subscription(self):
        other = self.env["stock.warehouse"].create(
            {"name": "Picking WH2", "code": "TPW2", "company_id": self.company.id}
        )
        self.wms.warehouse_ids = other
        picking = self.deliver(self.product, 1)
        self.assertEqual(len(self.picking_rows(picking)), 0, "not this endpoint's warehouse")
        self.wms.warehouse_ids = self.warehouse
        picking.move_ids.product_uom_qty = 2
        self.assertEqual(len(self.picking_rows(picking)), 1)

    def test_not_captured_without_subscriber(self):
        self.wms.active = False
        picking = self.deliver(self.product, 1)
        self.assertFalse(self.picking_rows(picking))
