/**
 * The embedded planner against a real Odoo 17 (run by `npm run test:odoo`), on a year of synthetic
 * history made by scripts/odoo/planner_fixture.py (sales, returns, purchase receipts early and late,
 * transfers along a resupply route, a stock-out window): with no planning endpoint active, the real
 * CLI's `plansync plan` reads `planning_snapshot`, plans, and imports proposals into the approval
 * queue, each with its explanation; forecasts land beside actual demand; planning again supersedes
 * the open proposals instead of doubling them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OdooAdmin, liveTier, type Tier } from '../support/odoo-real.ts';
import { runCli } from '../support/processes.ts';

interface Fixture {
  readonly prefix: string;
  readonly products: number;
  readonly intermittent: readonly string[];
  readonly warehouses: readonly string[];
  readonly orderpoints: number;
  readonly stockout: unknown;
  readonly check: {
    readonly items: number;
    readonly snapshot_seconds: number;
    readonly items_with_lead_time: number;
    readonly items_with_stockout_days: number;
  };
}

interface Proposal {
  id: number;
  state: string;
  kind: string;
  external_id: string;
  quantity: number;
  product_id: [number, string];
  warehouse_id: [number, string];
  vendor_id: [number, string] | false;
  forecast_over_lead_time: number;
  safety_stock: number;
  on_hand: number;
  on_order: number;
  lead_time_days: number;
  service_level: number;
  reason: string | false;
  demand_class: string | false;
  forecast_method: string | false;
  planner_flags: string | false;
  run_id: [number, string];
}

const tier = liveTier();
const fixtureFile = process.env.PLANSYNC_PLANNER_FILE;

if ('reason' in tier) {
  console.log(`embedded planner on real Odoo: not run: ${tier.reason}`);
} else if (!fixtureFile || !existsSync(fixtureFile)) {
  console.log(
    'embedded planner on real Odoo: not run: no planner history (scripts/test-odoo.sh runs scripts/odoo/planner_fixture.py and sets PLANSYNC_PLANNER_FILE; see its output above)',
  );
} else {
  const t: Tier = tier;
  const admin = new OdooAdmin(t);
  const fixture = JSON.parse(readFileSync(fixtureFile, 'utf8')) as Fixture;
  const dir = mkdtempSync(join(tmpdir(), 'plansync-planner-real-'));
  const test = suite(`embedded planner on Odoo ${process.env.PLANSYNC_TIER_ODOO ?? 'real'}`);
  const env: Record<string, string> = {
    ODOO_URL: t.url,
    ODOO_DB: t.db,
    ODOO_LOGIN: t.file.integration.login,
    ODOO_API_KEY: t.file.integration.api_key,
    PLANSYNC_CONSUMER: `rt-planner-${process.pid}`,
    PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
    PLANSYNC_LOG_LEVEL: 'warn',
  };
  const fields = Object.keys({
    id: 0,
    state: 0,
    kind: 0,
    external_id: 0,
    quantity: 0,
    product_id: 0,
    warehouse_id: 0,
    vendor_id: 0,
    forecast_over_lead_time: 0,
    safety_stock: 0,
    on_hand: 0,
    on_order: 0,
    lead_time_days: 0,
    service_level: 0,
    reason: 0,
    demand_class: 0,
    forecast_method: 0,
    planner_flags: 0,
    run_id: 0,
  } satisfies Record<keyof Proposal, 0>);
  const ours = (runRef: string) =>
    admin.call<Proposal[]>(
      'plansync.proposal',
      'search_read',
      [
        [
          ['source', '=', 'embedded'],
          ['run_id.external_ref', '=', runRef],
          ['product_id.default_code', '=like', `${fixture.prefix}-%`],
        ],
      ],
      { fields },
    );

  let first = { ref: '', items: 0 };

  test.before(async () => {
    // "With no planning endpoint configured": earlier suites may have left one active.
    const planning = await admin.call<number[]>('plansync.endpoint', 'search', [[['kind', '=', 'planning']]]);
    if (planning.length > 0) await admin.call('plansync.endpoint', 'write', [planning, { active: false }]);
  });
  test.after(() => rmSync(dir, { recursive: true, force: true }));

  test('the fixture made a year of history that planning_snapshot reads back', () => {
    assert.ok(
      fixture.check.items >= fixture.products,
      `items of the fixture's products (${fixture.check.items} for ${fixture.products} products)`,
    );
    assert.ok(fixture.check.items_with_lead_time > 0, 'lead times measured on receipts');
    assert.ok(fixture.check.items_with_stockout_days > 0, 'the stock-out window shows');
    console.log(`  planning_snapshot of the fixture's ${fixture.check.items} items: ${fixture.check.snapshot_seconds} s`);
  });

  /**
   * A big customer order empties the shelf of one smooth-selling product without a reordering rule
   * and with nothing on order: the planner must propose to buy it.
   */
  const emptyOneShelf = async (): Promise<string> => {
    const [wh] = await admin.call<Array<{ id: number; out_type_id: [number, string]; lot_stock_id: [number, string] }>>(
      'stock.warehouse',
      'search_read',
      [[['code', '=', fixture.warehouses[0]]]],
      { fields: ['out_type_id', 'lot_stock_id'] },
    );
    if (!wh) throw new Error(`no warehouse ${String(fixture.warehouses[0])}`);
    const ruled = new Set(
      (
        await admin.call<Array<{ product_id: [number, string] }>>(
          'stock.warehouse.orderpoint',
          'search_read',
          [[['warehouse_id', '=', wh.id]]],
          { fields: ['product_id'] },
        )
      ).map((r) => r.product_id[0]),
    );
    const products = await admin.call<Array<{ id: number; default_code: string; qty_available: number; incoming_qty: number }>>(
      'product.product',
      'search_read',
      [[['default_code', '=like', `${fixture.prefix}-%`]]],
      { fields: ['default_code', 'qty_available', 'incoming_qty'], context: await admin.warehouseContext(wh.id), order: 'default_code' },
    );
    const pick = products.find(
      (p) => !ruled.has(p.id) && !fixture.intermittent.includes(p.default_code) && p.incoming_qty === 0 && p.qty_available > 0,
    );
    if (!pick) throw new Error('no product of the fixture to empty');
    const customers = await admin.ref('stock.stock_location_customers');
    const stock = wh.lot_stock_id[0];
    const picking = await admin.call<number>('stock.picking', 'create', [
      {
        picking_type_id: wh.out_type_id[0],
        location_id: stock,
        location_dest_id: customers,
        move_ids: [
          [
            0,
            0,
            {
              ...(await admin.moveName('big order')),
              product_id: pick.id,
              product_uom_qty: pick.qty_available,
              location_id: stock,
              location_dest_id: customers,
            },
          ],
        ],
      },
    ]);
    await admin.call('stock.picking', 'action_confirm', [[picking]]);
    await admin.call('stock.picking', 'action_assign', [[picking]]);
    await admin.validate(picking);
    return pick.default_code;
  };

  test('plansync plan puts explained proposals of the year of history in the approval queue', async () => {
    const emptied = await emptyOneShelf();
    const started = Date.now();
    const result = await runCli(['plan', '--json', ...fixture.warehouses.flatMap((w) => ['--warehouse', w])], env, 300_000);
    assert.is(result.code, 0, `exit 0: ${result.stderr.slice(-1500)}`);
    const summary = JSON.parse(result.stdout) as {
      ref: string;
      items: number;
      classes: Record<string, number>;
      proposals: Record<string, number>;
      proposal_counts: Record<string, number>;
      forecast_counts: Record<string, number>;
      exceptions: Array<{ external_id: string; reason: string }>;
      seconds: Record<string, number>;
    };
    first = { ref: summary.ref, items: summary.items };
    console.log(
      `  plansync plan: ${summary.items} items (${JSON.stringify(summary.classes)}), proposals ${JSON.stringify(summary.proposals)}, imported ${JSON.stringify(summary.proposal_counts)}, forecasts ${JSON.stringify(summary.forecast_counts)} in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    assert.ok(summary.items >= fixture.products, 'every product of the fixture was planned');
    assert.ok((summary.classes.smooth ?? 0) + (summary.classes.erratic ?? 0) > 0, 'smooth or erratic series found');
    assert.ok((summary.classes.intermittent ?? 0) + (summary.classes.lumpy ?? 0) > 0, 'intermittent or lumpy series found');
    assert.ok(summary.forecast_counts.created! > 0, 'forecasts imported');
    const proposals = await ours(summary.ref);
    assert.ok(proposals.length > 0, 'proposals of the fixture products exist');
    const queue = proposals.filter((p) => p.state === 'to_approve');
    assert.ok(queue.length > 0, `proposals wait in the approval queue (${proposals.map((p) => p.state).join(', ')})`);
    for (const p of proposals.filter((x) => x.state !== 'exception')) {
      assert.ok(p.reason && p.reason.length > 20, `${p.external_id}: a reason the planner can read (${String(p.reason)})`);
      assert.ok(p.demand_class && p.forecast_method, `${p.external_id}: demand class and method`);
      assert.ok(p.service_level > 0.5 && p.service_level < 1, `${p.external_id}: service level ${p.service_level}`);
      if (p.kind === 'purchase') {
        assert.ok(p.vendor_id, `${p.external_id}: a vendor`);
        assert.ok(
          p.quantity > 0 && p.forecast_over_lead_time >= 0 && p.safety_stock >= 0 && p.lead_time_days > 0,
          `${p.external_id}: figures ${JSON.stringify(p)}`,
        );
      }
    }
    const kinds = new Set(proposals.map((p) => p.kind));
    const bought = proposals.find((p) => p.kind === 'purchase' && p.product_id[1].includes(emptied));
    assert.ok(
      bought,
      `the emptied ${emptied} gets a purchase proposal (${proposals.map((p) => `${p.kind} ${p.product_id[1]}`).join('; ')})`,
    );
    assert.is(bought.on_hand, 0, 'its explanation shows the empty shelf');
    assert.ok(
      bought.quantity >= bought.forecast_over_lead_time,
      `it orders at least the demand over the lead time (${bought.quantity} ≥ ${bought.forecast_over_lead_time})`,
    );
    const exceptions = await admin
      .call<number>('plansync.exception', 'search_count', [
        [
          ['source', '=', 'embedded'],
          ['run_id.external_ref', '=', summary.ref],
          ['state', '!=', 'dismissed'],
        ],
      ])
      .catch(() => 0);
    console.log(
      `  fixture proposals: ${proposals.length} (${[...kinds].join(', ')}), to approve ${queue.length}; exceptions of the run ${exceptions}`,
    );
    const forecastRows = await admin.call<number>('plansync.forecast', 'search_count', [
      [
        ['source', '=', 'embedded'],
        ['product_id.default_code', '=like', `${fixture.prefix}-%`],
      ],
    ]);
    assert.ok(forecastRows >= fixture.products * 13, `13 weekly forecasts per item of the fixture (${forecastRows})`);
  });

  test('planning again supersedes what the first run left open: the queue does not double', async () => {
    assert.ok(first.ref, 'the first plan ran');
    const before = (await ours(first.ref)).filter((p) => p.state === 'to_approve');
    await new Promise((r) => setTimeout(r, 1100));
    const result = await runCli(['plan', '--json', ...fixture.warehouses.flatMap((w) => ['--warehouse', w])], env, 300_000);
    assert.is(result.code, 0, result.stderr.slice(-1500));
    const second = JSON.parse(result.stdout) as { ref: string };
    assert.is.not(second.ref, first.ref);
    const old = await admin.call<Array<{ id: number; state: string }>>('plansync.proposal', 'read', [before.map((p) => p.id), ['state']]);
    assert.ok(
      old.every((p) => p.state === 'superseded'),
      `the first run's open proposals are superseded (${old.map((p) => p.state).join(', ')})`,
    );
    const now = (await ours(second.ref)).filter((p) => p.state === 'to_approve');
    assert.is(now.length, before.length, 'as many proposals wait as before');
  });

  test.run();
}
