# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Shared set-up of the planning-loop capture tests (demand, open lines, history):
an endpoint subscribed to the planning types, a customer, a vendor with terms,
helpers to sell, buy, validate, return and claim."""
from odoo import Command

from odoo.addons.plansync.tests.common import PlansyncCase
from odoo.addons.plansync import compat

PLANNING_TYPES = [
    "demand.line",
    "sale.open_line",
    "purchase.open_line",
    "purchase.date_slipped",
]


class PlanningCase(PlansyncCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.uom_dozen = cls.env.ref("uom.product_uom_dozen")
        cls.uom_dozen.active = True  # archived by default in 19 (uom/data/uom_data.xml)
        cls.planning_types = cls.env["plansync.event.type"].search([("code", "in", PLANNING_TYPES)])
        cls.endpoint_demand = cls.env["plansync.endpoint"].create(
            {
                "name": "Planning loop (test)",
                "code": "T_LOOP",
                "kind": "planning",
                "company_id": cls.company.id,
                "event_type_ids": [Command.set(cls.planning_types.ids)],
            }
        )
        Partner = cls.env["res.partner"]
        cls.customer = Partner.create({"name": "Deco Addict", "ref": "C-009"})
        cls.vendor = Partner.create({"name": "Wood Corner", "ref": "V-014"})
        cls.env["product.supplierinfo"].create(
            {
                "partner_id": cls.vendor.id,
                "product_tmpl_id": cls.product.product_tmpl_id.id,
                "price": 55.0,
            }
        )
        cls.flush_capture()
        cls.clear_outbox()

    # ------------------------------------------------------------------

    def loop_rows(self, event_type=None):
        """Pending outbox rows of the planning endpoint (of one type)."""
        domain = [("endpoint_id", "=", self.endpoint_demand.id), ("state", "=", "pending")]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.rows(domain)

    def claim_loop(self, event_type=None):
        """Claim and acknowledge everything of the planning endpoint; the
        events (of one type)."""
        result = self.claim(endpoint=self.endpoint_demand, limit=1000)
        events = result["events"]
        if events:
            self.as_agent().ack(result["lease"], [e["id"] for e in events])
        if event_type:
            events = [e for e in events if e["type"] == event_type]
        return events

    def sell(self, product, quantity, uom=None, confirm=True):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "warehouse_id": self.warehouse.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            compat.LINE_UOM: (uom or product.uom_id).id,
                        }
                    )
                ],
            }
        )
        if confirm:
            order.action_confirm()
        return order

    def buy(self, product, quantity, date_planned, confirm=True):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.vendor.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_qty": quantity,
                            "date_planned": date_planned,
                        }
                    )
                ],
            }
        )
        if confirm:
            order.button_confirm()
        return order

    def validate(self, pickings, quantity=None):
        """Validate ``pickings``: every move done with its demand, or with
        ``quantity`` (a backorder keeps the rest)."""
        for picking in pickings:
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty if quantity is None else quantity
                move.picked = True
            picking.with_context(skip_backorder=True).button_validate()
        return pickings

    def return_picking(self, picking, quantity):
        """A return of ``quantity`` of a done picking (confirmed, not validated)."""
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_ids=picking.ids, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = quantity
        action = compat.create_returns(wizard)
        return self.env["stock.picking"].browse(action["res_id"])

    def set_done_date(self, moves, when):
        moves.write({"date": when})
        moves.flush_recordset()
