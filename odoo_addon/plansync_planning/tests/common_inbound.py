# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared set-up of the planning import tests: vendors with terms, products,
a second warehouse resupplied from the first, helpers to import as the agent."""
from odoo import Command

from odoo.addons.plansync.tests.common import PlansyncCase
from odoo.addons.plansync import compat

RESULT_KEYS = {"external_id", "status", "id", "reason"}


class InboundCase(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.vendor1 = Partner.create({"name": "Wood Corner (test)", "ref": "T-V1"})
        cls.vendor2 = Partner.create({"name": "Azure Interior (test)", "ref": "T-V2"})
        cls.uom_dozen = cls.env.ref("uom.product_uom_dozen")
        cls.uom_dozen.active = True  # archived by default in 19 (uom/data/uom_data.xml)
        cls.uom_kg = cls.env.ref("uom.product_uom_kgm")
        Product = cls.env["product.product"]
        cls.prod_a = Product.create(
            {
                "name": "Plan A",
                "default_code": "T-PLAN-A",
                **compat.storable_product_vals(),
                "standard_price": 8.0,
                "seller_ids": [
                    Command.create({"partner_id": cls.vendor1.id, "price": 10.0, "min_qty": 5}),
                    Command.create({"partner_id": cls.vendor2.id, "price": 12.0, "min_qty": 1}),
                ],
            }
        )
        cls.prod_b = Product.create(
            {
                "name": "Plan B",
                "default_code": "T-PLAN-B",
                **compat.storable_product_vals(),
                "seller_ids": [
                    Command.create({"partner_id": cls.vendor2.id, "price": 20.0}),
                    Command.create({"partner_id": cls.vendor1.id, "price": 21.0}),
                ],
            }
        )
        cls.prod_pack = Product.create(
            {
                "name": "Plan Pack",
                "default_code": "T-PLAN-PACK",
                **compat.storable_product_vals(),
                "seller_ids": [Command.create({"partner_id": cls.vendor1.id, "price": 2.0})],
            }
        )
        cls.packaging = compat.new_purchase_packaging(cls.env, cls.prod_pack, "Box of 6", 6)
        cls.prod_nosell = Product.create(
            {"name": "No seller", "default_code": "T-NOSELL", **compat.storable_product_vals()}
        )
        cls.warehouse2 = cls.env["stock.warehouse"].create(
            {"name": "Second (test)", "code": "TWH2", "company_id": cls.company.id}
        )
        cls.warehouse2.write({"resupply_wh_ids": [Command.set(cls.warehouse.ids)]})
        cls.flush_capture()
        cls.clear_outbox()

    # ------------------------------------------------------------------

    def import_lines(
        self, lines, kind="proposal", ref="R1", source="acme", generated_at="2026-11-30T06:00:00Z", user=None
    ):
        run = self.env["plansync.run"].with_user(user or self.agent_user)
        return run.import_batch(source, ref, kind, lines, generated_at)

    @staticmethod
    def purchase(external_id, sku="T-PLAN-A", quantity=10, **kw):
        line = {
            "external_id": external_id,
            "kind": "purchase",
            "sku": sku,
            "warehouse": kw.pop("warehouse", "WH"),
            "quantity": quantity,
        }
        line.update(kw)
        return line

    def transfer(self, external_id, sku="T-PLAN-A", quantity=4, **kw):
        line = {
            "external_id": external_id,
            "kind": "transfer",
            "sku": sku,
            "warehouse": self.warehouse2.code,
            "source_warehouse": self.warehouse.code,
            "quantity": quantity,
        }
        line.update(kw)
        return line

    def parameter(self, external_id, sku="T-PLAN-A", **parameter):
        return {
            "external_id": external_id,
            "kind": "parameter",
            "sku": sku,
            "warehouse": self.warehouse.code,
            "parameter": parameter,
        }

    @staticmethod
    def forecast(external_id, sku="T-PLAN-A", period="2026-11-30", quantity=7, **kw):
        line = {
            "external_id": external_id,
            "sku": sku,
            "warehouse": kw.pop("warehouse", "WH"),
            "period_start": period,
            "granularity": kw.pop("granularity", "week"),
            "quantity": quantity,
        }
        line.update(kw)
        return line

    def proposals(self, result):
        return self.env["plansync.proposal"].browse([r["id"] for r in result["results"] if r["status"] == "created"])

    def set_execute_on_approval(self, value):
        self.env["ir.config_parameter"].sudo().set_param("plansync.execute_on_approval", "True" if value else "False")

    def counts(self):
        """Counts of everything an import may create."""
        Message = self.env["mail.message"].sudo()
        return {
            "runs": self.env["plansync.run"].search_count([]),
            "proposals": self.env["plansync.proposal"].search_count([]),
            "forecasts": self.env["plansync.forecast"].with_context(active_test=False).search_count([]),
            "exceptions": self.env["plansync.exception"].search_count([]),
            "open_exceptions": self.env["plansync.exception"].search_count([("state", "=", "open")]),
            "messages": Message.search_count([("model", "in", ("plansync.proposal", "plansync.exception"))]),
            "purchase_orders": self.env["purchase.order"].search_count([]),
            "purchase_lines": self.env["purchase.order.line"].search_count([]),
            "pickings": self.env["stock.picking"].search_count([]),
            "orderpoints": self.env["stock.warehouse.orderpoint"].with_context(active_test=False).search_count([]),
        }

    def assertResults(self, result, statuses):
        """Statuses in order, the contract's keys, no None anywhere."""
        self.assertEqual(set(result), {"run_id", "results"})
        self.assertIsInstance(result["run_id"], int)
        self.assertEqual([r["status"] for r in result["results"]], statuses, result)
        for item in result["results"]:
            self.assertEqual(set(item), RESULT_KEYS)
            self.assertIsInstance(item["external_id"], str)
            self.assertIsInstance(item["reason"], str)
            self.assertTrue(item["id"] is False or isinstance(item["id"], int))
        from odoo.addons.plansync.tests.common import walk_none

        self.assertEqual(walk_none(result), [])
