/**
 * The planning loop's half of the contract (docs/contract.md: `import_batch`, `enqueue_history`):
 * run with the rest of the contract suite on the stand-in (standin.test.ts) and on a real Odoo 17
 * (odoo.real.ts). Every test works on its own source, run references and products, so that the
 * suites of several transports on one database do not see each other.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { validateEnvelope, type EnvelopeBase, type ImportResult } from '../../shared-types/index.ts';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { createTransport } from '../../agent/odoo/index.ts';
import type { TransportName } from '../../agent/odoo/port.ts';
import { hasNull, rejects, type ContractHarness, type VendorProducts } from './suite.ts';

/** The UTC day `days` before today. */
const daysAgo = (days: number): string => new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);

export const registerPlanningContractSuite = (
  harness: ContractHarness,
  transport: TransportName,
  options: { readonly finally?: () => Promise<void> } = {},
): void => {
  const test = suite(`planning contract on ${harness.label} over ${transport}`);
  const odoo = new PlanSyncOdoo(createTransport(transport, harness.integration()));
  const tag = `${transport}-${process.pid}`;
  const source = (name: string) => `ct-${name}-${tag}`;
  const endpoints: string[] = [];
  let warehouse = { id: 0, code: '' };
  let fixture: VendorProducts = { products: [], vendor: { ref: '', name: '' } };
  const sku = (i: number): string => fixture.products[i]?.sku ?? 'missing';

  const forecast = (externalId: string, productIndex = 0, extra: Record<string, unknown> = {}) => ({
    external_id: externalId,
    revision: 1,
    sku: sku(productIndex),
    warehouse: warehouse.code,
    period_start: '2026-11-30',
    granularity: 'week',
    quantity: 12,
    ...extra,
  });
  const purchase = (externalId: string, productIndex = 0, extra: Record<string, unknown> = {}) => ({
    external_id: externalId,
    revision: 1,
    kind: 'purchase',
    sku: sku(productIndex),
    warehouse: warehouse.code,
    vendor: fixture.vendor.ref,
    quantity: 20,
    explanation: { forecast_over_lead_time: 18, safety_stock: 4, on_hand: 2, reason: 'contract test' },
    ...extra,
  });

  test.before(async () => {
    warehouse = await harness.warehouse();
    fixture = await harness.createVendorProducts(3, `plan-${transport}`, { minQty: 10, price: 4 });
  });
  test.after(async () => {
    for (const code of endpoints) await harness.deactivateEndpoint(code);
    await odoo.close();
    await options.finally?.();
  });

  test('import_batch creates forecasts and proposals: one result per line, in order, with ids, and no null', async () => {
    const forecasts = await odoo.importBatch(source('create'), 'F-1', 'forecast', [
      forecast('F-A', 0),
      forecast('F-B', 1, { lower: 10, upper: 15 }),
    ]);
    assert.not.ok(hasNull(forecasts), 'no null in the result');
    assert.ok(forecasts.run_id > 0);
    assert.equal(
      forecasts.results.map((r) => [r.external_id, r.status]),
      [
        ['F-A', 'created'],
        ['F-B', 'created'],
      ],
    );
    const [a, b] = forecasts.results;
    assert.ok(typeof a?.id === 'number' && typeof b?.id === 'number' && a.id !== b.id, 'each line has its own record');
    const proposals = await odoo.importBatch(
      source('create'),
      'P-1',
      'proposal',
      [purchase('P-A', 0), purchase('P-B', 1, { vendor: false })],
      '2026-11-30T06:00:00Z',
    );
    assert.not.ok(hasNull(proposals));
    assert.equal(
      proposals.results.map((r) => r.status),
      ['created', 'created'],
      JSON.stringify(proposals.results),
    );
    assert.ok(proposals.run_id !== forecasts.run_id, 'a run per (source, reference, kind)');
  });

  test('importing the same batch twice changes nothing: created lines come back unchanged with their ids, a refused line as the same exception', async () => {
    const lines = [forecast('T-1', 0), forecast('T-2', 1, { sku: `NO-SUCH-SKU-${tag}` }), forecast('T-3', 2)];
    const first = await odoo.importBatch(source('twice'), 'R-1', 'forecast', lines);
    assert.equal(
      first.results.map((r) => r.status),
      ['created', 'exception', 'created'],
    );
    const second = await odoo.importBatch(source('twice'), 'R-1', 'forecast', lines);
    assert.is(second.run_id, first.run_id, 'the same run');
    assert.equal(
      second.results.map((r) => r.status),
      ['unchanged', 'exception', 'unchanged'],
    );
    assert.equal(
      second.results.map((r) => r.id),
      first.results.map((r) => r.id),
      'the same records, no new ones',
    );
    assert.is(second.results[1]?.reason, first.results[1]?.reason);
    const again = await odoo.importBatch(source('twice'), 'R-2', 'forecast', [forecast('T-1', 0)]);
    assert.is(again.results[0]?.status, 'unchanged', 'the same (source, external id, revision) from another run is unchanged too');
    assert.is(again.results[0]?.id, first.results[0]?.id);
  });

  test('revisions: a higher revision is created; a lower one arriving after it is superseded and points at the higher', async () => {
    const rev2 = await odoo.importBatch(source('revision'), 'R-1', 'proposal', [purchase('X-1', 0, { revision: 2 })]);
    assert.is(rev2.results[0]?.status, 'created', JSON.stringify(rev2.results));
    const rev1 = await odoo.importBatch(source('revision'), 'R-2', 'proposal', [purchase('X-1', 0, { revision: 1 })]);
    assert.is(rev1.results[0]?.status, 'superseded', JSON.stringify(rev1.results));
    assert.is(rev1.results[0]?.id, rev2.results[0]?.id, "id is the higher revision's record");
    const rev3 = await odoo.importBatch(source('revision'), 'R-3', 'proposal', [purchase('X-1', 0, { revision: 3, quantity: 30 })]);
    assert.is(rev3.results[0]?.status, 'created');
    assert.ok(rev3.results[0]?.id !== rev2.results[0]?.id, 'a new record for the new revision');
    const late = await odoo.importBatch(source('revision'), 'R-4', 'proposal', [purchase('X-1', 0, { revision: 2 })]);
    assert.is(late.results[0]?.status, 'unchanged', 'revision 2 was imported before');
  });

  test('a line the addon cannot place is an exception whose reason starts with its code and names the field and the value; the rest is imported', async () => {
    const noSku = `NO-SUCH-SKU-${tag}`;
    const noWarehouse = `NOWH${process.pid % 1000}`;
    const noVendor = `NO-SUCH-VENDOR-${tag}`;
    const result = await odoo.importBatch(source('exceptions'), 'R-1', 'proposal', [
      purchase('E-SKU', 0, { sku: noSku }),
      purchase('E-WH', 0, { warehouse: noWarehouse }),
      purchase('E-OK', 1),
      purchase('E-VENDOR', 2, { vendor: noVendor }),
      purchase('E-OK', 2),
    ]);
    assert.not.ok(hasNull(result));
    assert.is(result.results.length, 5, 'one result per line');
    const [unknownSku, unknownWarehouse, ok, unknownVendor, duplicate] = result.results;
    assert.is(ok?.status, 'created', JSON.stringify(ok));
    const expect = (line: ImportResult['results'][number] | undefined, code: string, field: string, value: string) => {
      assert.is(line?.status, 'exception', JSON.stringify(line));
      assert.ok(typeof line?.id === 'number' && line.id > 0, 'an exception record a planner can see');
      assert.ok(line?.reason.startsWith(`${code}: `), `reason starts with "${code}: ": ${line?.reason}`);
      assert.ok(line?.reason.includes(field) && line.reason.includes(value), `reason names ${field} and ${value}: ${line?.reason}`);
    };
    expect(unknownSku, 'unknown_sku', 'sku', noSku);
    expect(unknownWarehouse, 'unknown_warehouse', 'warehouse', noWarehouse);
    expect(unknownVendor, 'unknown_vendor', 'vendor', noVendor);
    expect(duplicate, 'duplicate_line', 'external_id', 'E-OK');
  });

  test("lines the caller refused (rejected) become exceptions with the caller's reason, without being imported; the others are", async () => {
    const result = await odoo.importBatch(
      source('rejected'),
      'R-1',
      'proposal',
      [purchase('J-OK', 0), { external_id: 'J-BAD', kind: 'purchase', quantity: 'lots' }, purchase('J-DUP', 1)],
      false,
      [
        { index: 1, code: 'invalid', message: 'quantity: expected a number (got "lots")' },
        { index: 2, code: 'duplicate_line', message: 'external_id "J-DUP" is also line 7 of this run' },
      ],
    );
    assert.not.ok(hasNull(result));
    const [ok, bad, dup] = result.results;
    assert.is(ok?.status, 'created', JSON.stringify(ok));
    assert.is(bad?.status, 'exception');
    assert.is(bad?.reason, 'invalid: quantity: expected a number (got "lots")');
    assert.ok(typeof bad?.id === 'number' && bad.id > 0, 'an exception record');
    assert.is(dup?.status, 'exception');
    assert.ok(dup?.reason.startsWith('duplicate_line: '), dup?.reason);
    const again = await odoo.importBatch(source('rejected'), 'R-1', 'proposal', [purchase('J-DUP', 1)]);
    assert.is(again.results[0]?.status, 'created', 'the refused line was not imported: sent alone, it is new');
    const refused = await rejects(
      odoo.importBatch(source('rejected'), 'R-2', 'proposal', [purchase('J-X', 0)], false, [{ index: 5, code: 'invalid', message: 'x' }]),
    );
    assert.is(refused.code, 'ERR_ODOO_VALIDATION');
    assert.match(refused.message, /rejected\[0\]/);
  });

  test('a run generated before the newest run of its source and kind makes its new lines stale_run exceptions', async () => {
    const newer = await odoo.importBatch(source('stale'), 'R-NEW', 'forecast', [forecast('S-1', 0)], '2026-06-02T06:00:00Z');
    assert.is(newer.results[0]?.status, 'created');
    const older = await odoo.importBatch(
      source('stale'),
      'R-OLD',
      'forecast',
      [forecast('S-1', 0), forecast('S-2', 1)],
      '2026-06-01T06:00:00Z',
    );
    const [known, fresh] = older.results;
    assert.is(known?.status, 'unchanged', 'a line imported before stays unchanged');
    assert.is(fresh?.status, 'exception', JSON.stringify(fresh));
    assert.ok(fresh?.reason.startsWith('stale_run: '), fresh?.reason);
    const otherKind = await odoo.importBatch(source('stale'), 'R-OLD-P', 'proposal', [purchase('S-P', 0)], '2026-06-01T06:00:00Z');
    assert.is(otherKind.results[0]?.status, 'created', 'runs of another kind do not count');
  });

  test('import_batch refuses the whole call for a bad kind, source, empty lines or a line that is not an object, naming the argument; nothing is imported', async () => {
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['kind budget', () => odoo.importBatch(source('refused'), 'R-1', 'budget' as 'forecast', [forecast('Z-1')]), /kind.*budget/],
      ['empty lines', () => odoo.importBatch(source('refused'), 'R-1', 'forecast', []), /lines/],
      ['a line that is not an object', () => odoo.importBatch(source('refused'), 'R-1', 'forecast', [forecast('Z-1'), 5]), /lines/],
      ['empty source', () => odoo.importBatch('', 'R-1', 'forecast', [forecast('Z-1')]), /source/],
      [
        'generated_at not a time',
        () => odoo.importBatch(source('refused'), 'R-1', 'forecast', [forecast('Z-1')], 'yesterday'),
        /generated_at.*yesterday/,
      ],
    ];
    for (const [what, call, message] of cases) {
      const error = await rejects(call());
      assert.is(error.code, 'ERR_ODOO_VALIDATION', `${what}: ${error.code} ${error.message}`);
      assert.ok(message.test(error.message), `${what}: ${error.message}`);
    }
    const after = await odoo.importBatch(source('refused'), 'R-1', 'forecast', [forecast('Z-1')]);
    assert.is(after.results[0]?.status, 'created', 'the refused calls imported nothing');
  });

  test('a planner can neither import a batch nor enqueue history', async () => {
    const planner = new PlanSyncOdoo(createTransport(transport, harness.planner()));
    try {
      for (const call of [
        () => planner.importBatch(source('planner'), 'R-1', 'forecast', [forecast('Q-1')]),
        () => planner.enqueueHistory('ANY', 'demand.line', false, 0, 10),
      ]) {
        const error = await rejects(call());
        assert.is(error.code, 'ERR_ODOO_ACCESS', `${error.code}: ${error.message}`);
      }
    } finally {
      await planner.close();
    }
  });

  test('enqueue_history pages done deliveries by cursor with done and remaining; the lines are claimable demand.line events; a second pass enqueues nothing', async () => {
    const [p0, p1] = fixture.products;
    assert.ok(p0 && p1);
    await harness.makeDeliveries([p0.id, p1.id], [5, 7]);
    const code = await harness.createEndpoint(['demand.line']);
    endpoints.push(code);
    const since = daysAgo(2);
    let cursor = 0;
    let enqueued = 0;
    let scanned = 0;
    let total = -1;
    for (let page = 0; page < 500; page++) {
      const result = await odoo.enqueueHistory(code, 'demand.line', since, cursor, 1);
      assert.not.ok(hasNull(result));
      const pageScanned = result.enqueued + result.skipped;
      assert.ok(pageScanned <= 1, 'at most limit records per call');
      if (total < 0) total = pageScanned + result.remaining;
      scanned += pageScanned;
      enqueued += result.enqueued;
      assert.is(result.remaining, total - scanned, 'remaining counts what is left to scan');
      assert.is(result.done, result.remaining === 0);
      assert.ok(result.cursor >= cursor, 'the cursor never goes back');
      if (pageScanned > 0) assert.ok(result.cursor > cursor, 'the cursor moves past what was scanned');
      cursor = result.cursor;
      if (result.done) break;
    }
    assert.ok(enqueued >= 2, `the two deliveries were enqueued (${enqueued} of ${total})`);
    const again = await odoo.enqueueHistory(code, 'demand.line', since, 0, 50_000);
    assert.equal(
      [again.enqueued, again.skipped, again.done, again.remaining],
      [0, total, true, 0],
      'the same arguments again enqueue nothing',
    );

    const seen: EnvelopeBase[] = [];
    for (let i = 0; i < 100; i++) {
      const claim = await odoo.claim(code, 1000, 30, 'contract-history');
      if (claim.events.length === 0) break;
      for (const raw of claim.events) {
        const checked = validateEnvelope(raw);
        assert.ok(checked.ok, checked.ok ? '' : checked.reason);
        seen.push(raw as EnvelopeBase);
      }
      await odoo.ack(
        claim.lease,
        claim.events.map((e) => (e as EnvelopeBase).id),
      );
    }
    assert.is(seen.length, enqueued, 'every enqueued line is claimed once');
    for (const [product, quantity] of [
      [p0, 5],
      [p1, 7],
    ] as const) {
      const event = seen.find((e) => (e.payload as { product: { id: number } }).product.id === product.id);
      assert.ok(event, `a demand line for ${product.sku}`);
      assert.is(event.type, 'demand.line');
      assert.is(event.aggregate.model, 'stock.move');
      const payload = event.payload as { quantity: number; kind: string; warehouse: { code: string }; product: { sku: string } };
      assert.equal(
        [payload.quantity, payload.kind, payload.warehouse.code, payload.product.sku],
        [quantity, 'delivery', warehouse.code, product.sku],
      );
      assert.ok(event.aggregate.key.startsWith(`${product.sku}@${warehouse.code}@`), event.aggregate.key);
    }
  });

  test('enqueue_history refuses bad arguments, naming the argument and the value', async () => {
    const code = await harness.createEndpoint(['demand.line', 'product.changed']);
    endpoints.push(code);
    const productsOnly = await harness.createEndpoint(['product.changed']);
    endpoints.push(productsOnly);
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['unknown kind', () => odoo.enqueueHistory(code, 'invoice.paid' as 'demand.line', false, 0, 10), /kind.*invoice\.paid/],
      ['impossible date', () => odoo.enqueueHistory(code, 'demand.line', '2026-13-40', 0, 10), /since.*2026-13-40/],
      ['negative cursor', () => odoo.enqueueHistory(code, 'demand.line', false, -1, 10), /cursor.*-1/],
      ['limit 0', () => odoo.enqueueHistory(code, 'demand.line', false, 0, 0), /limit.*\b0\b/],
      ['limit 50001', () => odoo.enqueueHistory(code, 'demand.line', false, 0, 50_001), /limit.*50001/],
      ['unknown endpoint', () => odoo.enqueueHistory('NO-SUCH-ENDPOINT', 'demand.line', false, 0, 10), /NO-SUCH-ENDPOINT/],
      ['a kind the endpoint does not subscribe to', () => odoo.enqueueHistory(productsOnly, 'demand.line', false, 0, 10), /demand\.line/],
    ];
    for (const [what, call, message] of cases) {
      const error = await rejects(call());
      assert.is(error.code, 'ERR_ODOO_VALIDATION', `${what}: ${error.code} ${error.message}`);
      assert.ok(message.test(error.message), `${what}: ${error.message}`);
    }
    const states = await harness.states(code);
    assert.is(states.pending + states.claimed + states.done + states.dead, 0, 'the refused calls enqueued nothing');
  });

  test('planning_snapshot pages product × warehouse items of whole weeks up to the current one, with no null', async () => {
    // A delivery today gives the vendor products stock movement (this week is not history yet).
    await harness.makeDeliveries([fixture.products[0]!.id], [2]);
    const weeks = 8;
    const first = await odoo.planningSnapshot([warehouse.code], weeks, 0, 5000);
    assert.not.ok(hasNull(first), 'no null in the answer');
    assert.is(first.weeks, weeks);
    const start = new Date(`${first.history_start}T00:00:00Z`);
    assert.is(start.getUTCDay(), 1, `history_start ${first.history_start} is a Monday`);
    const asOf = new Date(`${first.as_of}T00:00:00Z`);
    const days = (asOf.getTime() - start.getTime()) / 86_400_000;
    assert.ok(
      days >= weeks * 7 && days < weeks * 7 + 7,
      `the last bucket is the last complete week before as_of (${first.history_start} + ${weeks} weeks vs ${first.as_of})`,
    );
    assert.is(first.items.length, first.total);
    assert.is(first.next, false);
    for (const item of first.items) {
      assert.is(item.warehouse, warehouse.code);
      assert.is(item.demand.length, weeks, `${item.sku}: one demand bucket per week`);
      assert.is(item.stockout_days.length, weeks, `${item.sku}: one stock-out count per week`);
    }
    const order = first.items.map((i) => [i.product_id, i.warehouse_id] as const);
    const sorted = [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    assert.equal(order, sorted, 'items in (product, warehouse) order');
    const mine = first.items.find((i) => i.product_id === fixture.products[0]!.id);
    if (mine) {
      assert.ok(mine.vendor, 'the vendor terms are in the item');
      if (mine.vendor) assert.equal([mine.vendor.code, mine.vendor.min_qty, mine.vendor.price], [fixture.vendor.ref, 10, 4]);
    }
    // Pages of 2 give the same items as one page (the first five pages on a database with many items).
    const key = (i: { product_id: number; warehouse_id: number }) => `${i.product_id}|${i.warehouse_id}`;
    const paged: string[] = [];
    let offset: number | false = 0;
    for (let calls = 0; offset !== false && calls < 5; calls++) {
      const page = await odoo.planningSnapshot([warehouse.code], weeks, offset, 2);
      assert.is(page.total, first.total);
      assert.ok(page.items.length <= 2);
      paged.push(...page.items.map(key));
      offset = page.next;
    }
    assert.equal(paged, first.items.slice(0, paged.length).map(key), 'pages of 2 follow the items of one page');
    if (offset === false) assert.is(paged.length, first.items.length, 'the last page ends with the last item');
  });

  test('planning_snapshot refuses bad arguments, naming the argument and the value; a planner cannot call it', async () => {
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['weeks 0', () => odoo.planningSnapshot(false, 0, 0, 10), /weeks.*\b0\b/],
      ['weeks 261', () => odoo.planningSnapshot(false, 261, 0, 10), /weeks.*261/],
      ['negative offset', () => odoo.planningSnapshot(false, 10, -1, 10), /offset.*-1/],
      ['limit 0', () => odoo.planningSnapshot(false, 10, 0, 0), /limit.*\b0\b/],
      ['limit 5001', () => odoo.planningSnapshot(false, 10, 0, 5001), /limit.*5001/],
      ['unknown warehouse', () => odoo.planningSnapshot(['NO-SUCH-WH'], 10, 0, 10), /NO-SUCH-WH/],
    ];
    for (const [what, call, message] of cases) {
      const error = await rejects(call());
      assert.is(error.code, 'ERR_ODOO_VALIDATION', `${what}: ${error.code} ${error.message}`);
      assert.ok(message.test(error.message), `${what}: ${error.message}`);
    }
    const planner = new PlanSyncOdoo(createTransport(transport, harness.planner()));
    try {
      const error = await rejects(planner.planningSnapshot(false, 10, 0, 10));
      assert.is(error.code, 'ERR_ODOO_ACCESS', `${error.code}: ${error.message}`);
    } finally {
      await planner.close();
    }
  });

  test.run();
};
