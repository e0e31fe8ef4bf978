/**
 * The demo: the whole path on a fresh clone, with nothing to install.
 *
 * Without ODOO_URL: an in-process Odoo stand-in (the contract, in memory, served over JSON-RPC) in
 * which a small distributor receives, reserves and ships goods and edits products → the agent as a
 * daemon, on its embedded defaults (SQLite state, JSON-RPC) → a real HTTP endpoint on loopback that
 * checks signatures and prints what it receives. The endpoint answers 503 once (the agent retries)
 * and refuses one product for good (the agent parks it as a dead letter, the rest flows). A web shop
 * (a channel endpoint) is told the free stock of the central warehouse in its own SKUs as it
 * changes. It ends with a summary and exit code 0 when every invariant held (the shop's last figures
 * among them).
 *
 * A real Odoo only when asked explicitly (`--real`): the same agent against the Odoo of ODOO_URL,
 * ODOO_DB, ODOO_LOGIN and ODOO_API_KEY (or the config file), serving only the endpoint named by
 * --endpoint (default DEMO), redirected to the loopback endpoint. It refuses an endpoint that does
 * not exist or that has events pending when it starts: those were not created by the demo, belong to
 * a real system, and would be marked done after landing in the demo's throwaway sink. ODOO_* set in
 * the shell without `--real` are ignored (the demo says so) and the stand-in runs.
 *
 * Whatever happens, the demo removes its temporary folder and stops its servers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EnvelopeBase } from '../shared-types/index.ts';
import { codeVariable, loadConfig, type AgentConfig, type Env } from './config.ts';
import { ConfigError } from './errors.ts';
import { PlanSyncOdoo } from './odoo/client.ts';
import { connectOdoo, logResolution } from './odoo/connect.ts';
import { Agent } from './runner.ts';
import { GROUPS, StandinOdoo } from './standin/model.ts';
import { serveStandin } from './standin/server.ts';
import { Sink } from './standin/sink.ts';
import { addHistoryMove, mondayOf } from './standin/snapshot.ts';
import { EMBEDDED_SOURCE } from './pipeline/plan.ts';
import { openStateStore } from './state/store.ts';
import { createLogger } from './telemetry/log.ts';
import { redactUrl } from './telemetry/redact.ts';

export interface DemoOptions {
  readonly env: Env;
  /** Endpoint served when running against a real Odoo. */
  readonly endpoint: string;
  /** Serve the real Odoo of the environment / config file (`--real`); default false: the stand-in, whatever ODOO_* say. */
  readonly real?: boolean | undefined;
  /** The config file (`--config`), with `real` only. */
  readonly config?: string | undefined;
  readonly quiet?: boolean;
  readonly out?: (line: string) => void;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly lines: readonly string[];
}

const describe = (event: EnvelopeBase): string => {
  const p = event.payload;
  switch (event.type) {
    case 'stock.level':
      return `on_hand=${String(p.on_hand)} reserved=${String(p.reserved)} incoming=${String(p.incoming)} available=${String(p.available)}`;
    case 'product.changed':
      return `"${String(p.name)}" price=${String(p.list_price)} active=${String(p.active)}`;
    case 'warehouse.changed':
      return `"${String(p.name)}"`;
    default:
      return '';
  }
};

/** The environment of the stand-in demo: nothing of a real Odoo (ODOO_*, PLANSYNC_CONFIG) reaches it. */
const standinEnv = (env: Env): Env =>
  Object.fromEntries(Object.entries(env).filter(([name]) => !/^ODOO_/.test(name) && name !== 'PLANSYNC_CONFIG'));

export const runDemo = async (options: DemoOptions): Promise<DemoResult> => {
  const out = options.out ?? ((line: string) => console.log(line));
  const started = Date.now();
  const real = Boolean(options.real);
  if (!real && Object.keys(options.env).some((name) => /^ODOO_(URL|DB|LOGIN|USER|API_KEY)/.test(name) && options.env[name])) {
    out('ODOO_* is set in the environment: ignored. The demo runs on its embedded stand-in; `plansync demo --real` serves that Odoo.');
  }
  const stateDir = mkdtempSync(join(tmpdir(), 'plansync-demo-'));
  let sink: Sink | undefined;
  let standinServer: Awaited<ReturnType<typeof serveStandin>> | undefined;
  let agent: Agent | undefined;
  try {
    const lines: string[] = [];
    const line = (text: string) => {
      lines.push(text);
      out(text);
    };
    const secret = randomBytes(24).toString('hex');
    const logger = createLogger((options.env.PLANSYNC_LOG_LEVEL as 'info' | undefined) ?? 'error');

    let standin: StandinOdoo | undefined;
    let served = true;
    const code = real ? options.endpoint : 'DEMO';
    // On the stand-in, a web shop too: a sales channel told the free stock of the central warehouse in its own SKUs.
    const shop = 'SHOP';
    sink = new Sink({
      secrets: { [code]: secret, [shop]: secret },
      onInventory: (endpoint, mode, items) => {
        if (options.quiet) return;
        for (const i of items)
          out(
            `  channel   ${endpoint}  ${mode.padEnd(8)} ${`${i.sku}@${i.warehouse}`.padEnd(20)} may sell ${i.quantity} ${i.unit}${i.sku !== i.odoo_sku ? ` (Odoo ${i.odoo_sku})` : ''}, definition v${i.definition.version}`,
          );
      },
      refuse: (event) => {
        if (event.type !== 'product.changed' || (event.payload as { sku?: string }).sku !== 'BAD-0001') return undefined;
        const reason = 'unit "crate" is unknown to this endpoint';
        if (!options.quiet)
          out(
            `  refused   ${event.endpoint}  #${event.id} seq ${event.sequence}  ${event.type.padEnd(17)} ${event.aggregate.key.padEnd(16)} ${reason} → the agent parks it as a dead letter`,
          );
        return reason;
      },
      onBatch: (endpoint, events) => {
        if (options.quiet) return;
        for (const e of events)
          out(
            `  received  ${endpoint}  #${e.id} seq ${e.sequence}  ${e.type.padEnd(17)} ${e.aggregate.key.padEnd(16)} ${describe(e)}${e.coalesced > 1 ? `  (${e.coalesced} changes coalesced)` : ''}`,
          );
      },
    });
    const sinkUrl = await sink.start();
    // One outage: the first request gets 503 with Retry-After, the agent waits and retries.
    sink.failNext(1, 503, { 'retry-after': '1' });

    let config: AgentConfig;
    const env: Record<string, string | undefined> = {
      ...(real ? options.env : standinEnv(options.env)),
      PLANSYNC_STATE: `sqlite://${join(stateDir, 'state.sqlite')}`,
      [`PLANSYNC_SECRET_${codeVariable(code)}`]: secret,
      [`PLANSYNC_ENDPOINT_URL_${codeVariable(code)}`]: sinkUrl,
      PLANSYNC_CONSUMER: options.env.PLANSYNC_CONSUMER ?? 'demo-agent',
      ...(real ? {} : { [`PLANSYNC_SECRET_${shop}`]: secret, [`PLANSYNC_ENDPOINT_URL_${shop}`]: sinkUrl }),
    };
    if (real) {
      config = loadConfig({ env, ...(options.config ? { file: options.config } : {}) });
      out(`PlanSync demo against ${redactUrl(config.odoo.url)} (database ${config.odoo.db}), endpoint ${code} → ${sinkUrl}`);
    } else {
      standin = new StandinOdoo();
      Object.assign(standin.settings, { poll_seconds: 0.1, heartbeat_seconds: 1, lease_seconds: 30 });
      const user = standin.addUser('plansync-agent', [GROUPS.integration]);
      standin.addEndpoint({ code, name: 'Demo webhook', url: 'http://unconfigured.invalid/', batchSize: 10, timeoutSeconds: 10 });
      standinServer = await serveStandin(standin);
      config = loadConfig({
        env: { ...env, ODOO_URL: standinServer.url, ODOO_DB: standin.database.name, ODOO_LOGIN: user.login, ODOO_API_KEY: user.apiKey },
      });
      out(`PlanSync demo: Odoo stand-in ${standinServer.url} → agent (state ${config.state}) → endpoint ${sinkUrl}`);
    }

    const odoo = new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(logger) }));
    agent = new Agent({
      config,
      odoo,
      openState: (database) => openStateStore({ url: config.state, database, receiptTtlMs: config.receiptTtlMs }),
      logger,
      targets: { webhook: { retryLimit: 3, backoffLimitMs: 2000, maxRetryAfterMs: 5000 } },
      graceSeconds: 5,
      // Against a real Odoo, serve only the demo endpoint: the others belong to real systems.
      only: real ? [code] : [code, shop],
    });

    if (standin) {
      // The distributor's day, before and while the agent runs.
      const s = standin;
      const wh = s.addWarehouse('WH', 'Central warehouse');
      const east = s.addWarehouse('EAST', 'East depot');
      const products = ['Office chair', 'Desk 160x80', 'Monitor arm', 'Cable tray', 'Desk lamp'].map((name, i) =>
        s.addProduct({ name, sku: `FURN-000${i + 1}`, list_price: 50 + i * 40, standard_price: 30 + i * 25, weight: 2 + i }),
      );
      s.addEndpoint({
        code: shop,
        name: 'Web shop',
        kind: 'channel',
        url: 'http://unconfigured.invalid/',
        eventTypes: new Set(['stock.level']),
        warehouseIds: [wh.id],
        channelSkus: new Map([[products[0]?.id ?? 0, 'SHOP-CHAIR']]),
        batchSize: 10,
        timeoutSeconds: 10,
      });
      const bad = s.addProduct({ name: 'Pallet of crates', sku: 'BAD-0001', list_price: 10 });
      for (const p of products) s.moveStock(p.id, wh.id, { incoming: 100 });
      seedHistory(
        s,
        products.map((p) => p.id),
        wh.id,
        east.id,
      );
      const run = agent.run();
      await sleep(300);
      // Receipts arrive: incoming becomes on hand.
      for (const p of products) s.moveStock(p.id, wh.id, { incoming: -100, on_hand: 100 });
      await sleep(300);
      // Sales orders reserve, one delivery ships, a transfer feeds the east depot.
      for (const p of products.slice(0, 3)) s.moveStock(p.id, wh.id, { reserved: 20, outgoing: 20 });
      s.moveStock(products[0]?.id ?? 0, wh.id, { reserved: -20, outgoing: -20, on_hand: -20 });
      s.moveStock(products[1]?.id ?? 0, east.id, { incoming: 30 });
      // A buyer edits a price three times in a row: the endpoint gets the last state once.
      for (const price of [95, 99, 105]) s.changeProduct(products[2]?.id ?? 0, { list_price: price });
      s.changeProduct(bad.id, { name: 'Pallet of crates (mixed)' });
      // Wait until the outbox is settled and the embedded planner's run is imported, then stop the
      // daemon gracefully.
      const deadline = Date.now() + 60_000;
      const planned = () => [...s.planning.runs.values()].some((r) => r.source === EMBEDDED_SOURCE && r.kind === 'forecast');
      while (Date.now() < deadline) {
        const counts = s.countByState(code);
        const channel = s.countByState(shop);
        if (counts.pending === 0 && counts.claimed === 0 && channel.pending === 0 && channel.claimed === 0 && planned()) break;
        await sleep(100);
      }
      agent.stop();
      await run;
    } else {
      // Before serving anything: the endpoint exists, and nothing is pending that the demo did not create.
      const before = await agent.heartbeat('check');
      const endpoint = before.endpoints.find((e) => e.code === code);
      if (!endpoint) {
        throw new ConfigError(
          `demo --real: Odoo has no endpoint ${JSON.stringify(code)} for this integration user: create a webhook endpoint of that code for the demo (its URL is redirected to the demo's loopback sink), or name one with --endpoint`,
        );
      }
      const held = endpoint.pending ?? 0;
      if (held > 0) {
        throw new ConfigError(
          `demo --real: endpoint ${code} has ${held} events pending that the demo did not create; they belong to the system behind ${code} and would be marked done after landing in the demo's throwaway sink. ` +
            'Nothing was delivered. Use an endpoint of its own for the demo (with nothing pending).',
        );
      }
      const summary = await agent.once();
      for (const e of summary.endpoints) {
        if (e.code !== code) continue;
        if (!e.served) line(`  endpoint ${e.code} not served: ${e.reason}`);
        served = e.served;
      }
    }
    return summarize({ started, standin, sink, code, shop, line, lines, served });
  } finally {
    await agent?.close().catch(() => undefined);
    await sink?.stop().catch(() => undefined);
    await standinServer?.close().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  }
};

interface SummaryInput {
  readonly started: number;
  readonly standin: StandinOdoo | undefined;
  readonly sink: Sink;
  readonly code: string;
  readonly shop: string;
  readonly line: (text: string) => void;
  readonly lines: string[];
  /** With --real: whether the demo endpoint was served. */
  readonly served: boolean;
}

const summarize = ({ started, standin, sink, code, shop, line, lines, served }: SummaryInput): DemoResult => {
  let ok: boolean;
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const coalescedRows = sink.received.reduce((sum, r) => sum + r.event.coalesced, 0);
  line('');
  line('PlanSync demo: summary');
  if (standin) {
    const counts = standin.countByState(code);
    const captured = counts.pending + counts.claimed + counts.done + counts.dead;
    line(`  changes captured in the outbox   ${captured}`);
    line(
      `  events delivered                 ${sink.received.length}  (standing for ${coalescedRows} captured changes: coalesced at claim)`,
    );
    line(
      `  parked as dead letters           ${counts.dead}${sink.refused[0] ? `  (${sink.refused[0].event.aggregate.key}: ${sink.refused[0].reason}; Retry or Replay it in Odoo)` : ''}`,
    );
    line(`  endpoint outages ridden out      ${sink.failuresServed}  (503 with Retry-After, retried by the agent)`);
    line(`  duplicates at the endpoint       ${sink.duplicates}`);
    line(`  out of order at the endpoint     ${sink.outOfOrder}`);
    line(`  bad signatures                   ${sink.unauthorized}`);
    line(
      `  outbox now                       pending ${counts.pending}, claimed ${counts.claimed}, done ${counts.done}, dead ${counts.dead}`,
    );
    const channel = channelSummary(standin, sink, shop);
    for (const text of channel.lines) line(text);
    const planner = plannerSummary(standin);
    for (const text of planner.lines) line(text);
    // Every captured change is either delivered (inside a coalesced event) or parked; nothing twice, nothing stale.
    ok =
      counts.pending === 0 &&
      counts.claimed === 0 &&
      sink.duplicates === 0 &&
      sink.outOfOrder === 0 &&
      sink.unauthorized === 0 &&
      counts.dead > 0 &&
      coalescedRows + counts.dead === captured &&
      channel.ok &&
      planner.ok;
  } else {
    line(`  events delivered                 ${sink.received.length}  (standing for ${coalescedRows} captured changes)`);
    line(`  refused by the endpoint          ${sink.refused.length}`);
    line(`  duplicates / out of order        ${sink.duplicates} / ${sink.outOfOrder}`);
    ok = served && sink.duplicates === 0 && sink.outOfOrder === 0 && sink.unauthorized === 0;
  }
  line(`  time                             ${seconds} s`);
  line(
    ok
      ? `  result                           OK: nothing lost, nothing applied twice, no stale overwrite${standin ? '; proposals waiting for approval, each explained' : ''}`
      : '  result                           FAILED: see above',
  );
  return { ok, lines };
};

/** What the web shop was last told per product, against the free stock the stand-in holds now. */
const channelSummary = (s: StandinOdoo, sink: Sink, shop: string): { lines: string[]; ok: boolean } => {
  const endpoint = [...s.endpoints.values()].find((e) => e.code === shop);
  const lines = [`  channel ${shop} (free stock of its warehouse, whole units, its own SKUs), last told:`];
  let ok = Boolean(endpoint);
  for (const w of endpoint ? s.endpointWarehouses(endpoint) : []) {
    for (const p of [...s.products.values()].filter((x) => x.type === 'product')) {
      const last = sink.inventory
        .filter((r) => r.endpoint === shop && r.item.odoo_sku === s.skuOf(p) && r.item.warehouse === w.code)
        .at(-1);
      const f = s.figures(p.id, w.id);
      const expected = Math.max(0, Math.floor(f.on_hand - f.reserved));
      if (!last) continue;
      const right = last.item.quantity === expected;
      ok &&= right;
      lines.push(
        `    ${`${last.item.sku}@${w.code}`.padEnd(20)} ${String(last.item.quantity).padStart(5)} ${last.item.unit}${right ? '' : `  (Odoo now: ${expected})`}`,
      );
    }
  }
  return { lines, ok: ok && lines.length > 1 };
};

/** A small seeded generator (mulberry32): the demo prints the same story every time. */
const seeded = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

/**
 * A year of done customer deliveries before the demo starts (history that predates the endpoint, so
 * not captured), and the vendors' terms: what the embedded planner reads. Chairs sell every day, desks
 * with a season, monitor arms now and then, cable trays in lumps, lamps every day; the east depot
 * sells chairs and lamps too. The monitor arm has no vendor: its proposal becomes an exception a
 * planner sees.
 */
const seedHistory = (s: StandinOdoo, products: readonly number[], wh: number, east: number): void => {
  const random = seeded(17);
  const DAY = 86_400_000;
  const start = mondayOf(s.now()) - 52 * 7 * DAY;
  const nos = s.planning.addVendor('Nordic Office Supply', 'V-NOS');
  const lamp = s.planning.addVendor('Lampworks', 'V-LMP');
  const [chair, desk, arm, tray, lampId] = products as [number, number, number, number, number];
  s.planning.addVendorTerms({ vendorId: nos.id, productId: chair, minQty: 20, price: 42, delay: 14 });
  s.planning.addVendorTerms({ vendorId: nos.id, productId: desk, minQty: 5, price: 120, delay: 21 });
  s.planning.addVendorTerms({ vendorId: nos.id, productId: tray, minQty: 50, price: 9, delay: 10 });
  s.planning.addVendorTerms({ vendorId: lamp.id, productId: lampId, minQty: 10, price: 18, delay: 7 });
  const daily: Array<[number, number, (day: number) => number]> = [
    [chair, wh, () => (random() < 0.85 ? 4 + Math.floor(random() * 8) : 0)],
    [desk, wh, (day) => (random() < 0.5 ? Math.round((1 + Math.sin((2 * Math.PI * day) / 365)) * (1 + random() * 3)) : 0)],
    [arm, wh, () => (random() < 0.08 ? 1 + Math.floor(random() * 3) : 0)],
    [tray, wh, () => (random() < 0.05 ? 20 + Math.floor(random() * 60) : 0)],
    [lampId, wh, (day) => (random() < 0.7 ? 1 + Math.floor(random() * 4 + day / 120) : 0)],
    [chair, east, () => (random() < 0.5 ? 1 + Math.floor(random() * 4) : 0)],
    [lampId, east, () => (random() < 0.3 ? 1 + Math.floor(random() * 2) : 0)],
  ];
  for (let day = 0; day < 52 * 7; day++) {
    for (const [productId, warehouseId, quantity] of daily) {
      const q = quantity(day);
      if (q > 0) addHistoryMove(s, { productId, warehouseId, quantity: q, doneAt: start + day * DAY + 10 * 3_600_000 });
    }
  }
};

/** What the embedded planner left in the stand-in: proposals waiting for approval, each explained. */
const plannerSummary = (s: StandinOdoo): { ok: boolean; lines: string[] } => {
  const lines: string[] = ['', 'Embedded planner (no planning endpoint configured): a year of history → forecasts and proposals in Odoo'];
  const runs = [...s.planning.runs.values()].filter((r) => r.source === EMBEDDED_SOURCE);
  const proposals = [...s.planning.proposals.values()].filter((p) => runs.some((r) => r.id === p.runId));
  const forecasts = [...s.planning.forecasts.values()].filter((f) => runs.some((r) => r.id === f.runId));
  const exceptions = [...s.planning.exceptions.values()].filter((e) => runs.some((r) => r.id === e.runId));
  for (const p of proposals.sort((a, b) => a.id - b.id)) {
    const product = s.products.get(p.productId);
    const warehouse = s.warehouses.get(p.warehouseId);
    const vendor = p.vendorId ? s.planning.vendors.get(p.vendorId) : undefined;
    const e = (p.explanation || {}) as {
      demand_class?: string;
      method?: string;
      forecast_over_lead_time?: number;
      safety_stock?: number;
      on_hand?: number;
      on_order?: number;
      lead_time_days?: number;
    };
    const from =
      p.kind === 'purchase'
        ? ` from ${vendor?.ref || vendor?.name || '?'}`
        : p.kind === 'transfer'
          ? ` from ${String(p.sourceWarehouse)}`
          : '';
    const round = (n: number | undefined) => (n === undefined ? '?' : String(Math.round(n * 10) / 10));
    lines.push(
      `  to approve  ${`${String(product?.sku)}@${String(warehouse?.code)}`.padEnd(16)} ${p.kind.padEnd(9)} ${String(Math.round(p.quantity * 100) / 100).padStart(6)}${from}${p.needBy ? `, need by ${p.needBy}` : ''}` +
        `  [${e.demand_class ?? '?'}, ${e.method ?? '?'}: demand over the ${round(e.lead_time_days)}-day lead time ${round(e.forecast_over_lead_time)}, safety stock ${round(e.safety_stock)}, on hand ${round(e.on_hand)}, on order ${round(e.on_order)}]`,
    );
  }
  for (const e of exceptions) lines.push(`  exception   ${e.externalId}: ${e.reason}`);
  lines.push(
    `  proposals waiting for approval   ${proposals.filter((p) => p.state === 'to_approve').length}  (approve them in Odoo: Inventory > PlanSync > Proposals)`,
  );
  lines.push(`  exceptions for a planner         ${exceptions.length}`);
  lines.push(`  forecast lines imported          ${forecasts.length}`);
  const ok =
    runs.length > 0 &&
    proposals.length > 0 &&
    proposals.every((p) => p.explanation && typeof p.explanation.reason === 'string') &&
    forecasts.length > 0;
  return { ok, lines };
};
