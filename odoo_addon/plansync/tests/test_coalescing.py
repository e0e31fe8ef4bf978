# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from .common import PlansyncCase


class TestCoalescing(PlansyncCase):
    def test_several_changes_one_event_latest_state(self):
        for name in ("v1", "v2", "v3"):
            self.product.write({"name": name})
            self.flush_capture()  # each write in its own "transaction"
        rows = self.rows([("endpoint_id", "=", self.endpoint.id)])
        self.assertEqual(len(rows), 3)
        result = self.claim()
        self.assertEqual(len(result["events"]), 1)
        event = result["events"][0]
        self.assertEqual(event["id"], max(rows.ids), "the head is the newest row")
        self.assertEqual(event["coalesced"], 3)
        self.assertEqual(event["payload"]["name"], "v3")
        self.assertEqual(set(rows.mapped("state")), {"claimed"})
        self.assertEqual(set(rows.mapped("claim_head_id").ids), {event["id"]})
        self.assertEqual(self.as_agent().ack(result["lease"], [event["id"]]), 1)
        self.assertEqual(set(rows.mapped("state")), {"done"})

    def test_non_head_id_is_not_an_event(self):
        for name in ("v1", "v2"):
            self.product.write({"name": name})
            self.flush_capture()
        rows = self.rows([("endpoint_id", "=", self.endpoint.id)])
        result = self.claim()
        self.assertEqual(self.as_agent().ack(result["lease"], [min(rows.ids)]), 0)
        self.assertEqual(set(rows.mapped("state")), {"claimed"})

    def test_nack_releases_the_whole_group(self):
        for name in ("v1", "v2"):
            self.product.write({"name": name})
            self.flush_capture()
        rows = self.rows([("endpoint_id", "=", self.endpoint.id)])
        result = self.claim()
        self.as_agent().nack(result["lease"], [result["events"][0]["id"]], "x", 0, final=True)
        self.assertEqual(set(rows.mapped("state")), {"dead"})

    def test_changed_then_deleted_is_one_deleted_event(self):
        product = self.env["product.product"].create({"name": "Brief", "default_code": "T-BRIEF"})
        self.flush_capture()
        product_id = product.id
        product.unlink()
        result = self.claim()
        events = [e for e in result["events"] if e["aggregate"]["id"] == product_id]
        self.assertEqual(len(events), 1)
        self.assertEqual(events[0]["type"], "product.deleted")
        self.assertEqual(events[0]["coalesced"], 2)
        self.assertEqual(events[0]["payload"], {"id": product_id, "key": "T-BRIEF"})
        self.assertEqual(events[0]["aggregate"]["key"], "T-BRIEF")

    def test_product_and_stock_level_are_separate_aggregates(self):
        self.product.write({"name": "renamed"})
        self.receive(self.product, 2)
        result = self.claim()
        types = sorted(e["type"] for e in result["events"] if e["aggregate"]["id"] == self.product.id)
        self.assertEqual(types, ["product.changed", "stock.level"])
