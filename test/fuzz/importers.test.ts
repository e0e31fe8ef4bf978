/**
 * Fuzz: the planning importers (docs/csv.md, docs/planning.md): CSV and JSON import files
 * (agent/pipeline/import-file.ts), the inbound pipeline that validates each line and sends it
 * (agent/pipeline/inbound.ts) to the stand-in's import_batch, and the planning platform's runs over
 * HTTP (agent/targets/planning/http.ts) served by a hostile platform on loopback.
 *
 * A file that cannot be read is refused whole, naming the line and the column (CSV) or the path
 * (JSON), and nothing is sent; a readable line with a bad field is sent as an exception whose reason
 * names the field, and only that line is refused; a hostile runs or lines page is refused naming the
 * field, nothing is imported from it and the checkpoint does not move. Nothing throws but the
 * documented errors.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PlanSyncError } from '../../agent/errors.ts';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { parseImportText } from '../../agent/pipeline/import-file.ts';
import { checkLine, importLines } from '../../agent/pipeline/inbound.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { GROUPS, StandinOdoo } from '../../agent/standin/model.ts';
import { FORECAST_COLUMNS, linesToCsv, PROPOSAL_COLUMNS } from '../../agent/targets/planning/csv-lines.ts';
import { PlanningRunsPoller } from '../../agent/targets/planning/http.ts';
import { silentLogger } from '../../agent/telemetry/log.ts';
import type { ImportKind } from '../../shared-types/index.ts';
import { fuzz, hostileNumber, hostileString, junk, printEdge } from '../support/fuzz.ts';
import { InProcessTransport } from '../support/inprocess.ts';

const EDGE = 'planning importers';
const NOW = Date.parse('2026-11-30T08:00:00Z');
const odoo = new StandinOdoo(() => NOW);
const user = odoo.addUser('plansync-agent', [GROUPS.integration]);
odoo.addWarehouse('WH', 'Main warehouse');
const vendor = odoo.planning.addVendor('Fuzz vendor', 'V-FZ');
for (let i = 0; i < 3; i++) {
  const product = odoo.addProduct({ name: `Fuzz ${i}`, sku: `FZ-${i}` });
  odoo.planning.addVendorTerms({ vendorId: vendor.id, productId: product.id, minQty: 1, price: 1, delay: 5 });
}
const client = new PlanSyncOdoo(new InProcessTransport(odoo, user));
const NO_RETRY = retryPolicy({ limit: 0, backoffBaseMs: 1, backoffLimitMs: 1 });

const planningState = (): string => JSON.stringify(odoo.planning, (_k, v: unknown) => (v instanceof Map ? [...v.entries()] : v));

// ---- valid lines, from which one field is made hostile ----

const monday = fc
  .integer({ min: 0, max: 200 })
  .map((w) => new Date(Date.parse('2026-01-05T00:00:00Z') + w * 7 * 86_400_000).toISOString().slice(0, 10));
const forecast = fc.record({
  external_id: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJ0123456789-'), minLength: 1, maxLength: 12 }),
  sku: fc.constantFrom('FZ-0', 'FZ-1', 'FZ-2'),
  warehouse: fc.constant('WH'),
  period_start: monday,
  granularity: fc.constant('week'),
  quantity: fc.integer({ min: 0, max: 1000 }),
});
const proposal = fc.record({
  external_id: fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJ0123456789-'), minLength: 1, maxLength: 12 }),
  kind: fc.constant('purchase'),
  sku: fc.constantFrom('FZ-0', 'FZ-1', 'FZ-2'),
  warehouse: fc.constant('WH'),
  quantity: fc.integer({ min: 1, max: 1000 }),
});
const uniqueLines = (line: fc.Arbitrary<Record<string, unknown>>) =>
  fc.uniqueArray(line, { minLength: 1, maxLength: 6, selector: (l) => l.external_id });

/** Text values a CSV column of that type cannot hold. */
const badCell: Record<string, fc.Arbitrary<string>> = {
  integer: fc.constantFrom('1.5', 'one', '1e3', ' 1', '0x1', '--1', '１', 'NaN'),
  number: fc.constantFrom('abc', '1,5', '1e308', '1e400', 'NaN', 'Infinity', '-', '.5', '5.', '1 000', '١'),
  date: fc.constantFrom('2026-02-30', '2026-13-01', '30/11/2026', '2026-1-1', 'today', '0000-00-00'),
  enum: fc.constantFrom('weekly', 'Week', 'PURCHASE', 'buy', ' week'),
};
const columnType = (kind: ImportKind, name: string): string => {
  const column = (kind === 'forecast' ? FORECAST_COLUMNS : PROPOSAL_COLUMNS).find((c) => c.name === name);
  return Array.isArray(column?.type) ? 'enum' : (column?.type as string);
};

const test = suite('fuzz: planning importers');
test.after(() => printEdge(EDGE));

test('CSV: a cell of the wrong type refuses the file, naming its line and column; nothing is sent', async () => {
  const input = fc.oneof(fc.constant('forecast' as const), fc.constant('proposal' as const)).chain((kind) =>
    uniqueLines(kind === 'forecast' ? forecast : proposal).chain((lines) => {
      const columns = (
        kind === 'forecast'
          ? ['revision', 'period_start', 'granularity', 'quantity', 'lower']
          : ['revision', 'kind', 'quantity', 'order_by', 'value', 'min_qty', 'service_level']
      ).filter((c) => columnType(kind, c));
      return fc
        .record({
          kind: fc.constant(kind),
          lines: fc.constant(lines),
          row: fc.nat({ max: lines.length - 1 }),
          column: fc.constantFrom(...columns),
        })
        .chain((picked) => badCell[columnType(kind, picked.column)]!.map((cell) => ({ ...picked, cell })));
    }),
  );
  await fuzz(
    EDGE,
    'CSV cells of the wrong type',
    input,
    ({ kind, lines, row, column, cell }) => {
      const text = linesToCsv(
        kind,
        lines.map((l, i) =>
          i === row
            ? {
                ...l,
                ...(column === 'min_qty'
                  ? { parameter: { min_qty: cell } }
                  : column === 'service_level'
                    ? { explanation: { service_level: cell } }
                    : { [column]: cell }),
              }
            : l,
        ),
      );
      const before = planningState();
      const parsed = parseImportText('run.csv', text, kind);
      assert.not.ok(parsed.ok, `${column} = ${JSON.stringify(cell)} was read`);
      if (!parsed.ok)
        assert.ok(
          parsed.problems.some((p) => p.startsWith(`line ${row + 2}, column ${column}:`)),
          `the problems name line ${row + 2}, column ${column}: ${parsed.problems.join(' | ')}`,
        );
      assert.ok(planningState() === before);
    },
    { runs: 800 },
  );
});

test('any text as a CSV or JSON file: read, or refused with where the problem is; never a throw', async () => {
  const text = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    uniqueLines(forecast)
      .map((lines) => linesToCsv('forecast', lines))
      .chain((csv) =>
        fc.tuple(fc.nat({ max: csv.length }), hostileString()).map(([at, junkText]) => csv.slice(0, at) + junkText + csv.slice(at)),
      ),
    fc.constantFrom(
      '\ufeffexternal_id,sku\n',
      'external_id,external_id,sku,warehouse,period_start,granularity,quantity\n',
      '"unterminated\n',
      '{"lines": [1, 2]}',
      '{"lines": [], "extra": 1}',
      '{"lines": [{}], "generated_at": "2026-02-30T00:00:00Z"}',
      '[null]',
      '',
    ),
  );
  await fuzz(
    EDGE,
    'any text as an import file',
    fc.record({
      name: fc.constantFrom('run.csv', 'run.json', 'run', 'RUN.JSON'),
      kind: fc.constantFrom('forecast' as const, 'proposal' as const),
      text,
    }),
    ({ name, kind, text: body }) => {
      const parsed = parseImportText(name, body, kind);
      if (parsed.ok) {
        assert.is(parsed.lines.length, parsed.where.length);
        return;
      }
      assert.ok(parsed.problems.length > 0 && parsed.problems.length <= 20);
      for (const problem of parsed.problems) {
        assert.match(
          problem,
          /^(line \d+, column .+?: |lines(\[\d+\]|\.[A-Za-z_]\w*|\["(?:[^"\\]|\\.)*"\])*: |generated_at: |\(root\): |"[^"]*"(, "[^"]*")*: unknown key|not valid JSON)/s,
          `where is it: ${problem}`,
        );
      }
    },
    { runs: 1000 },
  );
});

/** A field of a valid line made hostile, with the path the refusal must name. */
const hostileField = (kind: ImportKind) =>
  (kind === 'forecast' ? forecast : proposal).chain((line) =>
    fc
      .record({
        field: fc.constantFrom(
          ...(kind === 'forecast'
            ? ['external_id', 'revision', 'sku', 'warehouse', 'period_start', 'granularity', 'quantity', 'lower', 'upper']
            : [
                'external_id',
                'revision',
                'kind',
                'sku',
                'warehouse',
                'vendor',
                'quantity',
                'uom',
                'order_by',
                'value',
                'parameter',
                'explanation',
              ]),
        ),
        value: fc.oneof(hostileString(), hostileNumber(), junk()),
      })
      .filter(({ field, value }) => !checkLine(kind, { ...line, [field]: value }).ok)
      .map(({ field, value }) => ({ line: { ...line, [field]: value }, field })),
  );

test('a line with a hostile field: refused as invalid naming that field; the lines beside it imported; only its exception written', async () => {
  let run = 0;
  const input = fc
    .constantFrom('forecast' as const, 'proposal' as const)
    .chain((kind) =>
      fc.record({ kind: fc.constant(kind), bad: hostileField(kind), others: uniqueLines(kind === 'forecast' ? forecast : proposal) }),
    );
  await fuzz(
    EDGE,
    'hostile fields of JSON lines',
    input,
    async ({ kind, bad, others }) => {
      const n = ++run;
      const good = others.map((l) => ({ ...l, external_id: `G${n}-${String(l.external_id)}` }));
      const lines = [...good, bad.line];
      const reasonOf = checkLine(kind, bad.line);
      assert.ok(
        !reasonOf.ok && reasonOf.reason.startsWith('invalid: ') && reasonOf.reason.includes(bad.field),
        `the reason names ${bad.field}: ${reasonOf.ok ? '' : reasonOf.reason}`,
      );
      const exceptionsBefore = odoo.planning.exceptions.size;
      const recordsBefore = odoo.planning.forecasts.size + odoo.planning.proposals.size;
      const summary = await importLines(client, { source: 'fuzz', externalRef: `R-${n}`, kind }, lines, { retry: NO_RETRY });
      assert.is(summary.outcomes.length, lines.length);
      const last = summary.outcomes.at(-1);
      assert.is(last?.status, 'exception');
      assert.ok(last?.reason.includes(bad.field), `the exception names ${bad.field}: ${last?.reason}`);
      assert.ok(
        summary.outcomes.slice(0, -1).every((o) => o.status === 'created'),
        JSON.stringify(summary.outcomes.slice(0, -1)),
      );
      assert.is(odoo.planning.exceptions.size, exceptionsBefore + 1, 'one exception record for the hostile line');
      assert.is(
        odoo.planning.forecasts.size + odoo.planning.proposals.size,
        recordsBefore + good.length,
        'a record for each good line, none for the hostile one',
      );
    },
    { runs: 400 },
  );
});

// ---- the planning platform over HTTP ----

const platform = { runs: undefined as unknown, lines: undefined as unknown, posted: 0 };
const server = http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://platform');
    let body: unknown = { error: 'not found' };
    let status = 404;
    if (req.method === 'GET' && url.pathname === '/runs') [status, body] = [200, platform.runs];
    else if (req.method === 'GET' && url.pathname.endsWith('/lines'))
      [status, body] = [200, url.searchParams.get('offset') === '0' ? platform.lines : { lines: [], next: false }];
    else if (req.method === 'POST' && url.pathname.endsWith('/result')) [status, body] = [200, { ok: ++platform.posted }];
    const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? 'null');
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
test.after(() => new Promise<void>((resolve) => server.close(() => resolve())));

const checkpoints = new Map<string, unknown>();
const state = {
  getCheckpoint: <T>(name: string) => Promise.resolve(checkpoints.get(name) as T | undefined),
  setCheckpoint: <T>(name: string, value: T) => {
    checkpoints.set(name, JSON.parse(JSON.stringify(value)) as unknown);
    return Promise.resolve();
  },
};
let pollers = 0;

test('a hostile runs or lines page: refused naming the field; nothing imported, nothing reported, the checkpoint unmoved', async () => {
  const badRun = fc.oneof(
    fc
      .record({
        ref: fc.oneof(fc.constantFrom('', 'r'.repeat(129)), hostileNumber(), fc.constantFrom(null, true, [], {})),
        kind: fc.constant('forecast'),
      })
      .map((r) => ({ run: r, path: 'runs.0.ref' })),
    fc
      .record({ ref: fc.constant('R1'), kind: fc.oneof(hostileString(), junk()).filter((k) => k !== 'forecast' && k !== 'proposal') })
      .map((r) => ({ run: r, path: 'runs.0.kind' })),
    fc
      .record({
        ref: fc.constant('R1'),
        kind: fc.constant('forecast'),
        generated_at: fc.oneof(
          fc.constantFrom('2026-11-30', 'yesterday', 0, true, null, [], '2026-11-30T06:00:00+01:00'),
          hostileString().filter((s) => s !== ''),
        ),
      })
      .map((r) => ({ run: r, path: 'runs.0.generated_at' })),
    fc
      .record({
        ref: fc.constant('R1'),
        kind: fc.constant('forecast'),
        lines: fc.oneof(fc.constantFrom(-1, 0.5, '10', null, true), hostileString()),
      })
      .map((r) => ({ run: r, path: 'runs.0.lines' })),
  );
  const page = fc.oneof(
    badRun.map(({ run, path }) => ({ runs: { runs: [run], cursor: 'c1' }, lines: { lines: [], next: false }, path })),
    fc
      .oneof(
        junk().filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
        fc.constant({ runs: 'all' }),
      )
      .map((runs) => ({
        runs,
        lines: { lines: [], next: false },
        path: typeof runs === 'object' && runs !== null && !Array.isArray(runs) ? 'runs' : '(root)',
      })),
    fc.constantFrom({ runs: [], cursor: 5 }, { runs: [] }).map((runs) => ({ runs, lines: { lines: [], next: false }, path: 'cursor' })),
    fc
      .oneof(
        fc
          .record({ lines: fc.oneof(hostileString(), fc.constantFrom(null, 1, {})), next: fc.constant(false) })
          .map((lines) => ({ lines, path: 'lines' })),
        fc
          .record({ lines: fc.constant([]), next: fc.oneof(fc.constantFrom(-1, 0.5, '10', null, true), hostileString()) })
          .map((lines) => ({ lines, path: 'next' })),
      )
      .map(({ lines, path }) => ({ runs: { runs: [{ ref: 'R1', kind: 'forecast' }], cursor: 'c1' }, lines, path })),
  );
  await fuzz(
    EDGE,
    'hostile runs and lines pages',
    page,
    async ({ runs, lines, path }) => {
      platform.runs = runs;
      platform.lines = lines;
      const posted = platform.posted;
      const code = `PLAN-${++pollers}`;
      const poller = new PlanningRunsPoller({
        code,
        url: base,
        secret: 's',
        odoo: client,
        state,
        logger: silentLogger(),
        retryLimit: 0,
        timeoutMs: 5000,
        now: () => NOW / 1000,
      });
      const before = planningState();
      const checkpoint = JSON.stringify(checkpoints.get(poller.checkpointName));
      try {
        await poller.poll();
        assert.unreachable(`a hostile page was accepted: ${JSON.stringify({ runs, lines }).slice(0, 300)}`);
      } catch (error) {
        assert.instance(error, PlanSyncError, `threw ${String(error)}`);
        const message = (error as Error).message;
        // a string page is served as the raw body: unless it happens to be JSON, it is refused as not JSON
        const notJson = typeof runs === 'string' && message.includes('answered a body that is not JSON');
        assert.ok(message.includes(`${path}:`) || notJson, `the refusal names ${path}: ${message.slice(0, 300)}`);
      } finally {
        poller.close();
      }
      assert.ok(planningState() === before, 'something was imported from a refused page');
      assert.is(platform.posted, posted, 'a result was posted for a refused page');
      assert.is(JSON.stringify(checkpoints.get(poller.checkpointName)), checkpoint, 'the checkpoint moved');
    },
    { runs: 80 },
  );
});

test.run();
