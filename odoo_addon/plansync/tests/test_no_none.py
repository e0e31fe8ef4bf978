# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command

from .. import compat
from .common import PlansyncCase, walk_none

PAYLOAD_KEYS = {
    "product.changed": {
        "id",
        "sku",
        "name",
        "barcode",
        "active",
        "type",
        "tracking",
        "category",
        "uom",
        "purchase_uom",
        "sale_ok",
        "purchase_ok",
        "weight",
        "volume",
        "standard_price",
        "list_price",
        "currency",
        "company",
    },
    "product.deleted": {"id", "key"},
    "uom.changed": {
        "id",
        "name",
        "category",
        "uom_type",
        "ratio_to_reference",
        "rounding",
        "active",
    },
    "uom.deleted": {"id", "key"},
    "warehouse.changed": {
        "id",
        "code",
        "name",
        "active",
        "company",
        "view_location_id",
        "stock_location_id",
        "address",
    },
    "location.changed": {
        "id",
        "name",
        "full_name",
        "usage",
        "active",
        "parent_id",
        "warehouse",
        "barcode",
        "company",
    },
    "vendor_terms.changed": {
        "id",
        "vendor",
        "product_template_id",
        "product",
        "vendor_product_code",
        "vendor_product_name",
        "min_qty",
        "price",
        "currency",
        "lead_time_days",
        "date_start",
        "date_end",
        "sequence",
        "company",
    },
    "vendor_terms.deleted": {"id", "key"},
    "stock.level": {
        "product",
        "warehouse",
        "uom",
        "on_hand",
        "reserved",
        "free",
        "incoming",
        "outgoing",
        "forecast",
        "basis_quantity",
        "available",
        "definition",
        "allocation",
        "channel",
        "computed_at",
    },
}
ENVELOPE_KEYS = {
    "id",
    "type",
    "endpoint",
    "aggregate",
    "company",
    "occurred_at",
    "sequence",
    "schema",
    "coalesced",
    "attempt",
    "payload",
}


class TestNoNone(PlansyncCase):
    def test_every_type_and_every_result(self):
        vendor = self.env["res.partner"].create({"name": "Vendor without ref"})
        family, _box = compat.new_unit_family(self.env, "Test box")
        dozen = self.env["uom.uom"].create(compat.unit_vals("Test dozen", family, 12))
        info = self.env["product.supplierinfo"].create(
            {"partner_id": vendor.id, "product_tmpl_id": self.product.product_tmpl_id.id}
        )
        doomed = self.env["product.supplierinfo"].create(
            {
                "partner_id": vendor.id,
                "product_tmpl_id": self.product2.product_tmpl_id.id,
                "product_id": self.product2.id,
            }
        )
        gone = self.env["product.product"].create({"name": "No SKU"})
        self.flush_capture()
        doomed.unlink()
        gone.unlink()
        dozen.write({"rounding": 0.5})
        self.flush_capture()
        dozen.unlink()
        self.product.write({"barcode": False, "weight": 1.5})
        self.warehouse.write({"name": "Main"})
        self.stock_location.write({"barcode": False})
        info.write({"price": 3})
        self.receive(self.product, 2)
        self.flush_capture()
        result = self.claim(limit=1000)
        self.assertEqual(walk_none(result), [])
        types = {e["type"] for e in result["events"]}
        self.assertEqual(types, set(PAYLOAD_KEYS))
        for event in result["events"]:
            self.assertEqual(set(event), ENVELOPE_KEYS)
            self.assertEqual(set(event["payload"]), PAYLOAD_KEYS[event["type"]], event["type"])
        deleted = [e for e in result["events"] if e["type"] == "product.deleted"][0]
        self.assertEqual(deleted["payload"]["key"], "product.product:%s" % deleted["aggregate"]["id"])
        uom = [e for e in result["events"] if e["type"] == "uom.deleted"][0]
        self.assertEqual(uom["payload"]["key"], "Test dozen")

        ids = [e["id"] for e in result["events"]]
        half = len(ids) // 2
        ack = self.as_agent().ack(result["lease"], ids[:half])
        nack = self.as_agent().nack(result["lease"], ids[half:], "", 0)
        self.assertEqual((ack, nack), (half, len(ids) - half))
        self.assertEqual(walk_none(ack), [])
        self.assertEqual(walk_none(nack), [])
        self.assertEqual(self.claim(), {"lease": "", "events": []})
        config = self.as_agent("plansync.agent").heartbeat(
            "none-checker", {"mode": "run", "endpoints": {"T_WEBHOOK": {}}}
        )
        self.assertEqual(walk_none(config), [])
        self.env["plansync.endpoint"].create({"name": "Bare", "code": "T_BARE", "event_type_ids": [Command.clear()]})
        config = self.as_agent("plansync.agent").heartbeat("none-checker", {"mode": "check"})
        self.assertEqual(walk_none(config), [])
