# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The availability definition of an endpoint (basis, locations, horizon and
its version), its channel allocation rules and mappings, and
``plansync.endpoint.availability_snapshot``: every stock level an endpoint
would be sent, a page at a time, from the same renderer as ``stock.level``."""
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.plansync.tools import check_int, check_str, pick_warehouses
from odoo.addons.plansync import compat

BASES = [
    ("on_hand", "On hand"),
    ("reserved", "Reserved"),
    ("free", "Free (on hand - reserved)"),
    ("incoming", "Incoming"),
    ("outgoing", "Outgoing"),
    ("forecast", "Forecast (on hand + incoming - outgoing)"),
]


# Fields whose change makes a new version of the availability definition.
DEFINITION_FIELDS = (
    "availability_basis",
    "availability_location_ids",
    "availability_excluded_location_ids",
    "availability_horizon_days",
)

MAX_LIMIT = 5000
MAX_OFFSET = 2**31 - 1


class PlansyncEndpoint(models.Model):
    _inherit = "plansync.endpoint"

    availability_basis = fields.Selection(BASES, required=True, default="free", tracking=True)
    availability_location_ids = fields.Many2many(
        "stock.location",
        "plansync_endpoint_location_rel",
        "endpoint_id",
        "location_id",
        string="Included locations",
        domain=[("usage", "in", ("internal", "view"))],
        help="Count only these locations and their children (within each "
        "warehouse). Empty means every internal location of the warehouse.",
    )
    availability_excluded_location_ids = fields.Many2many(
        "stock.location",
        "plansync_endpoint_excluded_location_rel",
        "endpoint_id",
        "location_id",
        string="Excluded locations",
        domain=[("usage", "in", ("internal", "view"))],
        help="Never count these locations nor their children.",
    )
    availability_horizon_days = fields.Integer(
        string="Horizon (days)",
        default=0,
        tracking=True,
        help="Incoming and outgoing (and so forecast) count only open moves "
        "dated within this many days from now. 0 means no limit.",
    )
    allocation_rule_ids = fields.One2many("plansync.allocation.rule", "endpoint_id", string="Allocation rules")
    allocation_rule_count = fields.Integer(string="Rules", compute="_compute_allocation_rule_count")
    channel_mapping_ids = fields.One2many("plansync.channel.mapping", "endpoint_id", string="Channel mappings")
    availability_version = fields.Integer(
        readonly=True,
        default=1,
        copy=False,
        tracking=True,
        help="Increases whenever the availability definition changes.",
    )

    @api.depends("allocation_rule_ids")
    def _compute_allocation_rule_count(self):
        for rec in self:
            rec.allocation_rule_count = len(rec.allocation_rule_ids)

    @api.constrains("availability_horizon_days")
    def _check_availability_horizon_days(self):
        for rec in self:
            if rec.availability_horizon_days < 0:
                raise ValidationError(
                    _("availability_horizon_days must be 0 or more, got %r") % (rec.availability_horizon_days,)
                )

    @api.constrains("kind")
    def _check_kind_allocation(self):
        for rec in self:
            if rec.kind != "channel" and (
                rec.with_context(active_test=False).allocation_rule_ids or rec.channel_mapping_ids
            ):
                raise ValidationError(
                    _(
                        "kind: endpoint %(code)s has allocation rules or channel mappings, "
                        "which only a sales channel may have, got %(kind)r"
                    )
                    % {"code": rec.code, "kind": rec.kind}
                )

    def write(self, vals):
        if not any(field in vals for field in DEFINITION_FIELDS):
            return super().write(vals)
        before = {rec.id: rec._definition_snapshot() for rec in self}
        res = super().write(vals)
        for rec in self:
            if rec._definition_snapshot() != before[rec.id]:
                super(PlansyncEndpoint, rec).write({"availability_version": rec.availability_version + 1})
        return res

    def _definition_snapshot(self):
        self.ensure_one()
        return (
            self.availability_basis,
            tuple(sorted(self.availability_location_ids.ids)),
            tuple(sorted(self.availability_excluded_location_ids.ids)),
            self.availability_horizon_days,
        )

    def _bump_availability_version(self):
        """A new version of the definition (allocation rules changed)."""
        for rec in self.sudo().exists():
            rec.write({"availability_version": rec.availability_version + 1})

    def _definition(self):
        """The endpoint's own availability definition (docs/inventory.md)."""
        definition = super()._definition()
        definition.update(
            {
                "version": self.availability_version,
                "basis": self.availability_basis,
                "horizon_days": self.availability_horizon_days,
                "included_location_ids": sorted(self.availability_location_ids.ids),
                "excluded_location_ids": sorted(self.availability_excluded_location_ids.ids),
            }
        )
        return definition

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
        return pick_warehouses(codes, available, available, _("a warehouse of endpoint %s") % self.code)

    def _availability_products(self):
        """Active storable products of the endpoint's company or shared, by id."""
        self.ensure_one()
        return (
            self.env["product.product"]
            .sudo()
            .search(
                compat.storable_domain() + [("company_id", "in", (False, self.company_id.id))],
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
