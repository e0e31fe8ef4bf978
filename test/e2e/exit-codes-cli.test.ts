/**
 * The CLI's exit codes (README, "Exit codes"), one table for every command, run as an operator runs
 * them (child processes) against the stand-in:
 *
 *   0  success
 *   1  partial or failed work: Odoo or an endpoint failed, something was parked or left pending, an
 *      endpoint that should be served is not (fix it, run again)
 *   2  usage or configuration: an unknown command, option or value, a missing argument, a bad config
 *      value, a port already taken, an `--out` folder that does not exist, a malformed import file
 *
 * Each row names a command, its arguments and environment, and the code it must exit with; the table
 * covers every command with each code it can give.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { runCli, startCli, waitFor } from '../support/processes.ts';

const SECRET = 'exit-codes-secret';
const test = suite('CLI exit codes');
let odoo: StandinOdoo;
let server: StandinServer;
let sink: Sink;
let user: StandinUser;
let dir: string;
let taken: Server;
let takenPort: number;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: server.url,
  ODOO_DB: odoo.database.name,
  ODOO_LOGIN: user.login,
  ODOO_API_KEY: user.apiKey,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_SECRET_HOOK: SECRET,
  PLANSYNC_SECRET_SHOP: SECRET,
  PLANSYNC_LOG_LEVEL: 'warn',
  PLANSYNC_PLANNER: 'off',
  ...extra,
});

/** Odoo that does not answer: every command that needs it fails (1), none crashes. */
const down = (extra: Record<string, string> = {}) => env({ ODOO_URL: 'http://127.0.0.1:9', ...extra });
/** A configuration value that is malformed: every command refuses it (2) before doing anything. */
const badConfig = () => env({ PLANSYNC_TRANSPORT: 'soap' });

interface Row {
  readonly args: readonly string[];
  readonly env: () => Record<string, string>;
  readonly code: 0 | 1 | 2;
  readonly why: string;
  /** What the output must say (stdout + stderr). */
  readonly says?: RegExp;
  readonly before?: () => void;
}

const forecasts = (name: string, body: string): string => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};
const HEADER = 'external_id,sku,warehouse,period_start,granularity,quantity\n';

const ROWS = (): Row[] => [
  // ---- usage: 2 ----
  { args: [], env, code: 2, why: 'no command', says: /name a command/ },
  { args: ['frobnicate'], env, code: 2, why: 'an unknown command', says: /Unknown argument: frobnicate/ },
  { args: ['once', '--bogus'], env, code: 2, why: 'an unknown option', says: /Unknown argument: bogus/ },
  {
    args: ['import', join(dir, 'ok.csv'), '--kind', 'widget'],
    env,
    code: 2,
    why: 'import: a value outside the choices',
    says: /Invalid values:[\s\S]*kind/,
  },
  { args: ['import', join(dir, 'ok.csv')], env, code: 2, why: 'import: --kind missing', says: /Missing required argument: kind/ },
  { args: ['backfill'], env, code: 2, why: 'backfill: --since missing', says: /Missing required argument: since/ },
  { args: ['backfill', '--since', 'yesterday'], env, code: 2, why: 'backfill: --since not a date', says: /since/ },
  { args: ['snapshot'], env, code: 2, why: 'snapshot: --endpoint missing', says: /Missing required argument: endpoint/ },
  { args: ['snapshot', '--endpoint', 'HOOK'], env, code: 2, why: 'snapshot: not a channel endpoint', says: /HOOK/ },
  { args: ['once', '--endpoint', 'NOPE'], env, code: 2, why: 'once: an endpoint Odoo does not have', says: /--endpoint: "NOPE"/ },
  {
    args: ['plan', '--out', '/missing/dir/x.json'],
    env,
    code: 2,
    why: 'plan: --out in a folder that does not exist',
    says: /\/missing\/dir does not exist; nothing was planned or imported/,
  },
  {
    args: ['import', join(dir, 'malformed.csv'), '--kind', 'forecast'],
    env,
    code: 2,
    why: 'import: a malformed file',
    says: /line 2, column quantity/,
  },
  // ---- configuration: 2, for every command ----
  ...[
    'run',
    'once',
    'check',
    'status',
    'backfill --since 2026-01-01',
    'plan',
    'snapshot --endpoint SHOP',
    'reconcile',
    `import ${join(dir, 'ok.csv')} --kind forecast`,
  ].map((command): Row => ({
    args: command.split(' '),
    env: badConfig,
    code: 2,
    why: `${command.split(' ')[0] ?? ''}: a malformed config value`,
    says: /PLANSYNC_TRANSPORT: .*\(got "soap"\)/,
  })),
  {
    args: ['check'],
    env: () => env({ ODOO_URL: '' }),
    code: 2,
    why: 'check: ODOO_URL missing',
    says: /missing Odoo connection settings: ODOO_URL/,
  },
  {
    args: ['demo', '--real'],
    env: () => ({ PLANSYNC_LOG_LEVEL: 'error' }),
    code: 2,
    why: 'demo --real without ODOO_*',
    says: /missing Odoo connection settings/,
  },
  {
    args: ['run'],
    env: () => env({ PLANSYNC_METRICS_PORT: String(takenPort) }),
    code: 2,
    why: 'run: the metrics port is taken',
    says: /port \d+ on 127\.0\.0\.1 is already in use/,
  },
  // ---- failed or partial work: 1 ----
  ...[
    'check',
    'status',
    'once',
    'backfill --since 2026-01-01 --endpoint PLAN',
    'plan',
    'snapshot --endpoint SHOP',
    'reconcile',
    `import ${join(dir, 'ok.csv')} --kind forecast`,
  ].map((command): Row => ({
    args: command.split(' '),
    env: down,
    code: 1,
    why: `${command.split(' ')[0] ?? ''}: Odoo unreachable`,
    says: /127\.0\.0\.1:9|connection refused|cannot reach/i,
  })),
  { args: ['demo', '--real'], env: down, code: 1, why: 'demo --real: Odoo unreachable', says: /connection refused/ },
  {
    args: ['once'],
    env: () => env({ PLANSYNC_SECRET_HOOK: '' }),
    code: 1,
    why: 'once: an endpoint is not served (no secret)',
    says: /endpoint HOOK is not served: no signing secret/,
  },
  {
    args: ['check'],
    env: () => env({ PLANSYNC_SECRET_HOOK: '' }),
    code: 1,
    why: 'check: an endpoint cannot be served',
    says: /✗ endpoint HOOK/,
  },
  {
    args: ['import', join(dir, 'exception.csv'), '--kind', 'forecast'],
    env,
    code: 1,
    why: 'import: a line is an exception',
    says: /exception/,
  },
  {
    args: ['once'],
    env,
    code: 1,
    why: 'once: an event was parked',
    says: /parked 1/,
    before: () => void odoo.addProduct({ name: 'Refused', sku: 'REFUSED' }),
  },
  // ---- success: 0 ----
  { args: ['check'], env, code: 0, why: 'check: all pass' },
  { args: ['status'], env, code: 0, why: 'status: the backlog' },
  {
    args: ['once'],
    env,
    code: 0,
    why: 'once: all delivered',
    before: () => void odoo.addProduct({ name: 'Fine', sku: 'FINE' }),
    says: /HOOK: claimed 1, delivered 1/,
  },
  { args: ['import', join(dir, 'ok.csv'), '--kind', 'forecast'], env, code: 0, why: 'import: every line imported' },
  { args: ['backfill', '--since', '2026-01-01', '--endpoint', 'PLAN'], env, code: 0, why: 'backfill: complete' },
  { args: ['plan', '--dry-run'], env, code: 0, why: 'plan: planned' },
  { args: ['snapshot', '--endpoint', 'SHOP'], env, code: 0, why: 'snapshot: sent' },
  { args: ['reconcile', '--endpoint', 'SHOP'], env, code: 0, why: 'reconcile: reconciled' },
  { args: ['demo'], env: () => ({ PLANSYNC_LOG_LEVEL: 'error' }), code: 0, why: 'demo: every invariant held', says: /result +OK/ },
  { args: ['--version'], env, code: 0, why: '--version' },
  { args: ['--help'], env, code: 0, why: '--help' },
];

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-exit-'));
  odoo = new StandinOdoo();
  user = odoo.addUser('plansync-agent', [GROUPS.integration]);
  sink = new Sink({
    secrets: { HOOK: SECRET, SHOP: SECRET },
    refuse: (e) => ((e.payload as { sku?: string }).sku === 'REFUSED' ? 'not sold here' : undefined),
  });
  const url = await sink.start();
  const wh = odoo.addWarehouse('WH', 'Main');
  const chair = odoo.addProduct({ name: 'Chair', sku: 'CH-1' });
  odoo.moveStock(chair.id, wh.id, { on_hand: 5 });
  odoo.addEndpoint({ code: 'HOOK', url, eventTypes: new Set(['product.changed']) });
  odoo.addEndpoint({ code: 'SHOP', kind: 'channel', url, eventTypes: new Set(['stock.level']), warehouseIds: [wh.id] });
  mkdirSync(join(dir, 'exchange'));
  odoo.addEndpoint({ code: 'PLAN', kind: 'planning', url: `file://${join(dir, 'exchange')}`, eventTypes: new Set(['demand.line']) });
  server = await serveStandin(odoo);
  forecasts('ok.csv', `${HEADER}F-1,CH-1,WH,2026-11-30,week,3\n`);
  forecasts('exception.csv', `${HEADER}F-2,NO-SUCH-SKU,WH,2026-11-30,week,3\n`);
  forecasts('malformed.csv', `${HEADER}F-3,CH-1,WH,2026-11-30,week,abc\n`);
  taken = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  takenPort = (taken.address() as AddressInfo).port;
});

test.after(async () => {
  await new Promise((resolve) => taken.close(resolve));
  await sink.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('every command exits 0, 1 or 2 as the README table says', async () => {
  const wrong: string[] = [];
  for (const row of ROWS()) {
    row.before?.();
    const result = await runCli(row.args, row.env(), 120_000);
    const output = result.stdout + result.stderr;
    if (result.code !== row.code)
      wrong.push(`plansync ${row.args.join(' ')} (${row.why}): exit ${String(result.code)}, expected ${row.code}\n${output.slice(-600)}`);
    else if (row.says && !row.says.test(output))
      wrong.push(
        `plansync ${row.args.join(' ')} (${row.why}): exit ${row.code} but the output does not match ${String(row.says)}\n${output.slice(-600)}`,
      );
  }
  assert.equal(wrong, [], wrong.join('\n\n'));
});

test('run: 0 after SIGTERM', async () => {
  const daemon = startCli(['run'], env({ PLANSYNC_CONSUMER: 'exit-codes-run', PLANSYNC_LOG_LEVEL: 'info' }));
  await waitFor(() => odoo.agents.has('exit-codes-run'), 'the daemon to report in', 120_000);
  daemon.child.kill('SIGTERM');
  const exit = await daemon.finished;
  assert.is(exit.code, 0, exit.stderr.slice(-600));
});

test.run();
