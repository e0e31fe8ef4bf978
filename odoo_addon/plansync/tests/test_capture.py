# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from .. import compat

from .common import PlansyncCase


class TestCapture(PlansyncCase):
    def test_captured_field_one_row_per_subscribed_endpoint(self):
        self.product.write({"name": "Office chair v2"})
        rows = self.rows([("event_type", "=", "product.changed")])
        self.assertEqual(sorted(rows.mapped("endpoint_id.code")), ["T_PLANNING", "T_WEBHOOK"])
        for row in rows:
            self.assertEqual(row.aggregate_model, "product.product")
            self.assertEqual(row.aggregate_id, self.product.id)
            self.assertEqual(row.state, "pending")
            self.assertFalse(row.payload, "nothing is rendered at capture")
            self.assertFalse(row.warehouse_id)

    def test_uncaptured_field_leaves_nothing(self):
        self.product.write({"description": "not a captured field"})
        self.assertFalse(self.rows())

    def test_deduplicated_per_transaction(self):
        self.product.write({"name": "A"})
        self.product.write({"default_code": "T-CHAIR-2"})
        self.product.product_tmpl_id.write({"list_price": 99.0})
        rows = self.rows([("event_type", "=", "product.changed")])
        self.assertEqual(len(rows), 2, "one row per endpoint, however many writes")

    def test_template_fans_out_to_variants(self):
        attribute = self.env["product.attribute"].create(
            {
                "name": "Colour",
                "value_ids": [Command.create({"name": "Red"}), Command.create({"name": "Blue"})],
            }
        )
        template = self.env["product.template"].create(
            {
                "name": "Lamp",
                **compat.storable_product_vals(),
                "attribute_line_ids": [
                    Command.create(
                        {
                            "attribute_id": attribute.id,
                            "value_ids": [Command.set(attribute.value_ids.ids)],
                        }
                    )
                ],
            }
        )
        self.flush_capture()
        self.clear_outbox()
        template.write({"weight": 2.5})
        rows = self.rows([("event_type", "=", "product.changed"), ("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(sorted(rows.mapped("aggregate_id")), sorted(template.product_variant_ids.ids))

    def test_archive_is_captured(self):
        self.product.product_tmpl_id.write({"active": False})
        self.assertEqual(len(self.rows([("event_type", "=", "product.changed")])), 2)

    def test_delete_records_key_and_payload(self):
        product = self.env["product.product"].create({"name": "Short-lived", "default_code": "T-GONE"})
        self.flush_capture()
        self.clear_outbox()
        product_id = product.id
        product.unlink()
        rows = self.rows([("event_type", "=", "product.deleted")])
        self.assertEqual(rows.endpoint_id, self.endpoint, "only the webhook subscribes")
        self.assertEqual(rows.aggregate_key, "T-GONE")
        self.assertEqual(rows.payload, {"id": product_id, "key": "T-GONE"})

    def test_unsubscribed_type_is_skipped_and_cache_cleared(self):
        capture = self.env["plansync.capture"]
        self.assertIn("uom.changed", capture._subscribed_types())
        self.endpoint.write({"event_type_ids": [Command.unlink(self.event_types["uom.changed"].id)]})
        self.assertNotIn("uom.changed", capture._subscribed_types())
        self.uom_unit.write({"rounding": 0.001})
        self.assertFalse(self.rows([("event_type", "=", "uom.changed")]))

    def test_archived_event_type_is_not_captured(self):
        self.event_types["uom.changed"].active = False
        self.uom_unit.write({"rounding": 0.001})
        self.assertFalse(self.rows([("event_type", "=", "uom.changed")]))

    def test_master_data_events(self):
        self.uom_unit.write({"rounding": 0.001})
        self.warehouse.write({"name": "Main warehouse"})
        self.stock_location.write({"barcode": "T-STOCK-BC"})
        vendor = self.env["res.partner"].create({"name": "Wood Corner", "ref": "V-014"})
        info = self.env["product.supplierinfo"].create(
            {
                "partner_id": vendor.id,
                "product_tmpl_id": self.product.product_tmpl_id.id,
                "min_qty": 10,
                "price": 55,
            }
        )
        types = set(self.rows([("endpoint_id", "=", self.endpoint.id)]).mapped("event_type"))
        self.assertEqual(
            types,
            {"uom.changed", "warehouse.changed", "location.changed", "vendor_terms.changed"},
        )
        self.clear_outbox()
        info.unlink()
        row = self.rows([("event_type", "=", "vendor_terms.deleted")])
        self.assertEqual(row.aggregate_key, "V-014:%s" % self.product.product_tmpl_id.id)

    def test_location_rename_captures_children(self):
        child = self.env["stock.location"].create(
            {"name": "Shelf 1", "location_id": self.stock_location.id, "usage": "internal"}
        )
        self.flush_capture()
        self.clear_outbox()
        self.stock_location.write({"name": "Main stock"})
        rows = self.rows([("event_type", "=", "location.changed"), ("endpoint_id", "=", self.endpoint.id)])
        self.assertIn(child.id, rows.mapped("aggregate_id"))

    def test_warehouse_filter_of_endpoint(self):
        other = self.env["stock.warehouse"].create({"name": "Other WH", "code": "TOWH", "company_id": self.company.id})
        self.endpoint_planning.warehouse_ids = other
        self.flush_capture()
        self.clear_outbox()
        self.receive(self.product, 5)
        rows = self.rows([("event_type", "=", "stock.level")])
        self.assertEqual(rows.endpoint_id, self.endpoint)
        self.assertEqual(rows.warehouse_id, self.warehouse)

    def test_rolled_back_savepoint_leaves_nothing(self):
        with self.assertRaises(ZeroDivisionError):
            with self.env.cr.savepoint():
                self.product.write({"name": "never"})
                self.env.flush_all()
                raise ZeroDivisionError()
        self.assertFalse(self.rows())

    def test_savepoint_rolled_back_without_flush_leaves_no_dangling_row(self):
        """Odoo's base_import and its own test cases roll back savepoints
        without clearing the precommit data: what the rolled-back part
        captured must neither abort the commit nor become a row."""
        savepoint = self.env.cr.savepoint(flush=False)
        warehouse = self.env["stock.warehouse"].create(
            {"name": "Gone WH", "code": "TGWH", "company_id": self.company.id}
        )
        product = self.env["product.product"].create({"name": "Rolled back", **compat.storable_product_vals()})
        self.env["stock.quant"]._update_available_quantity(product, warehouse.lot_stock_id, 3)
        self.product.write({"name": "kept"})  # the same transaction goes on with this
        self.env.flush_all()
        savepoint.close(rollback=True)
        self.env.invalidate_all()
        self.product.write({"default_code": "T-KEPT"})
        rows = self.rows()  # the precommit insert runs here, as at commit
        self.assertEqual(set(rows.mapped("aggregate_id")), {self.product.id})
        self.assertEqual(set(rows.mapped("event_type")), {"product.changed"})

    def test_warehouse_deleted_in_the_transaction_is_still_recorded(self):
        """A stock change captured for a warehouse that is gone by the commit
        (deleted after the capture, or made in a rolled-back savepoint)."""
        self.flush_capture()
        self.clear_outbox()
        self.env.cr.execute("SELECT COALESCE(MAX(id), 0) + 1000 FROM stock_warehouse")
        gone = self.env.cr.fetchone()[0]
        self.env["plansync.capture"]._record(
            [("stock.level", "product.product", self.product.id, gone, self.company.id, "", None)]
        )
        rows = self.rows([("event_type", "=", "stock.level")])
        self.assertEqual(len(rows), 2, "one row per subscribed endpoint")
        self.assertFalse(rows.warehouse_id)
        self.assertEqual(rows[0].payload, {"warehouse_id": gone})
        # the claim names the warehouse that disappeared
        claimed = self.claim(endpoint=self.endpoint)
        self.assertFalse(claimed["events"])
        dead = rows.filtered(lambda r: r.endpoint_id == self.endpoint)
        self.assertEqual(dead.state, "dead")
        self.assertIn("stock.warehouse(%s) no longer exists" % gone, dead.last_error)

    def test_in_memory_records_are_not_changes(self):
        """Onchanges, Form and the replenishment report build records that
        never reach the database; writing them captures nothing."""
        new_product = self.env["product.product"].new({"name": "In memory", **compat.storable_product_vals()})
        new_product.write({"name": "Still in memory"})
        copy = self.env["product.product"].new(origin=self.product)
        copy.write({"name": "Draft of a change"})
        move = self.env["stock.move"].new(
            {
                **compat.move_description_vals("draft move"),
                "product_id": self.product.id,
                "product_uom": self.product.uom_id.id,
                "product_uom_qty": 1,
                "location_id": self.supplier_location.id,
                "location_dest_id": self.warehouse.lot_stock_id.id,
            }
        )
        move.write({"product_uom_qty": 2})
        self.assertFalse(self.rows())
        # and a stored record still is, in the same transaction
        self.product.write({"name": "Stored"})
        self.assertEqual(len(self.rows()), 2)

    def test_consumable_has_no_stock_level(self):
        consu = self.env["product.product"].create({"name": "Tape", **compat.consumable_product_vals()})
        self.flush_capture()
        self.clear_outbox()
        self.receive(consu, 3)
        self.assertFalse(self.rows([("event_type", "=", "stock.level")]))
