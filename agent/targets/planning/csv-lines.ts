/**
 * Inbound CSV files of the planning loop (docs/csv.md, "In"): forecasts and proposals, one line per
 * row, parsed into the objects that shared-types' ForecastLine / ProposalLine validate.
 *
 * Pure: text in, lines or problems out. A file that cannot be parsed (bad quoting, a row with more or
 * fewer fields than the header, an unknown, doubled or missing required column, a value of the wrong
 * type: `abc` for a number, `2026-13-40` for a date, `weekly` for a granularity; a number beyond
 * ±MAX_MAGNITUDE; an empty external_id) is refused whole, each
 * problem naming the line and the column. A well-formed row whose content is wrong (a negative
 * quantity, an empty sku) is not the parser's business: the line validation of the import makes it an
 * exception and the rest of the file goes on.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { isCalendarDate, type ImportKind } from '../../../shared-types/index.ts';

type ColumnType = 'string' | 'integer' | 'number' | 'date' | readonly string[];

interface Column {
  readonly name: string;
  readonly type: ColumnType;
  /** Must be in the header. */
  readonly required?: boolean;
  /** Where the value goes in the line object (default: the column name at the top level). */
  readonly into?: 'parameter' | 'explanation';
}

export const FORECAST_COLUMNS: readonly Column[] = [
  { name: 'external_id', type: 'string', required: true },
  { name: 'revision', type: 'integer' },
  { name: 'sku', type: 'string', required: true },
  { name: 'warehouse', type: 'string', required: true },
  { name: 'period_start', type: 'date', required: true },
  { name: 'granularity', type: ['week', 'month'], required: true },
  { name: 'quantity', type: 'number', required: true },
  { name: 'lower', type: 'number' },
  { name: 'upper', type: 'number' },
];

export const PROPOSAL_COLUMNS: readonly Column[] = [
  { name: 'external_id', type: 'string', required: true },
  { name: 'revision', type: 'integer' },
  { name: 'kind', type: ['purchase', 'transfer', 'parameter'], required: true },
  { name: 'sku', type: 'string', required: true },
  { name: 'warehouse', type: 'string', required: true },
  { name: 'vendor', type: 'string' },
  { name: 'source_warehouse', type: 'string' },
  { name: 'quantity', type: 'number' },
  { name: 'uom', type: 'string' },
  { name: 'order_by', type: 'date' },
  { name: 'need_by', type: 'date' },
  { name: 'value', type: 'number' },
  { name: 'min_qty', type: 'number', into: 'parameter' },
  { name: 'max_qty', type: 'number', into: 'parameter' },
  { name: 'safety_stock', type: 'number', into: 'parameter' },
  { name: 'forecast_over_lead_time', type: 'number', into: 'explanation' },
  { name: 'on_hand', type: 'number', into: 'explanation' },
  { name: 'on_order', type: 'number', into: 'explanation' },
  { name: 'lead_time_days', type: 'number', into: 'explanation' },
  { name: 'service_level', type: 'number', into: 'explanation' },
  { name: 'reason', type: 'string', into: 'explanation' },
];

export const columnsOf = (kind: ImportKind): readonly Column[] => (kind === 'forecast' ? FORECAST_COLUMNS : PROPOSAL_COLUMNS);

export interface CsvProblem {
  /** 1-based line of the file (the header is line 1). */
  readonly line: number;
  /** The column's name, or `(field N)` for a field beyond the header. */
  readonly column: string;
  readonly message: string;
}

export type CsvLines =
  | { readonly ok: true; readonly lines: Array<Record<string, unknown>>; /** The file line of each line. */ readonly lineNumbers: number[] }
  | { readonly ok: false; readonly problems: CsvProblem[] };

/** `line 3, column quantity: expected a number, got "abc"`. */
export const describeProblem = (p: CsvProblem): string => `line ${p.line}, column ${p.column}: ${p.message}`;

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * The largest magnitude a number of an import may have: 2^53 - 1, beyond which a double no longer
 * counts units exactly (and Odoo's rounding of a quantity to a packaging overflows long before
 * infinity). CSV and JSON imports refuse the file on a number beyond it, naming the field and the value.
 */
export const MAX_MAGNITUDE = Number.MAX_SAFE_INTEGER;

/** Why a number read from a file cannot be imported, or undefined when it can. */
export const numberProblem = (value: number): string | undefined =>
  Number.isFinite(value) && Math.abs(value) <= MAX_MAGNITUDE ? undefined : `out of range: numbers must lie within ±${MAX_MAGNITUDE}`;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_PROBLEMS = 20;

/** Every line needs its identity: without it the line can be neither imported again idempotently nor corrected by its sender. */
export const EMPTY_EXTERNAL_ID = "empty: every line needs its external_id (the line's identity in Odoo)";

const convert = (type: ColumnType, text: string): { ok: true; value: unknown } | { ok: false; message: string } => {
  const got = `got ${JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}…` : text)}`;
  if (Array.isArray(type))
    return type.includes(text) ? { ok: true, value: text } : { ok: false, message: `expected one of ${type.join(', ')}, ${got}` };
  switch (type) {
    case 'string':
      return { ok: true, value: text };
    case 'integer':
    case 'number': {
      if (!(type === 'integer' ? INTEGER : NUMBER).test(text))
        return {
          ok: false,
          message: type === 'integer' ? `expected an integer, ${got}` : `expected a number with a . decimal point, ${got}`,
        };
      const value = Number(text);
      const problem = numberProblem(value);
      return problem ? { ok: false, message: `${problem}, ${got}` } : { ok: true, value };
    }
    case 'date':
      return DATE.test(text) && isCalendarDate(text)
        ? { ok: true, value: text }
        : { ok: false, message: `expected a date YYYY-MM-DD, ${got}` };
    default:
      return { ok: false, message: `unknown column type (${got})` };
  }
};

interface CsvParseError extends Error {
  readonly code?: string;
  readonly lines?: number;
  readonly column?: number | string;
}

/** The header's names as well as they can be read (to name the column of a parse error). */
const headerOf = (text: string): string[] => {
  try {
    const rows: unknown = parse(text.split('\n', 1)[0] ?? '', { bom: true, relax_quotes: true, relax_column_count: true });
    return Array.isArray(rows) && Array.isArray(rows[0]) ? (rows[0] as string[]) : [];
  } catch {
    return [];
  }
};

/** Parse an inbound CSV file of `kind` into lines, or every problem that refuses it (up to 20). */
export const parseLinesCsv = (kind: ImportKind, text: string): CsvLines => {
  const columns = columnsOf(kind);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, relax_column_count: false }) as unknown as Array<{
      record: string[];
      info: { lines: number };
    }>;
  } catch (thrown) {
    const error = thrown as CsvParseError;
    const header = headerOf(text);
    const index = typeof error.column === 'number' ? error.column : -1;
    const column =
      error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? `(row: ${index} fields for ${header.length} columns)`
        : index >= 0 && index < header.length
          ? (header[index] ?? '')
          : '(row)';
    const message = (error.message || String(thrown)).replace(/\s+/g, ' ');
    return { ok: false, problems: [{ line: error.lines ?? 0, column, message }] };
  }
  const [head, ...rows] = records;
  if (!head)
    return {
      ok: false,
      problems: [
        { line: 1, column: '(header)', message: `the file is empty: expected a header line with ${columns.map((c) => c.name).join(',')}` },
      ],
    };
  const problems: CsvProblem[] = [];
  const known = new Map(columns.map((c) => [c.name, c]));
  const seen = new Set<string>();
  for (const name of head.record) {
    // a name that is blank or holds separators is quoted, so that the message still shows where it is
    if (!known.has(name))
      problems.push({
        line: 1,
        column: /^[\w.-]+$/.test(name) ? name : JSON.stringify(name),
        message: `unknown column (a ${kind} file has ${columns.map((c) => c.name).join(', ')})`,
      });
    else if (seen.has(name)) problems.push({ line: 1, column: name, message: 'column given twice' });
    seen.add(name);
  }
  for (const column of columns)
    if (column.required && !seen.has(column.name)) problems.push({ line: 1, column: column.name, message: 'required column missing' });
  if (problems.length > 0) return { ok: false, problems };

  const lines: Array<Record<string, unknown>> = [];
  const lineNumbers: number[] = [];
  for (const { record, info } of rows) {
    const line: Record<string, unknown> = {};
    const nested: Record<'parameter' | 'explanation', Record<string, unknown>> = { parameter: {}, explanation: {} };
    head.record.forEach((name, index) => {
      const column = known.get(name) as Column;
      const text = record[index] ?? '';
      if (text === '') return; // empty: absent
      const value = convert(column.type, text);
      if (!value.ok) {
        if (problems.length < MAX_PROBLEMS) problems.push({ line: info.lines, column: name, message: value.message });
        return;
      }
      if (column.into) nested[column.into][name] = value.value;
      else line[name] = value.value;
    });
    for (const into of ['parameter', 'explanation'] as const) if (Object.keys(nested[into]).length > 0) line[into] = nested[into];
    if (line.external_id === undefined && problems.length < MAX_PROBLEMS)
      problems.push({ line: info.lines, column: 'external_id', message: EMPTY_EXTERNAL_ID });
    lines.push(line);
    lineNumbers.push(info.lines);
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, lines, lineNumbers };
};

const cell = (value: unknown): string => {
  if (value === undefined || value === false || value === null) return '';
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
};

/** The CSV file of `kind` for these lines (every column, in the order of docs/csv.md). */
export const linesToCsv = (kind: ImportKind, lines: ReadonlyArray<Record<string, unknown>>): string => {
  const columns = columnsOf(kind);
  const rows = lines.map((line) =>
    columns.map((c) => {
      const from = c.into ? (line[c.into] as Record<string, unknown> | false | undefined) : line;
      return cell(from ? from[c.name] : undefined);
    }),
  );
  return stringify(rows, { header: true, columns: columns.map((c) => c.name), record_delimiter: 'unix' });
};
