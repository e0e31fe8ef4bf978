# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rendering of the planning events (docs/events.md, "Planning events";
shared-types/planning.ts).

Each renderer browses all the heads of a claim at once: the ORM's prefetching
reads every record, order, product and partner of the batch in one query per
model, whatever the number of heads.
"""
from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from odoo.addons.plansync import compat
from .plansync_capture_planning import (
    PURCHASE_CONFIRMED,
    SALE_CONFIRMED,
    company_tz,
    local_date,
)
from odoo.addons.plansync.tools import iso_time, number, ref

SLIP_TYPE = "purchase.date_slipped"


def date_string(value):
    return fields.Date.to_string(value) if value else False


class PlansyncRender(models.AbstractModel):
    _inherit = "plansync.render"

    @api.model
    def _render_groups(self, endpoint, groups, now):
        """A slip merges every row of its group (each row holds the dates
        recorded at capture): hand them to the renderer with the head."""
        for group in groups:
            head = group["head"]
            if head["event_type"] == SLIP_TYPE:
                head["slips"] = [row["payload"] for row in group["rows"] if row.get("payload")]
        return super()._render_groups(endpoint, groups, now)

    # ------------------------------------------------------------------
    # small helpers
    # ------------------------------------------------------------------

    @api.model
    def _product_ref(self, product):
        return {"id": product.id, "sku": self._sku(product)}

    @api.model
    def _warehouse_ref(self, warehouse):
        return {"id": warehouse.id, "code": warehouse.code or ""} if warehouse else False

    @api.model
    def _partner_ref(self, partner):
        return {
            "id": partner.id,
            "name": partner.name or partner.display_name or "",
            "ref": partner.ref or False,
        }

    @api.model
    def _in_product_uom(self, quantity, uom, product):
        """``quantity`` of ``uom`` in the product's unit, rounded to it."""
        product_uom = product.uom_id
        if uom and product_uom and uom != product_uom:
            quantity = uom._compute_quantity(quantity or 0.0, product_uom, round=False)
        return float_round(
            quantity or 0.0,
            precision_rounding=product_uom.rounding or 0.01,
            rounding_method="HALF-UP",
        )

    # ------------------------------------------------------------------
    # demand.line
    # ------------------------------------------------------------------

    @api.model
    def _render_demand_line(self, endpoint, heads, now):
        found, results = self._browse_heads("stock.move", heads)
        capture = self.env["plansync.capture"]
        for head_id, move in found.items():
            kind, warehouse = capture._demand_side(move)
            if move.state != "done" or not kind:
                results[head_id] = UserError(_("stock.move(%s) is not a done move to or from a customer") % move.id)
                continue
            product = move.product_id
            quantity = self._in_product_uom(move.quantity, move.product_uom, product)
            if kind == "return":
                quantity = -quantity
            sale_line = move.sale_line_id
            order = sale_line.order_id
            if order:
                customer = order.partner_id
            else:
                customer = (move.picking_id.partner_id or move.partner_id).commercial_partner_id
            day = date_string(local_date(move.date, company_tz(warehouse.company_id)))
            sku = self._sku(product)
            results[head_id] = (
                "%s@%s@%s" % (sku, warehouse.code or "", day),
                {
                    "id": move.id,
                    "product": {"id": product.id, "sku": sku},
                    "warehouse": self._warehouse_ref(warehouse),
                    "date": day,
                    "quantity": quantity,
                    "uom": ref(product.uom_id, product.uom_id.name),
                    "kind": kind,
                    "order": order.name or False,
                    "sale_line_id": sale_line.id or False,
                    "customer": ({"id": customer.id, "ref": customer.ref or False} if customer else False),
                    "done_at": iso_time(move.date),
                },
            )
        return results

    # ------------------------------------------------------------------
    # sale.open_line
    # ------------------------------------------------------------------

    @api.model
    def _sale_open_line_values(self, lines):
        """{line_id: (aggregate_key, payload)} of sale lines, current state."""
        results = {}
        for line in lines:
            order = line.order_id
            product = line.product_id
            ordered = self._in_product_uom(line.product_uom_qty, compat.line_uom(line), product)
            delivered = self._in_product_uom(line.qty_delivered, compat.line_uom(line), product)
            open_quantity = 0.0
            if order.state in SALE_CONFIRMED and ordered > delivered:
                open_quantity = float_round(
                    ordered - delivered,
                    precision_rounding=product.uom_id.rounding or 0.01,
                )
            tz_name = company_tz(order.company_id)
            results[line.id] = (
                "%s/%s" % (order.name, line.id),
                {
                    "id": line.id,
                    "order": order.name or "",
                    "order_id": order.id,
                    "customer": self._partner_ref(order.partner_id),
                    "product": self._product_ref(product),
                    "warehouse": self._warehouse_ref(order.warehouse_id),
                    "ordered": ordered,
                    "delivered": delivered,
                    "open_quantity": open_quantity,
                    "uom": ref(product.uom_id, product.uom_id.name),
                    "commitment_date": date_string(local_date(order.commitment_date, tz_name)),
                    "date_order": iso_time(order.date_order),
                    "state": order.state or "",
                },
            )
        return results

    @api.model
    def _render_open_lines(self, model, heads, values):
        """Render existing lines with ``values``; a line deleted since its
        capture is rendered from the payload recorded when it was deleted."""
        found, missing = self._browse_heads(model, heads)
        lines = self.env[model].browse([line.id for line in found.values()])
        rendered = values(lines)
        results = {head_id: rendered[line.id] for head_id, line in found.items()}
        heads_by_id = {head["id"]: head for head in heads}
        for head_id, error in missing.items():
            head = heads_by_id[head_id]
            if head.get("payload"):
                results[head_id] = (head["aggregate_key"] or "", head["payload"])
            else:
                results[head_id] = error
        return results

    @api.model
    def _render_sale_open_line(self, endpoint, heads, now):
        return self._render_open_lines("sale.order.line", heads, self._sale_open_line_values)

    # ------------------------------------------------------------------
    # purchase.open_line
    # ------------------------------------------------------------------

    @api.model
    def _purchase_line_figures(self, line):
        """(ordered, received, open quantity) of a purchase line, in the
        product's unit."""
        product = line.product_id
        ordered = self._in_product_uom(line.product_qty, compat.line_uom(line), product)
        received = self._in_product_uom(line.qty_received, compat.line_uom(line), product)
        open_quantity = 0.0
        if line.order_id.state in PURCHASE_CONFIRMED and ordered > received:
            open_quantity = float_round(ordered - received, precision_rounding=product.uom_id.rounding or 0.01)
        return ordered, received, open_quantity

    @api.model
    def _purchase_open_line_values(self, lines):
        """{line_id: (aggregate_key, payload)} of purchase lines, current state."""
        results = {}
        for line in lines:
            order = line.order_id
            product = line.product_id
            ordered, received, open_quantity = self._purchase_line_figures(line)
            tz_name = company_tz(order.company_id)
            promised = local_date(line.date_planned, tz_name)
            first = local_date(line.plansync_first_date_planned, tz_name)
            results[line.id] = (
                "%s/%s" % (order.name, line.id),
                {
                    "id": line.id,
                    "order": order.name or "",
                    "order_id": order.id,
                    "vendor": self._partner_ref(order.partner_id),
                    "product": self._product_ref(product),
                    "warehouse": self._warehouse_ref(order.picking_type_id.warehouse_id),
                    "ordered": ordered,
                    "received": received,
                    "open_quantity": open_quantity,
                    "uom": ref(product.uom_id, product.uom_id.name),
                    "promised_date": date_string(promised),
                    "first_promised_date": date_string(first),
                    "slip_days": (promised - first).days if promised and first else 0,
                    "price_unit": number(line.price_unit),
                    "currency": order.currency_id.name or False,
                    "state": compat.purchase_order_state(order),
                },
            )
        return results

    @api.model
    def _render_purchase_open_line(self, endpoint, heads, now):
        return self._render_open_lines("purchase.order.line", heads, self._purchase_open_line_values)

    # ------------------------------------------------------------------
    # purchase.date_slipped
    # ------------------------------------------------------------------

    @api.model
    def _render_purchase_date_slipped(self, endpoint, heads, now):
        """The line's current figures, with the dates recorded at capture:
        coalesced slips go from the earliest previous date to the promised
        date of the newest slip."""
        found, results = self._browse_heads("purchase.order.line", heads)
        heads_by_id = {head["id"]: head for head in heads}
        for head_id, line in found.items():
            head = heads_by_id[head_id]
            slips = head.get("slips") or ([head["payload"]] if head.get("payload") else [])
            slips = [s for s in slips if s.get("previous_date") and s.get("promised_date")]
            if not slips:
                results[head_id] = UserError(_("purchase.date_slipped #%s has no dates recorded") % head_id)
                continue
            # rows come in id order: the last one is the newest slip
            previous = min(s["previous_date"] for s in slips)
            promised = slips[-1]["promised_date"]
            order = line.order_id
            _ordered, _received, open_quantity = self._purchase_line_figures(line)
            results[head_id] = (
                "%s/%s" % (order.name, line.id),
                {
                    "line_id": line.id,
                    "order": order.name or "",
                    "vendor": self._partner_ref(order.partner_id),
                    "product": self._product_ref(line.product_id),
                    "warehouse": self._warehouse_ref(order.picking_type_id.warehouse_id),
                    "previous_date": previous,
                    "promised_date": promised,
                    "slip_days": (fields.Date.to_date(promised) - fields.Date.to_date(previous)).days,
                    "open_quantity": open_quantity,
                },
            )
        return results
