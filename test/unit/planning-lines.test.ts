/**
 * Inbound planning lines: validation (shared-types ForecastLine / ProposalLine through checkLine), the
 * CSV parser of docs/csv.md and the import file reader. Property tests with fast-check: valid random
 * lines validate and round-trip through CSV; any field turned to garbage is refused naming the field
 * (validation) or the line and the column (CSV).
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ForecastLine, ProposalLine, type ImportKind } from '../../shared-types/index.ts';
import { parseImportText } from '../../agent/pipeline/import-file.ts';
import { checkLine } from '../../agent/pipeline/inbound.ts';
import { columnsOf, describeProblem, linesToCsv, parseLinesCsv } from '../../agent/targets/planning/csv-lines.ts';

const test = suite('planning lines');

// ---- arbitraries ----

const text = (options: { newlines?: boolean; maxLength?: number } = {}) =>
  fc
    .string({
      minLength: 1,
      maxLength: options.maxLength ?? 16,
      unit: fc.constantFrom('A', 'z', '0', '-', ' ', ',', '"', 'é', '/', ...(options.newlines ? ['\n'] : [])),
    })
    .filter((s) => s.trim().length > 0 && s.trim() === s);
const amount = fc.integer({ min: 0, max: 100_000_000 }).map((n) => n / 100);
const positive = fc.integer({ min: 1, max: 100_000_000 }).map((n) => n / 100);
const dayMs = fc.integer({ min: Date.UTC(2020, 0, 1) / 86_400_000, max: Date.UTC(2030, 11, 31) / 86_400_000 }).map((d) => d * 86_400_000);
const isoDay = dayMs.map((ms) => new Date(ms).toISOString().slice(0, 10));
const monday = dayMs.map((ms) => {
  const d = new Date(ms);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
});
const firstOfMonth = dayMs.map((ms) => `${new Date(ms).toISOString().slice(0, 7)}-01`);

const forecastLine = (newlines = false) =>
  fc
    .record({
      external_id: text({ newlines, maxLength: 24 }),
      revision: fc.integer({ min: 1, max: 50 }),
      sku: text({ newlines }),
      warehouse: text(),
      granularity: fc.constantFrom('week', 'month'),
      quantity: amount,
      spread: fc.option(amount, { nil: undefined }),
    })
    .chain((l) =>
      (l.granularity === 'week' ? monday : firstOfMonth).map((period_start) => {
        const { spread, ...line } = l;
        return {
          ...line,
          period_start,
          ...(spread === undefined ? {} : { lower: Math.max(0, line.quantity - spread), upper: line.quantity + spread }),
        };
      }),
    );

const explanation = fc.record(
  {
    forecast_over_lead_time: amount,
    on_hand: amount,
    on_order: amount,
    lead_time_days: fc.integer({ min: 0, max: 120 }),
    service_level: fc.integer({ min: 0, max: 100 }).map((n) => n / 100),
    reason: text({ maxLength: 40 }),
  },
  { requiredKeys: [] },
);

const proposalLine = (newlines = false) =>
  fc.oneof(
    fc.record(
      {
        external_id: text({ newlines, maxLength: 24 }),
        revision: fc.integer({ min: 1, max: 50 }),
        kind: fc.constant('purchase'),
        sku: text({ newlines }),
        warehouse: text(),
        vendor: text(),
        quantity: positive,
        uom: fc.constantFrom('Units', 'Dozens'),
        order_by: isoDay,
        need_by: isoDay,
        value: amount,
        explanation,
      },
      { requiredKeys: ['external_id', 'kind', 'sku', 'warehouse', 'quantity'] },
    ),
    fc.record(
      {
        external_id: text({ maxLength: 24 }),
        kind: fc.constant('transfer'),
        sku: text(),
        warehouse: text(),
        source_warehouse: text(),
        quantity: positive,
        need_by: isoDay,
      },
      { requiredKeys: ['external_id', 'kind', 'sku', 'warehouse', 'source_warehouse', 'quantity'] },
    ),
    fc.record({
      external_id: text({ maxLength: 24 }),
      kind: fc.constant('parameter'),
      sku: text(),
      warehouse: text(),
      parameter: fc
        .tuple(amount, amount, amount)
        .map(([a, b, safety]) => ({ min_qty: Math.min(a, b), max_qty: Math.max(a, b), safety_stock: safety })),
    }),
  );

/** Drop empty objects, so that `explanation: {}` and no explanation compare equal. */
const normal = (value: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(value).filter(([, v]) => !(v !== null && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0)),
  );

const schemaOf = (kind: ImportKind) => (kind === 'forecast' ? ForecastLine : ProposalLine);

// ---- validation ----

test('property: a valid forecast or proposal line validates', () => {
  fc.assert(
    fc.property(forecastLine(true), (line) => {
      const checked = checkLine('forecast', line);
      assert.ok(checked.ok, checked.ok ? '' : checked.reason);
    }),
    { numRuns: 200 },
  );
  fc.assert(
    fc.property(proposalLine(true), (line) => {
      const checked = checkLine('proposal', line);
      assert.ok(checked.ok, checked.ok ? '' : checked.reason);
    }),
    { numRuns: 200 },
  );
});

/** A value of the wrong type for a field, by what the field holds. */
const garbageFor = (field: string): fc.Arbitrary<unknown> => {
  const notAString = [fc.integer(), fc.constant(null), fc.constant(true), fc.constant([])];
  if (['external_id', 'sku', 'warehouse', 'vendor', 'source_warehouse', 'uom'].includes(field))
    return fc.oneof(...notAString, fc.constant(''), fc.constant('   '));
  if (['period_start', 'order_by', 'need_by'].includes(field))
    return fc.oneof(...notAString, fc.constantFrom('2026-13-40', '2026-02-30', '30/11/2026', ''));
  if (['kind', 'granularity'].includes(field)) return fc.oneof(...notAString, fc.constantFrom('weekly', 'buy', ''));
  return fc.oneof(fc.constant('abc'), fc.constant('12'), fc.constant(null), fc.constant(-5), fc.constant(Number.NaN), fc.constant({}));
};

const refused = (kind: ImportKind, line: Record<string, unknown>, field: string, value: unknown) => {
  const checked = checkLine(kind, { ...line, [field]: value });
  if (checked.ok) throw new Error(`${field} = ${JSON.stringify(value)} was accepted`);
  assert.ok(checked.reason.startsWith('invalid: '), checked.reason);
  assert.ok(checked.reason.includes(`${field}`), `${field} not named in: ${checked.reason}`);
  assert.ok(checked.reason.includes('(got '), `value not quoted in: ${checked.reason}`);
};

test('property: any field of a line turned to a value of the wrong type is refused, naming the field and quoting the value', () => {
  fc.assert(
    fc.property(
      forecastLine(),
      fc
        .constantFrom('external_id', 'sku', 'warehouse', 'period_start', 'granularity', 'quantity')
        .chain((field) => fc.tuple(fc.constant(field), garbageFor(field))),
      (line, [field, value]) => {
        refused('forecast', line, field, value);
      },
    ),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(
      proposalLine(),
      fc
        .constantFrom('external_id', 'sku', 'warehouse', 'kind', 'quantity')
        .chain((field) => fc.tuple(fc.constant(field), garbageFor(field))),
      (line, [field, value]) => {
        refused('proposal', line, field, value);
      },
    ),
    { numRuns: 300 },
  );
});

test('line rules: bounds around the quantity, weeks on Mondays, a purchase needs a quantity, a transfer its source', () => {
  const base = { external_id: 'F-1', sku: 'FURN-0001', warehouse: 'WH', period_start: '2026-11-30', granularity: 'week', quantity: 10 };
  assert.ok(checkLine('forecast', base).ok);
  const reason = (kind: ImportKind, line: Record<string, unknown>) => {
    const checked = checkLine(kind, line);
    return checked.ok ? 'ok' : checked.reason;
  };
  assert.match(reason('forecast', { ...base, lower: 12 }), /^invalid: lower: must be at most quantity \(10\) \(got 12\)/);
  assert.match(reason('forecast', { ...base, period_start: '2026-12-01' }), /period_start: a week starts on a Monday \(got "2026-12-01"\)/);
  assert.match(reason('forecast', { ...base, period_start: '2026-02-30', granularity: 'month' }), /period_start: .*\(got "2026-02-30"\)/);
  assert.match(
    reason('proposal', { external_id: 'P-1', kind: 'purchase', sku: 'S', warehouse: 'WH' }),
    /quantity: a purchase proposal needs a quantity > 0 \(got missing\)/,
  );
  assert.match(
    reason('proposal', { external_id: 'P-1', kind: 'transfer', sku: 'S', warehouse: 'WH', quantity: 3 }),
    /source_warehouse: .*\(got missing\)/,
  );
  assert.match(
    reason('proposal', { external_id: 'P-1', kind: 'parameter', sku: 'S', warehouse: 'WH', parameter: { min_qty: 5, max_qty: 2 } }),
    /parameter\.max_qty: must be at least min_qty/,
  );
});

// ---- CSV ----

test('property: valid lines round-trip through csv-stringify and the parser', () => {
  for (const [kind, lines] of [
    ['forecast', fc.array(forecastLine(true), { minLength: 1, maxLength: 6 })],
    ['proposal', fc.array(proposalLine(true), { minLength: 1, maxLength: 6 })],
  ] as const) {
    fc.assert(
      fc.property(lines as fc.Arbitrary<Array<Record<string, unknown>>>, (input) => {
        const csv = linesToCsv(kind, input);
        const parsed = parseLinesCsv(kind, csv);
        if (!parsed.ok) throw new Error(`${parsed.problems.map(describeProblem).join('; ')}\n${csv}`);
        assert.is(parsed.lines.length, input.length);
        parsed.lines.forEach((line, i) => {
          assert.equal(normal(schemaOf(kind).parse(line)), normal(schemaOf(kind).parse(input[i])));
        });
      }),
      { numRuns: 150 },
    );
  }
});

/** A CSV text built by hand: every cell quoted as RFC 4180 says, except `raw` cells written as they are. */
const csvText = (header: readonly string[], rows: ReadonlyArray<ReadonlyArray<string | { raw: string }>>): string => {
  const quote = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);
  const cell = (c: string | { raw: string }) => (typeof c === 'string' ? quote(c) : c.raw);
  return [header.map(quote).join(','), ...rows.map((r) => r.map(cell).join(','))].join('\n') + '\n';
};

const typedGarbage: Record<string, fc.Arbitrary<string>> = {
  integer: fc.constantFrom('1.5', 'abc', 'one', '2e3', '1 000', '--1'),
  number: fc.constantFrom('abc', '1,5', '12kg', '1.2.3', '.5', '∞', 'NaN', '1 000', '+3'),
  date: fc.constantFrom('2026-13-40', '30/11/2026', '2026-02-30', '2026-1-5', 'tomorrow', '20261130'),
  granularity: fc.constantFrom('weekly', 'WEEK', 'day', 'quarter'),
  kind: fc.constantFrom('buy', 'Purchase', 'move', 'param'),
};

const typeOf = (kind: ImportKind, column: string): string => {
  const found = columnsOf(kind).find((c) => c.name === column);
  if (!found) throw new Error(`no column ${column}`);
  if (Array.isArray(found.type)) return column;
  return found.type as string;
};

test('property: any field of a CSV file turned to garbage refuses the file, naming the line and the column', () => {
  for (const [kind, lines] of [
    ['forecast', fc.array(forecastLine(false), { minLength: 1, maxLength: 5 })],
    ['proposal', fc.array(proposalLine(false), { minLength: 1, maxLength: 5 })],
  ] as const) {
    const header = columnsOf(kind).map((c) => c.name);
    fc.assert(
      fc.property(
        lines as fc.Arbitrary<Array<Record<string, unknown>>>,
        fc.nat(),
        fc.constantFrom(...header),
        fc.nat(),
        (input, lineSeed, column, garbageSeed) => {
          const parsedRows = parseLinesCsvOk(kind, linesToCsv(kind, input)).slice(1);
          const row = lineSeed % parsedRows.length;
          const index = header.indexOf(column);
          const type = typeOf(kind, column);
          const garbage =
            type === 'string'
              ? { raw: 'ab"c' }
              : (fc.sample(typedGarbage[type] as fc.Arbitrary<string>, { numRuns: 1, seed: garbageSeed })[0] as string);
          const rows = parsedRows.map((r, i) => (i === row ? r.map((c, j) => (j === index ? garbage : c)) : r));
          const result = parseLinesCsv(kind, csvText(header, rows));
          if (result.ok) throw new Error(`${column} = ${JSON.stringify(garbage)} at line ${row + 2} was accepted`);
          const problem = result.problems[0];
          assert.is(problem?.line, row + 2, `the line is named: ${describeProblem(problem ?? { line: 0, column: '', message: '' })}`);
          assert.is(problem?.column, column, `the column is named: ${describeProblem(problem ?? { line: 0, column: '', message: '' })}`);
        },
      ),
      { numRuns: 300 },
    );
  }
});

/** The raw cells of a CSV text (through the library, for building mutated copies). */
const parseLinesCsvOk = (kind: ImportKind, csv: string): string[][] => {
  const header = columnsOf(kind).map((c) => c.name);
  const parsed = parseLinesCsv(kind, csv);
  if (!parsed.ok) throw new Error(parsed.problems.map(describeProblem).join('; '));
  return [
    header,
    ...parsed.lines.map((line) =>
      header.map((name) => {
        const column = columnsOf(kind).find((c) => c.name === name);
        const from = column?.into ? (line[column.into] as Record<string, unknown> | undefined) : line;
        const value = from?.[name];
        return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
      }),
    ),
  ];
};

test('a wrong header refuses the file: an unknown column, a column twice, a required column missing', () => {
  const problems = (csv: string) => {
    const r = parseLinesCsv('forecast', csv);
    return r.ok ? [] : r.problems.map(describeProblem);
  };
  assert.equal(problems('external_id,sku,warehouse,period_start,granularity,qty\nF-1,S,WH,2026-11-30,week,3\n'), [
    'line 1, column qty: unknown column (a forecast file has external_id, revision, sku, warehouse, period_start, granularity, quantity, lower, upper)',
    'line 1, column quantity: required column missing',
  ]);
  assert.equal(problems('external_id,sku,sku,warehouse,period_start,granularity,quantity\n'), ['line 1, column sku: column given twice']);
  assert.equal(problems(''), [
    'line 1, column (header): the file is empty: expected a header line with external_id,revision,sku,warehouse,period_start,granularity,quantity,lower,upper',
  ]);
  assert.match(
    problems('external_id,sku,warehouse,period_start,granularity,quantity\nF-1,S,WH,2026-11-30,week,3,9\n')[0] ?? '',
    /^line 2, column \(row: 7 fields for 6 columns\): Invalid Record Length/,
  );
  assert.match(
    problems('external_id,sku,warehouse,period_start,granularity,quantity\nF-1,"S,WH,2026-11-30,week,3\n')[0] ?? '',
    /^line 2, column sku: Quote Not Closed/,
  );
});

test('a well-formed CSV with empty cells gives absent fields; a proposal groups parameter and explanation columns', () => {
  const parsed = parseLinesCsv(
    'proposal',
    '\ufeffexternal_id,kind,sku,warehouse,quantity,min_qty,max_qty,on_hand,reason\nP-1,parameter,S,WH,,2,8,,\nP-2,purchase,S,WH,12.5,,,3,"low, and ""urgent"""\n',
  );
  assert.ok(parsed.ok);
  if (!parsed.ok) return;
  assert.equal(parsed.lines, [
    { external_id: 'P-1', kind: 'parameter', sku: 'S', warehouse: 'WH', parameter: { min_qty: 2, max_qty: 8 } },
    {
      external_id: 'P-2',
      kind: 'purchase',
      sku: 'S',
      warehouse: 'WH',
      quantity: 12.5,
      explanation: { on_hand: 3, reason: 'low, and "urgent"' },
    },
  ]);
  assert.equal(parsed.lineNumbers, [2, 3]);
});

// ---- import files ----

test('an import file: CSV by default, JSON as an array or {lines, generated_at}; a malformed JSON file is refused with where', () => {
  const csv = parseImportText(
    'run.csv',
    'external_id,sku,warehouse,period_start,granularity,quantity\nF-1,S,WH,2026-11-30,week,3\n',
    'forecast',
  );
  assert.ok(csv.ok && csv.format === 'csv' && csv.where[0] === 'line 2' && csv.generatedAt === false);
  const array = parseImportText('run.json', '[{"external_id": "F-1"}]', 'forecast');
  assert.ok(array.ok && array.format === 'json' && array.lines.length === 1 && array.where[0] === 'lines[0]');
  const wrapped = parseImportText('run.json', '{"lines": [{"external_id": "F-1"}], "generated_at": "2026-11-30T06:00:00Z"}', 'forecast');
  assert.ok(wrapped.ok && wrapped.generatedAt === '2026-11-30T06:00:00Z');
  const problems = (name: string, body: string) => {
    const r = parseImportText(name, body, 'forecast');
    return r.ok ? [] : r.problems;
  };
  assert.match(problems('run.json', '[{"external_id": "F-1"},\n {"sku": }]')[0] ?? '', /^line 2, column \d+: not valid JSON/);
  assert.equal(problems('run.json', '[{"external_id": "F-1"}, 5]'), ['lines[1]: expected an object, got 5']);
  assert.match(problems('run.json', '{"lines": [], "generated_at": "yesterday"}')[0] ?? '', /^generated_at: .*got "yesterday"/);
  assert.match(problems('run.json', '{"lines": [], "extra": 1}')[0] ?? '', /"extra": unknown key/);
  assert.match(problems('run.json', '"text"')[0] ?? '', /^\(root\)/);
});

test('a number out of range refuses the file in CSV and in JSON alike, naming the field and the value', () => {
  const header = 'external_id,sku,warehouse,period_start,granularity,quantity\n';
  const problems = (name: string, body: string) => {
    const r = parseImportText(name, body, 'forecast');
    return r.ok ? [] : r.problems;
  };
  // JSON.parse reads 1e400 as Infinity: refused, not imported as a line exception.
  assert.equal(problems('run.json', '[{"external_id": "F-1", "quantity": 1e400}]'), [
    'lines[0].quantity: out of range: numbers must lie within ±9007199254740991, got Infinity (a number beyond the range of a 64-bit float)',
  ]);
  assert.equal(problems('run.json', '[{"external_id": "F-1", "quantity": 1e308}]'), [
    'lines[0].quantity: out of range: numbers must lie within ±9007199254740991, got 1e+308',
  ]);
  assert.equal(problems('run.json', '{"lines": [{"external_id": "P-1", "parameter": {"max_qty": -1e400}}]}'), [
    'lines[0].parameter.max_qty: out of range: numbers must lie within ±9007199254740991, got -Infinity (a number beyond the range of a 64-bit float)',
  ]);
  // A key that is not a plain name is quoted, so the path stays unambiguous (found by the fuzz suite).
  assert.equal(problems('run.json', '[{"external_id": "F-1", "": 1e400, "a.b": {":": 1e308}}]'), [
    'lines[0][""]: out of range: numbers must lie within ±9007199254740991, got Infinity (a number beyond the range of a 64-bit float)',
    'lines[0]["a.b"][":"]: out of range: numbers must lie within ±9007199254740991, got 1e+308',
  ]);
  // CSV: the same refusal for the same numbers, written either way.
  assert.equal(problems('run.csv', `${header}F-1,S,WH,2026-11-30,week,1e308\n`), [
    'line 2, column quantity: out of range: numbers must lie within ±9007199254740991, got "1e308"',
  ]);
  assert.equal(problems('run.csv', `${header}F-1,S,WH,2026-11-30,week,1${'0'.repeat(400)}\n`).length, 1);
  assert.match(
    problems('run.csv', `${header}F-1,S,WH,2026-11-30,week,1${'0'.repeat(400)}\n`)[0] ?? '',
    /^line 2, column quantity: out of range/,
  );
  // Within range, both formats read the same value, exponent or not.
  const csv = parseImportText('run.csv', `${header}F-1,S,WH,2026-11-30,week,1.5e3\n`, 'forecast');
  const json = parseImportText(
    'run.json',
    '[{"external_id": "F-1", "sku": "S", "warehouse": "WH", "period_start": "2026-11-30", "granularity": "week", "quantity": 1.5e3}]',
    'forecast',
  );
  assert.ok(csv.ok && json.ok);
  if (csv.ok && json.ok) assert.equal(csv.lines, json.lines);
  assert.ok(
    parseImportText('run.csv', `${header}F-1,S,WH,2026-11-30,week,9007199254740991\n`, 'forecast').ok,
    'the bound itself is accepted',
  );
});

test('an empty external_id refuses the file (CSV and JSON): a line without its identity cannot be corrected or imported again', () => {
  const problems = (name: string, body: string) => {
    const r = parseImportText(name, body, 'forecast');
    return r.ok ? [] : r.problems;
  };
  assert.equal(
    problems(
      'run.csv',
      'external_id,sku,warehouse,period_start,granularity,quantity\nF-1,S,WH,2026-11-30,week,3\n,S,WH,2026-11-30,week,4\n',
    ),
    ["line 3, column external_id: empty: every line needs its external_id (the line's identity in Odoo)"],
  );
  assert.equal(problems('run.json', '[{"external_id": "F-1"}, {"external_id": ""}, {"sku": "S"}]'), [
    'lines[1].external_id: empty: every line needs its external_id (the line\'s identity in Odoo), got ""',
    "lines[2].external_id: empty: every line needs its external_id (the line's identity in Odoo), got nothing",
  ]);
});

test.run();
