import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { buildJsonSchema, renderJsonSchema, SCHEMA_FILE } from '../../shared-types/export-json-schema.ts';
import { EVENT_TYPES, PAYLOADS, SCHEMA_VERSION, validateEnvelope } from '../../shared-types/index.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** One realistic envelope per event type, payloads as in docs/events.md. */
const FIXTURES = JSON.parse(readFileSync(new URL('../fixtures/events.json', import.meta.url), 'utf8')) as Record<string, JsonObject>;

const fixture = (type: string): JsonObject => {
  const event = FIXTURES[type];
  if (!event) throw new Error(`no fixture for ${type}`);
  return structuredClone(event);
};

/** A copy of `value` with the value at `path` replaced (or deleted when `replacement` is undefined). */
const edit = (value: JsonObject, path: readonly string[], replacement: Json | undefined): JsonObject => {
  const copy = structuredClone(value);
  let parent: Json = copy;
  for (const key of path.slice(0, -1)) parent = (parent as JsonObject)[key] as Json;
  const last = path[path.length - 1] as string;
  if (replacement === undefined) delete (parent as JsonObject)[last];
  else (parent as JsonObject)[last] = replacement;
  return copy;
};

const reasonOf = (input: unknown): string => {
  const result = validateEnvelope(input);
  if (result.ok) throw new Error(`expected a refusal, it validated: ${JSON.stringify(input)}`);
  return result.reason;
};

// ---- valid events ----

test('the fixtures hold exactly one envelope per event type of PAYLOADS', () => {
  assert.equal(Object.keys(FIXTURES).sort(), [...EVENT_TYPES].sort());
  for (const [type, event] of Object.entries(FIXTURES)) assert.is(event.type, type);
});

for (const type of EVENT_TYPES) {
  test(`a valid ${type} envelope validates and comes back unchanged`, () => {
    const input = fixture(type);
    const result = validateEnvelope(input);
    assert.ok(result.ok, result.ok ? '' : result.reason);
    if (result.ok) assert.equal(result.event, input);
  });
}

// ---- refusals name the field path and quote the value ----

const invalid: ReadonlyArray<[string, string, readonly string[], Json | undefined, readonly string[]]> = [
  ['a quantity given as a string', 'stock.level', ['payload', 'on_hand'], '120', ['payload of stock.level: ', 'on_hand: ', '(got "120")']],
  [
    'an unknown availability basis',
    'stock.level',
    ['payload', 'definition', 'basis'],
    'weird',
    ['payload of stock.level: ', 'definition.basis: ', '(got "weird")'],
  ],
  [
    'a location id that is not positive',
    'stock.level',
    ['payload', 'definition', 'excluded_location_ids', '0'],
    -3,
    ['definition.excluded_location_ids.0: ', '(got -3)'],
  ],
  [
    'a computed_at that is not UTC',
    'stock.level',
    ['payload', 'computed_at'],
    '2026-11-30T08:09:59+01:00',
    ['computed_at: ', '(got "2026-11-30T08:09:59+01:00")'],
  ],
  ['a share above 100', 'stock.level', ['payload', 'allocation', 'share_percent'], 120, ['allocation.share_percent: ', '(got 120)']],
  ['a fractional channel quantity', 'stock.level', ['payload', 'channel', 'quantity'], 2.5, ['channel.quantity: ', '(got 2.5)']],
  ['an unknown allocation scope', 'stock.level', ['payload', 'allocation', 'scope'], 'brand', ['allocation.scope: ', '(got "brand")']],
  ['a negative horizon', 'stock.level', ['payload', 'definition', 'horizon_days'], -1, ['definition.horizon_days: ', '(got -1)']],
  [
    'an unknown picking type',
    'picking.changed',
    ['payload', 'picking', 'type'],
    'dropship',
    ['payload of picking.changed: picking.type: ', '(got "dropship")'],
  ],
  [
    'a picking line without product',
    'picking.changed',
    ['payload', 'lines', '0', 'product'],
    undefined,
    ['lines.0.product: ', '(got missing)'],
  ],
  ['a missing sku', 'product.changed', ['payload', 'sku'], undefined, ['payload of product.changed: ', 'sku: ', '(got missing)']],
  ['an empty sku', 'product.changed', ['payload', 'sku'], '', ['sku: ', '(got "")']],
  ['a nested ref id of 0', 'product.changed', ['payload', 'uom', 'id'], 0, ['uom.id: ', '(got 0)']],
  ['an unknown product type', 'product.changed', ['payload', 'type'], 'kit', ['payload of product.changed: type: ', '(got "kit")']],
  ['an unknown location usage', 'location.changed', ['payload', 'usage'], 'shelf', ['usage: ', '(got "shelf")']],
  ['a date in another format', 'vendor_terms.changed', ['payload', 'date_start'], '30/11/2026', ['date_start: ', '(got "30/11/2026")']],
  ['a negative lead time', 'vendor_terms.changed', ['payload', 'lead_time_days'], -1, ['lead_time_days: ', '(got -1)']],
  ['a ratio of zero', 'uom.changed', ['payload', 'ratio_to_reference'], 0, ['ratio_to_reference: ', '(got 0)']],
  ['a missing deleted key', 'product.deleted', ['payload', 'key'], undefined, ['payload of product.deleted: key: ', '(got missing)']],
  [
    'an envelope time with a space',
    'stock.level',
    ['occurred_at'],
    '2026-11-30 08:09:59',
    ['envelope: occurred_at: ', '(got "2026-11-30 08:09:59")'],
  ],
  ['an envelope aggregate id of 0', 'stock.level', ['aggregate', 'id'], 0, ['envelope: aggregate.id: ', '(got 0)']],
  ['a missing envelope endpoint', 'warehouse.changed', ['endpoint'], undefined, ['envelope: endpoint: ', '(got missing)']],
  ['an envelope id given as a string', 'warehouse.changed', ['id'], '105', ['envelope: id: ', '(got "105")']],
  ['a payload that is not an object', 'uom.deleted', ['payload'], [1, 2], ['envelope: payload: ', '(got [1,2])']],
];

for (const [what, type, path, value, expected] of invalid) {
  test(`${type} with ${what} is refused, naming ${path.join('.')} and quoting the value`, () => {
    const reason = reasonOf(edit(fixture(type), path, value));
    for (const part of expected) assert.ok(reason.includes(part), `${JSON.stringify(part)} not in: ${reason}`);
  });
}

test('an input that is not an object is refused at the root', () => {
  assert.match(reasonOf(null), 'envelope: (root): ');
  assert.match(reasonOf('{"id": 1}'), 'envelope: (root): ');
});

test('an unknown event type is refused with its name', () => {
  const reason = reasonOf({ ...fixture('stock.level'), type: 'invoice.paid' });
  assert.is(reason, 'type: unknown event type "invoice.paid"');
  assert.match(reasonOf({ ...fixture('stock.level'), type: 'Stock.Level' }), /^envelope: type: .*\(got "Stock\.Level"\)/);
});

test('an unsupported schema version is refused, saying which version this agent speaks', () => {
  assert.is(SCHEMA_VERSION, 1);
  assert.is(reasonOf({ ...fixture('stock.level'), schema: 2 }), 'schema: version 2 is not supported (this agent speaks 1)');
  assert.match(reasonOf({ ...fixture('stock.level'), schema: 0 }), 'envelope: schema: ');
});

// ---- false, never null ----

/** The paths (from the JSON Schema) of every field that accepts `false` for "empty". */
const falsePaths = (schema: unknown, path: string[] = []): string[][] => {
  const node = schema as { properties?: Record<string, unknown>; anyOf?: unknown[] };
  const found: string[][] = [];
  if (node.anyOf?.some((option) => (option as { const?: unknown }).const === false)) found.push(path);
  for (const option of node.anyOf ?? []) found.push(...falsePaths(option, path).filter((p) => p.length > path.length));
  for (const [key, inner] of Object.entries(node.properties ?? {})) found.push(...falsePaths(inner, [...path, key]));
  return found;
};

test('null where false is expected (anywhere in the envelope or a payload) is refused, naming the field; false itself is accepted', () => {
  const defs = buildJsonSchema().$defs as Record<string, unknown>;
  const checked = new Set<string>();
  for (const type of EVENT_TYPES) {
    const paths = [...falsePaths(defs.envelope).filter((p) => p[0] !== 'payload'), ...falsePaths(defs[type]).map((p) => ['payload', ...p])];
    for (const path of paths) {
      const reason = reasonOf(edit(fixture(type), path, null));
      const shown = path[0] === 'payload' ? path.slice(1).join('.') : path.join('.');
      assert.ok(reason.includes(`${shown}: `) && reason.includes('(got null)'), `${type} ${path.join('.')}: ${reason}`);
      assert.ok(validateEnvelope(edit(fixture(type), path, false)).ok, `${type} ${path.join('.')} = false should be valid`);
      checked.add(`${type}:${path.join('.')}`);
    }
  }
  // the walk over the schema reaches the envelope, top-level payload fields and nested ones
  for (const known of [
    'stock.level:company',
    'product.changed:payload.category',
    'product.changed:payload.barcode',
    'vendor_terms.changed:payload.vendor.ref',
    'location.changed:payload.warehouse',
  ]) {
    assert.ok(checked.has(known), `${known} was not checked: ${[...checked].join(', ')}`);
  }
});

// ---- property: every required key of stock.level is checked ----

const positiveId = fc.integer({ min: 1, max: 2_000_000_000 });
const quantity = fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true });
const utcTime = fc
  .integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 11, 31) })
  .map((ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z'));
const stockLevel = fc.record({
  product: fc.record({ id: positiveId, sku: fc.string({ minLength: 1, maxLength: 16 }) }),
  warehouse: fc.record({ id: positiveId, code: fc.string({ minLength: 1, maxLength: 5 }) }),
  uom: fc.record({ id: positiveId, name: fc.string({ maxLength: 16 }) }),
  on_hand: quantity,
  reserved: quantity,
  free: quantity,
  incoming: quantity,
  outgoing: quantity,
  forecast: quantity,
  basis_quantity: quantity,
  available: quantity,
  definition: fc.record({
    id: positiveId,
    endpoint: fc.string({ maxLength: 12 }),
    version: fc.nat(),
    basis: fc.constantFrom('on_hand', 'reserved', 'free', 'incoming', 'outgoing', 'forecast'),
    horizon_days: fc.nat(),
    included_location_ids: fc.array(positiveId, { maxLength: 3 }),
    excluded_location_ids: fc.array(positiveId, { maxLength: 3 }),
  }),
  allocation: fc.record({
    rule_id: positiveId,
    scope: fc.constantFrom('product', 'category', 'endpoint'),
    share_percent: fc.double({ min: 0, max: 100, noNaN: true }),
    buffer_qty: fc.double({ min: 0, max: 1e6, noNaN: true }),
    floor_qty: fc.double({ min: 0, max: 1e6, noNaN: true }),
    ceiling_qty: fc.double({ min: 0, max: 1e6, noNaN: true }),
  }),
  channel: fc.record({ sku: fc.string({ minLength: 1, maxLength: 16 }), uom: fc.string({ maxLength: 8 }), quantity: fc.integer() }),
  computed_at: utcTime,
});

/** Every object key path of a value (array elements excluded: they are not keys). */
const keyPaths = (value: unknown, path: string[] = []): string[][] =>
  value === null || typeof value !== 'object' || Array.isArray(value)
    ? []
    : Object.entries(value).flatMap(([key, inner]) => [[...path, key], ...keyPaths(inner, [...path, key])]);

const STOCK_LEVEL_KEYS = keyPaths(fixture('stock.level').payload);

test('property: deleting any one required key of a valid stock.level payload fails, naming that key', () => {
  assert.is(STOCK_LEVEL_KEYS.length, 37);
  fc.assert(
    fc.property(stockLevel, fc.constantFrom(...STOCK_LEVEL_KEYS), (payload, path) => {
      const event = { ...fixture('stock.level'), payload } as JsonObject;
      const valid = validateEnvelope(event);
      assert.ok(valid.ok, valid.ok ? '' : valid.reason);
      const reason = reasonOf(edit(event, ['payload', ...path], undefined));
      assert.ok(reason.startsWith('payload of stock.level: '), reason);
      assert.ok(reason.includes(`${path.join('.')}: `) && reason.includes('(got missing)'), `${path.join('.')} not named in: ${reason}`);
    }),
    { numRuns: 300 },
  );
});

// ---- the committed JSON Schema ----

test('docs/schema/plansync.schema.json is what renderJsonSchema() writes (run `npm run schema` when this fails)', () => {
  const committed = readFileSync(SCHEMA_FILE, 'utf8');
  assert.ok(committed === renderJsonSchema(), `${SCHEMA_FILE} is stale: run \`npm run schema\` and commit it`);
});

test('the JSON Schema has a $defs entry for the envelope and for every event type of PAYLOADS', () => {
  const defs = (JSON.parse(readFileSync(SCHEMA_FILE, 'utf8')) as { $defs: Record<string, { type?: string; required?: string[] }> }).$defs;
  for (const name of ['envelope', ...Object.keys(PAYLOADS)]) {
    assert.ok(defs[name], `$defs has no ${name}`);
    assert.is(defs[name]?.type, 'object', name);
  }
  assert.equal(defs['stock.level']?.required?.slice().sort(), Object.keys(fixture('stock.level').payload as JsonObject).sort());
});

test.run();
