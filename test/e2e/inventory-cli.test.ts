/**
 * Inventory truth as an operator runs it (child processes) against the stand-in over JSON-RPC:
 * `plansync snapshot` sends a channel every figure in its SKUs and remembers what was sent;
 * `plansync reconcile` compares that with Odoo's figures and records the drift as discrepancies
 * (never changing stock), and resolves them once the channel has the right figure again; bad
 * arguments are refused by name (exit 2).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { writeFileSync } from 'node:fs';
import { runCli, startCli, waitFor } from '../support/processes.ts';

const test = suite('inventory CLI');
let odoo: StandinOdoo;
let server: StandinServer;
let sink: Sink;
let agent: StandinUser;
let dir: string;
const SECRET = 'whsec-shop-e2e';
const products: number[] = [];

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: server.url,
  ODOO_DB: odoo.database.name,
  ODOO_LOGIN: agent.login,
  ODOO_API_KEY: agent.apiKey,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_CONSUMER: 'inventory-e2e',
  PLANSYNC_SECRET_SHOP: SECRET,
  PLANSYNC_PLANNER: 'off',
  ...extra,
});

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-inventory-'));
  odoo = new StandinOdoo();
  agent = odoo.addUser('plansync-agent', [GROUPS.integration]);
  const wh = odoo.addWarehouse('WH', 'Main');
  odoo.addWarehouse('WH2', 'Second');
  for (let i = 0; i < 3; i++) {
    const p = odoo.addProduct({ name: `Chair ${i}`, sku: `CHAIR-${i}` });
    products.push(p.id);
    odoo.moveStock(p.id, wh.id, { on_hand: 10 * (i + 1), reserved: i });
  }
  sink = new Sink({ secrets: { SHOP: SECRET } });
  const url = await sink.start();
  odoo.addEndpoint({
    code: 'SHOP',
    kind: 'channel',
    url,
    eventTypes: new Set(['stock.level']),
    warehouseIds: [wh.id],
    channelSkus: new Map([[products[0] ?? 0, 'AMZ-CHAIR-0']]),
  });
  odoo.addEndpoint({ code: 'HOOK', kind: 'webhook', url, eventTypes: new Set(['product.changed']) });
  server = await serveStandin(odoo);
});

test.after(async () => {
  await sink.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('snapshot --dry-run computes every figure and sends nothing', async () => {
  const result = await runCli(['snapshot', '--endpoint', 'SHOP', '--dry-run'], env());
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /SHOP: dry run: 3 product × warehouse figures computed, nothing sent/);
  assert.is(sink.inventory.length, 0);
});

test('snapshot sends the channel every figure of its warehouse, in its SKUs, by its definition', async () => {
  const result = await runCli(['snapshot', '--endpoint', 'SHOP', '--json'], env());
  assert.is(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as { items: number; sent: number };
  assert.equal([report.items, report.sent], [3, 3]);
  const items = sink.inventory.filter((r) => r.endpoint === 'SHOP');
  assert.ok(
    items.every((r) => r.mode === 'snapshot' && r.item.warehouse === 'WH'),
    "only the endpoint's warehouse",
  );
  assert.equal(
    items.map((r) => [r.item.sku, r.item.odoo_sku, r.item.quantity]),
    [
      ['AMZ-CHAIR-0', 'CHAIR-0', 10],
      ['CHAIR-1', 'CHAIR-1', 19],
      ['CHAIR-2', 'CHAIR-2', 28],
    ],
    'free = on hand - reserved, mapped SKU where Odoo maps one',
  );
});

test('reconcile: what the channel was sent matches Odoo: nothing is opened', async () => {
  const result = await runCli(['reconcile', '--endpoint', 'SHOP', '--json'], env());
  assert.is(result.code, 0, result.stdout + result.stderr);
  const report = JSON.parse(result.stdout) as { endpoints: Array<{ endpoint: string; counts: Record<string, number>; neverSent: number }> };
  assert.equal(report.endpoints[0]?.counts, { checked: 3, within_tolerance: 3, opened: 0, updated: 0, resolved: 0 });
  assert.is(odoo.discrepancies.length, 0);
});

test('reconcile: a change the channel never received becomes one discrepancy, updated (not doubled) when seen again, resolved once sent', async () => {
  const wh = [...odoo.warehouses.values()].find((w) => w.code === 'WH');
  const before = odoo.figures(products[1] ?? 0, wh?.id ?? 0).on_hand;
  odoo.moveStock(products[1] ?? 0, wh?.id ?? 0, { on_hand: -5 }); // its event stays pending: no daemon runs
  const first = await runCli(['reconcile'], env());
  assert.is(first.code, 0, first.stdout + first.stderr);
  assert.match(
    first.stdout,
    /SHOP \(channel\): 3 figures compared with what was last sent: within tolerance 2, discrepancies opened 1, updated 0, resolved 0/,
  );
  assert.match(first.stdout, /Settle the discrepancies in Odoo/);
  assert.equal(
    odoo.discrepancies.map((d) => [d.sku, d.warehouse, d.odooQty, d.otherQty, d.state]),
    [['CHAIR-1', 'WH', 14, 19, 'open']],
  );
  assert.is(odoo.figures(products[1] ?? 0, wh?.id ?? 0).on_hand, before - 5, 'reconciliation changed no stock');
  const again = await runCli(['reconcile', '--endpoint', 'SHOP'], env());
  assert.match(again.stdout, /opened 0, updated 1/);
  assert.is(odoo.discrepancies.length, 1);
  // The daemon's pass delivers the pending change: the channel now has Odoo's figure.
  const once = await runCli(['once', '--endpoint', 'SHOP'], env());
  assert.is(once.code, 0, once.stdout + once.stderr);
  const last = await runCli(['reconcile', '--endpoint', 'SHOP'], env());
  assert.match(last.stdout, /within tolerance 3, discrepancies opened 0, updated 0, resolved 1/);
  assert.is(odoo.discrepancies[0]?.state, 'resolved');
});

test('the daemon reconciles on its schedule, streams changes to the channel, and does not reconcile again after a restart within its interval', async () => {
  const config = join(dir, 'daemon.json');
  writeFileSync(config, JSON.stringify({ reconcile: { every_hours: 24 }, poll_seconds: 0.1 }));
  const daemonEnv = env({ PLANSYNC_CONFIG: config, PLANSYNC_CONSUMER: 'inventory-daemon', PLANSYNC_LOG_LEVEL: 'info' });
  const first = startCli(['run'], daemonEnv);
  const wh = [...odoo.warehouses.values()].find((w) => w.code === 'WH');
  const before = sink.inventory.length;
  try {
    await waitFor(() => first.output().stderr.includes('"msg":"reconciled'), 'the scheduled reconciliation', 30_000);
    odoo.moveStock(products[2] ?? 0, wh?.id ?? 0, { on_hand: 2 });
    await waitFor(
      () => sink.inventory.slice(before).some((r) => r.mode === 'delta' && r.item.sku === 'CHAIR-2' && r.item.quantity === 30),
      'the change streamed to the channel',
      30_000,
    );
  } finally {
    first.child.kill('SIGTERM');
  }
  const stopped = await first.finished;
  assert.is(stopped.code, 0, stopped.stderr.slice(-800));
  assert.match(stopped.stderr, /"msg":"reconciliation scheduled"/);
  assert.match(stopped.stderr, /"endpoint":"SHOP","kind":"channel","checked":3/);
  const again = startCli(['run'], daemonEnv);
  try {
    // The restarted daemon reads the last reconciliation's time from the state store and says it is not due: wait for that decision.
    await waitFor(
      () => /"job":"reconcile:last".*"msg":"scheduled job not due yet"/.test(again.output().stderr),
      'the restarted daemon to decide reconciliation is not due',
      60_000,
    );
  } finally {
    again.child.kill('SIGTERM');
  }
  const second = await again.finished;
  assert.is(second.code, 0);
  assert.not.match(second.stderr, /"msg":"reconciled/, 'not again within reconcile.every_hours');
});

test('bad arguments are refused by name, exit 2', async () => {
  const wrongKind = await runCli(['snapshot', '--endpoint', 'HOOK'], env());
  assert.is(wrongKind.code, 2);
  assert.match(wrongKind.stderr, /endpoint HOOK is of kind webhook/);
  const unknown = await runCli(['snapshot', '--endpoint', 'NOPE'], env());
  assert.is(unknown.code, 2);
  assert.match(unknown.stderr, /"NOPE" is not an active endpoint/);
  const warehouse = await runCli(['snapshot', '--endpoint', 'SHOP', '--warehouse', 'WH2'], env());
  assert.is(warehouse.code, 2);
  assert.match(warehouse.stderr, /--warehouse WH2: not a warehouse of endpoint SHOP/);
  const reconcile = await runCli(['reconcile', '--endpoint', 'HOOK'], env());
  assert.is(reconcile.code, 2);
  assert.match(reconcile.stderr, /--endpoint HOOK: not an active WMS or channel endpoint \(SHOP\)/);
});

test.run();
