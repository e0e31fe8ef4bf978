# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``plansync.endpoint.availability_snapshot``: every stock level an endpoint
would be sent, a page at a time, from the same renderer as ``stock.level``."""
from odoo import _, api, fields, models

from .plansync_outbox import check_int, check_str
from .plansync_run_snapshot import pick_warehouses

MAX_LIMIT = 5000
MAX_OFFSET = 2**31 - 1


class PlansyncEndpoint(models.Model):
    _inherit = "plansync.endpoint"

    @api.model
    def availability_snapshot(self, endpoint, warehouses, offset, limit):
        """One page of the stock.level payloads of ``endpoint`` (docs/contract.md).

        ``endpoint``: an endpoint code; ``warehouses``: a list of warehouse
        codes, or False for the endpoint's warehouses (every warehouse of its
        company when it has none); ``offset`` >= 0 and ``limit`` 1 to 5000:
        the page of items in (warehouse id, product id) order. Returns
        ``{"endpoint", "items", "offset", "next_offset", "total"}``.
        """
        Outbox = self.env["plansync.outbox"]
        Outbox._check_integration("plansync.endpoint.availability_snapshot")
        check_str("endpoint", endpoint, 1, 64)
        record = Outbox._integration_endpoint(endpoint)
        selected = record._availability_warehouses(warehouses)
        check_int("offset", offset, 0, MAX_OFFSET)
        check_int("limit", limit, 1, MAX_LIMIT)
        return record._availability_snapshot(selected, offset, limit)

    def _availability_warehouses(self, codes):
        """``warehouses`` of availability_snapshot -> stock.warehouse (sudo)."""
        self.ensure_one()
        available = self.sudo().warehouse_ids or self.env["stock.warehouse"].sudo().search(
            [("company_id", "=", self.company_id.id)]
        )
        available = available.sorted("id")
        return pick_warehouses(
            codes, available, available, _("a warehouse of endpoint %s") % self.code
        )

    def _availability_products(self):
        """Active storable products of the endpoint's company or shared, by id."""
        self.ensure_one()
        return (
            self.env["product.product"]
            .sudo()
            .search(
                [
                    ("detailed_type", "=", "product"),
                    ("company_id", "in", (False, self.company_id.id)),
                ],
                order="id",
            )
        )

    def _availability_snapshot(self, warehouses, offset, limit):
        self.ensure_one()
        endpoint = self.sudo()
        products = endpoint._availability_products()
        total = len(products) * len(warehouses)
        heads = [
            {
                "id": index,
                "aggregate_id": products[index % len(products)].id,
                "wh": warehouses[index // len(products)].id,
            }
            for index in range(offset, min(offset + limit, total))
        ]
        items = []
        if heads:
            rendered = endpoint._availability_render(heads, fields.Datetime.now())
            for head in heads:
                result = rendered[head["id"]]
                if isinstance(result, Exception):
                    raise result
                items.append(result[1])
        return {
            "endpoint": self.code,
            "items": items,
            "offset": offset,
            "next_offset": offset + limit if offset + limit < total else False,
            "total": total,
        }

    def _availability_render(self, heads, now):
        """Render ``heads`` ({"id", "aggregate_id": product id, "wh": warehouse
        id}) as the claim renders stock.level: {id: (key, payload) | Exception}."""
        self.ensure_one()
        render = (
            self.env["plansync.render"]
            .sudo()
            .with_company(self.company_id)
            .with_context(active_test=False, lang="en_US")
        )
        return render._render_stock_level(self.sudo(), heads, now)
