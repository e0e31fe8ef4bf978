/**
 * Secrets never leave: distinctive secrets are planted in the environment (the Odoo API key, a key
 * inside ODOO_URL, signing secrets, credentials inside endpoint and state URLs, a key read from a
 * `_FILE`) and in a config file (under keys the secret filter does not know), then every command of
 * the CLI is run, in success and in failure, and a daemon makes passes against the stand-in with an
 * endpoint that fails (so errors are logged) while /metrics and /healthz are read. Not one planted
 * secret may appear in any stdout, stderr, log line or HTTP answer.
 *
 * /healthz is checked on the way: 200 while everything is served, 503 naming the failed check (an
 * endpoint not served, Odoo not reachable) in JSON.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { runCli, startCli, waitFor, type Finished } from '../support/processes.ts';

const PLANTED = {
  urlKey: 'URLKEY-7f3a9c5d',
  signing: 'SIGNSECRET-b7c2e4f1',
  downSigning: 'SIGNSECRET-down-91ab77',
  endpointUrlKey: 'ENDPOINTKEY-33d1e0aa',
  stateKey: 'STATEKEY-8e8e1234',
  configKey: 'CFGKEY-4a4a9f0e',
  configToken: 'CFGTOKEN-0c0c5b5b',
  wrongApiKey: 'APIKEY-wrong-5e1d6c6c',
  fileKey: 'FILEKEY-2b2b7a7a',
};

const test = suite('secrets never leave');
let odoo: StandinOdoo;
let server: StandinServer;
let sink: Sink;
let user: StandinUser;
let dir: string;
/** Everything any command or the daemon wrote or answered. */
const collected: string[] = [];

const secretsToFind = (): string[] => [...Object.values(PLANTED), user.apiKey];

/** ODOO_URL with a key inside, as `http://user:KEY@host` puts it. */
const urlWithKey = (url: string) => url.replace('http://', `http://agent:${PLANTED.urlKey}@`);

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: urlWithKey(server.url),
  ODOO_DB: odoo.database.name,
  ODOO_LOGIN: user.login,
  ODOO_API_KEY: user.apiKey,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_SECRET_HOOK: PLANTED.signing,
  PLANSYNC_SECRET_SHOP: PLANTED.signing,
  PLANSYNC_SECRET_DOWN: PLANTED.downSigning,
  // An endpoint URL with credentials, unreachable: its deliveries fail and are logged.
  PLANSYNC_ENDPOINT_URL_DOWN: `http://hook:${PLANTED.endpointUrlKey}@127.0.0.1:9/`,
  PLANSYNC_LOG_LEVEL: 'debug',
  PLANSYNC_PLANNER: 'off',
  ...extra,
});

const run = async (args: readonly string[], environment: Record<string, string>): Promise<Finished> => {
  const result = await runCli(args, environment, 120_000);
  collected.push(`$ plansync ${args.join(' ')} → ${String(result.code)}\n${result.stdout}\n${result.stderr}`);
  return result;
};

const freePort = async (): Promise<number> => {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
};

const get = async (url: string): Promise<{ status: number; body: string }> => {
  const response = await fetch(url);
  const body = await response.text();
  collected.push(`GET ${url} → ${response.status}\n${body}`);
  return { status: response.status, body };
};

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-secrets-'));
  odoo = new StandinOdoo();
  Object.assign(odoo.settings, { poll_seconds: 0.05, heartbeat_seconds: 0.5 });
  user = odoo.addUser('plansync-agent', [GROUPS.integration]);
  sink = new Sink({ secrets: { HOOK: PLANTED.signing, SHOP: PLANTED.signing } });
  const url = await sink.start();
  const wh = odoo.addWarehouse('WH', 'Main');
  const chair = odoo.addProduct({ name: 'Chair', sku: 'CH-1' });
  odoo.moveStock(chair.id, wh.id, { on_hand: 5 });
  odoo.addEndpoint({ code: 'HOOK', url, eventTypes: new Set(['product.changed']) });
  odoo.addEndpoint({ code: 'DOWN', url: 'http://unconfigured.invalid/', eventTypes: new Set(['product.changed']) });
  odoo.addEndpoint({ code: 'SHOP', kind: 'channel', url, eventTypes: new Set(['stock.level']), warehouseIds: [wh.id] });
  mkdirSync(join(dir, 'exchange'));
  odoo.addEndpoint({ code: 'PLAN', kind: 'planning', url: `file://${join(dir, 'exchange')}`, eventTypes: new Set(['demand.line']) });
  server = await serveStandin(odoo);
  writeFileSync(
    join(dir, 'forecast.csv'),
    'external_id,sku,warehouse,period_start,granularity,quantity\nF-1,CH-1,WH,2026-11-30,week,3\nF-2,NOPE,WH,2026-11-30,week,1\n',
  );
  // Keys the secret filter does not know by name: their values must not be echoed in the error.
  writeFileSync(join(dir, 'unknown-keys.json'), JSON.stringify({ key: PLANTED.configKey, odoo: { token2: PLANTED.configToken } }));
  writeFileSync(join(dir, 'bad-url.json'), JSON.stringify({ endpoints: { HOOK: { url: `gopher://x:${PLANTED.configKey}@host/` } } }));
  writeFileSync(join(dir, 'not-json.json'), `{"key": ${PLANTED.configToken}}`);
  writeFileSync(join(dir, 'api-key'), `${PLANTED.fileKey}\n`);
});

test.after(async () => {
  await sink.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('every command, in success and in failure, prints none of the planted secrets', async () => {
  odoo.addProduct({ name: 'Lamp', sku: 'LAMP-1' });
  const commands: Array<[readonly string[], Record<string, string>]> = [
    [['check'], env()],
    [['check', '--json'], env()],
    [['status'], env()],
    [['status', '--json'], env()],
    [['once'], env()],
    [['once', '--json'], env()],
    [['import', join(dir, 'forecast.csv'), '--kind', 'forecast'], env()],
    [['backfill', '--since', '2026-01-01', '--endpoint', 'PLAN'], env()],
    [['plan', '--dry-run'], env()],
    [['snapshot', '--endpoint', 'SHOP'], env()],
    [['reconcile', '--endpoint', 'SHOP'], env()],
    [['demo', '--real', '--endpoint', 'HOOK'], env()],
    // Failures: a wrong key (and one read from a file), Odoo unreachable at a URL with a key inside.
    [['check'], env({ ODOO_API_KEY: PLANTED.wrongApiKey })],
    [['status'], env({ ODOO_API_KEY: PLANTED.wrongApiKey })],
    [['once'], env({ ODOO_API_KEY: '', ODOO_API_KEY_FILE: join(dir, 'api-key') })],
    [['check'], env({ ODOO_URL: `http://agent:${PLANTED.urlKey}@127.0.0.1:9` })],
    [['status'], env({ ODOO_URL: `http://agent:${PLANTED.urlKey}@127.0.0.1:9` })],
    [['once'], env({ ODOO_URL: `http://agent:${PLANTED.urlKey}@127.0.0.1:9` })],
    [['plan'], env({ ODOO_URL: `http://agent:${PLANTED.urlKey}@127.0.0.1:9` })],
    // Configuration errors: values of unknown keys, credentials inside a bad URL, JSON that quotes a value.
    [['check', '--config', join(dir, 'unknown-keys.json')], env()],
    [['run', '--config', join(dir, 'bad-url.json')], env()],
    [['status', '--config', join(dir, 'not-json.json')], env()],
    [['once'], env({ PLANSYNC_STATE: `bogus://user:${PLANTED.stateKey}@host/db` })],
    [['once'], env({ ODOO_URL: `ftp://agent:${PLANTED.urlKey}@host` })],
    [['once'], env({ PLANSYNC_ENDPOINT_URL_HOOK: `gopher://x:${PLANTED.endpointUrlKey}@host` })],
    [['import', join(dir, 'forecast.csv'), '--kind', 'widget'], env()],
    [['demo'], env({ PLANSYNC_LOG_LEVEL: 'error' })],
  ];
  for (const [args, environment] of commands) await run(args, environment);
  const codes = collected.map((c) => /→ (\S+)/.exec(c)?.[1]);
  assert.ok(
    codes.includes('0') && codes.includes('1') && codes.includes('2'),
    `successes, failures and configuration errors were all run (${codes.join(' ')})`,
  );
  assert.match(collected.join('\n'), /unknown key \(its value is not shown\)/, 'the unknown key is named');
  assert.match(collected.join('\n'), /\[redacted\]@127\.0\.0\.1:9/, 'the unreachable URL is named without its key');
  assertNoSecret();
});

test('a daemon with a failing endpoint, its log, /metrics and /healthz print none of the planted secrets; /healthz says which check failed', async () => {
  for (let i = 0; i < 3; i += 1) odoo.addProduct({ name: `Desk ${i}`, sku: `DESK-${i}` });
  const port = await freePort();
  const daemon = startCli(['run'], env({ PLANSYNC_METRICS_PORT: String(port), PLANSYNC_CONSUMER: 'secrets-daemon' }));
  try {
    // A few passes: HOOK delivered, DOWN failing (its errors logged), heartbeats recorded.
    await waitFor(() => odoo.countByState('HOOK').pending === 0 && odoo.agents.has('secrets-daemon'), 'HOOK to be delivered', 120_000);
    await waitFor(
      () =>
        /"endpoint":"DOWN"/.test(daemon.output().stderr) && /ECONNREFUSED|connection refused|cannot reach/i.test(daemon.output().stderr),
      'the failing endpoint to log an error',
      120_000,
    );
    const metrics = await get(`http://127.0.0.1:${port}/metrics`);
    assert.is(metrics.status, 200);
    assert.match(metrics.body, /plansync_events_delivered_total\{endpoint="HOOK"\}/);
    const healthy = await get(`http://127.0.0.1:${port}/healthz`);
    assert.is(healthy.status, 200, healthy.body);
  } finally {
    daemon.child.kill('SIGTERM');
  }
  const exit = await daemon.finished;
  collected.push(exit.stdout, exit.stderr);
  assert.is(exit.code, 0, exit.stderr.slice(-600));
  assert.match(exit.stderr, /plansync agent starting/);
  assert.match(exit.stderr, /\[redacted\]@127\.0\.0\.1/, 'the start log names the Odoo URL without its key');

  // An endpoint that should be served and is not: 503, naming it and why.
  const unservedPort = await freePort();
  const unserved = startCli(
    ['run'],
    env({ PLANSYNC_METRICS_PORT: String(unservedPort), PLANSYNC_CONSUMER: 'secrets-unserved', PLANSYNC_SECRET_DOWN: '' }),
  );
  try {
    await waitFor(() => /endpoint not served by this agent/.test(unserved.output().stderr), 'the daemon to find DOWN unserved', 120_000);
    const health = await get(`http://127.0.0.1:${unservedPort}/healthz`);
    assert.is(health.status, 503);
    const body = JSON.parse(health.body) as { ok: boolean; failed: Array<{ check: string; reason: string }> };
    assert.is(body.ok, false);
    assert.equal(
      body.failed.map((f) => f.check),
      ['endpoint DOWN'],
    );
    assert.match(body.failed[0]?.reason ?? '', /not served: no signing secret: set PLANSYNC_SECRET_DOWN/);
  } finally {
    unserved.child.kill('SIGTERM');
  }
  const unservedExit = await unserved.finished;
  collected.push(unservedExit.stdout, unservedExit.stderr);

  // Odoo unreachable (at a URL with a key inside): 503 naming the odoo check.
  const downPort = await freePort();
  const down = startCli(['run'], env({ PLANSYNC_METRICS_PORT: String(downPort), ODOO_URL: `http://agent:${PLANTED.urlKey}@127.0.0.1:9` }));
  try {
    await waitFor(() => /cannot reach Odoo/.test(down.output().stderr), 'the daemon to fail a heartbeat', 120_000);
    const health = await get(`http://127.0.0.1:${downPort}/healthz`);
    assert.is(health.status, 503);
    const body = JSON.parse(health.body) as { failed: Array<{ check: string; reason: string }> };
    assert.equal(
      body.failed.map((f) => f.check),
      ['odoo'],
    );
    assert.match(body.failed[0]?.reason ?? '', /the last heartbeat failed .*127\.0\.0\.1:9|connection refused/);
  } finally {
    down.child.kill('SIGKILL');
  }
  const downExit = await down.finished;
  collected.push(downExit.stdout, downExit.stderr);
  assertNoSecret();
});

const assertNoSecret = (): void => {
  const all = collected.join('\n');
  const leaks = secretsToFind().filter((secret) => all.includes(secret));
  const context = leaks.map((secret) => {
    const at = all.indexOf(secret);
    return `${secret}: …${all.slice(Math.max(0, at - 200), at + 80)}…`;
  });
  assert.equal(leaks, [], context.join('\n\n'));
};

test.run();
