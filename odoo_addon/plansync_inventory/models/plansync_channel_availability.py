# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What each active channel endpoint would publish for a product per
warehouse, from the renderer of ``stock.level`` (same figures as the events)."""
from odoo import _, api, fields, models

from .plansync_endpoint_availability import BASES
from odoo.addons.plansync import compat


class PlansyncChannelAvailability(models.TransientModel):
    _name = "plansync.channel.availability"
    _description = "PlanSync Channel Availability"
    _order = "product_id, endpoint_id, warehouse_id"

    product_id = fields.Many2one("product.product", readonly=True)
    endpoint_id = fields.Many2one("plansync.endpoint", readonly=True)
    warehouse_id = fields.Many2one("stock.warehouse", readonly=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    basis = fields.Selection(BASES, readonly=True)
    version = fields.Integer(readonly=True)
    basis_quantity = fields.Float(string="Basis figure", readonly=True)
    available = fields.Float(readonly=True)
    allocation_scope = fields.Selection(
        [("product", "Product"), ("category", "Category"), ("endpoint", "Endpoint")],
        string="Rule",
        readonly=True,
    )
    channel_sku = fields.Char(string="Channel SKU", readonly=True)
    channel_uom = fields.Char(string="Channel unit", readonly=True)
    channel_quantity = fields.Integer(string="Published", readonly=True)

    @api.model
    def _action_open(self, products):
        """A list of the figures of ``products`` for every active channel
        endpoint of the user's companies."""
        endpoints = self.env["plansync.endpoint"].search(
            [("kind", "=", "channel"), ("company_id", "in", self.env.companies.ids)]
        )
        now = fields.Datetime.now()
        vals_list = []
        for endpoint in endpoints:
            warehouses = endpoint._availability_warehouses(False)
            heads = [
                {"id": index, "aggregate_id": product.id, "wh": warehouse.id}
                for index, (warehouse, product) in enumerate((w, p) for w in warehouses for p in products)
            ]
            if not heads:
                continue
            rendered = endpoint._availability_render(heads, now)
            for head in heads:
                result = rendered[head["id"]]
                if isinstance(result, Exception):
                    continue
                payload = result[1]
                channel = payload["channel"]
                allocation = payload["allocation"]
                vals_list.append(
                    {
                        "product_id": head["aggregate_id"],
                        "endpoint_id": endpoint.id,
                        "warehouse_id": head["wh"],
                        "uom_id": payload["uom"]["id"],
                        "basis": payload["definition"]["basis"],
                        "version": payload["definition"]["version"],
                        "basis_quantity": payload["basis_quantity"],
                        "available": payload["available"],
                        "allocation_scope": allocation and allocation["scope"],
                        "channel_sku": channel and channel["sku"],
                        "channel_uom": channel and channel["uom"],
                        "channel_quantity": channel["quantity"] if channel else 0,
                    }
                )
        records = self.create(vals_list)
        return {
            "type": "ir.actions.act_window",
            "name": _("Channel availability"),
            "res_model": self._name,
            "view_mode": compat.view_modes("list"),
            "domain": [("id", "in", records.ids)],
            "context": {"create": False, "edit": False, "delete": False},
            "target": "current",
        }
