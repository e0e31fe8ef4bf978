# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared set-up of the WMS tests: a WMS endpoint, a lot-tracked product,
a shelf under the warehouse stock, helpers to receive as the agent."""
from odoo import Command

from odoo.addons.plansync.tests.common import PlansyncCase
from odoo.addons.plansync import compat

RESULT_KEYS = {"message_id", "status", "code", "detail", "record_id", "discrepancies"}


class WmsCase(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.endpoint_wms = cls.env["plansync.endpoint"].create(
            {"name": "WMS (test)", "code": "T_WMS", "kind": "wms", "company_id": cls.company.id}
        )
        cls.product_lot = cls.env["product.product"].create(
            {"name": "Paint (lots)", "default_code": "T-PAINT", **compat.storable_product_vals(), "tracking": "lot"}
        )
        cls.shelf = cls.env["stock.location"].create(
            {"name": "Shelf T1", "location_id": cls.stock_location.id, "usage": "internal", "barcode": "T-SHELF-1"}
        )
        cls.uom_dozen = cls.env.ref("uom.product_uom_dozen")
        cls.uom_dozen.active = True  # archived by default in 19 (uom/data/uom_data.xml)
        cls.env.user[compat.USER_GROUPS] = [Command.link(cls.env.ref("stock.group_production_lot").id)]
        cls.flush_capture()
        cls.clear_outbox()

    def send(self, *messages, endpoint="T_WMS", user=None):
        return self.env["plansync.wms.message"].with_user(user or self.agent_user).receive(endpoint, list(messages))

    def set_stock(self, product, location, quantity, lot=None):
        self.env["stock.quant"]._update_available_quantity(product, location, quantity, lot_id=lot)

    def quantity(self, product, location):
        return sum(
            self.env["stock.quant"]
            .search([("product_id", "=", product.id), ("location_id", "=", location.id)])
            .mapped("quantity")
        )

    @staticmethod
    def shipment(message_id, picking, lines, kind="shipment_confirmed"):
        return {
            "message_id": message_id,
            "type": kind,
            "picking": picking.name if hasattr(picking, "name") else picking,
            "occurred_at": "2026-11-30T06:00:00Z",
            "lines": lines,
        }

    @staticmethod
    def balance(message_id, balances, warehouse="WH", complete=False):
        return {
            "message_id": message_id,
            "type": "balance",
            "warehouse": warehouse,
            "as_of": "2026-11-30T06:00:00Z",
            "complete": complete,
            "balances": balances,
        }
