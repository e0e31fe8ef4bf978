# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A product's listing on a sales channel: its SKU there and the unit the
channel counts in (docs/events.md, ``stock.level``)."""
import math

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from odoo.addons.plansync import compat
from .plansync_allocation_rule import check_channel_endpoints

KEY_FIELDS = ("endpoint_id", "product_id", "channel_sku")


def channel_units(quantity, ratio_from, ratio_to):
    """``quantity`` of a unit whose ratio to the reference is ``ratio_from``,
    in whole units of ratio ``ratio_to``, rounded down (a few ulps of float
    noise are not a missing unit)."""
    converted = float_round(quantity * ratio_from / ratio_to, precision_digits=9)
    return int(math.floor(converted))


@compat.table_constraints
class PlansyncChannelMapping(models.Model):
    _name = "plansync.channel.mapping"
    _description = "PlanSync Channel Mapping"
    _order = "endpoint_id, channel_sku, id"
    _rec_name = "channel_sku"

    endpoint_id = fields.Many2one("plansync.endpoint", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="endpoint_id.company_id", store=True, index=True)
    product_id = fields.Many2one("product.product", required=True, ondelete="cascade")
    channel_sku = fields.Char(string="Channel SKU", required=True)
    uom_id = fields.Many2one(
        "uom.uom",
        string="Channel unit",
        required=True,
        help="The unit the channel counts in; of the category of the product's unit.",
    )

    _sql_constraints = [
        (
            "endpoint_product_uniq",
            "unique(endpoint_id, product_id)",
            "A product is mapped once per endpoint.",
        ),
        (
            "endpoint_sku_uniq",
            "unique(endpoint_id, channel_sku)",
            "A channel SKU is mapped once per endpoint.",
        ),
    ]

    @api.onchange("product_id")
    def _onchange_product_id(self):
        if self.product_id and (not self.uom_id or not compat.same_unit_family(self.uom_id, self.product_id.uom_id)):
            self.uom_id = self.product_id.uom_id

    @api.constrains("channel_sku")
    def _check_channel_sku(self):
        for mapping in self:
            if not (mapping.channel_sku or "").strip():
                raise ValidationError(_("channel_sku must not be blank, got %r") % (mapping.channel_sku,))

    @api.constrains("uom_id", "product_id")
    def _check_uom_id(self):
        for mapping in self:
            product_uom = mapping.product_id.uom_id
            if not compat.same_unit_family(mapping.uom_id, product_uom):
                raise ValidationError(
                    _(
                        "uom_id: the channel unit %(uom)s (%(category)s) is not of the "
                        "category of the product's unit %(product_uom)s (%(product_category)s)"
                    )
                    % {
                        "uom": mapping.uom_id.name,
                        "category": compat.unit_family(mapping.uom_id).name,
                        "product_uom": product_uom.name,
                        "product_category": compat.unit_family(product_uom).name,
                    }
                )

    @api.constrains("endpoint_id")
    def _check_endpoint_kind(self):
        check_channel_endpoints(self, _("channel mappings"))

    @api.model_create_multi
    def create(self, vals_list):
        Product = self.env["product.product"]
        for vals in vals_list:
            if not vals.get("uom_id") and vals.get("product_id"):
                vals["uom_id"] = Product.browse(vals["product_id"]).uom_id.id
        self._check_unique(
            [(vals.get("endpoint_id"), vals.get("product_id"), vals.get("channel_sku")) for vals in vals_list],
            self.browse(),
        )
        return super().create(vals_list)

    def write(self, vals):
        if any(fname in vals for fname in KEY_FIELDS):
            self._check_unique(
                [
                    (
                        vals.get("endpoint_id", mapping.endpoint_id.id),
                        vals.get("product_id", mapping.product_id.id),
                        vals.get("channel_sku", mapping.channel_sku),
                    )
                    for mapping in self
                ],
                self,
            )
        return super().write(vals)

    @api.model
    def _check_unique(self, keys, excluded):
        """Refuse a second mapping of a product or of a channel SKU on an
        endpoint, naming the value (the SQL constraints back this up)."""
        seen_products, seen_skus = set(), set()
        for endpoint_id, product_id, sku in keys:
            if not endpoint_id:
                continue
            others = self.sudo().search(
                [
                    ("endpoint_id", "=", endpoint_id),
                    ("id", "not in", excluded.ids),
                    "|",
                    ("product_id", "=", product_id),
                    ("channel_sku", "=", sku),
                ],
                limit=1,
            )
            if (endpoint_id, product_id) in seen_products or (others and others.product_id.id == product_id):
                raise ValidationError(
                    _("product_id: %s is already mapped on this endpoint")
                    % self.env["product.product"].browse(product_id).display_name
                )
            if (endpoint_id, sku) in seen_skus or others:
                raise ValidationError(_("channel_sku: %r is already mapped on this endpoint") % (sku,))
            seen_products.add((endpoint_id, product_id))
            seen_skus.add((endpoint_id, sku))

    def _channel(self, available):
        """The ``channel`` of a stock.level payload for ``available`` in the
        product's unit."""
        self.ensure_one()
        return {
            "sku": self.channel_sku,
            "uom": self.uom_id.name,
            "quantity": channel_units(
                available,
                compat.ratio_to_reference(self.product_id.uom_id),
                compat.ratio_to_reference(self.uom_id),
            ),
        }
