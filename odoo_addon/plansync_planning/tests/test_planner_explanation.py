# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The explanation keys of the embedded planner: demand_class, method, flags."""
from odoo.exceptions import AccessError

from .common_inbound import InboundCase


class TestPlannerExplanation(InboundCase):
    def test_planner_keys_are_stored(self):
        result = self.import_lines(
            [
                self.purchase(
                    "E-1",
                    explanation={
                        "demand_class": "intermittent",
                        "method": " croston ",
                        "flags": ["stockout_weeks", " outliers_capped "],
                        "reason": "below the reorder point",
                    },
                ),
                self.purchase("E-2", explanation={"demand_class": "none", "flags": []}),
                self.purchase("E-3"),
            ]
        )
        self.assertResults(result, ["created"] * 3)
        flagged, empty, bare = self.proposals(result).sorted("external_id")
        self.assertEqual(flagged.demand_class, "intermittent")
        self.assertEqual(flagged.forecast_method, "croston", "stripped")
        self.assertEqual(flagged.planner_flags, "stockout_weeks, outliers_capped")
        self.assertEqual(flagged.reason, "below the reorder point")
        self.assertEqual((empty.demand_class, empty.forecast_method, empty.planner_flags), ("none", False, False))
        self.assertEqual((bare.demand_class, bare.forecast_method, bare.planner_flags), (False, False, False))
        found = self.env["plansync.proposal"].search(
            [("planner_flags", "!=", False), ("id", "in", (flagged | empty | bare).ids)]
        )
        self.assertEqual(found, flagged, "the search view's 'Flagged by the planner' filter")
        with self.assertRaises(AccessError):
            flagged.write({"planner_flags": "edited"})

    def test_bad_planner_keys_are_exceptions(self):
        bad = [
            ({"demand_class": "seasonal"}, "explanation.demand_class", "'seasonal'"),
            ({"demand_class": None}, "explanation.demand_class", "None"),
            ({"demand_class": ["smooth"]}, "explanation.demand_class", "['smooth']"),
            ({"method": ""}, "explanation.method", "''"),
            ({"method": "   "}, "explanation.method", "'   '"),
            ({"method": "m" * 65}, "explanation.method", "mmmm"),
            ({"method": 3}, "explanation.method", "3"),
            ({"flags": "stockout_weeks"}, "explanation.flags", "'stockout_weeks'"),
            ({"flags": ["f%s" % n for n in range(11)]}, "explanation.flags", "'f10'"),
            ({"flags": ["ok", ""]}, "explanation.flags[1]", "''"),
            ({"flags": ["x" * 65]}, "explanation.flags[0]", "xxxx"),
            ({"flags": [None]}, "explanation.flags[0]", "None"),
            ({"colour": "red"}, "explanation has unknown field(s) colour", ""),
        ]
        lines = [self.purchase("B-%s" % n, explanation=change) for n, (change, _f, _v) in enumerate(bad)]
        result = self.import_lines(lines)
        self.assertResults(result, ["exception"] * len(bad))
        for (change, field, value), item in zip(bad, result["results"]):
            with self.subTest(change=str(change)[:60]):
                self.assertTrue(item["reason"].startswith("invalid: %s" % field), item["reason"])
                self.assertIn(value, item["reason"])
        self.assertFalse(self.env["plansync.proposal"].search([("external_id", "=like", "B-%")]))
