# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from odoo.addons.plansync import compat
from .common_inbound import InboundCase


class TestForecast(InboundCase):
    def test_forecasts_created_idempotent_and_bounded(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_line_quantity", "1000")
        lines = [
            self.forecast("F-1", quantity=7, lower=5, upper=9),
            self.forecast("F-2", period="2026-12-01", granularity="month", quantity=30),
            self.forecast("F-3", period="2026-12-01"),  # a Tuesday
            self.forecast("F-4", quantity=5, lower=6),
            self.forecast("F-5", sku="T-NOSUCH"),
            self.forecast("F-6", quantity=5000),
            self.forecast("F-7", granularity="day"),
        ]
        result = self.import_lines(lines, kind="forecast")
        self.assertResults(
            result, ["created", "created", "exception", "exception", "exception", "exception", "exception"]
        )
        reasons = [r["reason"] for r in result["results"]]
        self.assertIn("Monday", reasons[2])
        self.assertIn("lower", reasons[3])
        self.assertTrue(reasons[4].startswith("unknown_sku"))
        self.assertTrue(reasons[5].startswith("out_of_bounds"))
        self.assertIn("granularity", reasons[6])
        f1, f2 = self.env["plansync.forecast"].browse([r["id"] for r in result["results"][:2]])
        self.assertEqual((f1.quantity, f1.lower, f1.upper, f1.granularity), (7.0, 5.0, 9.0, "week"))
        self.assertEqual((f2.lower, f2.upper), (30.0, 30.0), "no bounds: the quantity")
        self.assertEqual((f1.product_id, f1.warehouse_id), (self.prod_a, self.warehouse))
        before = self.counts()
        again = self.import_lines(lines, kind="forecast")
        self.assertEqual(self.counts(), before)
        self.assertEqual([r["status"] for r in again["results"][:2]], ["unchanged", "unchanged"])
        # a higher revision archives the lower one
        newer = self.import_lines([self.forecast("F-1", quantity=8, revision=2)], kind="forecast")
        self.assertEqual(newer["results"][0]["status"], "created")
        self.assertFalse(f1.active)
        self.assertEqual(
            self.import_lines([self.forecast("F-1", revision=1)], kind="forecast")["results"][0]["status"],
            "unchanged",
            "imported before",
        )
        self.import_lines([self.forecast("F-9", revision=3)], kind="forecast")
        late = self.import_lines([self.forecast("F-9", revision=2)], kind="forecast")["results"][0]
        self.assertEqual(late["status"], "superseded")
        kept = (
            self.env["plansync.forecast"]
            .with_context(active_test=False)
            .search([("external_id", "=", "F-9"), ("revision", "=", 2)])
        )
        self.assertFalse(kept.active, "kept for the record, archived")
        self.assertEqual(late["id"], self.env["plansync.forecast"].search([("external_id", "=", "F-9")]).id)

    def test_forecast_beside_actual_demand(self):
        self.env["stock.quant"]._update_available_quantity(self.prod_a, self.stock_location, 100)
        old = self.import_lines(
            [self.forecast("F-old", period="2026-11-30", quantity=50)],
            kind="forecast",
            ref="RF-1",
            generated_at="2026-11-20T00:00:00Z",
        )
        self.assertEqual(old["results"][0]["status"], "created")
        self.import_lines(
            [
                self.forecast("F-1", period="2026-11-30", quantity=10),
                self.forecast("F-2", period="2026-11-01", granularity="month", quantity=40),
            ],
            kind="forecast",
            ref="RF-2",
            generated_at="2026-11-27T00:00:00Z",
        )
        delivery = self.deliver(self.prod_a, 6)
        delivery.move_ids.quantity = 6
        delivery.move_ids.picked = True
        delivery.button_validate()
        returned = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.customer_location.id,
                "location_dest_id": self.stock_location.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            **compat.move_description_vals("return"),
                            "product_id": self.prod_a.id,
                            "product_uom_qty": 2,
                            "product_uom": self.prod_a.uom_id.id,
                            "location_id": self.customer_location.id,
                            "location_dest_id": self.stock_location.id,
                        },
                    )
                ],
            }
        )
        returned.action_confirm()
        returned.move_ids.quantity = 2
        returned.move_ids.picked = True
        returned.button_validate()
        self.receive(self.prod_a, 5)  # a receipt is not demand
        (delivery | returned).move_ids.write({"date": datetime(2026, 12, 2, 10, 0)})
        # 30 November 23:30 UTC is 1 December in Brussels: December, not November
        self.company.partner_id.tz = "Europe/Brussels"
        late = self.deliver(self.prod_a, 1)
        late.move_ids.quantity = 1
        late.move_ids.picked = True
        late.button_validate()
        late.move_ids.write({"date": datetime(2026, 11, 30, 23, 30)})
        self.env.flush_all()
        Report = self.env["plansync.demand.report"]
        week = Report.search(
            [("product_id", "=", self.prod_a.id), ("granularity", "=", "week"), ("period_start", "=", "2026-11-30")]
        )
        self.assertEqual(len(week), 1, "forecast and actual side by side in one row")
        self.assertEqual(week.warehouse_id, self.warehouse)
        self.assertEqual(week.forecast_quantity, 10.0, "the newest run's forecast")
        self.assertEqual(week.actual_quantity, 5.0, "6 + 1 delivered, 2 returned")
        self.assertEqual(week.difference, -5.0)
        month = Report.search(
            [("product_id", "=", self.prod_a.id), ("granularity", "=", "month"), ("period_start", "=", "2026-12-01")]
        )
        self.assertEqual((month.forecast_quantity, month.actual_quantity), (0.0, 5.0))
        november = Report.search(
            [("product_id", "=", self.prod_a.id), ("granularity", "=", "month"), ("period_start", "=", "2026-11-01")]
        )
        self.assertEqual((november.forecast_quantity, november.actual_quantity), (40.0, 0.0))
        # _read_group: the same in 17, 18 and 19 (19 deprecates read_group)
        groups = Report._read_group(
            [("product_id", "=", self.prod_a.id), ("granularity", "=", "week")],
            ["warehouse_id"],
            ["forecast_quantity:sum", "actual_quantity:sum"],
        )
        self.assertEqual(groups[0][1:], (10.0, 5.0))
        self.assertEqual(len(Report.with_user(self.planner).search([("product_id", "=", self.prod_a.id)])), 3)
