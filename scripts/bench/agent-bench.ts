/**
 * Benchmarks of the agent against a live Odoo 17, 18 or 19 (run by scripts/bench/odoo-bench.sh, which
 * prepares the database): events per second from Odoo's outbox through one agent to a loopback
 * endpoint, and the delay from a receipt validated in Odoo to its stock level at the endpoint.
 *
 * The agent runs with the embedded planner off (PLANSYNC_PLANNER, default off here) and the transport
 * of PLANSYNC_TRANSPORT (default auto: json2 on 19, jsonrpc on 17 and 18); each figure names the
 * transport the agent used and the machine's load average (/proc/loadavg) at its start and end.
 *
 * Prints one JSON line per figure, prefixed `FIGURE `.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
import { OdooAdmin, liveTier, type Tier } from '../../test/support/odoo-real.ts';

const tier = liveTier();
if ('reason' in tier) {
  console.error(tier.reason);
  process.exit(2);
}
const admin = new OdooAdmin(tier);
const dir = mkdtempSync(join(tmpdir(), 'plansync-bench-'));

interface Setup {
  readonly code: string;
  readonly claimLimit?: number;
  readonly batchSize?: number;
  readonly concurrency?: number;
  readonly pollSeconds?: number;
}

/** The 1, 5 and 15 minute load averages, or null where /proc/loadavg does not exist. */
const loadavg = (): number[] | null => {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).map(Number);
  } catch {
    return null;
  }
};

const startAgent = (t: Tier, setup: Setup, sinkUrl: string, secret: string) => {
  const v = codeVariable(setup.code);
  const config = loadConfig({
    env: {
      ODOO_URL: t.url,
      ODOO_DB: t.db,
      ODOO_LOGIN: t.file.integration.login,
      ODOO_API_KEY: t.file.integration.api_key,
      PLANSYNC_CONSUMER: `bench-${setup.code}`,
      PLANSYNC_PLANNER: process.env.PLANSYNC_PLANNER ?? 'off',
      PLANSYNC_TRANSPORT: process.env.PLANSYNC_TRANSPORT ?? 'auto',
      PLANSYNC_STATE: `sqlite://${join(dir, `${setup.code}.sqlite`)}`,
      [`PLANSYNC_SECRET_${v}`]: secret,
      [`PLANSYNC_ENDPOINT_URL_${v}`]: sinkUrl,
    },
  });
  const tuned = {
    ...config,
    claimLimit: setup.claimLimit ?? config.claimLimit,
    pollSeconds: setup.pollSeconds ?? config.pollSeconds,
    endpoints: {
      [v]: {
        ...config.endpoints[v],
        ...(setup.batchSize ? { batch_size: setup.batchSize } : {}),
        ...(setup.concurrency ? { concurrency: setup.concurrency } : {}),
      },
    },
  };
  const transport = createTransport(tuned.odoo.transport, tuned.odoo);
  const agent = new Agent({
    config: tuned,
    odoo: new PlanSyncOdoo(transport),
    openState: (database) => openStateStore({ url: tuned.state, database, receiptTtlMs: tuned.receiptTtlMs }),
    logger: createLogger('warn'),
    only: [setup.code],
  });
  // `auto` until the first call has asked the server's version; read after the run
  const transportName = () => transport.name;
  return { agent, running: agent.run(), transportName };
};

const throughput = async (setup: Setup, label: string) => {
  const secret = randomBytes(16).toString('hex');
  const sink = new Sink({ secrets: { [setup.code]: secret } });
  const url = await sink.start();
  const pending = (await admin.states(setup.code)).pending;
  const loadStart = loadavg();
  const started = Date.now();
  const { agent, running, transportName } = startAgent(tier, setup, url, secret);
  while (sink.received.length < pending) await sleep(20);
  const seconds = (Date.now() - started) / 1000;
  const loadEnd = loadavg();
  agent.stop();
  await running;
  await agent.close();
  await sink.stop();
  const states = await admin.states(setup.code);
  console.log(
    `FIGURE ${JSON.stringify({
      figure: 'throughput',
      version: process.env.BENCH_ODOO_VERSION,
      label,
      endpoint: setup.code,
      events: sink.received.length,
      seconds: Math.round(seconds * 100) / 100,
      events_per_second: Math.round(sink.received.length / seconds),
      claim_limit: setup.claimLimit ?? 100,
      batch_size: setup.batchSize ?? 50,
      concurrency: setup.concurrency ?? 2,
      duplicates: sink.duplicates,
      out_of_order: sink.outOfOrder,
      left_pending: states.pending + states.claimed,
      transport: transportName(),
      planner: process.env.PLANSYNC_PLANNER ?? 'off',
      load_start: loadStart,
      load_end: loadEnd,
    })}`,
  );
};

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

const receiptDelay = async (label: string, pollSeconds: number, receipts: number) => {
  const code = `BENCH-DELAY-${pollSeconds}`.replace('.', '_');
  await admin.createEndpoint({ code, eventTypes: ['stock.level'], url: 'http://127.0.0.1:9/unused' });
  const secret = randomBytes(16).toString('hex');
  const sink = new Sink({ secrets: { [code]: secret } });
  const url = await sink.start();
  const warehouse = await admin.mainWarehouse();
  const products = await admin.createProducts(receipts, `DELAY-${pollSeconds}`.replace('.', '_'));
  const loadStart = loadavg();
  const { agent, running, transportName } = startAgent(tier, { code, pollSeconds }, url, secret);
  await sleep(2000);
  const delays: number[] = [];
  for (const product of products) {
    const picking = await admin.receive(warehouse.id, [{ product, quantity: 3 }]);
    await sleep(300 + Math.random() * 400); // let the confirmation's own event pass
    await admin.validate(picking);
    const validatedAt = Date.now();
    const arrival = () =>
      sink.received.find((r) => r.event.aggregate.id === product && (r.event.payload as { on_hand?: number }).on_hand === 3);
    while (!arrival()) await sleep(5);
    delays.push((arrival()?.at ?? 0) - validatedAt);
  }
  const loadEnd = loadavg();
  agent.stop();
  await running;
  await agent.close();
  await sink.stop();
  const sorted = [...delays].sort((a, b) => a - b);
  console.log(
    `FIGURE ${JSON.stringify({ figure: 'receipt_to_endpoint_ms', version: process.env.BENCH_ODOO_VERSION, label, poll_seconds: pollSeconds, receipts, p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1), transport: transportName(), planner: process.env.PLANSYNC_PLANNER ?? 'off', load_start: loadStart, load_end: loadEnd })}`,
  );
};

try {
  await throughput({ code: 'BENCH-P-DEF' }, 'product.changed, defaults');
  await throughput(
    { code: 'BENCH-P-TUNED', claimLimit: 500, batchSize: 250, concurrency: 4 },
    'product.changed, claim 500, batch 250, concurrency 4',
  );
  await throughput({ code: 'BENCH-S-DEF' }, 'stock.level, defaults');
  await throughput(
    { code: 'BENCH-S-TUNED', claimLimit: 500, batchSize: 250, concurrency: 4 },
    'stock.level, claim 500, batch 250, concurrency 4',
  );
  const receipts = Number(process.env.BENCH_DELAY_RECEIPTS ?? '30');
  await receiptDelay('default poll (1 s)', 1, receipts);
  await receiptDelay('poll 0.2 s', 0.2, receipts);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
