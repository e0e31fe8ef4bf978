/**
 * The planning platform over files (agent/targets/planning/file.ts) in a temporary directory: out files
 * complete and renamed with the columns of docs/csv.md; inbox files imported into done/ with a result
 * file, malformed ones moved to rejected/ with their errors; factory by URL scheme.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { GROUPS, StandinOdoo } from '../../agent/standin/model.ts';
import { openStateStore } from '../../agent/state/store.ts';
import { createTarget, effectiveEndpoint } from '../../agent/targets/index.ts';
import { FileExchangeTarget, FileInboxPoller } from '../../agent/targets/planning/file.ts';
import { ChannelTarget } from '../../agent/targets/channel/channel.ts';
import { WebhookTarget } from '../../agent/targets/webhook/webhook.ts';
import { WmsPoller } from '../../agent/wms/poller.ts';
import { columnsFor, eventRow } from '../../agent/targets/planning/csv-events.ts';
import { silentLogger } from '../../agent/telemetry/log.ts';
import { EVENT_TYPES, type Envelope } from '../../shared-types/index.ts';
import { InProcessTransport } from '../support/inprocess.ts';

const FIXTURES = JSON.parse(readFileSync(new URL('../fixtures/events.json', import.meta.url), 'utf8')) as Record<string, Envelope>;
const test = suite('planning over files');
let dir = '';
test.before.each(() => {
  dir = mkdtempSync(join(tmpdir(), 'plansync-files-'));
});
test.after.each(() => rmSync(dir, { recursive: true, force: true }));

const NOW = Date.UTC(2026, 10, 30, 8, 10, 0);

test('every event type has a CSV layout whose row has one cell per column; references are written by name, absent as empty', () => {
  for (const type of EVENT_TYPES) {
    const columns = columnsFor(type);
    assert.ok(columns, `${type} has columns`);
    const event = FIXTURES[type] as Envelope;
    assert.is(eventRow(event).length, columns.length, type);
  }
  const row = (type: string) => Object.fromEntries((columnsFor(type) ?? []).map((c, i) => [c, eventRow(FIXTURES[type] as Envelope)[i]]));
  assert.equal(row('product.changed'), {
    event_id: '101',
    sequence: '5001',
    occurred_at: '2026-11-30T08:09:59Z',
    aggregate_key: 'FURN-0001',
    company_id: '1',
    id: '42',
    sku: 'FURN-0001',
    name: 'Office chair',
    barcode: '',
    active: 'true',
    type: 'product',
    tracking: 'none',
    category: 'All / Saleable',
    uom: 'Units',
    purchase_uom: 'Units',
    sale_ok: 'true',
    purchase_ok: 'true',
    weight: '12.5',
    volume: '0.3',
    standard_price: '80',
    list_price: '120',
    currency: 'EUR',
  });
  assert.equal(row('stock.level').basis, 'free');
  assert.equal([row('stock.level').sku, row('stock.level').warehouse, row('stock.level').definition_version], ['FURN-0001', 'WH', '3']);
  assert.equal([row('demand.line').customer_ref, row('demand.line').uom, row('demand.line').warehouse], ['C-009', 'Units', 'WH']);
  assert.equal(
    [row('purchase.open_line').vendor_ref, row('vendor_terms.changed').vendor_name, row('location.changed').warehouse_code],
    ['V-014', 'Wood Corner', 'WH'],
  );
  assert.equal([row('proposal.executed').orders, row('proposal.decided').orders, row('proposal.decided').company_id], ['P00018', '', '1']);
  assert.is(row('product.deleted').company_id, '', 'company false is empty');
});

test('a delivered batch becomes one complete file per type under out/<type>/, named with the time and the id range, and no temporary file is left', async () => {
  const target = new FileExchangeTarget({ code: 'FILES', dir, now: () => NOW });
  const demand = FIXTURES['demand.line'] as Envelope;
  const events = [demand, { ...demand, id: 140, sequence: 6000 }, FIXTURES['stock.level'] as Envelope] as Envelope[];
  const outcome = await target.deliver(events);
  assert.equal([...outcome.delivered].sort(), [109, 110, 140]);
  assert.equal(outcome.failed, []);
  assert.equal(readdirSync(join(dir, 'out', 'demand.line')), ['demand.line-20261130T081000Z-110-140.csv']);
  assert.equal(readdirSync(join(dir, 'out', 'stock.level')), ['stock.level-20261130T081000Z-109-109.csv']);
  const text = readFileSync(join(dir, 'out', 'demand.line', 'demand.line-20261130T081000Z-110-140.csv'), 'utf8');
  const table: unknown = parse(text);
  const [header, ...rows] = table as string[][];
  assert.equal(header, [
    'event_id',
    'sequence',
    'occurred_at',
    'aggregate_key',
    'company_id',
    'id',
    'sku',
    'warehouse',
    'date',
    'quantity',
    'uom',
    'kind',
    'order',
    'customer_ref',
    'done_at',
  ]);
  assert.equal(
    rows.map((r) => r[0]),
    ['110', '140'],
  );
  assert.ok(text.endsWith('\n') && !text.includes('\r'), '\\n line ends');
});

test('an event type without a CSV layout is refused for good; a directory it cannot write fails the batch without parking it', async () => {
  const stranger = { ...(FIXTURES['stock.level'] as Envelope), id: 5, type: 'invoice.paid' } as unknown as Envelope;
  const outcome = await new FileExchangeTarget({ code: 'FILES', dir }).deliver([stranger]);
  assert.match(outcome.rejected[0]?.reason ?? '', /no CSV layout for invoice\.paid/);
  writeFileSync(join(dir, 'out'), 'a file where the out directory should be');
  const blocked = await new FileExchangeTarget({ code: 'FILES', dir }).deliver([FIXTURES['stock.level'] as Envelope]);
  assert.equal(blocked.delivered, []);
  assert.match(blocked.failed[0]?.error.message ?? '', /FILES: cannot write/);
});

const inboxWorld = () => {
  const odoo = new StandinOdoo();
  const user = odoo.addUser('agent', [GROUPS.integration]);
  odoo.addWarehouse('WH', 'Main');
  odoo.addProduct({ name: 'Chair', sku: 'CH-0' });
  const transport = new InProcessTransport(odoo, user);
  return {
    odoo,
    transport,
    poller: new FileInboxPoller({ code: 'FILES', dir, odoo: new PlanSyncOdoo(transport), logger: silentLogger() }),
  };
};

test('an inbox file is imported as the run <ref> of source csv:<code> and moved to done/ with a result line per input line', async () => {
  const w = inboxWorld();
  mkdirSync(join(dir, 'in'));
  writeFileSync(
    join(dir, 'in', 'forecasts_W48.csv'),
    'external_id,sku,warehouse,period_start,granularity,quantity\nF-1,CH-0,WH,2026-11-30,week,4\nF-2,NOPE,WH,2026-11-30,week,1\n',
  );
  writeFileSync(join(dir, 'in', 'forecasts_W49.csv.tmp'), 'being written by the platform');
  const report = await w.poller.poll();
  assert.equal(report, { items: 1, lines: 2, counts: { created: 1, unchanged: 0, superseded: 0, exception: 1 } });
  assert.ok(existsSync(join(dir, 'in', 'done', 'forecasts_W48.csv')), 'moved to done/');
  assert.not.ok(existsSync(join(dir, 'in', 'forecasts_W48.csv')));
  assert.ok(existsSync(join(dir, 'in', 'forecasts_W49.csv.tmp')), 'other names are left alone');
  const result = parse<Record<string, string>>(readFileSync(join(dir, 'in', 'done', 'forecasts_W48.csv.result.csv'), 'utf8'), {
    columns: true,
  });
  assert.equal(
    result.map((r) => [r.external_id, r.status]),
    [
      ['F-1', 'created'],
      ['F-2', 'exception'],
    ],
  );
  assert.match(result[1]?.reason ?? '', /^unknown_sku: .*"NOPE"/);
  const run = [...w.odoo.planning.runs.values()][0];
  assert.equal([run?.source, run?.ref, run?.kind], ['csv:FILES', 'W48', 'forecast']);
  assert.equal(
    await w.poller.poll(),
    { items: 0, lines: 0, counts: { created: 0, unchanged: 0, superseded: 0, exception: 0 } },
    'a second poll finds nothing',
  );
});

test('a malformed inbox file is moved to rejected/ with the line and column of each problem; nothing of it is imported', async () => {
  const w = inboxWorld();
  mkdirSync(join(dir, 'in'));
  writeFileSync(
    join(dir, 'in', 'proposals_R-7.csv'),
    'external_id,kind,sku,warehouse,quantity\nP-1,purchase,CH-0,WH,12\nP-2,buy,CH-0,WH,abc\n',
  );
  const report = await w.poller.poll();
  assert.is(report.items, 1);
  assert.ok(existsSync(join(dir, 'in', 'rejected', 'proposals_R-7.csv')));
  const errors = readFileSync(join(dir, 'in', 'rejected', 'proposals_R-7.csv.errors.txt'), 'utf8');
  assert.match(errors, /line 3, column kind: expected one of purchase, transfer, parameter, got "buy"/);
  assert.match(errors, /line 3, column quantity: expected a number/);
  assert.is(w.transport.calls.filter((c) => c.method === 'import_batch').length, 0, 'nothing sent to Odoo');
});

test('createTarget serves a planning endpoint by URL scheme: file:/// (an existing directory) or http(s) with a secret; wms and channel endpoints get theirs with a secret', async () => {
  const state = await openStateStore({ url: 'memory://', database: 'x', receiptTtlMs: 1000 });
  const deps = { odoo: new PlanSyncOdoo(inboxWorld().transport), state, logger: silentLogger() };
  const endpoint = (kind: 'planning' | 'wms' | 'channel', url: string) =>
    effectiveEndpoint(
      {
        code: 'PLAN',
        name: 'P',
        kind,
        url,
        event_types: [],
        company: 1,
        batch_size: 10,
        concurrency: 1,
        rate_limit: 0,
        timeout_seconds: 5,
      },
      { endpoints: {} },
    );
  const files = createTarget(endpoint('planning', pathToFileURL(dir).href), { secrets: {} }, {}, deps);
  assert.ok(files.ok && files.target instanceof FileExchangeTarget && files.inbound instanceof FileInboxPoller);
  const missing = createTarget(endpoint('planning', pathToFileURL(join(dir, 'nope')).href), { secrets: {} }, {}, deps);
  assert.ok(!missing.ok && /does not exist/.test(missing.reason));
  const http = createTarget(endpoint('planning', 'https://plan.example.test'), { secrets: { PLAN: 's' } }, {}, deps);
  assert.ok(http.ok && http.inbound?.code === 'PLAN');
  if (http.ok) {
    http.target.close();
    http.inbound?.close?.();
  }
  const noSecret = createTarget(endpoint('planning', 'https://plan.example.test'), { secrets: {} }, {}, deps);
  assert.ok(!noSecret.ok && /PLANSYNC_SECRET_PLAN/.test(noSecret.reason));
  const wmsNoSecret = createTarget(endpoint('wms', 'https://wms.example.test'), { secrets: {} }, {}, deps);
  assert.ok(!wmsNoSecret.ok && /PLANSYNC_SECRET_PLAN/.test(wmsNoSecret.reason));
  const wms = createTarget(endpoint('wms', 'https://wms.example.test'), { secrets: { PLAN: 's' } }, {}, deps);
  assert.ok(wms.ok && wms.target instanceof WebhookTarget);
  const channel = createTarget(endpoint('channel', 'https://shop.example.test'), { secrets: { PLAN: 's' } }, {}, deps);
  assert.ok(channel.ok && channel.target instanceof ChannelTarget);
  assert.ok(wms.ok && wms.inbound === undefined, 'a WMS endpoint is not polled by default (it posts to the receiver)');
  if (wms.ok) wms.target.close();
  if (channel.ok) channel.target.close();
  const polledSettings = effectiveEndpoint(
    {
      code: 'PLAN',
      name: 'P',
      kind: 'wms',
      url: 'https://wms.example.test',
      event_types: [],
      company: 1,
      batch_size: 10,
      concurrency: 1,
      rate_limit: 0,
      timeout_seconds: 5,
    },
    { endpoints: { PLAN: { wms_poll_seconds: 30 } } },
  );
  assert.is(polledSettings.wmsPollSeconds, 30);
  const polled = createTarget(polledSettings, { secrets: { PLAN: 's' } }, {}, { ...deps, wms: { wmsReceive: () => Promise.resolve([]) } });
  assert.ok(polled.ok && polled.inbound instanceof WmsPoller, 'wms_poll_seconds > 0: the WMS is polled');
  if (polled.ok) polled.target.close();
  await state.close();
});

test.run();
