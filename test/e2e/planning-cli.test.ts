/**
 * `plansync import` and `plansync backfill` as an operator runs them (child processes) against the
 * stand-in over JSON-RPC, with a planning endpoint on a loopback sink: exit codes, summaries, files
 * refused whole, and a backfill killed midway then resumed (everything delivered, nothing enqueued
 * twice), then run again (already complete, nothing changes).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { makeMove } from '../../agent/standin/planning.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { Sink } from '../../agent/standin/sink.ts';
import { runCli, startCli, waitFor } from '../support/processes.ts';

const SECRET = 'planning-e2e-secret';
const test = suite('planning CLI');
let odoo: StandinOdoo;
let server: StandinServer;
let sink: Sink;
let agent: StandinUser;
let dir: string;
let warehouseId = 0;
let slowEnqueue = 0;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: server.url,
  ODOO_DB: odoo.database.name,
  ODOO_LOGIN: agent.login,
  ODOO_API_KEY: agent.apiKey,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_SECRET_PLAN: SECRET,
  PLANSYNC_CONSUMER: 'planning-e2e',
  PLANSYNC_LOG_LEVEL: 'warn',
  ...extra,
});

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-planning-'));
  odoo = new StandinOdoo();
  Object.assign(odoo.settings, { poll_seconds: 0.05, lease_seconds: 2 });
  agent = odoo.addUser('plansync-agent', [GROUPS.integration]);
  warehouseId = odoo.addWarehouse('WH', 'Main').id;
  for (let i = 0; i < 3; i++) odoo.addProduct({ name: `Chair ${i}`, sku: `CH-${i}` });
  const vendor = odoo.planning.addVendor('Wood Corner', 'V-014');
  for (const p of odoo.products.values())
    odoo.planning.addVendorTerms({ vendorId: vendor.id, productId: p.id, minQty: 1, price: 10, delay: 5 });
  sink = new Sink({ secrets: { PLAN: SECRET } });
  await sink.start();
  server = await serveStandin(odoo, 0, { latencyMs: (_model, method) => (method === 'enqueue_history' ? slowEnqueue : 0) });
});

test.after(async () => {
  await sink.stop();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const forecastCsv = (rows: string[]) => `external_id,sku,warehouse,period_start,granularity,quantity,lower,upper\n${rows.join('\n')}\n`;

test('import of a CSV file: exit 1 when some lines are exceptions, a summary per status and the first exceptions with their file line', async () => {
  const file = join(dir, 'forecasts_W48.csv');
  writeFileSync(
    file,
    forecastCsv([
      'F-1,CH-0,WH,2026-11-30,week,12,10,14',
      'F-2,NOPE,WH,2026-11-30,week,3,,',
      'F-3,CH-1,WH,2026-11-30,week,5,6,',
      'F-4,CH-2,WH,2026-12-07,week,7,,',
    ]),
  );
  const result = await runCli(['import', file, '--kind', 'forecast'], env());
  assert.is(result.code, 1, result.stdout + result.stderr);
  assert.match(result.stdout, /imported .*forecasts_W48\.csv as run "forecasts_W48" of source "file" \(forecast\): 4 lines/);
  assert.match(result.stdout, /created 2, unchanged 0, superseded 0, exception 2/);
  assert.match(result.stdout, /line 3 +F-2: unknown_sku: .*"NOPE"/);
  assert.match(result.stdout, /line 4 +F-3: invalid: lower: must be at most quantity \(5\) \(got 6\)/);
  assert.match(result.stderr, /import: 4\/4 lines \(/, 'a progress line on stderr (not a terminal)');
  const again = await runCli(['import', file, '--kind', 'forecast', '--json'], env());
  const summary = JSON.parse(again.stdout) as { counts: Record<string, number>; ref: string; source: string };
  assert.equal(summary.counts, { created: 0, unchanged: 2, superseded: 0, exception: 2 }, 'importing the same file again changes nothing');
  assert.equal([summary.ref, summary.source], ['forecasts_W48', 'file']);
});

test('import of a clean JSON file with --source and --ref exits 0; the run is named as asked', async () => {
  const file = join(dir, 'proposals.json');
  writeFileSync(
    file,
    JSON.stringify({
      generated_at: '2026-11-30T06:00:00Z',
      lines: [{ external_id: 'P-1', kind: 'purchase', sku: 'CH-0', warehouse: 'WH', vendor: 'V-014', quantity: 20 }],
    }),
  );
  const result = await runCli(['import', file, '--kind', 'proposal', '--source', 'acme', '--ref', 'R-2026-11-30'], env());
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /run "R-2026-11-30" of source "acme" \(proposal\): 1 lines/);
  const run = [...odoo.planning.runs.values()].find((r) => r.source === 'acme');
  assert.equal([run?.ref, run?.kind, run?.generatedAt], ['R-2026-11-30', 'proposal', Date.parse('2026-11-30T06:00:00Z')]);
});

test('a malformed file is refused whole with exit 2, naming the line and the column; nothing is sent to Odoo', async () => {
  const before = odoo.planning.forecasts.size + odoo.planning.exceptions.size;
  const runs = odoo.planning.runs.size;
  for (const [name, body, expected] of [
    [
      'bad-number.csv',
      forecastCsv(['G-1,CH-0,WH,2026-11-30,week,12,,', 'G-2,CH-1,WH,2026-11-30,week,abc,,']),
      /line 3, column quantity: expected a number.*got "abc"/,
    ],
    [
      'bad-date.csv',
      forecastCsv(['G-1,CH-0,WH,2026-13-40,week,12,,']),
      /line 2, column period_start: expected a date YYYY-MM-DD, got "2026-13-40"/,
    ],
    ['bad-quote.csv', forecastCsv(['G-1,"CH-0,WH,2026-11-30,week,12,,']), /line 2, column sku: Quote Not Closed/],
    [
      'bad-header.csv',
      'external_id,sku,warehouse,period_start,granularity,qty\nG-1,CH-0,WH,2026-11-30,week,1\n',
      /line 1, column qty: unknown column/,
    ],
  ] as const) {
    const file = join(dir, name);
    writeFileSync(file, body);
    const result = await runCli(['import', file, '--kind', 'forecast'], env());
    assert.is(result.code, 2, `${name}: ${result.stdout}${result.stderr}`);
    assert.match(result.stderr, /is malformed; nothing was imported/);
    assert.match(result.stderr, expected);
  }
  assert.is(odoo.planning.forecasts.size + odoo.planning.exceptions.size, before, 'no line reached Odoo');
  assert.is(odoo.planning.runs.size, runs, 'no run was created');
  const config = await runCli(['import', join(dir, 'bad-date.csv'), '--kind', 'forecast'], env({ ODOO_URL: '' }));
  assert.is(config.code, 2, 'a configuration error is exit 2 too');
});

test('backfill killed after its first pages resumes from its checkpoint: every demand line delivered, none enqueued twice; a second run is already complete and changes nothing', async () => {
  for (let i = 0; i < 120; i++)
    makeMove(odoo, {
      productId: [...odoo.products.keys()][i % 3] ?? 0,
      warehouseId,
      quantity: 1 + (i % 4),
      doneAt: Date.UTC(2026, 10, 1) + i * 3_600_000,
      order: `S${i}`,
    });
  makeMove(odoo, { productId: [...odoo.products.keys()][0] ?? 0, warehouseId, quantity: 9, doneAt: Date.UTC(2026, 9, 30) }); // before --since
  odoo.addEndpoint({
    code: 'PLAN',
    kind: 'planning',
    url: sink.url.replace(/\/events$/, ''),
    batchSize: 25,
    timeoutSeconds: 1,
    eventTypes: new Set(['demand.line']),
  });
  const rows = () => [...odoo.outbox.values()].filter((r) => r.type === 'demand.line');
  slowEnqueue = 120;
  const args = ['backfill', '--since', '2026-11-01', '--page', '10'];
  const first = startCli(args, env());
  await waitFor(() => rows().length >= 30, 'the first pages to be enqueued', 20_000);
  first.child.kill('SIGKILL');
  await first.finished;
  const afterKill = rows().length;
  assert.ok(afterKill >= 30 && afterKill < 120, `interrupted midway (${afterKill} of 120 enqueued)`);
  slowEnqueue = 0;

  const resumed = await runCli(args, env(), 60_000);
  assert.is(resumed.code, 0, resumed.stdout + resumed.stderr);
  assert.match(resumed.stdout, /PLAN: complete: enqueued \d+, skipped \d+, delivered \d+, parked 0/);
  const enqueuedAgain = Number(/enqueued (\d+)/.exec(resumed.stdout)?.[1]);
  assert.ok(
    enqueuedAgain > 0 && enqueuedAgain <= 120 - afterKill + 10,
    `resumed near where it stopped (enqueued ${enqueuedAgain} more after ${afterKill})`,
  );
  assert.is(rows().length, 120, 'one outbox row per move since the day: none enqueued twice, the older move left out');
  assert.is(new Set(rows().map((r) => r.resId)).size, 120);
  assert.equal(odoo.countByState('PLAN'), { pending: 0, claimed: 0, done: 120, dead: 0 }, 'everything delivered and acknowledged');
  const received = sink.received.filter((r) => r.event.type === 'demand.line');
  assert.is(new Set(received.map((r) => r.event.aggregate.id)).size, 120, 'the endpoint has every demand line');
  assert.ok(received.every((r) => r.event.endpoint === 'PLAN' && (r.event.payload as { kind: string }).kind === 'delivery'));

  const outboxSize = odoo.outbox.size;
  const third = await runCli(args, env());
  assert.is(third.code, 0, third.stdout + third.stderr);
  assert.match(third.stdout, /PLAN: already complete \(enqueued \d+, skipped \d+, finished 20\d\d-.*nothing changed/);
  assert.is(odoo.outbox.size, outboxSize, 'the second run changed nothing');
  const restarted = await runCli([...args, '--restart', '--json'], env());
  const report = JSON.parse(restarted.stdout) as { endpoints: Array<{ enqueued: number; skipped: number; status: string }> };
  assert.equal(
    [report.endpoints[0]?.status, report.endpoints[0]?.enqueued, report.endpoints[0]?.skipped],
    ['complete', 0, 120],
    '--restart scans again and Odoo skips what it has',
  );
});

test('backfill refuses a bad date or an endpoint that does not subscribe to the kind, with exit 2', async () => {
  const badDate = await runCli(['backfill', '--since', '2026-02-30'], env());
  assert.is(badDate.code, 2);
  assert.match(badDate.stderr, /--since must be a date YYYY-MM-DD, got "2026-02-30"/);
  const wrongKind = await runCli(['backfill', '--since', '2026-11-01', '--endpoint', 'PLAN', '--kind', 'product.changed'], env());
  assert.is(wrongKind.code, 2);
  assert.match(wrongKind.stderr, /endpoint PLAN does not subscribe to product\.changed/);
});

test.run();
