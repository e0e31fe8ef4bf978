# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The inventory module's rows of the access matrix of docs/security.md."""
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.plansync.tests.access_matrix import MatrixMixin

from .common_wms import WmsCase


@tagged("post_install", "-at_install")
class TestInventoryAccessMatrix(MatrixMixin, WmsCase):
    MODULE = "plansync_inventory"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.channel = cls.env["plansync.endpoint"].create(
            {"name": "Shop (matrix)", "code": "T_MATRIX_SHOP", "kind": "channel", "company_id": cls.company.id}
        )
        cls.env["stock.quant"]._update_available_quantity(cls.product, cls.stock_location, 5)
        counts = (
            cls.env["plansync.discrepancy"]
            .with_user(cls.agent_user)
            .report_channel(
                cls.channel.code,
                [
                    {
                        "sku": cls.product.default_code,
                        "warehouse": cls.warehouse.code,
                        "sent": 50,
                        "sent_at": "2026-11-30T06:00:00Z",
                    }
                ],
            )
        )
        assert counts["opened"] == 1, counts
        cls.discrepancy = cls.env["plansync.discrepancy"].search([("endpoint_id", "=", cls.channel.id)])
        result = (
            cls.env["plansync.wms.message"]
            .with_user(cls.agent_user)
            .receive(
                cls.endpoint_wms.code,
                [
                    {
                        "message_id": "matrix-1",
                        "type": "shipment_confirmed",
                        "picking": "NO/SUCH/1",
                        "occurred_at": "2026-11-30T06:00:00Z",
                        "lines": [],
                    }
                ],
            )
        )
        assert result[0]["status"] == "exception", result
        cls.message = cls.env["plansync.wms.message"].browse(result[0]["record_id"])
        cls.make_company_b("inventory")

    def test_model_access(self):
        self.check_model_rows()

    def test_methods(self):
        channel, wms, discrepancy, message = self.channel, self.endpoint_wms, self.discrepancy, self.message
        product = self.product
        item = {
            "sku": product.default_code,
            "warehouse": self.warehouse.code,
            "sent": 5,
            "sent_at": "2026-11-30T06:00:00Z",
        }

        def wizard(env, model, vals):
            return env[model].create(vals).action_confirm()

        calls = {
            ("plansync.endpoint", "availability_snapshot"): lambda env: env["plansync.endpoint"].availability_snapshot(
                channel.code, False, 0, 10
            ),
            ("plansync.wms.message", "receive"): lambda env: env["plansync.wms.message"].receive(
                wms.code, [{"message_id": "matrix-2", "type": "x"}]
            ),
            ("plansync.wms.message", "action_replay"): lambda env: env["plansync.wms.message"]
            .browse(message.id)
            .action_replay(),
            ("plansync.wms.message", "action_dismiss"): lambda env: env["plansync.wms.message"]
            .browse(message.id)
            .action_dismiss("no"),
            ("plansync.wms.message", "action_view_discrepancies"): lambda env: env["plansync.wms.message"]
            .browse(message.id)
            .action_view_discrepancies(),
            ("plansync.wms.message.dismiss", "action_confirm"): lambda env: wizard(
                env, "plansync.wms.message.dismiss", {"message_ids": [(6, 0, message.ids)], "reason": "no"}
            ),
            ("plansync.discrepancy", "report_channel"): lambda env: env["plansync.discrepancy"].report_channel(
                channel.code, [item]
            ),
            ("plansync.discrepancy", "action_accept"): lambda env: env["plansync.discrepancy"]
            .browse(discrepancy.id)
            .action_accept(),
            ("plansync.discrepancy", "action_ignore"): lambda env: env["plansync.discrepancy"]
            .browse(discrepancy.id)
            .action_ignore("no"),
            ("plansync.discrepancy", "action_investigate"): lambda env: env["plansync.discrepancy"]
            .browse(discrepancy.id)
            .action_investigate(),
            ("plansync.discrepancy.ignore", "action_confirm"): lambda env: wizard(
                env, "plansync.discrepancy.ignore", {"discrepancy_ids": [(6, 0, discrepancy.ids)], "reason": "no"}
            ),
            ("product.product", "action_plansync_channel_availability"): lambda env: env["product.product"]
            .browse(product.id)
            .action_plansync_channel_availability(),
            ("product.template", "action_plansync_channel_availability"): lambda env: env["product.template"]
            .browse(product.product_tmpl_id.id)
            .action_plansync_channel_availability(),
        }
        self.check_method_rows(calls)

    def test_across_companies(self):
        """The agent of company B names company A's endpoints."""
        env_b = self.env(user=self.agent_b)
        messages = self.env["plansync.wms.message"].search_count([])
        discrepancies = self.env["plansync.discrepancy"].search_count([])

        def refused(call):
            try:
                call()
            except ValidationError as exc:
                return "refused" if "endpoint" in str(exc) else "refused without naming endpoint: %s" % exc
            return "accepted"

        item = {
            "sku": self.product.default_code,
            "warehouse": self.warehouse.code,
            "sent": 99,
            "sent_at": "2026-11-30T06:00:00Z",
        }
        observers = {
            "plansync.endpoint.availability_snapshot": lambda: refused(
                lambda: env_b["plansync.endpoint"].availability_snapshot(self.channel.code, False, 0, 10)
            ),
            "plansync.wms.message.receive": lambda: refused(
                lambda: env_b["plansync.wms.message"].receive(self.endpoint_wms.code, [{"message_id": "b-1"}])
            ),
            "plansync.discrepancy.report_channel": lambda: refused(
                lambda: env_b["plansync.discrepancy"].report_channel(self.channel.code, [item])
            ),
        }
        self.check_company_rows(observers)
        self.assertEqual(self.env["plansync.wms.message"].search_count([]), messages)
        self.assertEqual(self.env["plansync.discrepancy"].search_count([]), discrepancies)
