# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""``stock.level`` as an endpoint's availability definition makes it: its
included and excluded locations, its horizon, the channel allocation rules
and the channel mappings, on top of the core's plain figure."""
from odoo import api, models

from odoo.addons.plansync.tools import category_path

from odoo.addons.plansync import compat
from .plansync_allocation_rule import allocate, match_rule


class PlansyncRender(models.AbstractModel):
    _inherit = "plansync.render"

    @api.model
    def _stock_level_prefetch(self, endpoint, warehouse, products):
        prefetch = super()._stock_level_prefetch(endpoint, warehouse, products)
        prefetch["rules"] = endpoint.allocation_rule_ids.filtered("active").sorted(
            lambda rule: (rule.sequence, rule.id)
        )
        prefetch["mappings"] = {
            mapping.product_id.id: mapping
            for mapping in self.env["plansync.channel.mapping"].search(
                [("endpoint_id", "=", endpoint.id), ("product_id", "in", products.ids)]
            )
        }
        return prefetch

    @api.model
    def _stock_level_payload(self, endpoint, product, payload, prefetch):
        payload = super()._stock_level_payload(endpoint, product, payload, prefetch)
        rounding = product.uom_id.rounding or 0.01
        rule, scope = match_rule(prefetch["rules"], product.id, category_path(product))
        if rule:
            payload["available"] = allocate(
                payload["basis_quantity"],
                rule.share_percent,
                rule.buffer_qty,
                rule.floor_qty,
                rule.ceiling_qty,
                rounding,
            )
            payload["allocation"] = rule._allocation(scope)
        mapping = prefetch["mappings"].get(product.id)
        if mapping:
            payload["channel"] = mapping._channel(payload["available"])
        return payload

    @api.model
    def _level_domain(self, endpoint, warehouse):
        domain = super()._level_domain(endpoint, warehouse)
        if endpoint.availability_location_ids:
            domain.append(("id", "child_of", endpoint.availability_location_ids.ids))
        return domain

    @api.model
    def _level_locations(self, endpoint, warehouse):
        locations = super()._level_locations(endpoint, warehouse)
        if endpoint.availability_excluded_location_ids:
            locations -= (
                self.env["stock.location"]
                .with_context(active_test=False)
                .search([("id", "child_of", endpoint.availability_excluded_location_ids.ids)])
            )
        return locations

    @api.model
    def _level_horizon_days(self, endpoint):
        return endpoint.availability_horizon_days
