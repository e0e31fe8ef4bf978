/**
 * End to end: the real CLI as daemons (child processes) → the stand-in over JSON-RPC → a real HTTP
 * endpoint on loopback. Proves the invariants across processes: nothing lost, nothing applied twice,
 * no stale overwrite with two agents at once, and a graceful stop on SIGTERM.
 *
 * No test depends on the machine's speed: each waits for what it can observe (events delivered,
 * requests held at the endpoint, heartbeats recorded, a log line), with long timeouts only as safety nets.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo } from '../../agent/standin/model.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { startCli, waitFor, type Running } from '../support/processes.ts';

const SECRET = 'e2e-secret-1234';

interface Stage {
  /** Requests that reached the endpoint (before it let them through). */
  arrived: () => number;
  /** With a gated endpoint: let every held request (and every later one) through. */
  open: () => void;
  odoo: StandinOdoo;
  server: StandinServer;
  sink: Sink;
  env: (consumer: string) => Record<string, string>;
  dir: string;
}

/** Safety net of every wait: long enough for a loaded machine, never what a result depends on. */
const PATIENCE_MS = 120_000;

const stage = async (gated = false): Promise<Stage> => {
  const odoo = new StandinOdoo();
  Object.assign(odoo.settings, { poll_seconds: 0.05, heartbeat_seconds: 1, lease_seconds: 20 });
  const user = odoo.addUser('plansync-agent', [GROUPS.integration]);
  const sink = new Sink({ secrets: { 'E2E.HOOK': SECRET } });
  const url = await sink.start();
  let arrived = 0;
  let open = () => undefined as void;
  if (gated) {
    // A gated endpoint: every request is held until the test opens the gate.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    open = release;
    const server = (sink as unknown as { server: Server }).server;
    const listeners = server.listeners('request') as Array<(...args: unknown[]) => void>;
    server.removeAllListeners('request');
    server.on('request', (...args: unknown[]) => {
      arrived += 1;
      void gate.then(() => listeners.forEach((l) => l(...args)));
    });
  }
  odoo.addEndpoint({
    code: 'E2E.HOOK',
    url,
    batchSize: 5,
    concurrency: 2,
    timeoutSeconds: 10,
    eventTypes: new Set(['product.changed', 'stock.level']),
  });
  const server = await serveStandin(odoo);
  const dir = mkdtempSync(join(tmpdir(), 'plansync-e2e-'));
  return {
    arrived: () => arrived,
    open: () => open(),
    odoo,
    server,
    sink,
    dir,
    env: (consumer) => ({
      ODOO_URL: server.url,
      ODOO_DB: odoo.database.name,
      ODOO_LOGIN: user.login,
      ODOO_API_KEY: user.apiKey,
      PLANSYNC_CONSUMER: consumer,
      PLANSYNC_STATE: `sqlite://${join(dir, `${consumer}.sqlite`)}`,
      PLANSYNC_SECRET_E2E_HOOK: SECRET,
      PLANSYNC_LOG_LEVEL: 'info',
    }),
  };
};

const teardown = async (s: Stage, agents: Running[]) => {
  for (const a of agents) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  await s.sink.stop();
  await s.server.close();
  rmSync(s.dir, { recursive: true, force: true });
};

const test = suite('daemon end to end');

test('two daemons share one endpoint: every change arrives, none twice, each product ends at its latest state', async () => {
  const s = await stage();
  const warehouse = s.odoo.addWarehouse('WH', 'Main');
  const products = Array.from({ length: 40 }, (_, i) => s.odoo.addProduct({ name: `Item ${i}`, sku: `E2E-${i}` }));
  const agents = [startCli(['run'], s.env('agent-1')), startCli(['run'], s.env('agent-2'))];
  try {
    await waitFor(() => s.odoo.agents.has('agent-1') && s.odoo.agents.has('agent-2'), 'both agents to report in', PATIENCE_MS);
    // A stream of business changes while both agents run: at least 10 rounds, and on until both
    // agents have claimed work (on a loaded machine one of them may start polling late).
    const claimedByBoth = () => (s.odoo.claimedBy.get('agent-1') ?? 0) > 0 && (s.odoo.claimedBy.get('agent-2') ?? 0) > 0;
    let rounds = 0;
    const deadline = Date.now() + PATIENCE_MS;
    while (rounds < 10 || (!claimedByBoth() && Date.now() < deadline)) {
      for (const p of products) {
        if ((p.id + rounds) % 3 === 0) s.odoo.changeProduct(p.id, { list_price: rounds });
        s.odoo.moveStock(p.id, warehouse.id, { on_hand: 1 });
      }
      rounds += 1;
      await new Promise((r) => setTimeout(r, 30));
    }
    await waitFor(
      () => {
        const c = s.odoo.countByState('E2E.HOOK');
        return c.pending === 0 && c.claimed === 0;
      },
      'the outbox to drain',
      PATIENCE_MS,
    );
    const shares = Object.fromEntries(s.odoo.claimedBy);
    assert.ok(
      (shares['agent-1'] ?? 0) > 0 && (shares['agent-2'] ?? 0) > 0,
      `both agents took work (${JSON.stringify(shares)} after ${rounds} rounds)`,
    );
    assert.is(s.sink.duplicates, 0, 'no event delivered twice');
    assert.is(s.sink.outOfOrder, 0, 'no older state after a newer one');
    const latest = s.sink.latest();
    for (const p of products) {
      const level = latest.get(`E2E.HOOK|stock|E2E-${p.id - products[0]!.id}@WH`);
      assert.ok(level, `stock level of ${p.sku} arrived`);
      assert.is((level.payload as { on_hand: number }).on_hand, rounds, `${p.sku} ends at its latest on hand`);
    }
    const coalesced = s.sink.received.reduce((sum, r) => sum + r.event.coalesced, 0);
    assert.is(coalesced, s.odoo.outbox.size, 'every captured row is accounted for by a delivered event');
    for (const a of agents) a.child.kill('SIGTERM');
    const exits = await Promise.all(agents.map((a) => a.finished));
    for (const e of exits) assert.is(e.code, 0, `clean exit on SIGTERM: ${e.stderr.slice(-500)}`);
    assert.ok(s.odoo.agents.has('agent-1') && s.odoo.agents.has('agent-2'), 'both reported a heartbeat to Odoo');
  } finally {
    await teardown(s, agents);
  }
});

test('SIGTERM during deliveries: the agent finishes or releases what it holds and exits 0; another agent delivers the rest', async () => {
  const s = await stage(true);
  const products = Array.from({ length: 30 }, (_, i) => s.odoo.addProduct({ name: `Slow ${i}`, sku: `SLOW-${i}` }));
  const first = startCli(['run'], s.env('agent-stop'));
  let second: Running | undefined;
  try {
    // Two batches of 5 held at the endpoint (concurrency 2), the other 20 events claimed and waiting.
    await waitFor(() => s.arrived() >= 2, 'two deliveries under way from the first agent', PATIENCE_MS);
    first.child.kill('SIGTERM');
    await waitFor(() => /stopping: finishing deliveries under way/.test(first.output().stderr), 'the agent to take the stop', PATIENCE_MS);
    // Only now do the deliveries under way get their answers: they must be finished and acked, the rest released.
    s.open();
    const exit = await first.finished;
    assert.is(exit.code, 0, `exit code 0 (stderr: ${exit.stderr.slice(-500)})`);
    const counts = s.odoo.countByState('E2E.HOOK');
    assert.is(counts.claimed, 0, 'nothing left held under its lease');
    assert.ok(counts.done >= 10, `the deliveries under way were finished and acked (${JSON.stringify(counts)})`);
    assert.ok(counts.pending > 0, `the rest was released (${JSON.stringify(counts)})`);
    second = startCli(['run'], s.env('agent-next'));
    await waitFor(() => s.odoo.countByState('E2E.HOOK').done === products.length, 'the second agent to deliver the rest', PATIENCE_MS);
    assert.is(s.sink.duplicates, 0);
    assert.is(new Set(s.sink.received.map((r) => r.event.aggregate.id)).size, products.length, 'every product arrived');
  } finally {
    await teardown(s, [first, ...(second ? [second] : [])]);
  }
});

test('an endpoint outage: the daemon backs off, keeps the events, and delivers them once the endpoint is back', async () => {
  const s = await stage();
  s.odoo.addProduct({ name: 'During outage', sku: 'OUT-1' });
  s.sink.failNext(6, 503);
  const agent = startCli(['run'], s.env('agent-outage'));
  try {
    await waitFor(() => s.odoo.countByState('E2E.HOOK').done === 1, 'delivery after the outage', PATIENCE_MS);
    assert.ok(s.sink.failuresServed >= 6, 'the endpoint was down for several requests');
    assert.is(s.sink.received.length, 1);
    assert.is(s.sink.received[0]?.event.aggregate.key, 'OUT-1');
  } finally {
    await teardown(s, [agent]);
  }
});

test.run();
