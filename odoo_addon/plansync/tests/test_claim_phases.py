# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The claim's pure phases, without the database."""
from datetime import datetime, timedelta

from odoo.tests.common import BaseCase

from ..models.plansync_outbox import (
    SCHEMA_VERSION,
    candidate_keys,
    envelope,
    group_claimable,
    lease_columns,
    no_claim,
    scan_size,
)

NOW = datetime(2026, 12, 1, 12, 0, 0)
KEY = ("product.product", 7, 0)
OTHER = ("product.product", 8, 3)


def row(row_id, key=KEY, state="pending", attempts=0, next_attempt_at=False, expires=False):
    return {
        "id": row_id,
        "aggregate_model": key[0],
        "aggregate_id": key[1],
        "wh": key[2],
        "state": state,
        "attempts": attempts,
        "next_attempt_at": next_attempt_at,
        "lease_expires_at": expires,
        "occurred_at": NOW - timedelta(seconds=row_id),
        "event_type": "product.changed",
        "company_id": False,
    }


class TestClaimPhases(BaseCase):
    def test_no_claim_is_a_fresh_empty_answer(self):
        first = no_claim()
        first["events"].append(1)
        self.assertEqual(no_claim(), {"lease": "", "events": []})

    def test_scan_size_bounds(self):
        self.assertEqual(scan_size(1), 200)
        self.assertEqual(scan_size(100), 1000)
        self.assertEqual(scan_size(10000), 20000)

    def test_candidate_keys_distinct_in_order_of_first_row(self):
        rows = [(1, *OTHER), (2, *KEY), (3, *OTHER)]
        self.assertEqual(candidate_keys(rows), [OTHER, KEY])

    def test_group_claimable_head_is_newest_row(self):
        earlier = NOW - timedelta(minutes=5)
        rows = [row(1), row(4, next_attempt_at=earlier), row(9)]
        groups, poison = group_claimable([KEY], rows, NOW, 8)
        self.assertEqual(poison, [])
        self.assertEqual([r["id"] for r in groups[0]["rows"]], [1, 4, 9])
        self.assertEqual(groups[0]["head"]["id"], 9)

    def test_group_claimable_a_row_in_backoff_holds_its_whole_aggregate(self):
        # fault scenario 5 (docs/reliability.md): row 1 released with a backoff, row 4 a newer change.
        # Handing out row 4 alone, then row 1 alone, delivered id 1 after id 4, rendered with the
        # state of id 4: "same id, newer content" and out of order. The aggregate waits as one.
        later = NOW + timedelta(minutes=5)
        rows = [row(1, next_attempt_at=later), row(4), row(2, key=OTHER)]
        groups, poison = group_claimable([KEY, OTHER], rows, NOW, 8)
        self.assertEqual(poison, [])
        self.assertEqual([g["key"] for g in groups], [OTHER])

    def test_group_claimable_skips_in_flight_and_kills_exhausted(self):
        in_flight = [row(1, state="claimed", expires=NOW + timedelta(seconds=30))]
        exhausted = [row(2, key=OTHER, state="claimed", attempts=8, expires=NOW)]
        groups, poison = group_claimable([KEY, OTHER], in_flight + exhausted, NOW, 8)
        self.assertEqual(groups, [])
        self.assertEqual([([r["id"] for r in rows], n) for rows, n in poison], [([2], 8)])

    def test_lease_columns_payload_and_sequence_on_the_head_only(self):
        group = {"rows": [row(1), row(2)], "head": row(2), "payload": {"a": 1}, "aggregate_key": "SKU"}
        ids, heads, seqs, payloads, keys = lease_columns([group], [41])
        self.assertEqual(ids, [1, 2])
        self.assertEqual(heads, [2, 2])
        self.assertEqual(seqs, [None, 41])
        self.assertEqual(payloads, [None, '{"a": 1}'])
        self.assertEqual(keys, ["SKU", "SKU"])
        self.assertEqual(group["sequence"], 41)

    def test_envelope(self):
        group = {
            "rows": [row(1, attempts=2), row(2)],
            "head": row(2),
            "payload": {"a": 1},
            "aggregate_key": False,
            "sequence": 5,
        }
        event = envelope("WH", group, False)
        self.assertEqual(event["aggregate"], {"model": "product.product", "id": 7, "key": ""})
        self.assertEqual(event["occurred_at"], "2026-12-01T11:59:59Z")
        self.assertEqual(event["attempt"], 3)
        self.assertEqual(event["coalesced"], 2)
        self.assertEqual(event["schema"], SCHEMA_VERSION)
        self.assertEqual(event["endpoint"], "WH")
