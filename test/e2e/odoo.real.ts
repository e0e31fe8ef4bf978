/**
 * End to end against a real Odoo 17 (run by `npm run test:odoo`): business changes made through
 * Odoo's own ORM and stock module, captured by the addon, delivered by the real CLI to a loopback
 * endpoint.
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

const agentEnv = (t: Tier, consumer: string, dir: string, extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: t.url,
  ODOO_DB: t.db,
  ODOO_LOGIN: t.file.integration.login,
  ODOO_API_KEY: t.file.integration.api_key,
  PLANSYNC_CONSUMER: consumer,
  PLANSYNC_STATE: `sqlite://${join(dir, `${consumer}.sqlite`)}`,
  PLANSYNC_LOG_LEVEL: 'info',
  ...extra,
});

const stop = async (agents: Running[]) => {
  for (const a of agents) if (a.child.exitCode === null) a.child.kill('SIGTERM');
  return Promise.all(agents.map((a) => a.finished));
};

if ('reason' in tier) {
  console.log(`end-to-end on real Odoo: not run: ${tier.reason}`);
} else {
  const t = tier;
  const admin = new OdooAdmin(t);
  const test = suite(`end to end on Odoo ${process.env.PLANSYNC_TIER_ODOO ?? 'real'}`);
  const run = process.pid;
  const dir = mkdtempSync(join(tmpdir(), 'plansync-real-'));
  const sinks: Sink[] = [];
  const newSink = async (code: string, secret: string) => {
    const sink = new Sink({ secrets: { [code]: secret } });
    sinks.push(sink);
    return { sink, url: await sink.start() };
  };

  test.before(async () => {
    // Poll fast: the default (1 s) is for production loads, the tests want short waits.
    await admin.setParam('plansync.poll_seconds', '0.2');
  });
  test.after(async () => {
    for (const s of sinks) await s.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('validating a receipt makes the endpoint receive a stock.level event for that product and warehouse', async () => {
    const code = `RT-STOCK-${run}`;
    const { sink, url } = await newSink(code, 'stock-secret');
    const warehouse = await admin.mainWarehouse();
    await admin.createEndpoint({ code, url, eventTypes: ['stock.level'] });
    const [product] = await admin.createProducts(1, `RCPT-${run}`);
    assert.ok(product);
    const agent = startCli(['run'], agentEnv(t, `rt-stock-${run}`, dir, { [`PLANSYNC_SECRET_RT_STOCK_${run}`]: 'stock-secret' }));
    try {
      const picking = await admin.receive(warehouse.id, [{ product, quantity: 12 }]);
      const key = `RCPT-${run}-0@${warehouse.code}`;
      const levelOf = () => [...sink.received].reverse().find((r) => r.event.aggregate.key === key);
      await waitFor(
        () => (levelOf()?.event.payload as { incoming?: number } | undefined)?.incoming === 12,
        'the confirmed receipt as incoming 12',
        30_000,
      );
      const before = Date.now();
      await admin.validate(picking);
      const validatedAt = Date.now();
      await waitFor(
        () => (levelOf()?.event.payload as { on_hand?: number } | undefined)?.on_hand === 12,
        'on hand 12 after the validation',
        30_000,
      );
      const arrived = levelOf();
      assert.ok(arrived);
      const payload = arrived.event.payload as {
        on_hand: number;
        incoming: number;
        free: number;
        warehouse: { code: string };
        product: { sku: string };
      };
      assert.is(payload.warehouse.code, warehouse.code);
      assert.is(payload.product.sku, `RCPT-${run}-0`);
      assert.is(payload.incoming, 0, 'nothing incoming any more');
      assert.is(payload.free, 12);
      console.log(
        `  receipt validated → stock.level at the endpoint: ${arrived.at - validatedAt} ms after button_validate returned (${arrived.at - before} ms after it was called)`,
      );
    } finally {
      const [exit] = await stop([agent]);
      await admin.deactivateAllEndpoints();
      assert.is(exit?.code, 0, exit?.stderr.slice(-400));
    }
  });

  test('two agents at once share the work: every product arrives at its latest state, none twice, none out of order', async () => {
    const code = `RT-TWO-${run}`;
    const { sink, url } = await newSink(code, 'two-secret');
    await admin.createEndpoint({ code, url, eventTypes: ['product.changed'], batchSize: 5 });
    const env = { [`PLANSYNC_SECRET_RT_TWO_${run}`]: 'two-secret' };
    const agents = [
      startCli(['run'], agentEnv(t, `rt-two-a-${run}`, dir, env)),
      startCli(['run'], agentEnv(t, `rt-two-b-${run}`, dir, env)),
    ];
    try {
      const products = await admin.createProducts(30, `TWO-${run}`);
      for (let round = 1; round <= 4; round++) {
        for (const id of products.filter((_, i) => (i + round) % 2 === 0))
          await admin.call('product.product', 'write', [[id], { list_price: round * 10 }]);
      }
      await waitFor(
        async () => {
          const s = await admin.states(code);
          return s.pending === 0 && s.claimed === 0;
        },
        'the outbox of the endpoint to drain',
        60_000,
      );
      assert.is(sink.duplicates, 0, 'nothing twice');
      assert.is(sink.outOfOrder, 0, 'nothing stale after newer');
      const current = await admin.call<Array<{ id: number; default_code: string; list_price: number }>>('product.product', 'read', [
        products,
        ['default_code', 'list_price'],
      ]);
      const latest = sink.latest();
      for (const p of current) {
        const event = latest.get(`${code}|product|${p.default_code}`);
        assert.ok(event, `${p.default_code} arrived`);
        assert.is((event.payload as { list_price: number }).list_price, p.list_price, `${p.default_code} at its latest price`);
      }
      const consumers = await admin.call<Array<{ consumer: string }>>(
        'plansync.outbox',
        'search_read',
        [[['endpoint_id.code', '=', code]]],
        { fields: ['consumer'] },
      );
      const shares = new Set(consumers.map((c) => c.consumer));
      console.log(`  consumers that acknowledged rows: ${[...shares].join(', ')}`);
      const agentsSeen = await admin.call<Array<{ name: string }>>(
        'plansync.agent',
        'search_read',
        [[['name', 'like', `rt-two-%-${run}`]]],
        { fields: ['name'] },
      );
      assert.is(agentsSeen.length, 2, 'both agents reported their heartbeat to Odoo');
    } finally {
      const exits = await stop(agents);
      await admin.deactivateAllEndpoints();
      for (const e of exits) assert.is(e.code, 0, e.stderr.slice(-400));
    }
  });

  test('plansync check passes for the integration user and says exactly what is wrong for a planner', async () => {
    // Only this test's endpoint is active: check fails, rightly, for any endpoint it cannot serve.
    await admin.deactivateAllEndpoints();
    const code = `RT-CHECK-${run}`;
    await admin.createEndpoint({ code, url: 'http://127.0.0.1:9/hook', eventTypes: ['product.changed'] });
    const good = await runCli(['check'], agentEnv(t, `rt-check-${run}`, dir, { [`PLANSYNC_SECRET_RT_CHECK_${run}`]: 'check-secret' }));
    assert.is(good.code, 0, good.stdout + good.stderr);
    assert.match(good.stdout, new RegExp(`✓ endpoint ${code} +webhook → http://127.0.0.1:9/hook`));
    const major = await admin.serverMajor();
    assert.match(good.stdout, new RegExp(`✓ PlanSync addon +version ${major}\\.0\\.1\\.`));
    assert.match(good.stdout, /✓ groups +PlanSync \/ Integration only/);
    const planner = await runCli(['check'], {
      ...agentEnv(t, `rt-check-p-${run}`, dir),
      ODOO_LOGIN: t.file.planner.login,
      ODOO_API_KEY: t.file.planner.api_key,
    });
    assert.is(planner.code, 1);
    assert.match(planner.stdout, /✗ PlanSync addon .*PlanSync \/ Integration/);
    const wrongKey = await runCli(['check'], { ...agentEnv(t, `rt-check-k-${run}`, dir), ODOO_API_KEY: 'not-the-key' });
    assert.is(wrongKey.code, 1);
    assert.match(wrongKey.stdout, /✗ logged in .*refused login/);
    assert.not.match(wrongKey.stdout + wrongKey.stderr, /not-the-key/);
    const noSecret = await runCli(['check'], agentEnv(t, `rt-check-s-${run}`, dir));
    assert.is(noSecret.code, 1);
    assert.match(noSecret.stdout, new RegExp(`✗ endpoint ${code} +no signing secret: set PLANSYNC_SECRET_RT_CHECK_${run}`));
    await admin.deactivateAllEndpoints();
  });

  test('plansync once: 1 when an endpoint that should be served is not (its events stay pending), 0 when it is left out on purpose', async () => {
    await admin.deactivateAllEndpoints();
    const served = `RT-ONCE-A-${run}`;
    const unserved = `RT-ONCE-B-${run}`;
    const { sink, url } = await newSink(served, 'once-secret');
    await admin.createEndpoint({ code: served, url, eventTypes: ['product.changed'] });
    await admin.createEndpoint({ code: unserved, url: 'http://127.0.0.1:9/hook', eventTypes: ['product.changed'] });
    await admin.createProducts(1, `ONCE-${run}`);
    const secret = { [`PLANSYNC_SECRET_RT_ONCE_A_${run}`]: 'once-secret' };
    const failed = await runCli(['once'], agentEnv(t, `rt-once-${run}`, dir, secret));
    assert.is(failed.code, 1, failed.stdout + failed.stderr);
    assert.match(failed.stderr, new RegExp(`endpoint ${unserved} is not served: no signing secret.*its 1 pending events stay in Odoo`));
    assert.equal(await admin.states(served), { pending: 0, claimed: 0, done: 1, dead: 0 });
    assert.equal(await admin.states(unserved), { pending: 1, claimed: 0, done: 0, dead: 0 });
    assert.is(sink.received.length, 1);
    const selected = await runCli(['once', '--endpoint', served], agentEnv(t, `rt-once-${run}`, dir, secret));
    assert.is(selected.code, 0, selected.stdout + selected.stderr);
    const config = join(dir, `once-${run}.json`);
    writeFileSync(config, JSON.stringify({ endpoints: { [unserved]: { enabled: false } } }));
    const disabled = await runCli(['once', '--config', config], agentEnv(t, `rt-once-${run}`, dir, secret));
    assert.is(disabled.code, 0, disabled.stdout + disabled.stderr);
    assert.equal(await admin.states(unserved), { pending: 1, claimed: 0, done: 0, dead: 0 }, 'still pending: nobody took them');
    await admin.deactivateAllEndpoints();
  });

  test('the README demo command never serves this Odoo unless asked: ODOO_* set runs the stand-in; --real refuses an endpoint with pending events', async () => {
    await admin.deactivateAllEndpoints();
    const code = `RT-DEMO-${run}`;
    await admin.createEndpoint({ code, url: 'http://127.0.0.1:9/unused', eventTypes: ['product.changed'] });
    await admin.createProducts(3, `DEMO-${run}`);
    const before = await admin.states(code);
    assert.is(before.pending, 3);
    // As the README's "Pointing the agent at it" leaves the shell: the demo runs on its stand-in.
    const demo = await runCli(
      ['demo', '--endpoint', code],
      { ...agentEnv(t, `rt-demo-${run}`, dir), PLANSYNC_LOG_LEVEL: 'error' },
      120_000,
    );
    assert.is(demo.code, 0, demo.stdout + demo.stderr);
    assert.match(demo.stdout, /ODOO_\* is set in the environment: ignored/);
    assert.match(demo.stdout, /PlanSync demo: Odoo stand-in/);
    assert.equal(await admin.states(code), before, "this Odoo's endpoint was not served");
    // Asked explicitly, against an endpoint whose pending events belong to a real system: refused, nothing delivered.
    const real = await runCli(['demo', '--real', '--endpoint', code], agentEnv(t, `rt-demo-${run}`, dir), 120_000);
    assert.is(real.code, 2, real.stdout + real.stderr);
    assert.match(real.stderr, new RegExp(`endpoint ${code} has 3 events pending that the demo did not create`));
    assert.equal(await admin.states(code), before);
    // An endpoint of its own, with nothing pending: the demo serves this Odoo.
    const own = `RT-DEMO-OWN-${run}`;
    await admin.createEndpoint({ code: own, url: 'http://127.0.0.1:9/unused', eventTypes: ['warehouse.changed'] });
    const served = await runCli(['demo', '--real', '--endpoint', own], agentEnv(t, `rt-demo-${run}`, dir), 120_000);
    assert.is(served.code, 0, served.stdout + served.stderr);
    assert.match(served.stdout, /PlanSync demo against /);
    await admin.deactivateAllEndpoints();
  });

  test.run();
}
