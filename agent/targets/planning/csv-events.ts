/**
 * Outbound CSV of the file exchange (docs/csv.md, "Out"): the columns of each event type and the pure
 * converter from a canonical envelope to one CSV row. No I/O, no clock.
 */
import { stringify } from 'csv-stringify/sync';
import type { EnvelopeBase } from '../../../shared-types/index.ts';

export const ENVELOPE_COLUMNS = ['event_id', 'sequence', 'occurred_at', 'aggregate_key', 'company_id'] as const;

const DELETED = ['id', 'key'];
const PROPOSAL = [
  'id',
  'source',
  'external_id',
  'revision',
  'kind',
  'sku',
  'warehouse',
  'state',
  'quantity',
  'uom',
  'decision',
  'decided_by',
  'decided_at',
  'rule',
  'orders',
];

/** The columns of each type after the envelope columns, as docs/csv.md lists them. */
export const TYPE_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  'product.changed': [
    'id',
    'sku',
    'name',
    'barcode',
    'active',
    'type',
    'tracking',
    'category',
    'uom',
    'purchase_uom',
    'sale_ok',
    'purchase_ok',
    'weight',
    'volume',
    'standard_price',
    'list_price',
    'currency',
  ],
  'product.deleted': DELETED,
  'uom.deleted': DELETED,
  'vendor_terms.deleted': DELETED,
  'uom.changed': ['id', 'name', 'category', 'uom_type', 'ratio_to_reference', 'rounding', 'active'],
  'warehouse.changed': ['id', 'code', 'name', 'active', 'company'],
  'location.changed': ['id', 'name', 'full_name', 'usage', 'active', 'parent_id', 'warehouse_code', 'barcode'],
  'vendor_terms.changed': [
    'id',
    'vendor_id',
    'vendor_name',
    'vendor_ref',
    'product_template_id',
    'sku',
    'vendor_product_code',
    'min_qty',
    'price',
    'currency',
    'lead_time_days',
    'date_start',
    'date_end',
    'sequence',
  ],
  'stock.level': [
    'sku',
    'warehouse',
    'uom',
    'on_hand',
    'reserved',
    'free',
    'incoming',
    'outgoing',
    'forecast',
    'available',
    'basis',
    'definition_version',
    'computed_at',
  ],
  'demand.line': ['id', 'sku', 'warehouse', 'date', 'quantity', 'uom', 'kind', 'order', 'customer_ref', 'done_at'],
  'sale.open_line': [
    'id',
    'order',
    'customer_ref',
    'sku',
    'warehouse',
    'ordered',
    'delivered',
    'open_quantity',
    'uom',
    'commitment_date',
    'state',
  ],
  'purchase.open_line': [
    'id',
    'order',
    'vendor_ref',
    'sku',
    'warehouse',
    'ordered',
    'received',
    'open_quantity',
    'uom',
    'promised_date',
    'first_promised_date',
    'slip_days',
    'price_unit',
    'currency',
    'state',
  ],
  'purchase.date_slipped': [
    'line_id',
    'order',
    'vendor_ref',
    'sku',
    'warehouse',
    'previous_date',
    'promised_date',
    'slip_days',
    'open_quantity',
  ],
  'proposal.decided': PROPOSAL,
  'proposal.executed': PROPOSAL,
  'picking.changed': [
    'picking_id',
    'picking',
    'picking_type',
    'state',
    'scheduled_date',
    'origin',
    'partner',
    'warehouse',
    'location',
    'location_dest',
    'lines',
  ],
};

/** Columns whose `false` is the boolean false, not "absent". */
const BOOLEAN_COLUMNS = new Set(['active', 'sale_ok', 'purchase_ok']);

type Payload = Record<string, unknown>;
const field = (value: unknown, key: string): unknown => (value !== null && typeof value === 'object' ? (value as Payload)[key] : undefined);

/** Columns that are not a top-level field of the payload under the same name. */
const DERIVED: Readonly<Record<string, (p: Payload) => unknown>> = {
  sku: (p) => (typeof p.sku === 'string' ? p.sku : field(p.product, 'sku')),
  warehouse: (p) => field(p.warehouse ?? field(p.picking, 'warehouse'), 'code'),
  warehouse_code: (p) => field(p.warehouse, 'code'),
  vendor_id: (p) => field(p.vendor, 'id'),
  vendor_name: (p) => field(p.vendor, 'name'),
  vendor_ref: (p) => field(p.vendor, 'ref'),
  customer_ref: (p) => field(p.customer, 'ref'),
  basis: (p) => field(p.definition, 'basis'),
  definition_version: (p) => field(p.definition, 'version'),
  picking_id: (p) => field(p.picking, 'id'),
  picking: (p) => field(p.picking, 'name'),
  picking_type: (p) => field(p.picking, 'type'),
  state: (p) => field(p.picking, 'state'),
  scheduled_date: (p) => field(p.picking, 'scheduled_date'),
  origin: (p) => field(p.picking, 'origin'),
  partner: (p) => plain(field(p.picking, 'partner')),
  location: (p) => field(p.picking, 'location'),
  location_dest: (p) => field(p.picking, 'location_dest'),
  orders: (p) =>
    Array.isArray(p.orders)
      ? p.orders
          .map((o) => {
            const name = field(o, 'name');
            return typeof name === 'string' ? name : '';
          })
          .join(';')
      : undefined,
};

/** A reference (`{"id", "name"}`) is written as its name. */
const plain = (value: unknown): unknown =>
  value !== null && typeof value === 'object' && !Array.isArray(value) && 'name' in value ? (value as Payload).name : value;

const text = (column: string, value: unknown): string => {
  if (value === undefined || value === null) return '';
  if (value === false) return BOOLEAN_COLUMNS.has(column) ? 'false' : '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
};

/** The header of a type's file, or undefined for a type without a CSV layout. */
export const columnsFor = (type: string): readonly string[] | undefined => {
  const columns = TYPE_COLUMNS[type];
  return columns ? [...ENVELOPE_COLUMNS, ...columns] : undefined;
};

/** One CSV row (cells in the order of `columnsFor(type)`) for one event. */
export const eventRow = (event: EnvelopeBase): string[] => {
  const columns = TYPE_COLUMNS[event.type];
  if (!columns) throw new Error(`no CSV columns for event type ${JSON.stringify(event.type)} (docs/csv.md)`);
  const p = event.payload;
  const envelope = [
    String(event.id),
    String(event.sequence),
    event.occurred_at,
    event.aggregate.key,
    event.company === false ? '' : String(event.company.id),
  ];
  return [...envelope, ...columns.map((c) => text(c, DERIVED[c] && !(c in p && typeof p[c] !== 'object') ? DERIVED[c](p) : plain(p[c])))];
};

/** A whole file (header and rows, `\n` line ends) for events of one type. */
export const eventsCsv = (type: string, events: readonly EnvelopeBase[]): string => {
  const columns = columnsFor(type);
  if (!columns) throw new Error(`no CSV columns for event type ${JSON.stringify(type)} (docs/csv.md)`);
  return stringify(events.map(eventRow), { header: true, columns: [...columns], record_delimiter: 'unix' });
};
