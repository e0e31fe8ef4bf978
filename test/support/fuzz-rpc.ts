/**
 * The contract's RPC methods as fuzz targets (docs/contract.md), shared by the stand-in's fuzz suite
 * (test/fuzz/standin-rpc.test.ts) and the real-Odoo one (test/fuzz/contract.real.ts).
 *
 * Each method has a valid call (from the live context: endpoint codes of each kind, a warehouse) and,
 * per argument, an arbitrary of values that break that argument's rule. A generated call is the valid
 * call with one argument replaced by a hostile value: the server must refuse it with a
 * ValidationError whose message names that argument (`limit`, `stats.endpoints.X.delivered`,
 * `messages[2].message_id`), and change nothing (valid items before a bad one included). Raw JSON-RPC, so that the agent's own typed client
 * does not filter what is sent.
 */
import fc from 'fast-check';
import { hostileNumber, hostileString, junk } from './fuzz.ts';

export interface RpcContext {
  /** Code of an active webhook endpoint of the caller's company that subscribes to every event type. */
  readonly webhook: string;
  /** Code of an active wms endpoint (false: the server does not model WMS messages). */
  readonly wms: string | false;
  readonly channel: string;
  /** Code of an endpoint of a company the caller does not belong to. */
  readonly foreign: string;
  /** A warehouse code of the caller's company. */
  readonly warehouse: string;
  /** The Internal Reference of a storable product of the caller's company. */
  readonly sku: string;
}

export interface HostileArg {
  /** What the refusal must name (the argument, or the path inside it). */
  readonly names: string;
  readonly value: unknown;
}

export interface MethodSpec {
  readonly model: string;
  readonly method: string;
  /** Positional arguments of a valid call. */
  readonly valid: (ctx: RpcContext) => unknown[];
  /** Per argument index: hostile values and the name their refusal must mention. */
  readonly hostile: (ctx: RpcContext) => ReadonlyArray<fc.Arbitrary<HostileArg>>;
  /** Only where the server has WMS messages. */
  readonly needsWms?: boolean;
}

const named = (names: string, values: fc.Arbitrary<unknown>): fc.Arbitrary<HostileArg> => values.map((value) => ({ names, value }));

/** Anything that is not a string. */
const notString = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    hostileNumber(),
    junk().filter((v) => typeof v !== 'string'),
    fc.constantFrom(true, false, null, [], {}),
  );

/** Values that are not an integer from low to high (JSON carries 5.0 as 5: only non-integral doubles). */
const badInt = (low: number, high: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(
      low - 1,
      high + 1,
      -(2 ** 31),
      2 ** 63,
      1e308,
      -1e308,
      0.5,
      low + 0.25,
      true,
      false,
      null,
      '1',
      'NaN',
      'nan',
      '1e308',
      'Infinity',
      [],
      {},
      [1],
    ),
    fc.integer({ min: high + 1, max: Number.MAX_SAFE_INTEGER }),
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: low - 1 }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Number.isInteger(d)),
    hostileString(),
  );

/** Values that are not a string of low to high characters (nor blank). */
const badString = (low: number, high: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    notString(),
    fc.constantFrom('', ' ', '   ', '\t\n'),
    fc.integer({ min: high + 1, max: high + 500 }).map((n) => 'é'.repeat(n)),
  );

/** Not an endpoint code of the caller: bad strings, unknown codes, another company's. */
const badEndpoint = (ctx: RpcContext, wrongKind: string[] = []): fc.Arbitrary<unknown> =>
  fc.oneof(
    badString(1, 64),
    fc
      .string({ minLength: 1, maxLength: 64 })
      .filter((s) => s.trim() !== '' && !Object.values(ctx).includes(s))
      .map((s) => `NOPE-${s}`.slice(0, 64)),
    fc.constantFrom(ctx.foreign, ...wrongKind),
  );

/** Not a list of at most `max` integers. */
const badIds = (max: number): fc.Arbitrary<unknown> =>
  fc.oneof(
    notString().filter((v) => !Array.isArray(v)),
    hostileString(),
    fc
      .array(fc.oneof(hostileString(), fc.constantFrom(null, true, false, 0.5, 1e308, [], {}, '1')), { minLength: 1, maxLength: 5 })
      .map((bad) => [1, 2, ...bad]),
    fc.constant(Array.from({ length: max + 1 }, (_, i) => i + 1)),
  );

const badBool = (): fc.Arbitrary<unknown> => fc.constantFrom(0, 1, 'true', 'false', 'True', null, [], {}, 'yes', 0.0001);

const badTime = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom(
      '2026-13-01T00:00:00Z',
      '2026-02-30T00:00:00Z',
      '2026-01-01',
      'yesterday',
      '9999-12-31T23:59:59-23:59',
      '0001-01-01T00:00:00+23:59',
      '0000-01-01T00:00:00Z',
      '2026-01-01T25:00:00Z',
      12345,
      true,
      [],
      {},
    ),
    hostileString().filter((s) => s !== '' && !/^\d{4}-/.test(s)),
  );

const badDate = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    fc.constantFrom('2026-02-30', '2026-13-01', '26-01-01', '2026-1-1', '', 'today', true, 0, 20260101, null, [], {}),
    hostileString().filter((s) => s !== ''),
  );

/** A valid heartbeat `stats` in mode check (nothing written) with one field broken. */
const badStats = (): fc.Arbitrary<HostileArg> => {
  const base = (): Record<string, unknown> => ({
    mode: 'check',
    version: '0.1.0',
    host: 'fuzz',
    pid: 1,
    started_at: '2026-11-30T08:00:00Z',
    endpoints: {},
  });
  const endpoint = (key: string, value: unknown, code = 'FUZZ') => ({
    names: `stats.endpoints.${code}${key ? `.${key}` : ''}`,
    value: { ...base(), endpoints: { [code]: key ? { delivered: 1, [key]: value } : value } },
  });
  return fc.oneof(
    named('stats', fc.oneof(hostileString(), hostileNumber(), fc.constantFrom(null, [], true, [{}]))),
    fc
      .oneof(notString(), hostileString())
      .filter((v) => !['run', 'once', 'check'].includes(v as string))
      .map((value) => ({ names: 'stats.mode', value: { ...base(), mode: value } })),
    fc.oneof(notString(), fc.constant('v'.repeat(65))).map((value) => ({ names: 'stats.version', value: { ...base(), version: value } })),
    fc.oneof(notString(), fc.constant('h'.repeat(256))).map((value) => ({ names: 'stats.host', value: { ...base(), host: value } })),
    badInt(0, 2 ** 31 - 1).map((value) => ({ names: 'stats.pid', value: { ...base(), pid: value } })),
    badTime().map((value) => ({ names: 'stats.started_at', value: { ...base(), started_at: value } })),
    fc
      .oneof(hostileString(), hostileNumber(), fc.constantFrom(true, [], [1]))
      .map((value) => ({ names: 'stats.endpoints', value: { ...base(), endpoints: value } })),
    fc.oneof(hostileString(), hostileNumber(), fc.constantFrom(null, true, [])).map((value) => endpoint('', value)),
    fc.constantFrom('delivered', 'failed', 'parked').chain((key) => badInt(0, 2 ** 31 - 1).map((value) => endpoint(key, value))),
    fc.oneof(fc.constantFrom(-1, 1e12, 1e308, -1e308, 'fast', true, null, [], {})).map((value) => endpoint('per_minute', value)),
    fc.oneof(hostileNumber(), fc.constantFrom(true, null, [], {})).map((value) => endpoint('last_error', value)),
    badTime().map((value) => endpoint('last_delivery_at', value)),
  );
};

const line = { external_id: 'FUZZ-1', sku: 'FUZZ-SKU', warehouse: 'WH', period_start: '2026-11-30', granularity: 'week', quantity: 1 };

export const METHODS: readonly MethodSpec[] = [
  {
    model: 'plansync.outbox',
    method: 'claim',
    valid: (ctx) => [ctx.webhook, 10, 60, 'fuzz:1'],
    hostile: (ctx) => [
      named('endpoint', badEndpoint(ctx)),
      named('limit', badInt(1, 1000)),
      named('lease_seconds', badInt(1, 3600)),
      named('consumer', badString(1, 128)),
    ],
  },
  {
    model: 'plansync.outbox',
    method: 'ack',
    valid: () => ['0123456789abcdef0123456789abcdef', [1]],
    hostile: () => [named('lease', badString(1, 64)), named('event_ids', badIds(10_000))],
  },
  {
    model: 'plansync.outbox',
    method: 'nack',
    valid: () => ['0123456789abcdef0123456789abcdef', [1], 'fuzz', 0, false],
    hostile: () => [
      named('lease', badString(1, 64)),
      named('event_ids', badIds(10_000)),
      named('error', notString()),
      named(
        'retry_after',
        fc.oneof(
          fc.constantFrom(-1, -0.001, 2_592_001, 1e308, -1e308, true, false, null, '10', 'NaN', [], {}),
          fc.integer({ min: 2_592_001 }),
          hostileString(),
        ),
      ),
      named('final', badBool()),
    ],
  },
  {
    model: 'plansync.agent',
    method: 'heartbeat',
    valid: () => ['fuzz:1', { mode: 'check' }],
    hostile: () => [named('consumer', badString(1, 128)), badStats()],
  },
  {
    model: 'plansync.outbox',
    method: 'enqueue_history',
    valid: (ctx) => [ctx.webhook, 'product.changed', false, 0, 1],
    hostile: (ctx) => [
      named('endpoint', badEndpoint(ctx)),
      named(
        'kind',
        fc.oneof(
          notString(),
          fc.constantFrom('', 'stock.level', 'product.deleted', 'PRODUCT.CHANGED', 'product.changed '),
          hostileString(),
        ),
      ),
      named('since', badDate()),
      named(
        'cursor',
        badInt(0, 2 ** 31 - 1).filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v > 2 ** 31 - 1 && v < 2 ** 53)),
      ),
      named('limit', badInt(1, 50_000)),
    ],
  },
  {
    model: 'plansync.run',
    method: 'import_batch',
    valid: () => ['fuzz', 'FUZZ-RUN', 'forecast', [line], false, false],
    hostile: () => [
      named('source', badString(1, 64)),
      named('external_ref', badString(1, 128)),
      named('kind', fc.oneof(notString(), fc.constantFrom('', 'forecasts', 'Proposal', 'purchase', 'forecast '), hostileString())),
      fc.oneof(
        named(
          'lines',
          fc.oneof(
            notString().filter((v) => !Array.isArray(v)),
            hostileString(),
            fc.constant([]),
            fc.constant(Array.from({ length: 5001 }, () => ({}))),
          ),
        ),
        fc
          .tuple(fc.nat({ max: 3 }), fc.oneof(hostileString(), hostileNumber(), fc.constantFrom(null, true, [], [{}])))
          .map(([at, bad]) => ({
            names: `lines[${at}]`,
            value: [...Array.from({ length: at }, () => line), bad],
          })),
      ),
      named(
        'generated_at',
        badTime().filter((v) => v !== false),
      ),
      fc.oneof(
        named(
          'rejected',
          fc.oneof(
            hostileString().filter((s) => s !== ''),
            hostileNumber(),
            fc.constantFrom(true, {}, null),
          ),
        ),
        fc
          .oneof(
            fc.constantFrom(
              { index: 1, code: 'invalid', message: 'x' },
              { index: -1, code: 'invalid', message: 'x' },
              { index: 0, code: 1, message: 'x' },
              { index: 0, code: 'invalid', message: 'm'.repeat(2001) },
              { index: '0', code: 'invalid', message: 'x' },
              { index: true, code: 'invalid', message: 'x' },
            ),
            junk().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
          )
          .map((item) => ({ names: 'rejected[0]', value: [item] })),
      ),
    ],
  },
  {
    model: 'plansync.wms.message',
    method: 'receive',
    needsWms: true,
    valid: (ctx) => [ctx.wms, []],
    hostile: (ctx) => [
      named('endpoint', badEndpoint(ctx, [ctx.webhook, ctx.channel])),
      fc.oneof(
        named(
          'messages',
          fc.oneof(
            notString().filter((v) => !Array.isArray(v)),
            hostileString(),
            fc.constant(Array.from({ length: 501 }, (_, i) => ({ message_id: `m${i}` }))),
          ),
        ),
        fc.tuple(fc.nat({ max: 3 }), fc.oneof(hostileString(), hostileNumber(), fc.constantFrom(null, true, []))).map(([at, bad]) => ({
          names: `messages[${at}]`,
          value: [...Array.from({ length: at }, (_, i) => ({ message_id: `fuzz-never-${i}`, type: 'balance' })), bad],
        })),
        fc.tuple(fc.nat({ max: 3 }), badString(1, 128)).map(([at, bad]) => ({
          names: `messages[${at}].message_id`,
          value: [
            ...Array.from({ length: at }, (_, i) => ({ message_id: `fuzz-never-${i}`, type: 'balance' })),
            bad === undefined ? {} : { message_id: bad, type: 'balance' },
          ],
        })),
      ),
    ],
  },
  {
    model: 'plansync.endpoint',
    method: 'availability_snapshot',
    valid: (ctx) => [ctx.webhook, false, 0, 1],
    hostile: (ctx) => [
      named('endpoint', badEndpoint(ctx)),
      named(
        'warehouses',
        fc.oneof(
          fc.constantFrom(true, 0, 'WH', null, {}, [''], [1], [null], [[]]),
          hostileString(),
          fc.array(
            fc.string({ minLength: 1, maxLength: 20 }).map((s) => `NOPE-${s}`),
            { minLength: 1, maxLength: 3 },
          ),
          fc.constant(Array.from({ length: 1001 }, () => ctx.warehouse)),
        ),
      ),
      named(
        'offset',
        badInt(0, 2 ** 31 - 1).filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 0)),
      ),
      named('limit', badInt(1, 5000)),
    ],
  },
  {
    model: 'plansync.discrepancy',
    method: 'report_channel',
    valid: (ctx) => [ctx.channel, []],
    hostile: (ctx) => [
      named('endpoint', badEndpoint(ctx, [ctx.webhook])),
      fc.oneof(
        named(
          'items',
          fc.oneof(
            notString().filter((v) => !Array.isArray(v)),
            hostileString(),
          ),
        ),
        fc
          .tuple(
            fc.nat({ max: 2 }),
            fc.oneof(
              junk(),
              fc.record({
                sku: fc.oneof(hostileString(), junk()),
                warehouse: fc.oneof(hostileString(), junk()),
                sent: fc.oneof(hostileString(), junk()),
              }),
            ),
          )
          .map(([at, bad]) => ({
            names: `items[${at}]`,
            value: [...Array.from({ length: at }, () => ({ sku: ctx.sku, warehouse: ctx.warehouse, sent: 1e6 })), bad],
          })),
      ),
    ],
  },
  {
    model: 'plansync.run',
    method: 'planning_snapshot',
    valid: (ctx) => [[ctx.warehouse], 4, 0, 1],
    hostile: (ctx) => [
      named(
        'warehouses',
        fc.oneof(
          fc.constantFrom(true, 0, 'WH', null, {}, [''], [1], [null], [[]], []),
          hostileString(),
          fc.array(
            fc.string({ minLength: 1, maxLength: 20 }).map((s) => `NOPE-${s}`),
            { minLength: 1, maxLength: 3 },
          ),
          fc.constant(Array.from({ length: 1001 }, () => ctx.warehouse)),
        ),
      ),
      named('weeks', badInt(1, 260)),
      named(
        'offset',
        badInt(0, 2 ** 31 - 1).filter((v) => !(typeof v === 'number' && Number.isInteger(v) && v >= 0)),
      ),
      named('limit', badInt(1, 5000)),
    ],
  },
];

export interface HostileCall {
  readonly model: string;
  readonly method: string;
  readonly args: unknown[];
  readonly index: number;
  readonly names: string;
  readonly value: unknown;
}

/** A valid call of one of `specs` with one argument replaced by a hostile value. */
export const hostileCall = (ctx: RpcContext, specs: readonly MethodSpec[]): fc.Arbitrary<HostileCall> =>
  fc.oneof(
    ...specs.map((spec) => {
      const valid = spec.valid(ctx);
      return fc.oneof(
        ...spec.hostile(ctx).map((arb, index) =>
          arb.map(({ names, value }) => ({
            model: spec.model,
            method: spec.method,
            names,
            value,
            index,
            args: valid.map((v, i) => (i === index ? value : v)),
          })),
        ),
      );
    }),
  );

/** A short description of a call for messages. */
export const describeCall = (call: HostileCall): string => {
  const text = JSON.stringify(call.value) ?? String(call.value);
  return `${call.model}.${call.method} with ${call.names} = ${text.length > 200 ? `${text.slice(0, 200)}… (${text.length} characters)` : text}`;
};

export type RpcAnswer =
  | { readonly ok: true; readonly result: unknown }
  | { readonly ok: false; readonly name: string; readonly message: string; readonly status: number };

/** `execute_kw` over raw JSON-RPC. */
export const jsonRpc = async (
  url: string,
  db: string,
  uid: number,
  key: string,
  model: string,
  method: string,
  args: unknown[],
): Promise<RpcAnswer> => {
  const response = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'object', method: 'execute_kw', args: [db, uid, key, model, method, args, {}] },
      id: 1,
    }),
  });
  const text = await response.text();
  let body: { result?: unknown; error?: { data?: { name?: string; message?: string } } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { ok: false, name: `HTTP ${response.status}`, message: text.slice(0, 500), status: response.status };
  }
  if (body.error)
    return {
      ok: false,
      name: body.error.data?.name ?? '',
      message: body.error.data?.message ?? JSON.stringify(body.error),
      status: response.status,
    };
  return { ok: true, result: body.result };
};

/** `common.authenticate` over JSON-RPC: the uid of a login and API key. */
export const authenticate = async (url: string, db: string, login: string, key: string): Promise<number> => {
  const response = await fetch(`${url}/jsonrpc`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      method: 'call',
      params: { service: 'common', method: 'authenticate', args: [db, login, key, {}] },
      id: 1,
    }),
  });
  const uid = ((await response.json()) as { result?: unknown }).result;
  if (typeof uid !== 'number') throw new Error(`login ${login} refused`);
  return uid;
};

/** The exception classes a refused call may raise: Odoo's own, for a bad argument or a caller without rights. */
export const CLEAN_ERRORS = new Set(['odoo.exceptions.ValidationError', 'odoo.exceptions.UserError', 'odoo.exceptions.AccessError']);

/**
 * Why a refusal is not clean, or undefined: a ValidationError naming the argument (`names`, or its
 * argument when it is a path), short enough to read (the value quoted, not echoed whole).
 */
export const refusalIssue = (answer: RpcAnswer, names: string): string | undefined => {
  if (answer.ok) return `accepted (answered ${(JSON.stringify(answer.result) ?? '').slice(0, 200)})`;
  if (answer.name !== 'odoo.exceptions.ValidationError') return `raised ${answer.name || '(no name)'}: ${answer.message.slice(0, 300)}`;
  if (!answer.message.includes(names)) return `the message does not name ${names}: ${answer.message.slice(0, 300)}`;
  return undefined;
};

/**
 * Well-typed but foreign: ack and nack with a lease nobody holds and ids that are negative, huge, of
 * other endpoints, leases or companies. Answered 0, nothing changes.
 */
export const foreignAckNack = (): fc.Arbitrary<{ readonly model: string; readonly method: string; readonly args: unknown[] }> => {
  const lease = fc.oneof(fc.uuid(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 64 }));
  const ids = fc.array(
    fc.oneof(
      fc.integer({ min: 1, max: 5000 }),
      fc.integer({ min: -(2 ** 31), max: 0 }),
      fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
    ),
    { maxLength: 20 },
  );
  return fc.oneof(
    fc.tuple(lease, ids).map(([l, i]) => ({ model: 'plansync.outbox', method: 'ack', args: [l, i] })),
    fc
      .tuple(lease, ids, fc.boolean())
      .map(([l, i, final]) => ({ model: 'plansync.outbox', method: 'nack', args: [l, i, 'fuzz', 0, final] })),
  );
};
