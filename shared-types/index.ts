/**
 * The canonical model: runtime schemas (zod) for every event payload, the envelope, and the
 * results of the contract methods, with the TypeScript types inferred from them.
 *
 * docs/events.md describes each payload; docs/schema/plansync.schema.json is their JSON Schema
 * (`npm run schema` writes it). Odoo never sends `null`: absent values are `false`.
 */
import { z } from 'zod';
import { PLANNING_PAYLOADS } from './planning.ts';

export * from './planning.ts';
export * from './planner.ts';
export * from './inventory.ts';

/** A value Odoo leaves empty is `false`, never null. */
const orFalse = <T extends z.ZodType>(schema: T) => z.union([schema, z.literal(false)]);

const id = z.number().int().positive();
const qty = z.number().finite();
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'a UTC time YYYY-MM-DDTHH:MM:SSZ');

export const Ref = z.object({ id, name: z.string() });
export const ProductRef = z.object({ id, sku: z.string().min(1) });
export const WarehouseRef = z.object({ id, code: z.string().min(1) });

export const ProductChanged = z.object({
  id,
  sku: z.string().min(1),
  name: z.string(),
  barcode: orFalse(z.string()),
  active: z.boolean(),
  type: z.enum(['product', 'consu', 'service']),
  tracking: z.enum(['none', 'lot', 'serial']),
  category: orFalse(Ref),
  uom: Ref,
  purchase_uom: Ref,
  sale_ok: z.boolean(),
  purchase_ok: z.boolean(),
  weight: qty,
  volume: qty,
  standard_price: qty,
  list_price: qty,
  currency: orFalse(z.string()),
  company: orFalse(id),
});

export const Deleted = z.object({ id, key: z.string() });

export const UomChanged = z.object({
  id,
  name: z.string(),
  category: Ref,
  uom_type: z.enum(['reference', 'bigger', 'smaller']),
  ratio_to_reference: z.number().positive(),
  rounding: z.number().positive(),
  active: z.boolean(),
});

export const WarehouseChanged = z.object({
  id,
  code: z.string().min(1),
  name: z.string(),
  active: z.boolean(),
  company: id,
  view_location_id: orFalse(id),
  stock_location_id: orFalse(id),
  address: orFalse(z.string()),
});

export const LocationChanged = z.object({
  id,
  name: z.string(),
  full_name: z.string(),
  usage: z.enum(['supplier', 'view', 'internal', 'customer', 'inventory', 'production', 'transit']),
  active: z.boolean(),
  parent_id: orFalse(id),
  warehouse: orFalse(WarehouseRef),
  barcode: orFalse(z.string()),
  company: orFalse(id),
});

export const VendorTermsChanged = z.object({
  id,
  vendor: z.object({ id, name: z.string(), ref: orFalse(z.string()) }),
  product_template_id: id,
  product: orFalse(ProductRef),
  vendor_product_code: orFalse(z.string()),
  vendor_product_name: orFalse(z.string()),
  min_qty: qty.nonnegative(),
  price: qty,
  currency: orFalse(z.string()),
  lead_time_days: z.number().int().nonnegative(),
  date_start: orFalse(isoDate),
  date_end: orFalse(isoDate),
  sequence: z.number().int(),
  company: orFalse(id),
});

export const AvailabilityBasis = z.enum(['on_hand', 'reserved', 'free', 'incoming', 'outgoing', 'forecast']);

export const StockLevel = z.object({
  product: ProductRef,
  warehouse: WarehouseRef,
  uom: Ref,
  on_hand: qty,
  reserved: qty,
  free: qty,
  incoming: qty,
  outgoing: qty,
  forecast: qty,
  /** The basis figure before allocation. */
  basis_quantity: qty,
  /** After the channel's allocation rule (product unit); the basis figure when none applies. */
  available: qty,
  definition: z.object({
    id,
    endpoint: z.string(),
    version: z.number().int().nonnegative(),
    basis: AvailabilityBasis,
    horizon_days: z.number().int().nonnegative(),
    included_location_ids: z.array(id),
    excluded_location_ids: z.array(id),
  }),
  allocation: orFalse(
    z.object({
      rule_id: id,
      scope: z.enum(['product', 'category', 'endpoint']),
      share_percent: qty.min(0).max(100),
      buffer_qty: qty.nonnegative(),
      floor_qty: qty.nonnegative(),
      ceiling_qty: qty.nonnegative(),
    }),
  ),
  /** `available` in the channel's unit, rounded down to whole units; false without a mapping. */
  channel: orFalse(z.object({ sku: z.string().min(1), uom: z.string(), quantity: z.number().int() })),
  computed_at: isoTime,
});

export const PickingChanged = z.object({
  picking: z.object({
    id,
    name: z.string(),
    type: z.enum(['incoming', 'outgoing', 'internal']),
    state: z.enum(['draft', 'waiting', 'confirmed', 'assigned', 'done', 'cancel']),
    scheduled_date: orFalse(isoTime),
    origin: orFalse(z.string()),
    partner: orFalse(Ref),
    warehouse: orFalse(WarehouseRef),
    location: z.string(),
    location_dest: z.string(),
  }),
  lines: z.array(
    z.object({
      move_id: id,
      product: ProductRef,
      quantity: qty,
      uom: z.string(),
      tracking: z.enum(['none', 'lot', 'serial']),
      location: z.string(),
      location_dest: z.string(),
    }),
  ),
});

/** Every event type of schema 1 and the schema of its payload. */
export const PAYLOADS = {
  ...PLANNING_PAYLOADS,
  'product.changed': ProductChanged,
  'product.deleted': Deleted,
  'uom.changed': UomChanged,
  'uom.deleted': Deleted,
  'warehouse.changed': WarehouseChanged,
  'location.changed': LocationChanged,
  'vendor_terms.changed': VendorTermsChanged,
  'vendor_terms.deleted': Deleted,
  'stock.level': StockLevel,
  'picking.changed': PickingChanged,
} as const;

export type EventType = keyof typeof PAYLOADS;
export const EVENT_TYPES = Object.keys(PAYLOADS) as EventType[];
export const SCHEMA_VERSION = 1;

export const EnvelopeBase = z.object({
  id,
  type: z.string().regex(/^[a-z_]+\.[a-z_]+$/, 'an event type <entity>.<fact>'),
  endpoint: z.string().min(1),
  aggregate: z.object({ model: z.string().min(1), id, key: z.string() }),
  company: orFalse(Ref),
  occurred_at: isoTime,
  sequence: z.number().int().positive(),
  schema: z.number().int().positive(),
  coalesced: z.number().int().positive(),
  attempt: z.number().int().positive(),
  payload: z.record(z.string(), z.unknown()),
});
export type EnvelopeBase = z.infer<typeof EnvelopeBase>;

/** An envelope whose payload is the canonical model of its type. */
export type Envelope = {
  [K in EventType]: Omit<EnvelopeBase, 'type' | 'payload'> & { type: K; payload: z.infer<(typeof PAYLOADS)[K]> };
}[EventType];

export type EnvelopeValidation = { readonly ok: true; readonly event: Envelope } | { readonly ok: false; readonly reason: string };

/**
 * Validate one envelope and its payload. A failure names the field and the value, so that the
 * event can be parked with a reason a person can act on.
 */
export const validateEnvelope = (input: unknown): EnvelopeValidation => {
  const base = EnvelopeBase.safeParse(input);
  if (!base.success) return { ok: false, reason: `envelope: ${formatIssues(base.error, input)}` };
  const schema = (PAYLOADS as Record<string, z.ZodType | undefined>)[base.data.type];
  if (!schema) return { ok: false, reason: `type: unknown event type ${JSON.stringify(base.data.type)}` };
  if (base.data.schema !== SCHEMA_VERSION) {
    return { ok: false, reason: `schema: version ${base.data.schema} is not supported (this agent speaks ${SCHEMA_VERSION})` };
  }
  const payload = schema.safeParse(base.data.payload);
  if (!payload.success) return { ok: false, reason: `payload of ${base.data.type}: ${formatIssues(payload.error, base.data.payload)}` };
  return { ok: true, event: { ...base.data, payload: payload.data } as Envelope };
};

/** `field.path: message (got <value>)` for each issue, the value quoted from the input. */
export const formatIssues = (error: z.ZodError, input: unknown): string =>
  error.issues
    .map(specific)
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.') || '(root)';
      const value = valueAt(input, issue.path);
      const got = value === undefined ? 'missing' : JSON.stringify(value)?.slice(0, 80);
      return `${path}: ${issue.message} (got ${got})`;
    })
    .join('; ');

type Issue = z.ZodError['issues'][number];

/**
 * A union that no option matched (`orFalse(object)`) reports "Invalid input" on the union's path;
 * when one option got further (the object option failed on a nested field), report that field
 * instead, so that the reason names `customer.ref` rather than `customer`.
 */
const specific = (issue: Issue): Issue => {
  if (issue.code !== 'invalid_union' || !('errors' in issue)) return issue;
  const options = (issue as { errors: Issue[][] }).errors;
  const deepest = options
    .flat()
    .filter((inner) => inner.path.length > 0)
    .sort((a, b) => b.path.length - a.path.length)[0];
  return deepest ? specific({ ...deepest, path: [...issue.path, ...deepest.path] }) : issue;
};

const valueAt = (input: unknown, path: readonly PropertyKey[]): unknown => {
  let current: unknown = input;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
};

// ---- results of the contract methods ----

export const ClaimResult = z.object({ lease: z.string(), events: z.array(z.unknown()) });
export type ClaimResult = z.infer<typeof ClaimResult>;

export const EndpointKind = z.enum(['planning', 'wms', 'channel', 'webhook']);
export type EndpointKind = z.infer<typeof EndpointKind>;

export const EndpointConfig = z.object({
  code: z.string().min(1),
  name: z.string(),
  kind: EndpointKind,
  url: orFalse(z.string()),
  event_types: z.array(z.string()),
  company: orFalse(id),
  batch_size: z.number().int().positive(),
  concurrency: z.number().int().positive(),
  rate_limit: z.number().nonnegative(),
  timeout_seconds: z.number().positive(),
  /** The warehouse codes the endpoint covers (its own, else all of its company's). Addons before 4 omit it. */
  warehouses: z.array(z.string()).optional(),
  pending: z.number().int().nonnegative().optional(),
  dead: z.number().int().nonnegative().optional(),
  lag_seconds: z.number().nonnegative().optional(),
  /** Since when deliveries are paused because the endpoint refuses the agent's credentials or configuration (UTC), or false. Older addons omit it. */
  blocked_since: orFalse(z.string()).optional(),
  blocked_reason: z.string().optional(),
});
export type EndpointConfig = z.infer<typeof EndpointConfig>;

export const HeartbeatResult = z.object({
  addon_version: z.string(),
  server_time: isoTime,
  database: z.object({ name: z.string(), uuid: z.string().min(1) }),
  user: z.object({ id, login: z.string(), groups: z.array(z.string()), companies: z.array(id) }),
  settings: z.object({
    batch_size: z.number().int().positive(),
    lease_seconds: z.number().int().positive(),
    max_attempts: z.number().int().positive(),
    heartbeat_seconds: z.number().positive(),
    poll_seconds: z.number().positive(),
  }),
  endpoints: z.array(EndpointConfig),
});
export type HeartbeatResult = z.infer<typeof HeartbeatResult>;

export interface EndpointStats {
  delivered: number;
  failed: number;
  parked: number;
  per_minute: number;
  last_error: string;
  last_delivery_at: string | false;
}

export interface HeartbeatStats {
  version: string;
  host: string;
  pid: number;
  started_at: string;
  mode: 'run' | 'once' | 'check';
  endpoints: Record<string, EndpointStats>;
}

export const ImportResultLine = z.object({
  external_id: z.string(),
  status: z.enum(['created', 'unchanged', 'superseded', 'exception']),
  id: z.union([id, z.literal(false)]),
  reason: z.string(),
});
