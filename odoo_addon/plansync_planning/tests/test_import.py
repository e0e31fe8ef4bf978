# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, ValidationError

from odoo.addons.plansync import compat

from .common_inbound import InboundCase


class TestImport(InboundCase):
    def test_created_with_vendor_value_and_explanation(self):
        result = self.import_lines(
            [
                self.purchase(
                    "P-1",
                    quantity=10,
                    vendor="T-V1",
                    need_by="2026-12-20",
                    explanation={
                        "on_hand": 4,
                        "on_order": 2,
                        "safety_stock": 3,
                        "forecast_over_lead_time": 11,
                        "lead_time_days": 7,
                        "service_level": 0.95,
                        "reason": "below safety",
                    },
                ),
                self.purchase("P-2", sku="T-PLAN-B", quantity=2, vendor="Wood Corner (test)"),
                self.purchase("P-3", sku="T-PLAN-B", quantity=3),
            ]
        )
        self.assertResults(result, ["created"] * 3)
        p1, p2, p3 = self.env["plansync.proposal"].browse([r["id"] for r in result["results"]])
        run = self.env["plansync.run"].browse(result["run_id"])
        self.assertEqual((run.source, run.external_ref, run.kind), ("acme", "R1", "proposal"))
        self.assertEqual(str(run.generated_at), "2026-11-30 06:00:00")
        self.assertEqual((run.line_count, run.created_count, run.state), (3, 3, "open"))
        self.assertEqual(p1.vendor_id, self.vendor1, "by Reference")
        self.assertEqual(p2.vendor_id, self.vendor1, "by exact name")
        self.assertEqual(p3.vendor_id, self.vendor2, "the product's first vendor")
        self.assertEqual(p1.value, 100.0, "10 x the vendor's price 10")
        self.assertEqual(p2.value, 42.0)
        self.assertEqual(p3.value, 60.0)
        self.assertEqual(p1.state, "to_approve", "no rule: a planner approves")
        self.assertFalse(p1.rule_id)
        self.assertFalse(p1.requires_manager)
        self.assertEqual((p1.on_hand, p1.on_order, p1.safety_stock), (4.0, 2.0, 3.0))
        self.assertEqual((p1.forecast_over_lead_time, p1.lead_time_days, p1.service_level), (11.0, 7.0, 0.95))
        self.assertEqual(p1.reason, "below safety")
        self.assertEqual(str(p1.need_by), "2026-12-20")
        self.assertEqual(p1.uom_id, self.prod_a.uom_id)
        self.assertEqual(p1.currency_id, self.company.currency_id)
        self.assertEqual(p1.run_id, run)
        self.assertEqual(p1.company_id, self.company)
        self.assertEqual(p1.payload["external_id"], "P-1")

    def test_same_batch_twice_changes_nothing(self):
        lines = [
            self.purchase("P-1"),
            self.purchase("P-2", sku="T-NOSUCH"),
            self.purchase("P-3", vendor="T-V9"),
            self.purchase("P-4", sku="T-NOSELL"),
            self.purchase("P-5", quantity=0),
            self.purchase("P-5", quantity=3),
            self.transfer("T-1"),
            self.parameter("M-1", min_qty=5, max_qty=20),
        ]
        first = self.import_lines(lines)
        statuses = [r["status"] for r in first["results"]]
        self.assertEqual(
            statuses,
            ["created", "exception", "exception", "exception", "exception", "created", "created", "created"],
        )
        before = self.counts()
        second = self.import_lines(lines)
        self.assertEqual(self.counts(), before, "importing the same batch twice changes nothing")
        self.assertEqual(
            [r["status"] for r in second["results"]],
            ["unchanged", "exception", "exception", "exception", "exception", "unchanged", "unchanged", "unchanged"],
        )
        self.assertEqual([r["id"] for r in second["results"]], [r["id"] for r in first["results"]])
        self.assertEqual(
            [r["reason"] for r in second["results"] if r["status"] == "exception"],
            [r["reason"] for r in first["results"] if r["status"] == "exception"],
        )
        run = self.env["plansync.run"].browse(first["run_id"])
        self.assertEqual((run.batch_count, run.line_count, run.unchanged_count), (2, 16, 4))

    def test_every_reason_code(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_line_quantity", "1000")
        kg_product = self.env["product.product"].create(
            {
                "name": "Flour",
                "default_code": "T-FLOUR",
                "uom_id": self.uom_kg.id,
                **compat.purchase_uom_vals(self.uom_kg),
                "seller_ids": [Command.create({"partner_id": self.vendor1.id, "price": 1})],
            }
        )
        cases = [
            ("invalid", self.purchase("X-invalid", quantity=-1)),
            ("unknown_sku", self.purchase("X-sku", sku="T-NOSUCH")),
            ("unknown_warehouse", self.purchase("X-wh", warehouse="NOWH")),
            ("unknown_source_warehouse", self.transfer("X-src", source_warehouse="NOWH")),
            ("unknown_vendor", self.purchase("X-vendor", vendor="Nobody")),
            ("vendor_without_terms", self.purchase("X-terms", sku="T-NOSELL")),
            ("unknown_uom", self.purchase("X-uom", uom="Bushels")),
            ("uom_incompatible", self.purchase("X-incompatible", sku=kg_product.default_code, uom="Units")),
            ("no_route", self.transfer("X-route", warehouse="WH", source_warehouse=self.warehouse2.code)),
            ("out_of_bounds", self.purchase("X-bounds", quantity=5000)),
            ("duplicate_line", self.purchase("X-terms", sku="T-PLAN-B")),
        ]
        result = self.import_lines([line for _code, line in cases])
        self.assertResults(result, ["exception"] * len(cases))
        Exception_ = self.env["plansync.exception"]
        for (code, line), item in zip(cases, result["results"]):
            with self.subTest(code=code):
                self.assertTrue(item["reason"].startswith(code + ": "), item["reason"])
                self.assertEqual(item["external_id"], line["external_id"])
                exc = Exception_.browse(item["id"])
                self.assertEqual(exc.code, code)
                self.assertEqual(exc.state, "open")
                self.assertEqual(exc.payload, line)
                self.assertEqual(exc.run_id.id, result["run_id"])
                self.assertEqual("%s: %s" % (exc.code, exc.message), item["reason"])
        reasons = {code: item["reason"] for (code, _l), item in zip(cases, result["results"])}
        self.assertIn("quantity", reasons["invalid"])
        self.assertIn("-1", reasons["invalid"])
        self.assertIn("'T-NOSUCH'", reasons["unknown_sku"])
        self.assertIn("'NOWH'", reasons["unknown_warehouse"])
        self.assertIn("'Nobody'", reasons["unknown_vendor"])
        self.assertIn("'Bushels'", reasons["unknown_uom"])
        self.assertIn("5000", reasons["out_of_bounds"])
        # a line that resolves but fails a business check is a proposal in exception
        for code in ("vendor_without_terms", "no_route", "out_of_bounds"):
            with self.subTest(proposal_of=code):
                exc = Exception_.search([("code", "=", code), ("external_id", "like", "X-")])
                self.assertEqual(len(exc), 1)
                self.assertEqual(exc.proposal_id.state, "exception")
                self.assertEqual(exc.proposal_id.exception_code, code)
        for code in ("invalid", "unknown_sku", "unknown_vendor", "duplicate_line"):
            exc = Exception_.search([("code", "=", code)])
            self.assertFalse(exc.proposal_id, code)
        self.assertEqual(self.env["plansync.proposal"].search_count([]), 3)

    def test_bad_line_changes_nothing_but_its_exception(self):
        self.set_execute_on_approval(True)
        self.env["plansync.approval.rule"].create({"name": "Everything", "outcome": "auto"})
        before = self.counts()
        result = self.import_lines([self.purchase("P-bad", sku="T-NOSUCH")])
        after = self.counts()
        self.assertEqual(result["results"][0]["status"], "exception")
        changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
        self.assertEqual(changed, {"runs": 1, "exceptions": 1, "open_exceptions": 1})

    def test_unit_conversion_to_the_product_unit(self):
        result = self.import_lines([self.purchase("P-1", quantity=1.5, uom="Dozens")])
        proposal = self.proposals(result)
        self.assertEqual(proposal.quantity_received, 18.0)
        self.assertEqual(proposal.quantity, 18.0)
        self.assertEqual(proposal.received_uom_id, self.uom_dozen)
        self.assertEqual(proposal.uom_id, self.uom_unit)

    def test_rounding_to_minimum_and_packaging_is_a_warning(self):
        result = self.import_lines(
            [
                self.purchase("P-min", quantity=3, vendor="T-V1"),
                self.purchase("P-pack", sku="T-PLAN-PACK", quantity=10),
                self.purchase("P-fits", sku="T-PLAN-PACK", quantity=12),
            ]
        )
        self.assertResults(result, ["created"] * 3)
        minimum, pack, fits = self.proposals(result)
        self.assertEqual((minimum.quantity_received, minimum.quantity), (3.0, 5.0))
        self.assertIn("minimum", minimum.rounding_note)
        self.assertEqual(result["results"][0]["reason"], minimum.rounding_note)
        self.assertIn("rounded up from 3.0 to 5.0", result["results"][0]["reason"])
        self.assertEqual((pack.quantity_received, pack.quantity), (10.0, 12.0))
        self.assertIn("Box of 6", pack.rounding_note)
        self.assertEqual(pack.value, 24.0)
        self.assertEqual(fits.quantity, 12.0)
        self.assertFalse(fits.rounding_note)
        self.assertEqual(result["results"][2]["reason"], "")

    def test_revisions_supersede(self):
        first = self.import_lines([self.purchase("P-1", quantity=10)])
        rev1 = self.proposals(first)
        second = self.import_lines([self.purchase("P-1", quantity=20, revision=2)], ref="R1")
        self.assertResults(second, ["created"])
        rev2 = self.proposals(second)
        self.assertEqual(rev1.state, "superseded")
        self.assertEqual(rev1.superseded_by_id, rev2)
        self.assertIn("Superseded by revision 2", rev1.message_ids[:1].body)
        # an older revision arriving late: superseded, the id is the newer record's
        late = self.import_lines([self.purchase("P-2", revision=3), self.purchase("P-2", revision=2)], ref="R2")
        rev3 = self.env["plansync.proposal"].browse(late["results"][0]["id"])
        self.assertEqual(
            late["results"][1],
            {
                "external_id": "P-2",
                "status": "exception",
                "id": late["results"][1]["id"],
                "reason": late["results"][1]["reason"],
            },
        )
        self.assertTrue(late["results"][1]["reason"].startswith("duplicate_line"), "twice in one batch")
        kept = self.import_lines([self.purchase("P-2", revision=2)], ref="R2")
        self.assertEqual(
            kept["results"][0],
            {
                "external_id": "P-2",
                "status": "superseded",
                "id": rev3.id,
                "reason": "revision 2 is superseded by revision 3",
            },
        )
        kept_record = self.env["plansync.proposal"].search([("external_id", "=", "P-2"), ("revision", "=", 2)])
        self.assertEqual(kept_record.state, "superseded", "kept for the record, not actionable")
        self.assertEqual(kept_record.superseded_by_id, rev3)
        # a revision imported before stays unchanged, even when a higher one exists
        again = self.import_lines([self.purchase("P-1", quantity=10)], ref="R1")
        self.assertEqual(again["results"][0]["status"], "unchanged")
        self.assertEqual(again["results"][0]["id"], rev1.id)

    def test_stale_run(self):
        self.import_lines([self.purchase("A-1")], ref="R-NEW", generated_at="2026-11-30T06:00:00Z")
        old = self.import_lines(
            [self.purchase("A-1"), self.purchase("B-1")], ref="R-OLD", generated_at="2026-11-29T06:00:00Z"
        )
        self.assertResults(old, ["unchanged", "exception"])
        self.assertTrue(old["results"][1]["reason"].startswith("stale_run: "))
        self.assertIn("R-NEW", old["results"][1]["reason"])
        self.assertEqual(self.env["plansync.run"].browse(old["run_id"]).state, "stale")
        self.assertFalse(self.env["plansync.proposal"].search([("external_id", "=", "B-1")]))

    def test_newer_run_supersedes_open_proposals_of_older_runs(self):
        old = self.import_lines(
            [self.purchase("A-1"), self.purchase("A-2", sku="T-PLAN-B"), self.transfer("A-3")],
            ref="R-1",
            generated_at="2026-11-23T06:00:00Z",
        )
        a1, a2, a3 = self.proposals(old)
        a2.with_user(self.planner).action_approve()
        new = self.import_lines(
            [
                self.purchase("B-1", quantity=7),
                self.purchase("B-2", sku="T-PLAN-B"),
                self.purchase("B-3", sku="T-PLAN-A", warehouse=self.warehouse2.code),
            ],
            ref="R-2",
            generated_at="2026-11-30T06:00:00Z",
        )
        b1, _b2, _b3 = self.proposals(new)
        self.assertEqual(a1.state, "superseded", "same product, warehouse and kind")
        self.assertEqual(a1.superseded_by_id, b1)
        self.assertIn("R-2", a1.message_ids[:1].body)
        self.assertEqual(a2.state, "done", "decided proposals stay")
        self.assertEqual(a3.state, "to_approve", "a transfer is another kind")
        self.assertEqual(self.env["plansync.run"].browse(old["run_id"]).state, "superseded")

    def test_transfer_and_parameter_lines(self):
        result = self.import_lines(
            [self.transfer("T-1", quantity=4), self.parameter("M-1", min_qty=1, max_qty=2, safety_stock=1.5)]
        )
        transfer, parameter = self.proposals(result)
        self.assertEqual(transfer.source_warehouse_id, self.warehouse)
        self.assertEqual(transfer.warehouse_id, self.warehouse2)
        self.assertEqual(transfer.route_id.supplier_wh_id, self.warehouse)
        self.assertEqual(transfer.value, 32.0, "quantity x cost when the platform sends no value")
        self.assertEqual(
            (parameter.parameter_min_qty, parameter.parameter_max_qty, parameter.parameter_safety_stock),
            (1.0, 2.0, 1.5),
        )
        self.assertEqual(parameter.quantity, 0.0)

    def test_whole_call_refused_names_argument_and_value(self):
        good = [self.purchase("P-1")]
        cases = [
            (("", "R", "proposal", good), "source"),
            (("acme", "x" * 129, "proposal", good), "external_ref"),
            (("acme", "R", "proposals", good), "'proposals'"),
            (("acme", "R", "proposal", []), "lines must be a list of 1 to 5000 objects"),
            (("acme", "R", "proposal", good * 5001), "5001"),
            (("acme", "R", "proposal", "lines"), "lines"),
            (("acme", "R", "proposal", good + ["oops"]), r"lines\[1\] must be an object"),
            (("acme", "R", "proposal", good, "yesterday"), "generated_at .*'yesterday'"),
            (("acme", "R", "proposal", good, None), "generated_at"),
        ]
        runs = self.env["plansync.run"].search_count([])
        for args, message in cases:
            with self.subTest(args=str(args)[:60]), self.assertRaisesRegex(ValidationError, message):
                self.env["plansync.run"].with_user(self.agent_user).import_batch(*args)
        self.assertEqual(self.env["plansync.run"].search_count([]), runs, "nothing changed")
        self.assertFalse(self.env["plansync.proposal"].search([]))

    def test_only_the_integration_group_may_import(self):
        for user in (self.planner, self.manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.import_lines([self.purchase("P-1")], user=user)
        self.assertFalse(self.env["plansync.run"].search([]))

    def test_warehouse_of_another_company_is_unknown(self):
        company_b = self.env["res.company"].create({"name": "PlanSync B (test)"})
        warehouse_b = self.env["stock.warehouse"].search([("company_id", "=", company_b.id)])
        result = self.import_lines([self.purchase("P-1", warehouse=warehouse_b.code)])
        if warehouse_b.code != self.warehouse.code:
            self.assertTrue(result["results"][0]["reason"].startswith("unknown_warehouse"))
        else:
            self.assertEqual(self.proposals(result).warehouse_id, self.warehouse, "the caller's company")
        self.assertEqual(self.env["plansync.exception"].search([]).company_id, self.company)

    def test_value_of_the_line_wins_and_is_checked(self):
        self.env["ir.config_parameter"].sudo().set_param("plansync.max_line_value", "500")
        result = self.import_lines([self.purchase("P-1", value=480), self.purchase("P-2", quantity=60)])
        self.assertEqual(result["results"][0]["status"], "created")
        self.assertEqual(self.proposals(result).value, 480.0)
        self.assertTrue(result["results"][1]["reason"].startswith("out_of_bounds: value 600.0"))

    def test_foreign_currency_price_is_converted(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["res.currency.rate"].create(
            {"currency_id": eur.id, "rate": 0.5, "name": "2020-01-01", "company_id": self.company.id}
        )
        if self.company.currency_id == eur:
            return
        self.prod_b.seller_ids.filtered(lambda s: s.partner_id == self.vendor2).currency_id = eur
        result = self.import_lines([self.purchase("P-1", sku="T-PLAN-B", quantity=2, vendor="T-V2")])
        self.assertEqual(self.proposals(result).value, 80.0, "2 x 20 EUR at 0.5 EUR per unit")

    def test_batch_falls_back_to_line_by_line_on_a_concurrent_insert(self):
        """When another transaction imported a line meanwhile, the batch insert
        fails on the unique constraint; line by line, that line is unchanged."""
        Import = type(self.env["plansync.import"])
        real = Import._check_existing

        def racing(this, run, entries):
            real(this, run, entries)
            # the "other transaction": the same proposal, inserted after the check
            this.env["plansync.proposal"]._edit().create(
                {
                    "kind": "purchase",
                    "product_id": self.prod_a.id,
                    "warehouse_id": self.warehouse.id,
                    "source": "acme",
                    "external_id": "P-2",
                    "revision": 1,
                    "state": "to_approve",
                }
            )

        with patch.object(Import, "_check_existing", racing):
            result = self.import_lines([self.purchase("P-1"), self.purchase("P-2"), self.purchase("P-3")])
        self.assertResults(result, ["created", "unchanged", "created"])
        self.assertEqual(self.env["plansync.proposal"].search_count([("source", "=", "acme")]), 3)

    def test_lines_are_validated_again_by_the_addon(self):
        bad = [
            ({"external_id": "", "kind": "purchase"}, "external_id"),
            ({"external_id": 7}, "external_id"),
            ({"external_id": "x" * 129}, "external_id"),
            ({"revision": 0}, "revision"),
            ({"revision": "2"}, "revision"),
            ({"revision": True}, "revision"),
            ({"kind": "gift"}, "kind"),
            ({"sku": ""}, "sku"),
            ({"sku": 42}, "sku"),
            ({"warehouse": None}, "warehouse"),
            ({"quantity": "10"}, "quantity"),
            ({"quantity": True}, "quantity"),
            ({"quantity": float("inf")}, "quantity"),
            ({"quantity": 0}, "quantity"),
            ({"vendor": ""}, "vendor"),
            ({"vendor": True}, "vendor"),
            ({"uom": 3}, "uom"),
            ({"need_by": "2026-02-30"}, "need_by"),
            ({"order_by": "30/11/2026"}, "order_by"),
            ({"value": -1}, "value"),
            ({"value": None}, "value"),
            ({"parameter": {"min_qty": -1}}, "parameter.min_qty"),
            ({"parameter": {"reorder": 1}}, "parameter"),
            ({"parameter": [1]}, "parameter"),
            ({"explanation": {"service_level": 1.5}}, "explanation.service_level"),
            ({"explanation": {"lead_time_days": -2}}, "explanation.lead_time_days"),
            ({"explanation": {"reason": "x" * 2001}}, "explanation.reason"),
            ({"explanation": {"why": "x"}}, "explanation"),
            ({"explanation": "x"}, "explanation"),
            ({"colour": "red"}, "colour"),
            ({"kind": "transfer", "source_warehouse": False}, "source_warehouse"),
            ({"kind": "parameter", "parameter": False}, "parameter"),
            ({"kind": "parameter", "parameter": {"min_qty": 5, "max_qty": 2}}, "max_qty"),
        ]
        lines = []
        for index, (change, _field) in enumerate(bad):
            line = self.purchase("V-%s" % index)
            line.update(change)
            lines.append(line)
        result = self.import_lines(lines)
        self.assertResults(result, ["exception"] * len(bad))
        for (change, field), item in zip(bad, result["results"]):
            with self.subTest(change=str(change)[:50]):
                self.assertTrue(item["reason"].startswith("invalid: "), item["reason"])
                self.assertIn(field, item["reason"])
        self.assertFalse(self.env["plansync.proposal"].search([]))
        # lines without a usable external id are still one exception each
        self.assertEqual(self.env["plansync.exception"].search_count([]), len(bad))
        again = self.import_lines(lines)
        self.assertEqual([r["id"] for r in again["results"]], [r["id"] for r in result["results"]])
