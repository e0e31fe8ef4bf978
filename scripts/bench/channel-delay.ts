/**
 * The delay from a stock change committed in Odoo to its arrival at a sales-channel endpoint, under a
 * steady load of stock moves (run by scripts/bench/channel-bench.sh, which prepares the database).
 *
 * One channel endpoint (kind channel, stock.level, basis free) is served by one agent with default
 * settings (Odoo's poll 1 s, batch 50, concurrency 2, unless BENCH_POLL_SECONDS overrides the poll)
 * and delivers to a loopback channel. BENCH_IN_STEP=1 makes the endpoint's two claim loops poll in
 * step, as the agent did before they took turns (the figure the tuning is measured against). A load generator applies inventory counts (stock.quant in
 * inventory mode, `action_apply_inventory`: one done stock move each) at BENCH_RATE per second for
 * BENCH_SECONDS, round-robin over BENCH_PRODUCTS products, open loop (a tick fires on time whatever
 * the previous one is doing, at most 16 in flight, one per product). Each change sets a quantity higher
 * than any before, so its arrival is the first channel item of that SKU with at least that quantity
 * (`superseded` counts those a newer change of the product overtook before delivery: coalesced at
 * claim, the channel gets the latest state). At the end, the channel's last figure of every product is
 * compared with Odoo's quantity (`channel_differs_from_odoo_at_end`). The delay is measured from
 * the moment the RPC that committed the change returned (the commit precedes the answer) to the
 * moment the channel received the item.
 *
 * Prints one JSON line prefixed `FIGURE `.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { codeVariable, loadConfig } from '../../agent/config.ts';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { createTransport } from '../../agent/odoo/index.ts';
import { Agent } from '../../agent/runner.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { openStateStore } from '../../agent/state/store.ts';
import { createLogger } from '../../agent/telemetry/log.ts';
import { OdooAdmin, liveTier } from '../../test/support/odoo-real.ts';

const tier = liveTier();
if ('reason' in tier) {
  console.error(tier.reason);
  process.exit(2);
}
const RATE = Number(process.env.BENCH_RATE ?? '5');
const SECONDS = Number(process.env.BENCH_SECONDS ?? '60');
const PRODUCTS = Number(process.env.BENCH_PRODUCTS ?? '200');
const POLL = process.env.BENCH_POLL_SECONDS ? Number(process.env.BENCH_POLL_SECONDS) : undefined;
const IN_STEP = process.env.BENCH_IN_STEP === '1';
const LABEL = process.env.BENCH_LABEL ?? `${POLL === undefined ? 'defaults' : `poll ${POLL} s`}${IN_STEP ? ', loops in step' : ''}`;
const admin = new OdooAdmin(tier);
const dir = mkdtempSync(join(tmpdir(), 'plansync-channel-bench-'));

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

const code = `BENCH-SHOP-${Date.now() % 100000}`;
const warehouse = await admin.mainWarehouse();
const [wh] = await admin.call<Array<{ lot_stock_id: [number, string] }>>('stock.warehouse', 'read', [[warehouse.id], ['lot_stock_id']]);
const stock = wh?.lot_stock_id[0] ?? 0;
await admin.createEndpoint({
  code,
  kind: 'channel',
  eventTypes: ['stock.level'],
  url: 'http://127.0.0.1:9/unused',
  warehouseIds: [warehouse.id],
});
const products = await admin.createProducts(PRODUCTS, code);
const skus = new Map(products.map((id, i) => [id, `${code}-${i}`]));

const secret = randomBytes(16).toString('hex');
const sink = new Sink({ secrets: { [code]: secret } });
const url = await sink.start();
const v = codeVariable(code);
const config = loadConfig({
  env: {
    ODOO_URL: tier.url,
    ODOO_DB: tier.db,
    ODOO_LOGIN: tier.file.integration.login,
    ODOO_API_KEY: tier.file.integration.api_key,
    PLANSYNC_CONSUMER: `bench-${code}`,
    PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
    [`PLANSYNC_SECRET_${v}`]: secret,
    [`PLANSYNC_ENDPOINT_URL_${v}`]: url,
  },
});
const agent = new Agent({
  config: POLL === undefined ? config : { ...config, pollSeconds: POLL },
  odoo: new PlanSyncOdoo(createTransport(config.odoo.transport, config.odoo)),
  openState: (database) => openStateStore({ url: config.state, database, receiptTtlMs: config.receiptTtlMs }),
  logger: createLogger('error'),
  only: [code],
  staggerLoops: !IN_STEP,
});
const running = agent.run();
// Let the creation events of the products pass before measuring.
while ((await admin.states(code)).pending > 0) await sleep(200);
await sleep(1500);

interface Change {
  readonly sku: string;
  readonly quantity: number;
  committedAt: number;
}
const changes: Change[] = [];
const errors: string[] = [];
let inFlight = 0;
// One change per product at a time: two counts of one product in flight would interleave their two
// calls (the later count's inventory_quantity applied by the earlier one's action_apply_inventory).
const busy = new Set<number>();
const apply = async (tick: number) => {
  let index = tick % products.length;
  while (busy.has(products[index] ?? 0)) index = (index + 1) % products.length;
  const product = products[index] ?? 0;
  busy.add(product);
  const quantity = 1000 + tick;
  const change: Change = { sku: skus.get(product) ?? '', quantity, committedAt: 0 };
  inFlight += 1;
  try {
    const quant = await admin.call<number>(
      'stock.quant',
      'create',
      [{ product_id: product, location_id: stock, inventory_quantity: quantity }],
      { context: { inventory_mode: true } },
    );
    await admin.call('stock.quant', 'action_apply_inventory', [[quant]]);
    change.committedAt = Date.now();
    changes.push(change);
  } catch (error) {
    errors.push((error as Error).message);
  } finally {
    inFlight -= 1;
    busy.delete(product);
  }
};
const started = Date.now();
const ticks = Math.round(RATE * SECONDS);
const pending: Array<Promise<void>> = [];
for (let tick = 0; tick < ticks; tick++) {
  const due = started + (tick * 1000) / RATE;
  const wait = due - Date.now();
  if (wait > 0) await sleep(wait);
  while (inFlight >= 16) await sleep(5);
  pending.push(apply(tick));
}
await Promise.all(pending);
const loadSeconds = (Date.now() - started) / 1000;
// A product's changes are made one at a time in tick order, so its quantities only grow: the first
// item of the SKU with at least the change's quantity is when the channel reflected the change, as it
// was or superseded by a newer one of the same product (coalesced at claim: the channel gets the latest).
const arrived = (c: Change) => sink.inventory.find((r) => r.item.odoo_sku === c.sku && r.item.quantity >= c.quantity);
const deadline = Date.now() + 30_000;
while (changes.some((c) => !arrived(c)) && Date.now() < deadline) await sleep(50);
// The channel's last figure of every product against Odoo's quantity now: nothing lost, nothing stale.
const quants = await admin.call<Array<{ product_id: [number, string]; quantity: number }>>(
  'stock.quant',
  'search_read',
  [
    [
      ['product_id', 'in', products],
      ['location_id', '=', stock],
    ],
  ],
  { fields: ['product_id', 'quantity'] },
);
const onHand = new Map<number, number>();
for (const q of quants) onHand.set(q.product_id[0], (onHand.get(q.product_id[0]) ?? 0) + q.quantity);
const stale = products.filter((id) => {
  const last = sink.inventory.filter((r) => r.item.odoo_sku === skus.get(id)).at(-1);
  return (last?.item.quantity ?? 0) !== Math.floor(onHand.get(id) ?? 0);
}).length;
agent.stop();
await running;
await agent.close();
await sink.stop();
const delays = changes.flatMap((c) => {
  const a = arrived(c);
  return a ? [a.at - c.committedAt] : [];
});
const sorted = [...delays].sort((a, b) => a - b);
console.log(
  `FIGURE ${JSON.stringify({
    figure: 'stock_change_to_channel_ms',
    label: LABEL,
    rate_per_second: RATE,
    achieved_rate: Math.round((changes.length / loadSeconds) * 100) / 100,
    seconds: SECONDS,
    changes: changes.length,
    arrived: delays.length,
    lost: changes.length - delays.length,
    superseded: changes.filter((c) => (arrived(c)?.item.quantity ?? c.quantity) > c.quantity).length,
    channel_differs_from_odoo_at_end: stale,
    errors: errors.length,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
  })}`,
);
if (errors.length > 0) console.error(`first load error: ${errors[0]}`);
for (const c of changes.filter((x) => !arrived(x)).slice(0, 5)) {
  const got = sink.inventory.filter((r) => r.item.odoo_sku === c.sku).map((r) => `${r.item.quantity}@${r.at - started}`);
  console.error(
    `not arrived: ${c.sku} ${c.quantity} committed at ${c.committedAt - started} ms; the channel got ${got.join(', ') || 'nothing'}`,
  );
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
