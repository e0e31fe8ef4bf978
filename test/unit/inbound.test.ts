/**
 * The inbound import pipeline (agent/pipeline/inbound.ts) against the stand-in's model, in process:
 * batches, lines refused before sending, duplicates across batches, retries of transient errors,
 * progress, and what is thrown.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OdooError } from '../../agent/errors.ts';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { importLines, type ImportProgress, type LineOutcome } from '../../agent/pipeline/inbound.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { GROUPS, StandinOdoo } from '../../agent/standin/model.ts';
import { InProcessTransport, networkDown } from '../support/inprocess.ts';

const FAST = retryPolicy({ limit: 3, backoffBaseMs: 1, backoffLimitMs: 2 });

const world = () => {
  const odoo = new StandinOdoo();
  const user = odoo.addUser('agent', [GROUPS.integration]);
  odoo.addWarehouse('WH', 'Main');
  for (let i = 0; i < 3; i++) odoo.addProduct({ name: `P${i}`, sku: `SKU-${i}` });
  const transport = new InProcessTransport(odoo, user);
  return { odoo, transport, client: new PlanSyncOdoo(transport) };
};

const forecast = (id: string, sku = 'SKU-0', extra: Record<string, unknown> = {}) => ({
  external_id: id,
  sku,
  warehouse: 'WH',
  period_start: '2026-11-30',
  granularity: 'week',
  quantity: 4,
  ...extra,
});
const imports = (transport: InProcessTransport) => transport.calls.filter((c) => c.method === 'import_batch').length;
const run = { source: 'unit', externalRef: 'R-1', kind: 'forecast' } as const;

const test = suite('inbound import');

test('valid lines go to Odoo in batches of batchSize; one outcome per line, in order, with the statuses counted', async () => {
  const w = world();
  const lines = Array.from({ length: 7 }, (_, i) => forecast(`F-${i}`, `SKU-${i % 3}`));
  const progress: ImportProgress[] = [];
  const summary = await importLines(w.client, run, lines, { batchSize: 3, retry: FAST, onProgress: (p) => progress.push(p) });
  assert.is(imports(w.transport), 3, '7 lines in batches of 3');
  assert.equal(summary.counts, { created: 7, unchanged: 0, superseded: 0, exception: 0 });
  assert.equal(
    summary.outcomes.map((o) => [o.index, o.external_id]),
    lines.map((l, i) => [i, l.external_id]),
  );
  assert.ok(typeof summary.runId === 'number' && summary.runId > 0);
  assert.equal(
    progress.map((p) => p.done),
    [3, 6, 7],
    'progress after every batch',
  );
  assert.is(w.odoo.planning.forecasts.size, 7);
});

test("a line that fails validation is not imported: it goes to Odoo as a refusal, so the planner sees it as an exception with the agent's reason", async () => {
  const w = world();
  const sent: Array<{ lines: unknown[]; rejected: unknown[] }> = [];
  const original = w.client.importBatch.bind(w.client);
  w.client.importBatch = (source, ref, kind, lines, generatedAt, rejected = []) => {
    sent.push({ lines: [...lines], rejected: [...rejected] });
    return original(source, ref, kind, lines, generatedAt, rejected);
  };
  const summary = await importLines(
    w.client,
    run,
    [forecast('F-1'), forecast('F-2', 'SKU-1', { quantity: 'abc' }), forecast('F-3', 'NOPE')],
    { retry: FAST },
  );
  const [ok, bad, unknown] = summary.outcomes as LineOutcome[];
  assert.is(ok?.status, 'created');
  assert.equal([bad?.status, bad?.external_id], ['exception', 'F-2']);
  assert.ok(typeof bad?.id === 'number' && bad.id > 0, 'an exception record in Odoo');
  assert.match(bad?.reason ?? '', /^invalid: quantity: .*\(got "abc"\)$/);
  assert.is(unknown?.status, 'exception', 'Odoo refuses an unknown sku');
  assert.match(unknown?.reason ?? '', /^unknown_sku: .*"NOPE"/);
  assert.equal(summary.counts, { created: 1, unchanged: 0, superseded: 0, exception: 2 });
  assert.equal(
    sent[0]?.rejected,
    [{ index: 1, code: 'invalid', message: (bad?.reason ?? '').slice('invalid: '.length) }],
    'sent as a refusal, not as a line to import',
  );
  assert.is(w.odoo.planning.forecasts.size, 1, 'only the valid line became a forecast');
  assert.is(
    [...w.odoo.planning.exceptions.values()].filter((e) => e.externalId === 'F-2').length,
    1,
    'the refused line is in the exception queue',
  );
});

test('an external id repeated in the run is a duplicate_line even across batches (Odoo only sees one batch)', async () => {
  const w = world();
  const summary = await importLines(w.client, run, [forecast('F-1'), forecast('F-2'), forecast('F-1', 'SKU-2')], {
    batchSize: 2,
    retry: FAST,
  });
  assert.equal(
    summary.outcomes.map((o) => o.status),
    ['created', 'created', 'exception'],
  );
  assert.match(summary.outcomes[2]?.reason ?? '', /^duplicate_line: external_id "F-1" is also line 1 of this run$/);
  const resumed = await importLines(w.client, run, [forecast('F-1')], { seen: new Set(['F-1']), firstIndex: 3, retry: FAST });
  assert.equal([resumed.outcomes[0]?.index, resumed.outcomes[0]?.status], [3, 'exception'], 'ids of earlier parts of a resumed run count');
});

test('a transient error is retried; importing again after a lost answer changes nothing (unchanged)', async () => {
  const w = world();
  let failures = 1;
  w.transport.fault = (_model, method) => (method === 'import_batch' && failures-- > 0 ? networkDown() : undefined);
  const first = await importLines(w.client, run, [forecast('F-1'), forecast('F-2')], { retry: FAST });
  assert.is(imports(w.transport), 2, 'one failed call, one retry');
  assert.is(first.counts.created, 2);
  const again = await importLines(w.client, run, [forecast('F-1'), forecast('F-2')], { retry: FAST });
  assert.equal(again.counts, { created: 0, unchanged: 2, superseded: 0, exception: 0 });
  assert.is(w.odoo.planning.forecasts.size, 2);
});

test('what retrying cannot fix is thrown after the batches Odoo took were reported to onBatch', async () => {
  const w = world();
  let calls = 0;
  w.transport.fault = (_model, method) =>
    method === 'import_batch' && ++calls === 2 ? new OdooError('ERR_ODOO_ACCESS', 'config', 'not allowed') : undefined;
  const committed: LineOutcome[] = [];
  try {
    await importLines(w.client, run, [forecast('F-1'), forecast('F-2'), forecast('F-3')], {
      batchSize: 2,
      retry: FAST,
      onBatch: (o) => void committed.push(...o),
    });
    assert.unreachable('an access error is thrown');
  } catch (error) {
    assert.is((error as OdooError).code, 'ERR_ODOO_ACCESS');
  }
  assert.is(calls, 2, 'not retried');
  assert.equal(
    committed.map((o) => o.external_id),
    ['F-1', 'F-2'],
    'the first batch was reported before the failure',
  );
});

test('batchSize is validated', async () => {
  const w = world();
  try {
    await importLines(w.client, run, [forecast('F-1')], { batchSize: 6000 });
    assert.unreachable();
  } catch (error) {
    assert.match((error as Error).message, /batchSize must be an integer from 1 to 5000, got 6000/);
  }
});

test.run();
