/**
 * The planning platform over HTTP (agent/targets/planning/http.ts) with nock: events on <url>/events as
 * webhooks, runs polled from the cursor, lines paged, results posted, the checkpoint advanced only once
 * the result was accepted, and a poll that failed midway resumed without importing anything twice.
 */
import nock from 'nock';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { GROUPS, StandinOdoo } from '../../agent/standin/model.ts';
import { openStateStore, type StateStore } from '../../agent/state/store.ts';
import { PlanningHttpTarget, PlanningRunsPoller, type RunsCheckpoint } from '../../agent/targets/planning/http.ts';
import { verify } from '../../agent/targets/webhook/signature.ts';
import { silentLogger } from '../../agent/telemetry/log.ts';
import type { Envelope } from '../../shared-types/index.ts';
import { InProcessTransport } from '../support/inprocess.ts';

const ORIGIN = 'https://plan.example.test';
const SECRET = 'plan-secret-9e1';
const NOW = 1_790_000_000;

nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));

const test = suite('planning over HTTP');
const closers: Array<{ close(): void }> = [];
test.after.each(() => {
  nock.cleanAll();
  for (const c of closers.splice(0)) c.close();
});

const json = (status: number, value: unknown): [number, string, Record<string, string>] => {
  const text = JSON.stringify(value);
  return [status, text, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }];
};

const line = (id: string, sku = 'CH-0') => ({
  external_id: id,
  sku,
  warehouse: 'WH',
  period_start: '2026-11-30',
  granularity: 'week',
  quantity: 3,
});

interface World {
  odoo: StandinOdoo;
  transport: InProcessTransport;
  state: StateStore;
  poller: PlanningRunsPoller;
}

const world = async (batchSize = 2): Promise<World> => {
  const odoo = new StandinOdoo();
  const user = odoo.addUser('agent', [GROUPS.integration]);
  odoo.addWarehouse('WH', 'Main');
  odoo.addProduct({ name: 'Chair', sku: 'CH-0' });
  const transport = new InProcessTransport(odoo, user);
  const state = await openStateStore({ url: 'memory://', database: odoo.database.uuid, receiptTtlMs: 60_000 });
  const poller = new PlanningRunsPoller({
    code: 'PLAN',
    url: `${ORIGIN}/api/`,
    secret: SECRET,
    odoo: new PlanSyncOdoo(transport),
    state,
    logger: silentLogger(),
    batchSize,
    retryLimit: 0,
    importRetry: retryPolicy({ limit: 1, backoffBaseMs: 1, backoffLimitMs: 1 }),
    now: () => NOW,
  });
  closers.push(poller);
  return { odoo, transport, state, poller };
};

/** The signature check a platform makes, over the raw body ("" for a GET). */
const signed = (headers: Record<string, string | string[] | undefined>, body: string) =>
  verify(SECRET, String(headers['x-plansync-signature']), body, NOW).ok;

test('events go to <url>/events exactly as a webhook: signed, with the idempotency key', async () => {
  const target = new PlanningHttpTarget({ code: 'PLAN', url: `${ORIGIN}/api/`, secret: SECRET, now: () => NOW, retryLimit: 0, noiseMs: 0 });
  closers.push(target);
  const event = {
    id: 7,
    type: 'product.deleted',
    endpoint: 'PLAN',
    aggregate: { model: 'product.product', id: 1, key: 'CH-0' },
    company: false,
    occurred_at: '2026-11-30T08:00:00Z',
    sequence: 1,
    schema: 1,
    coalesced: 1,
    attempt: 1,
    payload: { id: 1, key: 'CH-0' },
  } as Envelope;
  let ok = false;
  const scope = nock(ORIGIN)
    .post(
      '/api/events',
      (body: { endpoint: string; events: Array<{ id: number }> }) => body.endpoint === 'PLAN' && body.events[0]?.id === 7,
    )
    .reply(function (_uri, body) {
      ok = signed(this.req.headers, JSON.stringify(body)) && this.req.headers['idempotency-key'] === '7';
      return json(200, {});
    });
  const outcome = await target.deliver([event]);
  assert.equal(outcome.delivered, [7]);
  assert.ok(ok, 'signed and keyed');
  assert.ok(scope.isDone());
});

test('a poll lists runs after the cursor, pages their lines, imports them, posts the result, then advances the checkpoint', async () => {
  const w = await world(2);
  let resultBody: unknown;
  let getsSigned = true;
  const scope = nock(ORIGIN)
    .get('/api/runs')
    .query({ after: '' })
    .reply(function () {
      getsSigned &&= signed(this.req.headers, '');
      return json(200, { runs: [{ ref: 'R-1', kind: 'forecast', generated_at: '2026-11-30T06:00:00Z', lines: 3 }], cursor: 'c-1' });
    })
    .get('/api/runs/R-1/lines')
    .query({ kind: 'forecast', offset: '0', limit: '2' })
    .reply(function () {
      getsSigned &&= signed(this.req.headers, '');
      return json(200, { lines: [line('F-1'), line('F-2', 'NOPE')], next: 2 });
    })
    .get('/api/runs/R-1/lines')
    .query({ kind: 'forecast', offset: '2', limit: '2' })
    .reply(...json(200, { lines: [line('F-3')], next: false }))
    .post('/api/runs/R-1/result')
    .reply(function (_uri, body) {
      resultBody = body;
      getsSigned &&= signed(this.req.headers, JSON.stringify(body));
      return json(200, { ok: true });
    })
    .get('/api/runs')
    .query({ after: 'c-1' })
    .reply(...json(200, { runs: [], cursor: 'c-1' }));
  const report = await w.poller.poll();
  assert.ok(scope.isDone(), `pending: ${scope.pendingMocks().join(', ')}`);
  assert.ok(getsSigned, 'every request is signed');
  assert.equal(report, { items: 1, lines: 3, counts: { created: 2, unchanged: 0, superseded: 0, exception: 1 } });
  const result = resultBody as { kind: string; counts: Record<string, number>; exceptions: Array<{ external_id: string; reason: string }> };
  assert.is(result.kind, 'forecast');
  assert.equal(result.counts, { created: 2, unchanged: 0, superseded: 0, exception: 1 });
  assert.is(result.exceptions[0]?.external_id, 'F-2');
  assert.match(result.exceptions[0]?.reason ?? '', /^unknown_sku: /);
  assert.equal(await w.state.getCheckpoint<RunsCheckpoint>(w.poller.checkpointName), { cursor: 'c-1', completed: [] });
  const run = [...w.odoo.planning.runs.values()][0];
  assert.equal([run?.source, run?.ref, run?.generatedAt], ['PLAN', 'R-1', Date.parse('2026-11-30T06:00:00Z')]);
});

test('the cursor does not advance while the result is refused; the next poll posts it without importing again', async () => {
  const w = await world(5);
  nock(ORIGIN)
    .get('/api/runs')
    .query({ after: '' })
    .reply(...json(200, { runs: [{ ref: 'R-9', kind: 'forecast' }], cursor: 'c-9' }))
    .get('/api/runs/R-9/lines')
    .query(true)
    .reply(...json(200, { lines: [line('F-1')], next: false }))
    .post('/api/runs/R-9/result')
    .reply(...json(503, { error: 'busy' }));
  try {
    await w.poller.poll();
    assert.unreachable('the refused result fails the poll');
  } catch (error) {
    assert.match((error as Error).message, /POST \/runs\/R-9\/result: HTTP 503/);
  }
  const held = await w.state.getCheckpoint<RunsCheckpoint>(w.poller.checkpointName);
  assert.is(held?.cursor, '', 'the cursor stays before the run');
  assert.equal([held?.current?.id, held?.current?.imported], ['forecast:R-9', true], 'the run is recorded as imported');
  nock.cleanAll();
  const imports = () => w.transport.calls.filter((c) => c.method === 'import_batch').length;
  const before = imports();
  let posted: { counts: Record<string, number> } | undefined;
  const scope = nock(ORIGIN)
    .get('/api/runs')
    .query({ after: '' })
    .reply(...json(200, { runs: [{ ref: 'R-9', kind: 'forecast' }], cursor: 'c-9' }))
    .post('/api/runs/R-9/result')
    .reply((_uri, body) => {
      posted = body as typeof posted;
      return json(200, {});
    })
    .get('/api/runs')
    .query({ after: 'c-9' })
    .reply(...json(200, { runs: [], cursor: 'c-9' }));
  await w.poller.poll();
  assert.ok(scope.isDone(), `pending: ${scope.pendingMocks().join(', ')}`);
  assert.is(imports(), before, 'no line imported again, no line fetched again');
  assert.equal(posted?.counts, { created: 1, unchanged: 0, superseded: 0, exception: 0 }, 'the result of the first import');
  assert.is((await w.state.getCheckpoint<RunsCheckpoint>(w.poller.checkpointName))?.cursor, 'c-9');
});

test('a poll that failed midway through a run resumes at the page where it stopped; nothing is imported twice', async () => {
  const w = await world(2);
  nock(ORIGIN)
    .get('/api/runs')
    .query({ after: '' })
    .reply(...json(200, { runs: [{ ref: 'R-5', kind: 'forecast' }], cursor: 'c-5' }))
    .get('/api/runs/R-5/lines')
    .query({ kind: 'forecast', offset: '0', limit: '2' })
    .reply(...json(200, { lines: [line('F-1'), line('F-2')], next: 2 }))
    .get('/api/runs/R-5/lines')
    .query({ kind: 'forecast', offset: '2', limit: '2' })
    .reply(...json(500, { error: 'db down' }));
  try {
    await w.poller.poll();
    assert.unreachable('the failed page fails the poll');
  } catch (error) {
    assert.match((error as Error).message, /HTTP 500/);
  }
  assert.is((await w.state.getCheckpoint<RunsCheckpoint>(w.poller.checkpointName))?.current?.offset, 2);
  nock.cleanAll();
  let result: { counts: Record<string, number> } | undefined;
  const scope = nock(ORIGIN)
    .get('/api/runs')
    .query({ after: '' })
    .reply(...json(200, { runs: [{ ref: 'R-5', kind: 'forecast' }], cursor: 'c-5' }))
    .get('/api/runs/R-5/lines')
    .query({ kind: 'forecast', offset: '2', limit: '2' })
    .reply(...json(200, { lines: [line('F-3'), line('F-1')], next: false }))
    .post('/api/runs/R-5/result')
    .reply((_uri, body) => {
      result = body as typeof result;
      return json(200, {});
    })
    .get('/api/runs')
    .query({ after: 'c-5' })
    .reply(...json(200, { runs: [], cursor: 'c-5' }));
  await w.poller.poll();
  assert.ok(scope.isDone(), `pending: ${scope.pendingMocks().join(', ')}`);
  assert.is(w.odoo.planning.forecasts.size, 3, 'F-1, F-2 once, F-3');
  assert.equal(
    result?.counts,
    { created: 3, unchanged: 0, superseded: 0, exception: 1 },
    'F-1 repeated in a later page is a duplicate_line of the run',
  );
});

test('an answer of the wrong shape is a configuration error naming the field', async () => {
  const w = await world();
  const scope = nock(ORIGIN)
    .get('/api/runs')
    .query(true)
    .reply(...json(200, { runs: [{ ref: 'R-1', kind: 'budget' }], cursor: 1 }));
  try {
    await w.poller.poll();
    assert.unreachable();
  } catch (error) {
    assert.is((error as { kind?: string }).kind, 'config');
    assert.match((error as Error).message, /GET \/runs answered an unexpected shape: runs\.0\.kind: .*\(got "budget"\)/);
  }
  assert.ok(scope.isDone());
});

test.run();
