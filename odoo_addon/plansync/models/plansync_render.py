# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Rendering of outbox events into the canonical payloads of docs/events.md.

Rendering happens at claim time, batched per event type: one read per type
(and a few grouped reads per warehouse for stock levels) for the whole claim.
"""
from collections import OrderedDict, defaultdict
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import MissingError, UserError
from odoo.tools import float_round

from ..tools import iso_time, number, ref
from .. import compat


class PlansyncRender(models.AbstractModel):
    _name = "plansync.render"
    _description = "PlanSync Event Rendering"

    # ------------------------------------------------------------------
    # business keys (also used by the capture for deleted records)
    # ------------------------------------------------------------------

    @api.model
    def _sku(self, product):
        return product.default_code or "product.product:%s" % product.id

    @api.model
    def _aggregate_key(self, record):
        """The business key of a record (events.md, column aggregate.key)."""
        model = record._name
        if model == "product.product":
            return self._sku(record)
        if model == "uom.uom":
            return record.name or ""
        if model == "stock.warehouse":
            return record.code or ""
        if model == "stock.picking":
            return record.name or ""
        if model == "stock.location":
            return record.complete_name or record.name or ""
        if model == "product.supplierinfo":
            vendor = record.partner_id.ref or str(record.partner_id.id or "")
            if record.product_id:
                target = self._sku(record.product_id)
            else:
                target = str(record.product_tmpl_id.id or "")
            return "%s:%s" % (vendor, target)
        return "%s:%s" % (model, record.id)

    # ------------------------------------------------------------------
    # batch entry point
    # ------------------------------------------------------------------

    @api.model
    def _render_groups(self, endpoint, groups, now):
        """Render the head of every group.

        :param endpoint: the plansync.endpoint claimed for
        :param groups: dicts with a "head" row (dict of outbox columns)
        :return: {head_id: (aggregate_key, payload)} or {head_id: Exception}
        """
        env_self = self.sudo().with_company(endpoint.company_id).with_context(active_test=False, lang="en_US")
        by_type = OrderedDict()
        for group in groups:
            by_type.setdefault(group["head"]["event_type"], []).append(group["head"])
        results = {}
        cr = self.env.cr
        for event_type, heads in by_type.items():
            if event_type.endswith(".deleted"):
                method = env_self._render_deleted
            else:
                method = getattr(env_self, "_render_%s" % event_type.replace(".", "_"), None)
            if method is None:
                for head in heads:
                    results[head["id"]] = UserError(_("no renderer for event type %r") % event_type)
                continue
            try:
                with cr.savepoint(flush=False):
                    results.update(method(endpoint, heads, now))
                continue
            except Exception as exc:  # pylint: disable=broad-except
                if len(heads) == 1:
                    results[heads[0]["id"]] = exc
                    continue
            # the batch failed: isolate the group(s) that fail
            self.env.invalidate_all(flush=False)
            for head in heads:
                try:
                    with cr.savepoint(flush=False):
                        results.update(method(endpoint, [head], now))
                except Exception as exc:  # pylint: disable=broad-except
                    self.env.invalidate_all(flush=False)
                    results[head["id"]] = exc
        return results

    @api.model
    def _browse_heads(self, model, heads):
        """{head_id: record} for existing records, {head_id: MissingError} else."""
        records = self.env[model].browse({h["aggregate_id"] for h in heads}).exists()
        by_id = {r.id: r for r in records}
        found, missing = {}, {}
        for head in heads:
            record = by_id.get(head["aggregate_id"])
            if record:
                found[head["id"]] = record
            else:
                missing[head["id"]] = MissingError(
                    _("%(model)s(%(id)s) no longer exists") % {"model": model, "id": head["aggregate_id"]}
                )
        return found, missing

    # ------------------------------------------------------------------
    # one method per event type: _render_<entity>_<fact>
    # ------------------------------------------------------------------

    @api.model
    def _render_deleted(self, endpoint, heads, now):
        results = {}
        for head in heads:
            key = head["aggregate_key"] or ""
            payload = head["payload"] or {"id": head["aggregate_id"], "key": key}
            results[head["id"]] = (key, payload)
        return results

    @api.model
    def _render_product_changed(self, endpoint, heads, now):
        found, results = self._browse_heads("product.product", heads)
        for head_id, product in found.items():
            sku = self._sku(product)
            results[head_id] = (
                sku,
                {
                    "id": product.id,
                    "sku": sku,
                    "name": product.name or "",
                    "barcode": product.barcode or False,
                    "active": bool(product.active),
                    "type": compat.product_kind(product),
                    "tracking": product.tracking or "none",
                    "category": ref(product.categ_id),
                    "uom": ref(product.uom_id, product.uom_id.name),
                    "purchase_uom": ref(compat.purchase_uom(product), compat.purchase_uom(product).name),
                    "sale_ok": bool(product.sale_ok),
                    "purchase_ok": bool(product.purchase_ok),
                    "weight": number(product.weight),
                    "volume": number(product.volume),
                    "standard_price": number(product.standard_price),
                    "list_price": number(product.lst_price),
                    "currency": product.currency_id.name or False,
                    "company": product.company_id.id or False,
                },
            )
        return results

    @api.model
    def _render_uom_changed(self, endpoint, heads, now):
        found, results = self._browse_heads("uom.uom", heads)
        for head_id, uom in found.items():
            results[head_id] = (
                uom.name or "",
                {
                    "id": uom.id,
                    "name": uom.name or "",
                    "category": ref(compat.unit_family(uom), compat.unit_family(uom).name),
                    "uom_type": compat.unit_type(uom),
                    "ratio_to_reference": number(compat.ratio_to_reference(uom)),
                    "rounding": number(uom.rounding),
                    "active": bool(uom.active),
                },
            )
        return results

    @api.model
    def _render_warehouse_changed(self, endpoint, heads, now):
        found, results = self._browse_heads("stock.warehouse", heads)
        for head_id, warehouse in found.items():
            results[head_id] = (
                warehouse.code or "",
                {
                    "id": warehouse.id,
                    "code": warehouse.code or "",
                    "name": warehouse.name or "",
                    "active": bool(warehouse.active),
                    "company": warehouse.company_id.id,
                    "view_location_id": warehouse.view_location_id.id or False,
                    "stock_location_id": warehouse.lot_stock_id.id or False,
                    "address": warehouse.partner_id.display_name or False,
                },
            )
        return results

    @api.model
    def _render_location_changed(self, endpoint, heads, now):
        found, results = self._browse_heads("stock.location", heads)
        for head_id, location in found.items():
            warehouse = location.warehouse_id
            results[head_id] = (
                self._aggregate_key(location),
                {
                    "id": location.id,
                    "name": location.name or "",
                    "full_name": location.complete_name or location.name or "",
                    "usage": location.usage,
                    "active": bool(location.active),
                    "parent_id": location.location_id.id or False,
                    "warehouse": ({"id": warehouse.id, "code": warehouse.code or ""} if warehouse else False),
                    "barcode": location.barcode or False,
                    "company": location.company_id.id or False,
                },
            )
        return results

    @api.model
    def _render_vendor_terms_changed(self, endpoint, heads, now):
        found, results = self._browse_heads("product.supplierinfo", heads)
        for head_id, info in found.items():
            product = info.product_id
            results[head_id] = (
                self._aggregate_key(info),
                {
                    "id": info.id,
                    "vendor": {
                        "id": info.partner_id.id,
                        "name": info.partner_id.name or info.partner_id.display_name or "",
                        "ref": info.partner_id.ref or False,
                    },
                    "product_template_id": (info.product_tmpl_id.id or product.product_tmpl_id.id),
                    "product": ({"id": product.id, "sku": self._sku(product)} if product else False),
                    "vendor_product_code": info.product_code or False,
                    "vendor_product_name": info.product_name or False,
                    "min_qty": number(info.min_qty),
                    "price": number(info.price),
                    "currency": info.currency_id.name or False,
                    "lead_time_days": int(info.delay or 0),
                    "date_start": fields.Date.to_string(info.date_start) or False,
                    "date_end": fields.Date.to_string(info.date_end) or False,
                    "sequence": int(info.sequence or 0),
                    "company": info.company_id.id or False,
                },
            )
        return results

    @api.model
    def _render_picking_changed(self, endpoint, heads, now):
        found, results = self._browse_heads("stock.picking", heads)
        for head_id, picking in found.items():
            warehouse = picking.picking_type_id.warehouse_id
            results[head_id] = (
                picking.name or "",
                {
                    "picking": {
                        "id": picking.id,
                        "name": picking.name or "",
                        "type": picking.picking_type_id.code,
                        "state": picking.state,
                        "scheduled_date": iso_time(picking.scheduled_date),
                        "origin": picking.origin or False,
                        "partner": ref(picking.partner_id),
                        "warehouse": ({"id": warehouse.id, "code": warehouse.code or ""} if warehouse else False),
                        "location": picking.location_id.complete_name or "",
                        "location_dest": picking.location_dest_id.complete_name or "",
                    },
                    "lines": [
                        {
                            "move_id": move.id,
                            "product": {"id": move.product_id.id, "sku": self._sku(move.product_id)},
                            "quantity": number(move.product_uom_qty),
                            "uom": move.product_uom.name or "",
                            "tracking": move.product_id.tracking or "none",
                            "location": move.location_id.complete_name or "",
                            "location_dest": move.location_dest_id.complete_name or "",
                        }
                        for move in picking.move_ids.sorted("id")
                    ],
                },
            )
        return results

    @api.model
    def _render_stock_level(self, endpoint, heads, now):
        """Quantities per (product, warehouse): a few grouped reads per
        warehouse for all the products of the claim."""
        results = {}
        heads_by_warehouse = defaultdict(list)
        for head in heads:
            heads_by_warehouse[head["wh"]].append(head)
        definition = endpoint._definition()
        computed_at = iso_time(now)
        for warehouse_id, wh_heads in heads_by_warehouse.items():
            warehouse = self.env["stock.warehouse"].browse(warehouse_id).exists()
            if not warehouse:
                for head in wh_heads:
                    # a warehouse gone before the capture's commit left its id in the payload
                    gone = warehouse_id or (head.get("payload") or {}).get("warehouse_id")
                    results[head["id"]] = MissingError(_("stock.warehouse(%s) no longer exists") % gone)
                continue
            found, missing = self._browse_heads("product.product", wh_heads)
            results.update(missing)
            if not found:
                continue
            products = self.env["product.product"].browse({p.id for p in found.values()})
            levels = self._stock_levels(endpoint, warehouse, products, now)
            prefetch = self._stock_level_prefetch(endpoint, warehouse, products)
            for head_id, product in found.items():
                level = levels[product.id]
                sku = self._sku(product)
                rounding = product.uom_id.rounding or 0.01
                values = {
                    key: float_round(level[key], precision_rounding=rounding)
                    for key in ("on_hand", "reserved", "incoming", "outgoing")
                }
                values["free"] = float_round(values["on_hand"] - values["reserved"], precision_rounding=rounding)
                values["forecast"] = float_round(
                    values["on_hand"] + values["incoming"] - values["outgoing"],
                    precision_rounding=rounding,
                )
                payload = {
                    "product": {"id": product.id, "sku": sku},
                    "warehouse": {"id": warehouse.id, "code": warehouse.code or ""},
                    "uom": ref(product.uom_id, product.uom_id.name),
                }
                payload.update(values)
                basis_quantity = values[definition["basis"]]
                payload["basis_quantity"] = basis_quantity
                payload["available"] = basis_quantity
                payload["definition"] = dict(definition)
                payload["allocation"] = False
                payload["channel"] = False
                payload["computed_at"] = computed_at
                payload = self._stock_level_payload(endpoint, product, payload, prefetch)
                results[head_id] = ("%s@%s" % (sku, warehouse.code or ""), payload)
        return results

    # ------------------------------------------------------------------
    # stock.level hooks: feature modules (plansync_inventory) extend them
    # through _inherit and super()
    # ------------------------------------------------------------------

    @api.model
    def _stock_level_prefetch(self, endpoint, warehouse, products):
        """What ``_stock_level_payload`` needs for ``products`` of one
        warehouse, read once per batch. The core needs nothing."""
        return {}

    @api.model
    def _stock_level_payload(self, endpoint, product, payload, prefetch):
        """The stock.level payload of one product: the core sends the plain
        figure of the definition's basis as ``available``, without allocation
        nor channel. Returns the payload (changed in place or a new dict)."""
        return payload

    @api.model
    def _level_domain(self, endpoint, warehouse):
        """Domain of the internal locations counted for ``warehouse``: every
        internal location of the warehouse in the core."""
        return [
            ("id", "child_of", warehouse.view_location_id.id),
            ("usage", "=", "internal"),
        ]

    @api.model
    def _level_locations(self, endpoint, warehouse):
        """Internal locations counted for ``warehouse`` by ``endpoint``'s
        availability definition."""
        Location = self.env["stock.location"].with_context(active_test=False)
        return Location.search(self._level_domain(endpoint, warehouse))

    @api.model
    def _level_horizon_days(self, endpoint):
        """Days ahead that incoming and outgoing moves count (0: no limit)."""
        return 0

    @api.model
    def _stock_levels(self, endpoint, warehouse, products, now=None):
        """{product_id: {on_hand, reserved, incoming, outgoing}} in the
        product's unit, with three grouped reads whatever the product count.
        With a horizon, incoming and outgoing count the moves dated up to
        ``now`` + horizon only."""
        levels = {
            product.id: {"on_hand": 0.0, "reserved": 0.0, "incoming": 0.0, "outgoing": 0.0} for product in products
        }
        location_ids = self._level_locations(endpoint, warehouse).ids
        if not location_ids:
            return levels
        quant_groups = self.env["stock.quant"]._read_group(
            [("product_id", "in", products.ids), ("location_id", "in", location_ids)],
            ["product_id"],
            ["quantity:sum", "reserved_quantity:sum"],
        )
        for product, quantity, reserved in quant_groups:
            levels[product.id]["on_hand"] = quantity or 0.0
            levels[product.id]["reserved"] = reserved or 0.0
        closed_states = ("draft", "done", "cancel")
        Move = self.env["stock.move"]
        open_moves = [("product_id", "in", products.ids), ("state", "not in", closed_states)]
        horizon_days = self._level_horizon_days(endpoint)
        if horizon_days:
            until = (now or fields.Datetime.now()) + timedelta(days=horizon_days)
            open_moves.append(("date", "<=", until))
        incoming = Move._read_group(
            open_moves
            + [
                ("location_dest_id", "in", location_ids),
                ("location_id", "not in", location_ids),
            ],
            ["product_id"],
            ["product_qty:sum"],
        )
        for product, quantity in incoming:
            levels[product.id]["incoming"] = quantity or 0.0
        outgoing = Move._read_group(
            open_moves
            + [
                ("location_id", "in", location_ids),
                ("location_dest_id", "not in", location_ids),
            ],
            ["product_id"],
            ["product_qty:sum"],
        )
        for product, quantity in outgoing:
            levels[product.id]["outgoing"] = quantity or 0.0
        return levels
