# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Absurd numbers and dates fail their own line, never the batch (issue 14:
one proposal of quantity 1e308 failed the whole import_batch with an
OverflowError while rounding to the vendor's packaging)."""
from unittest.mock import patch

from .common_inbound import InboundCase


class TestImportMagnitudes(InboundCase):
    def test_absurd_numbers_are_their_lines_exceptions(self):
        lines = [
            self.purchase("OK-1"),
            # the reported line: a product with a purchase packaging (Box of 6)
            self.purchase("BIG-PACK", sku="T-PLAN-PACK", quantity=1e308),
            self.purchase("BIG-VALUE", value=1e308),
            self.purchase("INF", quantity=float("inf")),
            self.purchase("NAN", quantity=float("nan")),
            self.purchase("HUGE-INT", quantity=10**400),
            self.purchase("JUST-ABOVE", quantity=1.0000001e15),
            self.purchase("NEG-EXPLAINED", explanation={"on_hand": -1e308}),
            self.parameter("BIG-MIN", min_qty=1e308),
            self.purchase("FAR-DATE", need_by="9999-12-31"),
            self.purchase("OLD-DATE", order_by="0001-01-01"),
            self.purchase("OK-2", sku="T-PLAN-PACK", quantity=12),
        ]
        before = self.counts()
        result = self.import_lines(lines)
        self.assertResults(result, ["created"] + ["exception"] * 10 + ["created"])
        reasons = {r["external_id"]: r["reason"] for r in result["results"]}
        expected = {
            "BIG-PACK": "invalid: quantity must be a number from 0 to 1e+15 or false, got 1e+308",
            "BIG-VALUE": "invalid: value must be a number from 0 to 1e+15 or false, got 1e+308",
            "INF": "invalid: quantity must be a number from 0 to 1e+15 or false, got inf",
            "NAN": "invalid: quantity must be a number from 0 to 1e+15 or false, got nan",
            "JUST-ABOVE": "invalid: quantity must be a number from 0 to 1e+15 or false, got 1000000100000000.0",
            "NEG-EXPLAINED": "invalid: explanation.on_hand must be a number from -1e+15 to 1e+15, got -1e+308",
            "BIG-MIN": "invalid: parameter.min_qty must be a number from 0 to 1e+15, got 1e+308",
            "FAR-DATE": "invalid: need_by must be a date YYYY-MM-DD from 1900-01-01 to 2999-12-31 or false, got '9999-12-31'",
            "OLD-DATE": "invalid: order_by must be a date YYYY-MM-DD from 1900-01-01 to 2999-12-31 or false, got '0001-01-01'",
        }
        for external_id, reason in expected.items():
            self.assertEqual(reasons[external_id], reason, external_id)
        self.assertRegex(
            reasons["HUGE-INT"], r"^invalid: quantity must be a number from 0 to 1e\+15 or false, got 1000"
        )
        # the valid lines beside them are imported, the bad ones are open exceptions naming them
        created = self.proposals(result)
        self.assertEqual(sorted(created.mapped("external_id")), ["OK-1", "OK-2"])
        self.assertEqual(created.filtered(lambda p: p.external_id == "OK-2").quantity, 12)
        after = self.counts()
        self.assertEqual(after["proposals"] - before["proposals"], 2)
        exceptions = self.env["plansync.exception"].browse(
            [r["id"] for r in result["results"] if r["status"] == "exception"]
        )
        self.assertEqual(set(exceptions.mapped("state")), {"open"})
        self.assertEqual(after["open_exceptions"] - before["open_exceptions"], 10)
        self.assertIn("1e+308", exceptions.filtered(lambda e: e.external_id == "BIG-PACK").message)
        # importing the batch again changes nothing and fails no more than before
        again = self.import_lines(lines)
        self.assertEqual([r["status"] for r in again["results"]], ["unchanged"] + ["exception"] * 10 + ["unchanged"])
        self.assertEqual(self.counts()["open_exceptions"], after["open_exceptions"])

    def test_absurd_forecast_numbers(self):
        result = self.import_lines(
            [
                self.forecast("F-OK"),
                self.forecast("F-BIG", quantity=1e308),
                self.forecast("F-LOW", quantity=1, lower=-1e308),
                self.forecast("F-OK2", period="2026-12-07"),
            ],
            kind="forecast",
            ref="F1",
        )
        self.assertResults(result, ["created", "exception", "exception", "created"])
        self.assertEqual(
            result["results"][1]["reason"],
            "invalid: quantity must be a number from 0 to 1e+15, got 1e+308",
        )
        self.assertEqual(
            result["results"][2]["reason"],
            "invalid: lower must be a number from -1e+15 to 1e+15 or false, got -1e+308",
        )

    def test_a_computation_that_still_overflows_fails_its_line_only(self):
        """Should a computation overflow within the bounds (a vendor's terms of
        absurd size, a future change), the line is an exception naming its
        numbers and the error; the batch goes on."""
        Import = type(self.env["plansync.import"])
        original = Import._round_purchase

        def round_purchase(importer, quantity, infos, context, product, uom):
            if product.default_code == "T-PLAN-PACK":
                raise OverflowError("int too large to convert to float")
            return original(importer, quantity, infos, context, product, uom)

        with patch.object(Import, "_round_purchase", round_purchase):
            result = self.import_lines(
                [
                    self.purchase("A-1"),
                    self.purchase("PACK", sku="T-PLAN-PACK", quantity=7, value=3),
                    self.purchase("A-2", sku="T-PLAN-B"),
                ],
                ref="R-OVERFLOW",
            )
        self.assertResults(result, ["created", "exception", "created"])
        self.assertEqual(
            result["results"][1]["reason"],
            "invalid: the line's numbers cannot be computed (OverflowError: int too large to "
            "convert to float): quantity 7, value 3",
        )

    def test_text_postgresql_cannot_store_is_its_lines_exception(self):
        """Found by the fuzz suite: a line field holding NUL or a lone surrogate
        (JSON "\\u0000", "\\ud800") reached SQL and failed the whole call."""
        lines = [
            self.purchase("OK-1"),
            self.purchase("NUL\x00ID"),
            self.purchase("SURROGATE-ID-\ud800"),
            self.purchase("NUL-SKU", sku="T-PLAN\x00A"),
            self.purchase("SURROGATE-WH", warehouse="\udc00"),
            self.purchase("NUL-VENDOR", vendor="V\x00"),
            self.purchase("NUL-REASON", explanation={"reason": "why\x00"}),
            self.purchase("SURROGATE-FLAG", explanation={"flags": ["\ud800"]}),
            self.purchase("OK-2", sku="T-PLAN-B"),
        ]
        before = self.counts()
        result = self.import_lines(lines, ref="R-TEXT")
        self.assertResults(result, ["created"] + ["exception"] * 7 + ["created"])
        reasons = [r["reason"] for r in result["results"][1:-1]]
        self.assertEqual(
            reasons,
            [
                "invalid: external_id must be a string of 1 to 128 characters without NUL or lone surrogates, "
                "got 'NUL\\x00ID'",
                "invalid: external_id must be a string of 1 to 128 characters without NUL or lone surrogates, "
                "got 'SURROGATE-ID-\\ud800'",
                "invalid: sku must be a non-empty string without NUL or lone surrogates, got 'T-PLAN\\x00A'",
                "invalid: warehouse must be a non-empty string without NUL or lone surrogates, got '\\udc00'",
                "invalid: vendor must be a non-empty string without NUL or lone surrogates or false, got 'V\\x00'",
                "invalid: explanation.reason must be a string of at most 2000 characters without NUL or lone "
                "surrogates, got 'why\\x00'",
                "invalid: explanation.flags[0] must be a string of 1 to 64 characters without NUL or lone "
                "surrogates, got '\\ud800'",
            ],
        )
        self.assertEqual(sorted(self.proposals(result).mapped("external_id")), ["OK-1", "OK-2"])
        after = self.counts()
        self.assertEqual(after["open_exceptions"] - before["open_exceptions"], 7)
        exceptions = self.env["plansync.exception"].browse(
            [r["id"] for r in result["results"] if r["status"] == "exception"]
        )
        # stored as a person can read it: no external id it could not hold, the raw line with U+FFFD
        self.assertEqual(exceptions[:2].mapped("external_id"), [False, False])
        self.assertEqual(exceptions[0].payload["external_id"], "NUL\ufffdID")
        self.assertEqual(exceptions[2].sku, "T-PLAN\ufffdA")
        self.assertEqual(exceptions[3].warehouse_code, "\ufffd")
        again = self.import_lines(lines, ref="R-TEXT")
        self.assertEqual([r["status"] for r in again["results"]], ["unchanged"] + ["exception"] * 7 + ["unchanged"])
        self.assertEqual(self.counts()["open_exceptions"], after["open_exceptions"])
