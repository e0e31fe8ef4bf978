/**
 * The embedded planner as an operator runs it (child processes) against the stand-in over JSON-RPC:
 * `plansync plan` imports explained proposals and forecasts as a run of source `embedded`; a dry run
 * imports nothing; planning again supersedes what the older run left open (nothing doubles); a bad
 * warehouse is refused by name; the daemon plans on its own when no planning endpoint is active, not
 * again before its interval after a restart, and not at all while a planning endpoint is active.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import { addHistoryMove, mondayOf } from '../../agent/standin/snapshot.ts';
import { runCli, startCli, waitFor } from '../support/processes.ts';

const test = suite('embedded planner CLI');
let odoo: StandinOdoo;
let server: StandinServer;
let agent: StandinUser;
let dir: string;
const DAY = 86_400_000;

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  ODOO_URL: server.url,
  ODOO_DB: odoo.database.name,
  ODOO_LOGIN: agent.login,
  ODOO_API_KEY: agent.apiKey,
  PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
  PLANSYNC_CONSUMER: 'planner-e2e',
  PLANSYNC_LOG_LEVEL: 'info',
  ...extra,
});

const embeddedRuns = () => [...odoo.planning.runs.values()].filter((r) => r.source === 'embedded');
const openProposals = () => [...odoo.planning.proposals.values()].filter((p) => p.source === 'embedded' && p.state === 'to_approve');

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-planner-'));
  odoo = new StandinOdoo();
  Object.assign(odoo.settings, { poll_seconds: 0.05, heartbeat_seconds: 0.5 });
  agent = odoo.addUser('plansync-agent', [GROUPS.integration]);
  const wh = odoo.addWarehouse('WH', 'Main');
  const vendor = odoo.planning.addVendor('Wood Corner', 'V-014');
  const start = mondayOf(odoo.now()) - 52 * 7 * DAY;
  // SMOOTH-i: 5 to 9 a day; RARE-i: 3 every 17 days; NOVENDOR: smooth, without vendor terms.
  const specs = [
    ...Array.from({ length: 4 }, (_, i) => ({ sku: `SMOOTH-${i}`, every: 1, qty: (d: number) => 5 + ((d * 7 + i) % 5), vendor: true })),
    ...Array.from({ length: 3 }, (_, i) => ({ sku: `RARE-${i}`, every: 17, qty: () => 3, vendor: true })),
    { sku: 'NOVENDOR', every: 1, qty: () => 6, vendor: false },
  ];
  for (const spec of specs) {
    const product = odoo.addProduct({ name: spec.sku, sku: spec.sku, standard_price: 10 });
    if (spec.vendor) odoo.planning.addVendorTerms({ vendorId: vendor.id, productId: product.id, minQty: 12, price: 11, delay: 14 });
    for (let day = 0; day < 52 * 7; day += spec.every)
      addHistoryMove(odoo, { productId: product.id, warehouseId: wh.id, quantity: spec.qty(day), doneAt: start + day * DAY + 36_000_000 });
    odoo.moveStock(product.id, wh.id, { on_hand: 5 });
  }
  server = await serveStandin(odoo);
});

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test('plansync plan imports explained proposals and weekly forecasts as a run of source embedded', async () => {
  const out = join(dir, 'planned.json');
  const result = await runCli(['plan', '--json', '--out', out], env());
  assert.is(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout) as {
    items: number;
    ref: string;
    classes: Record<string, number>;
    proposals: Record<'purchase' | 'transfer' | 'parameter', number>;
    proposal_counts: Record<'created' | 'unchanged' | 'superseded' | 'exception', number>;
    forecast_counts: Record<'created' | 'unchanged' | 'superseded' | 'exception', number>;
    exceptions: Array<{ external_id: string; reason: string }>;
    forecasts: number;
  };
  assert.is(summary.items, 8, 'every product with history or stock in WH');
  assert.ok((summary.classes.smooth ?? 0) >= 4, `the smooth series are smooth (${JSON.stringify(summary.classes)})`);
  assert.ok(
    (summary.classes.intermittent ?? 0) + (summary.classes.lumpy ?? 0) >= 3,
    `the rare series are intermittent (${JSON.stringify(summary.classes)})`,
  );
  assert.ok(summary.proposals.purchase >= 5, `smooth items low on stock get purchase proposals (${JSON.stringify(summary.proposals)})`);
  assert.is(summary.forecasts, summary.items * 13, 'thirteen weekly forecasts per item');
  assert.is(summary.forecast_counts.created, summary.forecasts);
  const noVendor = summary.exceptions.find((e) => e.external_id.includes('NOVENDOR'));
  assert.ok(noVendor, 'the product without a vendor is an exception a planner sees');
  assert.match(noVendor.reason, /vendor_without_terms/);
  assert.is(
    summary.proposal_counts.created + summary.proposal_counts.exception,
    summary.proposals.purchase + summary.proposals.transfer + summary.proposals.parameter,
  );
  const open = openProposals();
  assert.is(open.length, summary.proposal_counts.created, 'every created proposal waits for approval');
  for (const p of open) {
    const e = p.explanation as
      { demand_class?: string; method?: string; reason?: string; safety_stock?: number; forecast_over_lead_time?: number } | false;
    assert.ok(e && e.demand_class && e.method && e.reason, `proposal ${p.externalId} is explained: ${JSON.stringify(e)}`);
    assert.ok(Number.isFinite(e.safety_stock) && Number.isFinite(e.forecast_over_lead_time), `finite figures in ${p.externalId}`);
    assert.ok(p.quantity >= 12, `${p.externalId}: rounded to the vendor's minimum (${p.quantity})`);
  }
  const file = JSON.parse(readFileSync(out, 'utf8')) as { proposals: unknown[]; forecasts: unknown[] };
  assert.is(
    file.proposals.length,
    summary.proposals.purchase + summary.proposals.transfer + summary.proposals.parameter,
    '--out holds the planned proposals',
  );
});

test('a dry run plans and prints without importing anything', async () => {
  const before = { runs: embeddedRuns().length, proposals: odoo.planning.proposals.size, forecasts: odoo.planning.forecasts.size };
  const result = await runCli(['plan', '--dry-run'], env());
  assert.is(result.code, 0, result.stderr);
  assert.match(result.stdout, /planned 8 product × warehouse items/);
  assert.match(result.stdout, /dry run: nothing was imported/);
  assert.equal({ runs: embeddedRuns().length, proposals: odoo.planning.proposals.size, forecasts: odoo.planning.forecasts.size }, before);
});

test('planning again supersedes the open proposals of the older run: what waits for approval never doubles', async () => {
  const before = openProposals();
  // A run's reference and generation time are to the second: the next run must start in a later
  // second than the newest one (usually already true; otherwise a bounded wait on that condition).
  const newestSecond = Math.max(...embeddedRuns().map((r) => Math.floor(r.generatedAt / 1000)));
  await waitFor(() => Math.floor(Date.now() / 1000) > newestSecond, 'a wall-clock second after the newest run (a new run reference)', 5000);
  const result = await runCli(['plan'], env());
  assert.is(result.code, 0, result.stderr);
  const after = openProposals();
  assert.is(after.length, before.length, 'as many proposals wait as before');
  for (const old of before) assert.is(odoo.planning.proposals.get(old.id)?.state, 'superseded', `${old.externalId} superseded`);
  assert.is(new Set(after.map((p) => p.runId)).size, 1, "the waiting proposals are the newest run's");
});

test('an unknown warehouse is refused by name and nothing is imported', async () => {
  const runs = embeddedRuns().length;
  const result = await runCli(['plan', '--warehouse', 'NOPE'], env());
  assert.is(result.code, 2, result.stdout + result.stderr);
  assert.match(result.stderr, /NOPE/);
  assert.is(embeddedRuns().length, runs);
});

test('the daemon plans by itself when no planning endpoint is active, not again after a restart within its interval, and never while a planning endpoint is active', async () => {
  const state = `sqlite://${join(dir, 'daemon.sqlite')}`;
  const runs = embeddedRuns().length;
  const first = startCli(['run'], env({ PLANSYNC_STATE: state, PLANSYNC_CONSUMER: 'planner-daemon' }));
  try {
    await waitFor(() => embeddedRuns().length >= runs + 2, 'the daemon to import a proposal run and a forecast run', 60_000);
  } finally {
    first.child.kill('SIGTERM');
  }
  const stopped = await first.finished;
  assert.is(stopped.code, 0, stopped.stderr.slice(-800));
  assert.match(stopped.stderr, /embedded planner scheduled/);
  assert.match(stopped.stderr, /embedded plan imported/);
  const afterFirst = embeddedRuns().length;

  const again = startCli(['run'], env({ PLANSYNC_STATE: state, PLANSYNC_CONSUMER: 'planner-daemon' }));
  try {
    // The restarted daemon reads the last plan's time from the state store and says it is not due: wait for that decision.
    await waitFor(
      () => /"job":"planner:last".*"msg":"scheduled job not due yet"/.test(again.output().stderr),
      'the restarted daemon to decide the plan is not due',
      60_000,
    );
  } finally {
    again.child.kill('SIGTERM');
  }
  assert.is((await again.finished).code, 0);
  assert.is(embeddedRuns().length, afterFirst, 'no second plan within planner.every_hours after a restart');

  const planning = odoo.addEndpoint({
    code: 'PLATFORM',
    kind: 'planning',
    url: 'http://127.0.0.1:9/',
    eventTypes: new Set(['demand.line']),
  });
  const other = startCli(['run'], env({ PLANSYNC_STATE: `sqlite://${join(dir, 'other.sqlite')}`, PLANSYNC_CONSUMER: 'planner-other' }));
  try {
    await waitFor(() => odoo.agents.has('planner-other'), 'the daemon to report in', 120_000);
    // The planner is decided right after each heartbeat: a second heartbeat means the first decision was taken.
    const first = odoo.agents.get('planner-other')?.lastSeen ?? 0;
    await waitFor(() => (odoo.agents.get('planner-other')?.lastSeen ?? 0) > first, 'a second heartbeat of the daemon', 120_000);
  } finally {
    other.child.kill('SIGTERM');
  }
  // deactivated only once the daemon has exited: its last heartbeat on the way out must still see it
  const finished = await other.finished;
  planning.active = false;
  assert.is(finished.code, 0, finished.stderr.slice(-800));
  assert.not.match(finished.stderr, /embedded planner scheduled/);
  assert.is(embeddedRuns().length, afterFirst, 'no embedded plan while a planning endpoint is active');
});

test.run();
