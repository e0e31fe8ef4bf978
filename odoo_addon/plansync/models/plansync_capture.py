# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Capture: business changes -> outbox rows, in the business transaction.

The overrides of create/write/unlink only *record* (event type, model, id,
warehouse, company[, key and payload of a deleted record]) into the cursor's
precommit data, deduplicated per transaction. One precommit callback writes
everything with a single INSERT ... SELECT just before the commit: one row per
event and subscribed active endpoint. Nothing is rendered here (Invariant 4).
"""
import json

from odoo import api, models, tools
from odoo.tools import SQL

from .. import compat

PRECOMMIT_KEY = "plansync.capture"

# Fields whose change is captured (docs/events.md).
PRODUCT_FIELDS = frozenset(
    [
        "name",
        "default_code",
        "barcode",
        "active",
        *compat.PRODUCT_TYPE_FIELDS,
        "categ_id",
        "uom_id",
        *compat.PURCHASE_UOM_FIELDS,
        "tracking",
        "sale_ok",
        "purchase_ok",
        "weight",
        "volume",
        "standard_price",
        "list_price",
        "lst_price",
        "company_id",
    ]
)
UOM_FIELDS = frozenset(compat.UOM_FIELDS)
WAREHOUSE_FIELDS = frozenset(["name", "code", "active", "company_id", "view_location_id", "lot_stock_id", "partner_id"])
LOCATION_FIELDS = frozenset(["name", "location_id", "usage", "active", "barcode", "company_id"])
SUPPLIERINFO_FIELDS = frozenset(
    [
        "partner_id",
        "product_tmpl_id",
        "product_id",
        "product_code",
        "product_name",
        "min_qty",
        "price",
        "currency_id",
        "delay",
        "date_start",
        "date_end",
        "sequence",
        "company_id",
    ]
)
QUANT_FIELDS = frozenset(["quantity", "reserved_quantity", "location_id", "product_id"])
MOVE_FIELDS = frozenset(
    [
        "state",
        "product_uom_qty",
        "product_qty",
        "product_uom",
        "quantity",
        "location_id",
        "location_dest_id",
        "product_id",
        "date",
    ]
)
# picking.changed: move fields that change a picking's state or its lines,
# picking fields of its header, and the picking types captured.
PICKING_MOVE_FIELDS = frozenset(
    [
        "state",
        "product_uom_qty",
        "product_uom",
        "product_id",
        "picking_id",
        "location_id",
        "location_dest_id",
    ]
)
PICKING_FIELDS = frozenset(
    ["partner_id", "scheduled_date", "origin", "location_id", "location_dest_id", "picking_type_id"]
)
PICKING_TYPE_CODES = ("incoming", "outgoing", "internal")

# The precommit may see what the transaction no longer holds: a savepoint rolled back without
# clearing the precommit data (Odoo's own ``Savepoint(flush=False)`` in base_import and its test
# cases), or a record deleted after it was captured. A change of a record that no longer exists is
# not a change (a deletion that matters has its ``.deleted`` event, which carries its key); a
# change whose warehouse or company is gone is still recorded, without the dangling reference
# (the warehouse's id stays in the payload, and the claim says it no longer exists). The existence
# test is one primary-key probe per row, inside the same statement.
INSERT_QUERY = """
    INSERT INTO plansync_outbox (
        event_type, endpoint_id, aggregate_model, aggregate_id, warehouse_id,
        company_id, aggregate_key, payload, occurred_at, next_attempt_at, state,
        attempts, create_uid, create_date, write_uid, write_date)
    SELECT e.event_type, ep.id, e.model, e.res_id, w.id, c.id, NULLIF(e.agg_key, ''),
           COALESCE(e.payload::jsonb, CASE WHEN e.warehouse_id <> 0 AND w.id IS NULL
                                           THEN jsonb_build_object('warehouse_id', e.warehouse_id) END),
           date_trunc('second', now() AT TIME ZONE 'UTC'),
           date_trunc('second', now() AT TIME ZONE 'UTC'), 'pending',
           0, u.id, now() AT TIME ZONE 'UTC', u.id, now() AT TIME ZONE 'UTC'
      FROM unnest(%(types)s::varchar[], %(models)s::varchar[], %(ids)s::int[],
                  %(warehouses)s::int[], %(companies)s::int[], %(keys)s::varchar[],
                  %(payloads)s::text[])
           WITH ORDINALITY AS e(event_type, model, res_id, warehouse_id, company_id,
                                agg_key, payload, n)
      JOIN plansync_event_type et
        ON et.code = e.event_type AND et.active
      JOIN plansync_endpoint_event_type_rel sub
        ON sub.event_type_id = et.id
      JOIN plansync_endpoint ep
        ON ep.id = sub.endpoint_id
       AND ep.active
       AND (e.company_id = 0 OR ep.company_id = e.company_id)
      LEFT JOIN stock_warehouse w ON w.id = e.warehouse_id
      LEFT JOIN res_company c ON c.id = e.company_id
      LEFT JOIN res_users u ON u.id = %(uid)s
     WHERE (e.warehouse_id = 0
            OR NOT EXISTS (SELECT 1 FROM plansync_endpoint_warehouse_rel wr
                            WHERE wr.endpoint_id = ep.id)
            OR EXISTS (SELECT 1 FROM plansync_endpoint_warehouse_rel wr
                        WHERE wr.endpoint_id = ep.id AND wr.warehouse_id = e.warehouse_id))
       AND (e.payload IS NOT NULL OR %(exists)s)
     ORDER BY e.n, ep.id
"""


def stored_id(value):
    """The stored record behind an id: the id itself (0 for none), the origin
    of an in-memory record made from a stored one, ``None`` for an in-memory
    record of nothing stored."""
    if compat.is_in_memory_id(value):
        return value.origin or None
    return value or 0


class PlansyncCapture(models.AbstractModel):
    _name = "plansync.capture"
    _description = "PlanSync Capture"

    @api.model
    @tools.ormcache()
    def _subscribed_types(self):
        """Event types that at least one active endpoint subscribes to.

        Cleared (registry cache) whenever endpoints or event types change.
        """
        self.env.cr.execute(
            """
            SELECT DISTINCT et.code
              FROM plansync_event_type et
              JOIN plansync_endpoint_event_type_rel sub ON sub.event_type_id = et.id
              JOIN plansync_endpoint ep ON ep.id = sub.endpoint_id
             WHERE et.active AND ep.active
            """
        )
        return frozenset(row[0] for row in self.env.cr.fetchall())

    @api.model
    def _stored(self, records):
        """The records that exist in the database: in-memory records (onchanges,
        ``Form``, the replenishment report) change nothing and are not captured."""
        return records.browse([i for i in records._ids if isinstance(i, int)])

    @api.model
    def _is_subscribed(self, *event_types):
        subscribed = self._subscribed_types()
        return any(event_type in subscribed for event_type in event_types)

    @api.model
    def _record(self, entries):
        """Remember events for the precommit insert, once per transaction.

        :param entries: iterable of (event_type, model, res_id, warehouse_id,
            company_id, key, payload) with 0/"" /None for absent values.
            Records that exist only in memory (``NewId``: onchanges, the
            replenishment report, ``Form``) are not changes and are left out.
        """
        pending = None
        for event_type, model, res_id, warehouse_id, company_id, key, payload in entries:
            if compat.is_in_memory_id(res_id) or not res_id:
                continue
            warehouse = stored_id(warehouse_id)
            if warehouse is None:
                continue  # a warehouse that exists only in memory holds no stock
            if pending is None:
                pending = self._pending()
            pending.setdefault(
                (event_type, model, res_id, warehouse),
                (stored_id(company_id) or 0, key or "", payload),
            )

    @api.model
    def _pending(self):
        """This transaction's recorded events, {(type, model, id, warehouse):
        (company, key, payload)}; the first call registers the precommit insert."""
        precommit = self.env.cr.precommit
        pending = precommit.data.get(PRECOMMIT_KEY)
        if pending is None:
            pending = precommit.data[PRECOMMIT_KEY] = {}
            precommit.add(self._flush)
        return pending

    def _flush(self):
        """Precommit callback: write every recorded event in one statement."""
        pending = self.env.cr.precommit.data.pop(PRECOMMIT_KEY, None)
        if not pending:
            return
        columns = {
            "types": [],
            "models": [],
            "ids": [],
            "warehouses": [],
            "companies": [],
            "keys": [],
            "payloads": [],
        }
        for (event_type, model, res_id, warehouse_id), (
            company_id,
            key,
            payload,
        ) in pending.items():
            columns["types"].append(event_type)
            columns["models"].append(model)
            columns["ids"].append(res_id)
            columns["warehouses"].append(warehouse_id)
            columns["companies"].append(company_id)
            columns["keys"].append(key)
            columns["payloads"].append(json.dumps(payload) if payload is not None else None)
        columns["uid"] = self.env.uid
        columns["exists"] = self._exists_sql(set(columns["models"]))
        self.env.cr.execute(SQL(INSERT_QUERY, **columns))

    @api.model
    def _exists_sql(self, model_names):
        """``e.res_id`` names a row of ``e.model``'s table: one probe per row."""
        cases = [
            SQL(
                "WHEN %s THEN EXISTS (SELECT 1 FROM %s t WHERE t.id = e.res_id)",
                name,
                SQL.identifier(self.env[name]._table),
            )
            for name in sorted(model_names)
            if name in self.env and not self.env[name]._abstract
        ]
        if not cases:
            return SQL("FALSE")
        return SQL("CASE e.model %s ELSE FALSE END", SQL(" ").join(cases))

    # ------------------------------------------------------------------
    # helpers for the thin overrides
    # ------------------------------------------------------------------

    @api.model
    def _capture_changed(self, event_type, records):
        """``<entity>.changed`` for existing records (company from company_id)."""
        records = self._stored(records)
        if not records or not self._is_subscribed(event_type):
            return
        records = records.sudo()
        has_company = "company_id" in records._fields
        self._record(
            (
                event_type,
                record._name,
                record.id,
                0,
                record.company_id.id if has_company else 0,
                "",
                None,
            )
            for record in records
        )

    @api.model
    def _capture_deleted(self, event_type, records):
        """``<entity>.deleted``: the key is taken now, the record will be gone."""
        records = self._stored(records)
        if not records or not self._is_subscribed(event_type):
            return
        records = records.sudo().with_context(active_test=False)
        render = self.env["plansync.render"]
        has_company = "company_id" in records._fields
        entries = []
        for record in records:
            key = render._aggregate_key(record)
            entries.append(
                (
                    event_type,
                    record._name,
                    record.id,
                    0,
                    record.company_id.id if has_company else 0,
                    key,
                    {"id": record.id, "key": key},
                )
            )
        self._record(entries)

    @api.model
    def _capture_stock(self, records, location_fields):
        """``stock.level`` for the (storable product, warehouse) pairs that
        quants or moves touch."""
        records = self._stored(records)
        if not records or not self._is_subscribed("stock.level"):
            return
        entries = []
        for record in records.sudo():
            product = record.product_id
            if not compat.is_storable(product):
                continue
            for fname in location_fields:
                warehouse = record[fname].warehouse_id
                if warehouse:
                    entries.append(
                        (
                            "stock.level",
                            "product.product",
                            product.id,
                            warehouse.id,
                            warehouse.company_id.id,
                            "",
                            None,
                        )
                    )
        if entries:
            self._record(entries)

    @api.model
    def _capture_pickings(self, pickings):
        """``picking.changed`` for pickings of a receipt, delivery or internal
        type that are no longer drafts, per the warehouse of their type."""
        pickings = self._stored(pickings)
        if not pickings or not self._is_subscribed("picking.changed"):
            return
        entries = []
        for picking in pickings.sudo():
            picking_type = picking.picking_type_id
            if picking_type.code not in PICKING_TYPE_CODES:
                continue
            if picking.state == "draft":
                continue
            warehouse = picking_type.warehouse_id
            entries.append(
                (
                    "picking.changed",
                    "stock.picking",
                    picking.id,
                    warehouse.id,
                    picking.company_id.id,
                    "",
                    None,
                )
            )
        if entries:
            self._record(entries)
