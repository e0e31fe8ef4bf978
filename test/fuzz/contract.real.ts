/**
 * Fuzz on a real Odoo (run by `npm run test:odoo` on each version present): the contract's methods
 * (docs/contract.md) called as the integration user over JSON-RPC with hostile arguments
 * (test/support/fuzz-rpc.ts): wrong types, huge and non-integral numbers, 1e308, NaN strings,
 * negative ids, other companies' endpoints, huge and unicode strings, nested junk.
 *
 * For every call: a clean refusal (odoo.exceptions.ValidationError whose message names the argument;
 * Odoo's JSON-RPC adds its traceback in `debug`, which is Odoo's own behaviour for every error, so
 * what counts is the class and the message: no TypeError, KeyError, OverflowError or database error),
 * and the tables the methods write unchanged (test/support/fuzz-tables.ts, compared around every
 * batch of calls); Odoo still answers afterwards. Line-level junk (import_batch lines, WMS messages)
 * becomes that line's exception and touches no business table. Bounded in time per property.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fuzz, hostileNumber, hostileString, junk, printEdge } from '../support/fuzz.ts';
import {
  authenticate,
  describeCall,
  foreignAckNack,
  hostileCall,
  jsonRpc,
  METHODS,
  refusalIssue,
  type HostileCall,
  type RpcContext,
} from '../support/fuzz-rpc.ts';
import { TableFingerprints } from '../support/fuzz-tables.ts';
import { OdooAdmin, liveTier } from '../support/odoo-real.ts';

const tier = liveTier();
if ('reason' in tier) {
  console.log(`fuzz on real Odoo: not run: ${tier.reason}`);
} else {
  const admin = new OdooAdmin(tier);
  const major = await admin.serverMajor();
  const EDGE = `odoo ${major} rpc`;
  /** Seconds per property (FUZZ_REAL_SECONDS), so that the whole suite stays near 3 minutes on a loaded machine. */
  const seconds = Number(process.env.FUZZ_REAL_SECONDS ?? 45);
  const run = `${process.pid}`;
  const [productId] = await admin.createProducts(1, `FZ-${run}`);
  const sku = `FZ-${run}-0`;
  const warehouse = await admin.mainWarehouse();
  const ctx: RpcContext = {
    webhook: `FZ-HOOK-${run}`,
    wms: `FZ-WMS-${run}`,
    channel: `FZ-CHAN-${run}`,
    foreign: `FZ-FOREIGN-${run}`,
    warehouse: warehouse.code,
    sku,
  };
  await admin.createEndpoint({ code: ctx.webhook, eventTypes: ['product.changed'] });
  await admin.createEndpoint({ code: ctx.wms as string, kind: 'wms', eventTypes: ['stock.level'] });
  await admin.createEndpoint({ code: ctx.channel, kind: 'channel', eventTypes: ['stock.level'] });
  await admin.createEndpoint({ code: ctx.foreign, eventTypes: ['product.changed'], company: tier.file.other_company_id });
  // stock of the product, so that report_channel items before a bad one would open discrepancies if applied
  await admin.validate(await admin.receive(warehouse.id, [{ product: productId as number, quantity: 5 }]));

  const { login, api_key: key } = tier.file.integration;
  const uid = await authenticate(tier.url, tier.db, login, key);
  const plannerUid = await authenticate(tier.url, tier.db, tier.file.planner.login, tier.file.planner.api_key);
  const call = (model: string, method: string, args: unknown[], as: 'integration' | 'planner' = 'integration') =>
    as === 'integration'
      ? jsonRpc(tier.url, tier.db, uid, key, model, method, args)
      : jsonRpc(tier.url, tier.db, plannerUid, tier.file.planner.api_key, model, method, args);
  const tables = new TableFingerprints(tier.db);
  await tables.start();

  const healthy = async (): Promise<void> => {
    const answer = await call('plansync.agent', 'heartbeat', ['fuzz:health', { mode: 'check' }]);
    assert.ok(answer.ok, `Odoo answers a heartbeat after the fuzz: ${JSON.stringify(answer).slice(0, 300)}`);
  };

  /**
   * Check refusals call by call and the tables around every batch of `size` calls; when a batch
   * changed a table, its calls are replayed one by one to name the one that wrote.
   */
  const batched = (size: number) => {
    let batch: HostileCall[] = [];
    let before: Map<string, string> | undefined;
    const close = async (): Promise<void> => {
      if (!before || batch.length === 0) return;
      const after = await tables.take();
      const changed = TableFingerprints.changed(before, after);
      if (changed.length > 0) {
        let culprit = '(not found again on replay)';
        for (const again of batch) {
          const start = await tables.take();
          await call(again.model, again.method, again.args);
          const moved = TableFingerprints.changed(start, await tables.take());
          if (moved.length > 0) {
            culprit = `${describeCall(again)} changed ${moved.join(', ')}`;
            break;
          }
        }
        throw new Error(`a batch of ${batch.length} refused calls changed ${changed.join(', ')}: ${culprit}`);
      }
      batch = [];
      before = after;
    };
    return {
      async check(hostile: HostileCall): Promise<void> {
        before ??= await tables.take();
        const answer = await call(hostile.model, hostile.method, hostile.args);
        const issue = refusalIssue(answer, hostile.names);
        if (issue) throw new Error(`${describeCall(hostile)}: ${issue}`);
        batch.push(hostile);
        if (batch.length >= size) await close();
      },
      close,
    };
  };

  /** Tables compared around every `size` inputs, except `allowed` (the records a refused line legitimately leaves). */
  const guard = (size: number, allowed: readonly string[]) => {
    let before: Map<string, string> | undefined;
    let inputs: string[] = [];
    const close = async (also: readonly string[] = []): Promise<void> => {
      if (!before) return;
      const after = await tables.take();
      const changed = TableFingerprints.changed(before, after, [...allowed, ...also]);
      if (changed.length > 0)
        throw new Error(`one of these ${inputs.length} inputs changed ${changed.join(', ')}:\n  ${inputs.join('\n  ')}`);
      before = after;
      inputs = [];
    };
    return {
      async open(): Promise<void> {
        before ??= await tables.take();
      },
      async done(input: string): Promise<void> {
        inputs.push(input.slice(0, 300));
        if (inputs.length >= size) await close();
      },
      close,
    };
  };

  const test = suite(`fuzz: contract methods on Odoo ${major}`);
  test.after(async () => {
    await admin.deactivateAllEndpoints().catch(() => undefined);
    await tables.stop();
    printEdge(EDGE);
  });

  test('one hostile argument: ValidationError naming it, no table changed', async () => {
    const checker = batched(25);
    await fuzz(EDGE, 'one hostile argument', hostileCall(ctx, METHODS), (hostile) => checker.check(hostile), {
      runs: 4000,
      timeLimitMs: seconds * 2000,
    });
    await checker.close();
    await healthy();
  });

  test('ack and nack of ids nobody holds under that lease (negative, huge, other endpoints and companies): 0, no table changed', async () => {
    const watch = guard(25, []);
    await fuzz(
      EDGE,
      'ack and nack of ids nobody holds',
      foreignAckNack(),
      async (spec) => {
        await watch.open();
        const answer = await call(spec.model, spec.method, spec.args);
        assert.equal(
          answer,
          { ok: true, result: 0 },
          `${spec.method}(${JSON.stringify(spec.args).slice(0, 200)}): ${JSON.stringify(answer).slice(0, 300)}`,
        );
        await watch.done(`${spec.method}(${JSON.stringify(spec.args)})`);
      },
      { runs: 300, timeLimitMs: seconds * 500 },
    );
    await watch.close();
  });

  test('a caller outside PlanSync / Integration: AccessError for every method, no table changed', async () => {
    const before = await tables.take();
    await fuzz(
      EDGE,
      'outside the integration group',
      fc.constantFrom(...METHODS.map((m) => ({ model: m.model, method: m.method, args: m.valid(ctx) }))),
      async (spec) => {
        const answer = await call(spec.model, spec.method, spec.args, 'planner');
        assert.ok(
          !answer.ok && answer.name === 'odoo.exceptions.AccessError',
          `${spec.model}.${spec.method} as a planner: ${JSON.stringify(answer).slice(0, 300)}`,
        );
      },
      { runs: 100, timeLimitMs: seconds * 1000 },
    );
    assert.equal(TableFingerprints.changed(before, await tables.take()), []);
  });

  /** A forecast line with one field made hostile (the line is still an object). */
  const forecastLine = (n: number) => ({
    external_id: `FZ-${run}-L${n}`,
    sku,
    warehouse: warehouse.code,
    period_start: '2026-11-30',
    granularity: 'week',
    quantity: 1,
  });
  const FIELDS = [
    'external_id',
    'revision',
    'sku',
    'warehouse',
    'period_start',
    'granularity',
    'quantity',
    'lower',
    'upper',
    'colour',
  ] as const;
  /** Whether a value holds a lone surrogate (JSON's "\ud800"): a property of its own below. */
  const loneSurrogate = (value: unknown): boolean => /\\ud[89a-f][0-9a-f]{2}/i.test(JSON.stringify(value) ?? '');
  const hostileLine = fc.record({
    field: fc.constantFrom(...FIELDS),
    value: fc
      .oneof(
        hostileString(),
        hostileNumber().filter((n) => n < 0 || !Number.isInteger(n) || n > 2 ** 31),
        junk(),
      )
      .filter((v) => !loneSurrogate(v)),
  });
  let lineNo = 0;

  test('a hostile line of import_batch: that line is an exception naming the field; no forecast or business row written', async () => {
    const lines = guard(25, ['plansync_run', 'plansync_exception']);
    await fuzz(
      EDGE,
      'hostile import_batch lines',
      hostileLine,
      async ({ field, value }) => {
        const line: Record<string, unknown> = { ...forecastLine(++lineNo), [field]: value };
        await lines.open();
        const answer = await call('plansync.run', 'import_batch', ['fuzz', `FZ-${run}-R`, 'forecast', [line], false, false]);
        if (!answer.ok)
          throw new Error(
            `import_batch with ${field} = ${JSON.stringify(value)?.slice(0, 100)}: ${answer.name}: ${answer.message.slice(0, 300)}`,
          );
        const [result] = (answer.result as { results: Array<{ status: string; reason: string }> }).results;
        // a value the rules accept (a bound above the quantity, a long external id) is created: compare the
        // tables from here on (only a refused line is held to "nothing but its exception")
        if (result?.status === 'created' || result?.status === 'unchanged') {
          await lines.close(['plansync_forecast']);
          return;
        }
        assert.is(result?.status, 'exception', `${field} = ${JSON.stringify(value)?.slice(0, 100)}: ${JSON.stringify(result)}`);
        assert.ok(result?.reason.includes(field), `the reason names ${field}: ${result?.reason}`);
        await lines.done(`${field} = ${JSON.stringify(value)}`);
      },
      { runs: 600, timeLimitMs: seconds * 1000 },
    );
    await lines.close();
    await healthy();
  });

  test("a lone surrogate in a line of import_batch is that line's exception", async () => {
    await fuzz(
      EDGE,
      "a lone surrogate in a line of import_batch is that line's exception",
      fc.record({ field: fc.constantFrom('external_id', 'sku', 'warehouse'), value: fc.constantFrom('\ud800', 'a\udfffb') }),
      async ({ field, value }) => {
        const line = { ...forecastLine(++lineNo), [field]: value };
        const answer = await call('plansync.run', 'import_batch', [
          'fuzz',
          `FZ-${run}-S`,
          'forecast',
          [line, forecastLine(++lineNo)],
          false,
          false,
        ]);
        assert.ok(
          answer.ok,
          `import_batch with ${field} = ${JSON.stringify(value)} failed whole: ${answer.ok ? '' : `${answer.name}: ${answer.message.slice(0, 200)}`}`,
        );
        assert.is((answer.result as { results: Array<{ status: string }> }).results[0]?.status, 'exception');
      },
      { runs: 6 },
    );
    await healthy();
  });

  test("a quantity of 1e308 in a proposal line is that line's exception, the valid line beside it is imported", async () => {
    await fuzz(
      EDGE,
      "a quantity of 1e308 in a proposal line is that line's exception",
      fc.constantFrom(1e308, 1.7976931348623157e308, 1e300),
      async (quantity) => {
        const n = ++lineNo;
        const lines = [
          { external_id: `FZ-${run}-P${n}a`, kind: 'purchase', sku, warehouse: warehouse.code, quantity },
          { external_id: `FZ-${run}-P${n}b`, kind: 'purchase', sku, warehouse: warehouse.code, quantity: 1 },
        ];
        const answer = await call('plansync.run', 'import_batch', ['fuzz', `FZ-${run}-PR${n}`, 'proposal', lines, false, false]);
        assert.ok(answer.ok, `import_batch refused the whole call: ${answer.ok ? '' : `${answer.name}: ${answer.message.slice(0, 200)}`}`);
        const results = (answer.result as { results: Array<{ status: string }> }).results;
        assert.is(results[0]?.status, 'exception');
      },
      { runs: 3 },
    );
  });

  let messageNo = 0;
  const hostileMessage = fc.oneof(
    fc.record({
      type: fc.constant('balance'),
      warehouse: fc.oneof(hostileString(), junk()),
      as_of: fc.constant('2026-11-30T06:00:00Z'),
      complete: fc.constant(true),
      balances: fc.constant([]),
    }),
    fc.record({
      type: fc.constant('balance'),
      warehouse: fc.constant(warehouse.code),
      as_of: fc.oneof(hostileString(), junk()),
      complete: fc.constant(false),
      balances: fc.constant([]),
    }),
    fc.record({
      type: fc.constantFrom('receipt_confirmed', 'shipment_confirmed'),
      picking: fc.oneof(hostileString(), junk()),
      occurred_at: fc.constant('2026-11-30T08:00:00Z'),
      lines: fc.constant([{ sku, quantity: 1 }]),
    }),
    fc.record({ type: fc.oneof(hostileString(), junk()), lines: junk() }),
  );

  test('a hostile WMS message is stored as an exception and touches no stock, picking or discrepancy', async () => {
    const messages = guard(25, ['plansync_wms_message']);
    await fuzz(
      EDGE,
      'hostile WMS messages',
      hostileMessage,
      async (message) => {
        await messages.open();
        const id = `fz-${run}-${++messageNo}`;
        const answer = await call('plansync.wms.message', 'receive', [ctx.wms, [{ ...message, message_id: id }]]);
        if (!answer.ok)
          throw new Error(`receive(${JSON.stringify(message).slice(0, 200)}): ${answer.name}: ${answer.message.slice(0, 300)}`);
        const [result] = answer.result as Array<{ status: string; code: string | false; detail: string }>;
        assert.is(result?.status, 'exception', `${JSON.stringify(message).slice(0, 200)}: ${JSON.stringify(result)}`);
        assert.ok(typeof result?.code === 'string' && result.detail !== '', JSON.stringify(result));
        await messages.done(JSON.stringify(message));
      },
      { runs: 400, timeLimitMs: seconds * 1000 },
    );
    await messages.close();
    await healthy();
  });

  test.run();
}
