/**
 * The planning loop end to end against a real Odoo 17 (run by `npm run test:odoo`): a run of 1,000
 * proposals (5 % bad) imported with the real CLI, the rules' states, the exception queue, a second
 * import that changes nothing, approval that executes through Odoo's procurement (RFQs consolidated
 * per vendor, transfers along the resupply route, reordering rules), executing again that creates
 * nothing, and the decisions flowing back to an endpoint through the agent.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sink } from '../../agent/standin/sink.ts';
import { OdooAdmin, liveTier, type Tier } from '../support/odoo-real.ts';
import { runCli, startCli, waitFor, type Running } from '../support/processes.ts';

const tier = liveTier();

if ('reason' in tier) {
  console.log(`planning loop on real Odoo: not run: ${tier.reason}`);
} else {
  const t: Tier = tier;
  const admin = new OdooAdmin(t);
  const run = process.pid;
  const dir = mkdtempSync(join(tmpdir(), 'plansync-planning-'));
  const source = `rt-${run}`;
  const ref = `RUN-${run}`;
  const test = suite(`planning loop on Odoo ${process.env.PLANSYNC_TIER_ODOO ?? 'real'}`);

  const env = (consumer: string, extra: Record<string, string> = {}): Record<string, string> => ({
    ODOO_URL: t.url,
    ODOO_DB: t.db,
    ODOO_LOGIN: t.file.integration.login,
    ODOO_API_KEY: t.file.integration.api_key,
    PLANSYNC_CONSUMER: consumer,
    PLANSYNC_STATE: `sqlite://${join(dir, `${consumer}.sqlite`)}`,
    PLANSYNC_LOG_LEVEL: 'warn',
    ...extra,
  });

  // What the test builds in Odoo.
  let wh = { id: 0, code: '' };
  let wh2 = { id: 0, code: '' };
  let products: number[] = [];
  const vendorRef = (i: number) => (i % 40 < 20 ? `VA-${run}` : `VB-${run}`);
  const sku = (i: number) => `PL-${run}-${i % 40}`;
  const csvFile = join(dir, `proposals_${ref}.csv`);
  const sink = new Sink({ secrets: { [`RT-FB-${run}`]: 'feedback-secret' } });
  let agent: Running | undefined;

  type Counts = Record<string, number>;
  const countsOfOdoo = async (): Promise<Counts> => {
    const count = (model: string, domain: unknown[] = []) => admin.call<number>(model, 'search_count', [domain]);
    return {
      purchase_orders: await count('purchase.order'),
      purchase_lines: await count('purchase.order.line'),
      pickings: await count('stock.picking'),
      orderpoints: await count('stock.warehouse.orderpoint'),
      proposals: await count('plansync.proposal', [['source', '=', source]]),
      exceptions: await count('plansync.exception', [['source', '=', source]]),
      proposal_messages: await count('mail.message', [['model', '=', 'plansync.proposal']]),
    };
  };

  test.before(async () => {
    wh = await admin.mainWarehouse();
    const code = `R${run % 10000}`;
    const wh2Id = await admin.call<number>('stock.warehouse', 'create', [
      { name: `Resupplied ${run}`, code, resupply_wh_ids: [[6, 0, [wh.id]]] },
    ]);
    wh2 = { id: wh2Id, code };
    products = await admin.createProducts(40, `PL-${run}`);
    await admin.createVendorTerms(`Vendor A ${run}`, `VA-${run}`, products.slice(0, 20), { minQty: 1, price: 10, delay: 5 });
    await admin.createVendorTerms(`Vendor B ${run}`, `VB-${run}`, products.slice(20), { minQty: 1, price: 10, delay: 7 });
    // Rules: value of 400 or more for a manager, the rest for planners; nothing is auto-approved.
    const rules = await admin.call<number[]>('plansync.approval.rule', 'search', [[]]);
    if (rules.length) await admin.call('plansync.approval.rule', 'write', [rules, { active: false }]);
    await admin.call('plansync.approval.rule', 'create', [
      { name: `Big ${run}`, sequence: 1, value_min: 400, outcome: 'manager', company_id: t.file.company_id },
    ]);
    await admin.setParam('plansync.execute_on_approval', 'True');
    await admin.setParam('plansync.poll_seconds', '0.2');

    // 950 good lines: 800 purchases (two vendors), 100 transfers into the resupplied warehouse, 50 parameters.
    const header = 'external_id,kind,sku,warehouse,vendor,source_warehouse,quantity,uom,need_by,min_qty,max_qty,reason';
    const rows: string[] = [];
    for (let i = 0; i < 800; i++)
      rows.push(`P-${i},purchase,${sku(i)},${wh.code},${vendorRef(i)},,${5 + (i % 40)},,2026-12-20,,,demand over lead time`);
    for (let i = 800; i < 900; i++) rows.push(`P-${i},transfer,${sku(i)},${wh2.code},,${wh.code},3,,2026-12-15,,,rebalance`);
    for (let i = 900; i < 950; i++)
      rows.push(`P-${i},parameter,PL-${run}-${i % 25},${i < 925 ? wh.code : wh2.code},,,,,,5,20,seasonal buffer`);
    // 50 bad ones, 10 of each kind of trouble.
    for (let i = 0; i < 10; i++) rows.push(`B-SKU-${i},purchase,NO-SUCH-${run}-${i},${wh.code},VA-${run},,5,,,,,`);
    for (let i = 0; i < 10; i++) rows.push(`B-WH-${i},purchase,${sku(i)},NOWH${i},VA-${run},,5,,,,,`);
    for (let i = 0; i < 10; i++) rows.push(`P-${i},purchase,${sku(i)},${wh.code},${vendorRef(i)},,5,,,,,`); // repeats an external id
    for (let i = 0; i < 10; i++) rows.push(`B-UOM-${i},purchase,${sku(i)},${wh.code},VA-${run},,5,kg,,,,`);
    for (let i = 0; i < 10; i++) rows.push(`B-TERMS-${i},purchase,${sku(i)},${wh.code},VB-${run},,5,,,,,`); // B does not sell products 0-19
    writeFileSync(csvFile, [header, ...rows].join('\n') + '\n');
  });

  test.after(async () => {
    if (agent && agent.child.exitCode === null) agent.child.kill('SIGTERM');
    await agent?.finished;
    await sink.stop();
    await admin.deactivateAllEndpoints();
    rmSync(dir, { recursive: true, force: true });
  });

  const importRun = async () => {
    const result = await runCli(
      ['import', csvFile, '--kind', 'proposal', '--source', source, '--ref', ref, '--json'],
      env(`rt-import-${run}`),
      300_000,
    );
    assert.is(result.code, 1, `exit 1: some lines are exceptions (${result.stderr.slice(-300)})`);
    return JSON.parse(result.stdout) as {
      counts: Record<string, number>;
      exceptions: Array<{ external_id: string; reason: string }>;
      seconds: number;
    };
  };

  let before: Counts = {};
  test('importing a run of 1,000 proposals with 5 % bad lines: 950 proposals in the states the rules say, 50 exceptions with reasons, nothing else changes', async () => {
    before = await countsOfOdoo();
    const summary = await importRun();
    console.log(`  1,000 lines imported through the agent in ${summary.seconds.toFixed(1)} s`);
    assert.equal(summary.counts, { created: 950, unchanged: 0, superseded: 0, exception: 50 });
    const proposals = await admin.call<
      Array<{ external_id: string; state: string; requires_manager: boolean; value: number; exception_code: string | false }>
    >('plansync.proposal', 'search_read', [[['source', '=', source]]], {
      fields: ['external_id', 'state', 'requires_manager', 'value', 'exception_code'],
    });
    const good = proposals.filter((p) => p.external_id.startsWith('P-'));
    assert.is(good.length, 950);
    assert.ok(
      good.every((p) => p.state === 'to_approve'),
      'every good proposal waits for approval (no rule auto-approves)',
    );
    const manager = good.filter((p) => p.requires_manager);
    assert.ok(manager.length > 0 && manager.every((p) => p.value >= 400), 'the manager rule took exactly the proposals of 400 or more');
    assert.ok(good.filter((p) => !p.requires_manager).every((p) => p.value < 400));
    const blocked = proposals.filter((p) => p.external_id.startsWith('B-TERMS-'));
    assert.ok(blocked.length === 10 && blocked.every((p) => p.state === 'exception' && p.exception_code === 'vendor_without_terms'));
    const exceptions = await admin.call<Array<{ code: string; message: string; state: string }>>(
      'plansync.exception',
      'search_read',
      [[['source', '=', source]]],
      { fields: ['code', 'message', 'state'] },
    );
    const byCode: Record<string, number> = {};
    for (const e of exceptions) byCode[e.code] = (byCode[e.code] ?? 0) + 1;
    assert.equal(byCode, { unknown_sku: 10, unknown_warehouse: 10, duplicate_line: 10, uom_incompatible: 10, vendor_without_terms: 10 });
    assert.ok(
      exceptions.every((e) => e.state === 'open' && e.message.length > 10),
      'each open, with its reason',
    );
    const after = await countsOfOdoo();
    for (const key of ['purchase_orders', 'purchase_lines', 'pickings', 'orderpoints'] as const)
      assert.is(after[key], before[key], `${key}: nothing else in Odoo changed`);
  });

  test('importing the same run again changes nothing', async () => {
    const first = await countsOfOdoo();
    const summary = await importRun();
    assert.equal(summary.counts, { created: 0, unchanged: 950, superseded: 0, exception: 50 });
    assert.equal(await countsOfOdoo(), first, 'no record, message or order more');
  });

  let executed: Array<{
    id: number;
    kind: string;
    state: string;
    purchase_order_ids: number[];
    picking_ids: number[];
    orderpoint_id: [number, string] | false;
  }> = [];
  test('approving all executes through procurement: RFQs consolidated per vendor, transfers along the resupply route, reordering rules', async () => {
    const { url } = { url: await sink.start() };
    await admin.createEndpoint({ code: `RT-FB-${run}`, url, eventTypes: ['proposal.decided', 'proposal.executed'] });
    agent = startCli(['run'], env(`rt-feedback-${run}`, { [`PLANSYNC_SECRET_RT_FB_${run}`]: 'feedback-secret' }));
    const ids = await admin.call<number[]>('plansync.proposal', 'search', [
      [
        ['source', '=', source],
        ['state', '=', 'to_approve'],
      ],
    ]);
    assert.is(ids.length, 950);
    const started = Date.now();
    for (let i = 0; i < ids.length; i += 100) await admin.call('plansync.proposal', 'action_approve', [ids.slice(i, i + 100)]);
    console.log(`  950 proposals approved and executed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    executed = await admin.call('plansync.proposal', 'read', [
      ids,
      ['kind', 'state', 'purchase_order_ids', 'picking_ids', 'orderpoint_id'],
    ]);
    assert.ok(
      executed.every((p) => p.state === 'done'),
      `all done (${[...new Set(executed.map((p) => p.state))].join(', ')})`,
    );
    const purchases = executed.filter((p) => p.kind === 'purchase');
    const orders = [...new Set(purchases.flatMap((p) => p.purchase_order_ids))];
    assert.is(orders.length, 2, 'one RFQ per vendor');
    const rfqs = await admin.call<Array<{ partner_id: [number, string]; state: string; order_line: number[] }>>('purchase.order', 'read', [
      orders,
      ['partner_id', 'state', 'order_line'],
    ]);
    assert.equal(rfqs.map((o) => o.partner_id[1]).sort(), [`Vendor A ${run}`, `Vendor B ${run}`]);
    assert.ok(
      rfqs.every((o) => o.state === 'draft'),
      'RFQs, not confirmed orders',
    );
    const lines = await admin.call<Array<{ product_id: [number, string]; product_qty: number }>>('purchase.order.line', 'read', [
      rfqs.flatMap((o) => o.order_line),
      ['product_id', 'product_qty'],
    ]);
    const ordered = new Map<number, number>();
    for (const l of lines) ordered.set(l.product_id[0], (ordered.get(l.product_id[0]) ?? 0) + l.product_qty);
    const proposed = new Map<number, number>();
    for (let i = 0; i < 800; i++) proposed.set(products[i % 40] ?? 0, (proposed.get(products[i % 40] ?? 0) ?? 0) + 5 + (i % 40));
    assert.equal([...ordered.entries()].sort(), [...proposed.entries()].sort(), 'the RFQs order exactly what was proposed, per product');
    const transfers = executed.filter((p) => p.kind === 'transfer');
    const pickingIds = [...new Set(transfers.flatMap((p) => p.picking_ids))];
    assert.ok(
      transfers.every((p) => p.picking_ids.length > 0),
      'every transfer proposal has its transfer',
    );
    const pickings = await admin.call<Array<{ picking_type_id: [number, string]; location_id: [number, string] }>>(
      'stock.picking',
      'read',
      [pickingIds, ['picking_type_id', 'location_id']],
    );
    assert.ok(
      pickings.some((p) => p.location_id[1].startsWith(`${wh.code}/`)),
      `the goods leave ${wh.code} along the resupply route (${pickings.map((p) => p.location_id[1]).join(', ')})`,
    );
    const parameters = executed.filter((p) => p.kind === 'parameter');
    assert.ok(
      parameters.every((p) => p.orderpoint_id),
      'every parameter proposal has its reordering rule',
    );
    const orderpoints = await admin.call<Array<{ product_min_qty: number; product_max_qty: number }>>(
      'stock.warehouse.orderpoint',
      'read',
      [[...new Set(parameters.map((p) => (p.orderpoint_id as [number, string])[0]))], ['product_min_qty', 'product_max_qty']],
    );
    assert.ok(orderpoints.length === 50 && orderpoints.every((o) => o.product_min_qty === 5 && o.product_max_qty === 20));
  });

  test('executing again creates nothing', async () => {
    const first = await countsOfOdoo();
    const ids = executed.map((p) => p.id);
    for (let i = 0; i < ids.length; i += 200) {
      try {
        await admin.call('plansync.proposal', 'action_execute', [ids.slice(i, i + 200)]);
      } catch (error) {
        // refusing to execute a done proposal is also "nothing created"
        assert.match((error as Error).message, /done|executed|state/i);
      }
    }
    const after = await countsOfOdoo();
    for (const key of ['purchase_orders', 'purchase_lines', 'pickings', 'orderpoints'] as const)
      assert.is(after[key], first[key], `${key}: nothing more`);
  });

  test('the decisions and executions reach the planning endpoint', async () => {
    const ids = new Set(executed.map((p) => p.id));
    await waitFor(
      () => {
        const latest = new Map<number, string>();
        for (const r of sink.received)
          if (r.event.type.startsWith('proposal.')) latest.set(r.event.aggregate.id, (r.event.payload as { state: string }).state);
        return [...ids].every((id) => latest.get(id) === 'done');
      },
      'every proposal done at the endpoint',
      120_000,
    );
    const events = sink.received.filter((r) => r.event.type.startsWith('proposal.'));
    assert.is(sink.duplicates, 0);
    assert.is(sink.outOfOrder, 0);
    const executedEvent = events.find(
      (r) => r.event.type === 'proposal.executed' && (r.event.payload as { kind: string }).kind === 'purchase',
    );
    const payload = executedEvent?.event.payload as { decision: string; orders: Array<{ model: string; name: string }> } | undefined;
    assert.is(payload?.decision, 'approved');
    assert.ok(
      payload?.orders.some((o) => o.model === 'purchase.order'),
      'the RFQ is named in the feedback',
    );
  });

  test.run();
}
