# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import Command, fields
from odoo.tests.common import TransactionCase

from .. import compat

EVENT_TYPES = [
    "product.changed",
    "product.deleted",
    "uom.changed",
    "uom.deleted",
    "warehouse.changed",
    "location.changed",
    "vendor_terms.changed",
    "vendor_terms.deleted",
    "stock.level",
]


def make_user(env, name, login, companies, groups, internal=True):
    """A user of ``companies`` (the first is its company) in ``groups``: an
    internal user, or with ``internal=False`` a user in ``groups`` only, as the
    integration user is set up (docs/security.md)."""
    base = [env.ref("base.group_user").id] if internal else []
    return (
        env["res.users"]
        .with_context(no_reset_password=True)
        .create(
            {
                "name": name,
                "login": login,
                "company_id": companies[0].id,
                "company_ids": [Command.set(companies.ids)],
                compat.USER_GROUPS: [Command.set(base + [g.id for g in groups])],
            }
        )
    )


def walk_none(value, path="result"):
    """Paths of every None in a JSON-like structure."""
    found = []
    if value is None:
        found.append(path)
    elif isinstance(value, dict):
        for key, item in value.items():
            found += walk_none(item, "%s.%s" % (path, key))
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            found += walk_none(item, "%s[%s]" % (path, index))
    return found


class PlansyncCase(TransactionCase):
    """Shared set-up: an integration user, a planner, a manager, two
    endpoints of the main company and a storable product. No demo data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        # The tests run in databases that may already have endpoints and settings
        # of their own (a live tier, a customer's copy): start from defaults. All
        # of this is rolled back with the test transaction.
        cls.env["plansync.endpoint"].with_context(active_test=False).search([]).write({"active": False})
        cls.env["ir.config_parameter"].sudo().search([("key", "=like", "plansync.%")]).unlink()
        cls.company = cls.env.company
        cls.warehouse = cls.env["stock.warehouse"].search([("company_id", "=", cls.company.id)], limit=1)
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.group_user = cls.env.ref("base.group_user")
        cls.group_integration = cls.env.ref("plansync.group_plansync_integration")
        cls.group_planner = cls.env.ref("plansync.group_plansync_user")
        cls.group_manager = cls.env.ref("plansync.group_plansync_manager")
        cls.agent_user = make_user(
            cls.env,
            "PlanSync Agent (test)",
            "plansync-agent-test",
            cls.company,
            cls.group_integration,
            internal=False,
        )
        cls.planner = make_user(cls.env, "Planner (test)", "plansync-planner-test", cls.company, cls.group_planner)
        cls.manager = make_user(
            cls.env, "PlanSync Manager (test)", "plansync-manager-test", cls.company, cls.group_manager
        )
        cls.event_types = {code: cls.env["plansync.event.type"].search([("code", "=", code)]) for code in EVENT_TYPES}
        Endpoint = cls.env["plansync.endpoint"]
        cls.endpoint = Endpoint.create(
            {
                "name": "Webhook (test)",
                "code": "T_WEBHOOK",
                "kind": "webhook",
                "url": "http://127.0.0.1:9/hook",
                "company_id": cls.company.id,
                "event_type_ids": [Command.set([t.id for t in cls.event_types.values()])],
            }
        )
        cls.endpoint_planning = Endpoint.create(
            {
                "name": "Planning (test)",
                "code": "T_PLANNING",
                "kind": "planning",
                "company_id": cls.company.id,
                "event_type_ids": [
                    Command.set(
                        [
                            cls.event_types["product.changed"].id,
                            cls.event_types["stock.level"].id,
                        ]
                    )
                ],
            }
        )
        cls.uom_unit = cls.env.ref("uom.product_uom_unit")
        cls.product = cls.env["product.product"].create(
            {
                "name": "Office chair",
                "default_code": "T-CHAIR",
                **compat.storable_product_vals(),
                "uom_id": cls.uom_unit.id,
                **compat.purchase_uom_vals(cls.uom_unit),
            }
        )
        cls.product2 = cls.env["product.product"].create(
            {"name": "Desk", "default_code": "T-DESK", **compat.storable_product_vals()}
        )
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.flush_capture()
        cls.clear_outbox()

    # ------------------------------------------------------------------

    @classmethod
    def flush_capture(cls):
        """Run the precommit hooks now, as a commit would."""
        cls.env.cr.flush()

    @classmethod
    def clear_outbox(cls):
        cls.env["plansync.outbox"]._edit().search([]).unlink()

    def rows(self, domain=None):
        self.flush_capture()
        return self.env["plansync.outbox"].sudo().search(domain or [], order="id")

    def as_agent(self, model="plansync.outbox"):
        return self.env[model].with_user(self.agent_user)

    def claim(self, endpoint=None, limit=100, lease_seconds=60, consumer="test:1"):
        self.flush_capture()
        return self.as_agent().claim((endpoint or self.endpoint).code, limit, lease_seconds, consumer)

    def expire(self, records, seconds=1):
        """Move the lease of ``records`` into the past."""
        records._edit().write({"lease_expires_at": fields.Datetime.now() - timedelta(seconds=seconds)})
        records.flush_recordset()

    def receive(self, product, quantity, validate=True, confirm=True):
        """A receipt of ``quantity`` of ``product`` into the warehouse stock
        (left in draft without ``confirm``)."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": self.supplier_location.id,
                "location_dest_id": self.stock_location.id,
                "move_ids": [
                    Command.create(
                        {
                            **compat.move_description_vals(product.name),
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": self.supplier_location.id,
                            "location_dest_id": self.stock_location.id,
                        }
                    )
                ],
            }
        )
        if not confirm:
            return picking
        picking.action_confirm()
        if validate:
            picking.move_ids.quantity = quantity
            picking.move_ids.picked = True
            picking.button_validate()
        return picking

    def deliver(self, product, quantity):
        """A delivery of ``quantity`` of ``product``, confirmed and reserved."""
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "move_ids": [
                    Command.create(
                        {
                            **compat.move_description_vals(product.name),
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.action_assign()
        return picking
