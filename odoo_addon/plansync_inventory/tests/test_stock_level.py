# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from odoo.addons.plansync.tests.common import PlansyncCase
from odoo.addons.plansync import compat


class TestStockLevel(PlansyncCase):
    def _level(self, product=None, endpoint=None):
        """Claim and ack everything; return the stock.level payload of product."""
        product = product or self.product
        result = self.claim(endpoint=endpoint)
        levels = [e for e in result["events"] if e["type"] == "stock.level" and e["aggregate"]["id"] == product.id]
        if result["events"]:
            self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])
        return levels[0] if levels else False

    def test_receipt(self):
        picking = self.receive(self.product, 10, validate=False)
        event = self._level()
        self.assertTrue(event, "confirming the receipt is captured")
        self.assertEqual(event["payload"]["incoming"], 10.0)
        self.assertEqual(event["payload"]["on_hand"], 0.0)
        self.assertEqual(event["payload"]["forecast"], 10.0)
        picking.move_ids.quantity = 10
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        event = self._level()
        payload = event["payload"]
        self.assertEqual(event["aggregate"]["key"], "T-CHAIR@%s" % self.warehouse.code)
        self.assertEqual(payload["product"], {"id": self.product.id, "sku": "T-CHAIR"})
        self.assertEqual(payload["warehouse"], {"id": self.warehouse.id, "code": self.warehouse.code})
        self.assertEqual(payload["uom"], {"id": self.uom_unit.id, "name": self.uom_unit.name})
        self.assertEqual(payload["on_hand"], 10.0)
        self.assertEqual(payload["incoming"], 0.0)
        self.assertEqual(payload["free"], 10.0)
        self.assertEqual(payload["available"], 10.0)
        self.assertEqual(
            payload["definition"],
            {
                "id": self.endpoint.id,
                "endpoint": "T_WEBHOOK",
                "version": 1,
                "basis": "free",
                "horizon_days": 0,
                "included_location_ids": [],
                "excluded_location_ids": [],
            },
        )
        self.assertRegex(payload["computed_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual(event["company"], {"id": self.company.id, "name": self.company.name})

    def test_delivery_reservation_and_cancel(self):
        self.receive(self.product, 10)
        self._level()
        picking = self.deliver(self.product, 4)
        self.assertEqual(picking.state, "assigned")
        payload = self._level()["payload"]
        self.assertEqual(payload["on_hand"], 10.0)
        self.assertEqual(payload["reserved"], 4.0)
        self.assertEqual(payload["free"], 6.0)
        self.assertEqual(payload["outgoing"], 4.0)
        self.assertEqual(payload["forecast"], 6.0)
        picking.do_unreserve()
        payload = self._level()["payload"]
        self.assertEqual(payload["reserved"], 0.0)
        self.assertEqual(payload["outgoing"], 4.0)
        picking.action_cancel()
        payload = self._level()["payload"]
        self.assertEqual(payload["outgoing"], 0.0)
        self.assertEqual(payload["forecast"], 10.0)

    def test_delivery_done(self):
        self.receive(self.product, 10)
        picking = self.deliver(self.product, 3)
        self._level()
        picking.move_ids.picked = True
        picking.button_validate()
        payload = self._level()["payload"]
        self.assertEqual(payload["on_hand"], 7.0)
        self.assertEqual(payload["reserved"], 0.0)
        self.assertEqual(payload["outgoing"], 0.0)

    def test_inventory_adjustment_and_scrap(self):
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": self.product.id,
                "location_id": self.stock_location.id,
                "inventory_quantity": 25,
            }
        ).action_apply_inventory()
        self.assertEqual(self._level()["payload"]["on_hand"], 25.0)
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": self.product.id,
                "product_uom_id": self.uom_unit.id,
                "scrap_qty": 5,
                "location_id": self.stock_location.id,
            }
        )
        scrap.action_validate()
        self.assertEqual(self._level()["payload"]["on_hand"], 20.0)

    def test_definition_locations_and_version(self):
        shelf = self.env["stock.location"].create(
            {"name": "Quarantine", "location_id": self.stock_location.id, "usage": "internal"}
        )
        self.receive(self.product, 10)
        self.env["stock.quant"]._update_available_quantity(self.product, shelf, 4)
        self.assertEqual(self._level()["payload"]["on_hand"], 14.0)
        self.endpoint.write({"availability_excluded_location_ids": [Command.set(shelf.ids)]})
        self.assertEqual(self.endpoint.availability_version, 2)
        self.endpoint.write({"availability_basis": "forecast"})
        self.assertEqual(self.endpoint.availability_version, 3)
        self.endpoint.write({"availability_basis": "forecast", "name": "same definition"})
        self.assertEqual(self.endpoint.availability_version, 3)
        self.env["stock.quant"]._update_available_quantity(self.product, shelf, 1)
        payload = self._level()["payload"]
        self.assertEqual(payload["on_hand"], 10.0)
        self.assertEqual(payload["available"], 10.0)
        self.assertEqual(payload["definition"]["version"], 3)
        self.assertEqual(payload["definition"]["basis"], "forecast")
        self.assertEqual(payload["definition"]["excluded_location_ids"], shelf.ids)
        self.endpoint.write(
            {
                "availability_excluded_location_ids": [Command.clear()],
                "availability_location_ids": [Command.set(shelf.ids)],
            }
        )
        self.env["stock.quant"]._update_available_quantity(self.product, shelf, 1)
        self.assertEqual(self._level()["payload"]["on_hand"], 6.0)

    def test_batched_render_reads(self):
        """Rendering 18 stock levels costs about the queries of 2."""
        products = self.env["product.product"].create(
            [{"name": "P%s" % i, **compat.storable_product_vals()} for i in range(20)]
        )
        result = self.claim(endpoint=self.endpoint_planning)
        self.as_agent().ack(result["lease"], [e["id"] for e in result["events"]])

        def measure(batch):
            for product in batch:
                self.env["stock.quant"]._update_available_quantity(product, self.stock_location, 1)
            self.flush_capture()
            self.env.invalidate_all()
            before = self.cr.sql_log_count
            result = self.claim(endpoint=self.endpoint_planning)
            self.assertEqual(len(result["events"]), len(batch))
            return self.cr.sql_log_count - before

        small = measure(products[:2])
        large = measure(products[2:])
        self.assertLessEqual(large, small + 5, "no query per record: %s vs %s" % (large, small))

    def test_location_moved_out_of_the_warehouse(self):
        shelf = self.env["stock.location"].create(
            {"name": "Shelf", "location_id": self.stock_location.id, "usage": "internal"}
        )
        self.env["stock.quant"]._update_available_quantity(self.product, shelf, 4)
        self.assertEqual(self._level()["payload"]["on_hand"], 4.0)
        other = self.env["stock.warehouse"].create({"name": "Other WH", "code": "TOWH2", "company_id": self.company.id})
        self._level()
        shelf.location_id = other.lot_stock_id
        result = self.claim()
        levels = {
            e["payload"]["warehouse"]["code"]: e["payload"]["on_hand"]
            for e in result["events"]
            if e["type"] == "stock.level"
        }
        self.assertEqual(levels, {self.warehouse.code: 0.0, "TOWH2": 4.0})
