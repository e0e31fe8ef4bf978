/**
 * The CLI as an operator runs it (child processes) against the stand-in: exit codes and messages
 * of check, once, status and demo, and configuration errors that quote the key and the value.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { runCli, startCli, waitFor } from '../support/processes.ts';

const test = suite('CLI');
let odoo: StandinOdoo;
let server: StandinServer;
let sink: Sink;
let agent: StandinUser;
let planner: StandinUser;
let dir: string;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: server.url,
  ODOO_DB: odoo.database.name,
  ODOO_LOGIN: agent.login,
  ODOO_API_KEY: agent.apiKey,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_SECRET_HOOK: 'cli-secret',
  PLANSYNC_LOG_LEVEL: 'warn',
  ...extra,
});

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-cli-'));
  odoo = new StandinOdoo();
  agent = odoo.addUser('plansync-agent', [GROUPS.integration]);
  planner = odoo.addUser('planner', [GROUPS.user]);
  sink = new Sink({
    secrets: { HOOK: 'cli-secret' },
    refuse: (e) => ((e.payload as { sku?: string }).sku === 'REFUSED' ? 'not sold here' : undefined),
  });
  const url = await sink.start();
  odoo.addEndpoint({ code: 'HOOK', url, eventTypes: new Set(['product.changed']) });
  odoo.addEndpoint({ code: 'WMS', kind: 'wms', url: 'http://127.0.0.1:9/', eventTypes: new Set(['product.changed']) });
  server = await serveStandin(odoo);
});

test.after(async () => {
  await sink.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('check passes, line by line, and says which endpoint this agent cannot serve and why', async () => {
  const result = await runCli(['check'], env());
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /✓ Odoo reachable/);
  assert.match(result.stdout, /✓ Odoo version +17\.0-standin \(this agent knows 17, 18, 19\)/);
  assert.match(result.stdout, /✓ Odoo transport +jsonrpc, auto: jsonrpc before Odoo 19/);
  assert.match(result.stdout, /✓ logged in +plansync-agent/);
  assert.match(result.stdout, /✓ PlanSync addon +version 17\.0\.1\.0\.0/);
  assert.match(result.stdout, /✓ API key "plansync-agent key" +never expires/);
  assert.match(result.stdout, /✓ state store/);
  assert.match(result.stdout, /✓ endpoint HOOK +webhook → http:\/\/127\.0\.0\.1/);
  assert.match(result.stdout, /! endpoint WMS +no signing secret: set PLANSYNC_SECRET_WMS/);
  assert.match(result.stdout, /! WMS receiver +off and no polling: WMS endpoint WMS cannot send confirmations or balances/);
  assert.match(result.stdout, /✓ reconciliation +the daemon reconciles WMS every 24 h/);
  assert.match(result.stdout, /✓ embedded planner +the daemon plans every 24 h every warehouse: \d+ product × warehouse items today/);
});

test('check: the embedded planner off, or not scheduled while a planning endpoint is active', async () => {
  const off = await runCli(['check'], env({ PLANSYNC_PLANNER: 'off' }));
  assert.match(off.stdout, /✓ embedded planner +off/);
  const platform = odoo.addEndpoint({
    code: 'PLATFORM',
    kind: 'planning',
    url: 'http://127.0.0.1:9/',
    eventTypes: new Set(['demand.line']),
  });
  try {
    const auto = await runCli(['check'], env({ PLANSYNC_SECRET_PLATFORM: 'x' }));
    assert.match(auto.stdout, /✓ embedded planner +not scheduled: planning endpoint PLATFORM is active/);
  } finally {
    platform.active = false;
  }
});

test('check names the missing signing secret of a webhook endpoint and fails', async () => {
  const result = await runCli(['check'], env({ PLANSYNC_SECRET_HOOK: '' }));
  assert.is(result.code, 1);
  assert.match(result.stdout, /✗ endpoint HOOK +no signing secret: set PLANSYNC_SECRET_HOOK/);
});

test('a wrong API key: check says Odoo refused the login, never prints the key', async () => {
  const result = await runCli(['check'], env({ ODOO_API_KEY: 'wrong-key-123' }));
  assert.is(result.code, 1);
  assert.match(result.stdout, /✗ logged in +Odoo refused login "plansync-agent"/);
  assert.not.match(result.stdout + result.stderr, /wrong-key-123/);
});

test('a planner as the agent user: check says to add it to PlanSync / Integration', async () => {
  const result = await runCli(['check'], env({ ODOO_LOGIN: planner.login, ODOO_API_KEY: planner.apiKey }));
  assert.is(result.code, 1);
  assert.match(result.stdout, /✗ PlanSync addon .*PlanSync \/ Integration/);
});

test('Odoo unreachable: check says so; run keeps retrying with backoff instead of crashing', async () => {
  const result = await runCli(['check'], env({ ODOO_URL: 'http://127.0.0.1:9' }));
  assert.is(result.code, 1);
  assert.match(result.stdout, /✗ Odoo reachable +cannot reach http:\/\/127\.0\.0\.1:9/);
  // Waits for what the daemon does (a second failure logged), not for a window of wall-clock time.
  const daemon = startCli(['run'], env({ ODOO_URL: 'http://127.0.0.1:9', PLANSYNC_LOG_LEVEL: 'info' }));
  try {
    await waitFor(
      () => (daemon.output().stderr.match(/cannot reach Odoo/g) ?? []).length >= 2,
      'the daemon to log a second attempt',
      120_000,
    );
    assert.is(daemon.child.exitCode, null, 'still running (retrying) after two failures');
  } finally {
    daemon.child.kill('SIGKILL');
    await daemon.finished;
  }
});

test('a wrong API key: the daemon says what to fix and waits 30 s before trying again, instead of a crash loop', async () => {
  const daemon = startCli(['run'], env({ ODOO_API_KEY: 'wrong-key-456', PLANSYNC_LOG_LEVEL: 'info' }));
  try {
    await waitFor(
      () => /refused the login or the API key: check ODOO_LOGIN and ODOO_API_KEY/.test(daemon.output().stderr),
      'the refusal to be logged',
      120_000,
    );
    // The decision is in the log line itself: the next attempt waits 30 s (a configuration problem does not fix itself in seconds).
    await waitFor(() => /"retry_in_s":30/.test(daemon.output().stderr), 'the retry delay to be logged', 30_000);
    assert.is(daemon.child.exitCode, null, 'still running: no crash loop');
    assert.not.match(daemon.output().stderr, /wrong-key-456/);
  } finally {
    daemon.child.kill('SIGKILL');
    await daemon.finished;
  }
});

test('a malformed config stops check and run with exit 2, quoting the key and the value', async () => {
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ claim_limit: 0 }));
  for (const command of ['check', 'run']) {
    const result = await runCli([command, '--config', file], env());
    assert.is(result.code, 2, `${command}: ${result.stdout}${result.stderr}`);
    assert.match(result.stdout + result.stderr, /claim_limit: .*\(got 0\)/);
  }
  const badEnv = await runCli(['run'], env({ PLANSYNC_TRANSPORT: 'soap' }));
  assert.is(badEnv.code, 2);
  assert.match(badEnv.stderr, /PLANSYNC_TRANSPORT: .*\(got "soap"\)/);
});

test('once delivers what is pending and exits 0; exits 1 when something was parked', async () => {
  odoo.addProduct({ name: 'Fine', sku: 'FINE' });
  // The WMS endpoint is left out on purpose (--endpoint, or disabled in the config): not a failure.
  const fine = await runCli(['once', '--endpoint', 'HOOK'], env());
  assert.is(fine.code, 0, fine.stdout + fine.stderr);
  assert.match(fine.stdout, /HOOK: claimed 1, delivered 1/);
  assert.match(fine.stdout, /WMS: not served: not selected/);
  const config = join(dir, 'wms-off.json');
  writeFileSync(config, JSON.stringify({ endpoints: { WMS: { enabled: false } } }));
  const disabled = await runCli(['once', '--config', config], env());
  assert.is(disabled.code, 0, disabled.stdout + disabled.stderr);
  assert.match(disabled.stdout, /WMS: not served: disabled in this agent's config/);
  odoo.addProduct({ name: 'Refused', sku: 'REFUSED' });
  const parked = await runCli(['once', '--endpoint', 'HOOK'], env());
  assert.is(parked.code, 1);
  assert.match(parked.stdout, /HOOK: claimed 1, delivered 0, already delivered 0, parked 1/);
});

test('once fails (exit 1) when an endpoint that should be served is not: its events stay pending, a line names it and why', async () => {
  const result = await runCli(['once'], env());
  assert.is(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /WMS: not served: no signing secret: set PLANSYNC_SECRET_WMS .*\(2 events pending\)/);
  assert.match(
    result.stderr,
    /plansync: endpoint WMS is not served: no signing secret: set PLANSYNC_SECRET_WMS.*its 2 pending events stay in Odoo/,
  );
  const json = await runCli(['once', '--json'], env());
  assert.is(json.code, 1);
  const summary = JSON.parse(json.stdout) as { ok: boolean; unserved: Array<{ code: string; pending: number }> };
  assert.is(summary.ok, false);
  assert.equal(
    summary.unserved.map((e) => [e.code, e.pending]),
    [['WMS', 2]],
  );
  const unknown = await runCli(['once', '--endpoint', 'NOPE'], env());
  assert.is(unknown.code, 2, 'an --endpoint Odoo does not know is a usage error');
  assert.match(unknown.stderr, /--endpoint: "NOPE": no such endpoint/);
});

test('status shows the backlog per endpoint as Odoo counts it', async () => {
  const result = await runCli(['status', '--json'], env());
  assert.is(result.code, 0, result.stderr);
  const endpoints = JSON.parse(result.stdout) as Array<{ code: string; pending: number; dead: number }>;
  const wms = endpoints.find((e) => e.code === 'WMS');
  const hook = endpoints.find((e) => e.code === 'HOOK');
  assert.is(wms?.pending, 2, 'the WMS endpoint has nobody serving it');
  assert.is(hook?.dead, 1);
});

test('demo, the README main command, runs the whole path on a fresh setup and exits 0, on its stand-in even with ODOO_* set', async () => {
  // ODOO_* as the README's "Pointing the agent at it" leaves the shell: the demo must not touch that Odoo.
  odoo.addProduct({ name: 'Waiting for HOOK', sku: 'WAIT-1' });
  const pendingBefore = odoo.countByState('HOOK').pending;
  assert.ok(pendingBefore > 0, 'HOOK has events of its own waiting');
  const doneBefore = odoo.countByState('HOOK').done;
  const result = await runCli(['demo', '--endpoint', 'HOOK'], { ...env(), PLANSYNC_LOG_LEVEL: 'error' }, 90_000);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /ODOO_\* is set in the environment: ignored/);
  assert.match(result.stdout, /PlanSync demo: Odoo stand-in/);
  assert.equal(
    [odoo.countByState('HOOK').pending, odoo.countByState('HOOK').done],
    [pendingBefore, doneBefore],
    "the real Odoo's endpoint was not served",
  );
  assert.match(result.stdout, /result +OK: nothing lost, nothing applied twice, no stale overwrite/);
  assert.match(result.stdout, /parked as dead letters +[1-9]/);
  assert.match(result.stdout, /duplicates at the endpoint +0/);
});

test('demo --real refuses an endpoint with pending events it did not create, and one Odoo does not have: exit 2, nothing delivered', async () => {
  const pending = odoo.countByState('HOOK').pending;
  assert.ok(pending > 0, 'HOOK has events waiting for its real system');
  const refused = await runCli(['demo', '--real', '--endpoint', 'HOOK'], env());
  assert.is(refused.code, 2, refused.stdout + refused.stderr);
  assert.match(refused.stderr, new RegExp(`endpoint HOOK has ${pending} events pending that the demo did not create`));
  assert.is(odoo.countByState('HOOK').pending, pending, 'nothing of HOOK was claimed or delivered');
  const missing = await runCli(['demo', '--real'], env());
  assert.is(missing.code, 2, missing.stdout + missing.stderr);
  assert.match(missing.stderr, /Odoo has no endpoint "DEMO"/);
});

test('a failed demo removes its temporary folder', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'plansync-demo-tmp-'));
  try {
    const result = await runCli(['demo', '--real'], { ...env({ ODOO_URL: 'http://127.0.0.1:9' }), TMPDIR: tmp });
    assert.is(result.code, 1, result.stdout + result.stderr);
    assert.match(result.stderr, /cannot reach|connection refused/);
    assert.equal(
      readdirSync(tmp).filter((name) => name.startsWith('plansync-demo-')),
      [],
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test.run();
