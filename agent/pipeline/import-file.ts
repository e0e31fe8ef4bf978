/**
 * An import file for `plansync import` (docs/planning.md): CSV (docs/csv.md) or JSON (an array of
 * lines, or `{"lines": [...], "generated_at": "…"}`), read into lines before anything is sent. A file
 * that cannot be read as such is refused whole, each problem naming where it is.
 *
 * `parseImportText` is pure (name and text in); `readImportFile` adds the file system.
 */
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import type { ImportKind } from '../../shared-types/index.ts';
import { describeProblem, EMPTY_EXTERNAL_ID, numberProblem, parseLinesCsv } from '../targets/planning/csv-lines.ts';

export type ImportFile =
  | {
      readonly ok: true;
      readonly format: 'csv' | 'json';
      readonly lines: readonly unknown[];
      /** Where each line is, for messages: `line 3` (CSV) or `lines[2]` (JSON). */
      readonly where: readonly string[];
      readonly generatedAt: string | false;
    }
  | { readonly ok: false; readonly problems: readonly string[] };

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** Line and column of a character position in `text` (1-based). */
const position = (text: string, at: number): { line: number; column: number } => {
  const before = text.slice(0, at).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1 };
};

/**
 * Where JSON.parse failed: `at position N` (Node 22), or found from the excerpt Node 20 quotes
 * (`Unexpected token '}', ..."{"sku": }]" is not valid JSON`).
 */
const errorPosition = (text: string, message: string): number | undefined => {
  const at = /position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  const quoted = /^Unexpected token '(.)', (?:\.\.\.)?"([\s\S]*?)"(?:\.\.\.)? is not valid JSON$/.exec(message);
  if (!quoted?.[1] || quoted[2] === undefined) return undefined;
  const excerpt = quoted[2].replace(/\.\.\.$/, '');
  const start = text.indexOf(excerpt);
  if (start < 0 || text.indexOf(excerpt, start + 1) >= 0) return undefined;
  const offset = excerpt.indexOf(quoted[1]);
  return offset < 0 ? undefined : start + offset;
};

/**
 * Numbers the file cannot carry (JSON.parse reads `1e400` as Infinity), wherever they are in a line:
 * refused as CSV refuses them, naming the field and the value as read.
 */
const badNumbers = (value: unknown, path: string): string[] => {
  if (typeof value === 'number') {
    const problem = numberProblem(value);
    return problem
      ? [
          `${path}: ${problem}, got ${Number.isFinite(value) ? String(value) : `${String(value)} (a number beyond the range of a 64-bit float)`}`,
        ]
      : [];
  }
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value as Record<string, unknown>).flatMap(([key, inner]) =>
    badNumbers(inner, Array.isArray(value) ? `${path}[${key}]` : `${path}${keyPath(key)}`),
  );
};

/** `.key` for a plain key, `["a key"]` (JSON-quoted) for any other: the path stays readable and unambiguous. */
const keyPath = (key: string): string => (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`);

const parseJson = (text: string): ImportFile => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const at = errorPosition(text, message);
    const where = at === undefined ? undefined : position(text, at);
    return { ok: false, problems: [`${where ? `line ${where.line}, column ${where.column}: ` : ''}not valid JSON (${message})`] };
  }
  let lines: unknown;
  let generatedAt: unknown = false;
  if (Array.isArray(value)) lines = value;
  else if (value !== null && typeof value === 'object' && 'lines' in value) {
    const object = value as Record<string, unknown>;
    lines = object.lines;
    generatedAt = object.generated_at ?? false;
    const extra = Object.keys(value).filter((k) => k !== 'lines' && k !== 'generated_at');
    if (extra.length > 0)
      return {
        ok: false,
        problems: [
          `${extra.map((k) => JSON.stringify(k)).join(', ')}: unknown key (the file is an array of lines or {"lines": [...], "generated_at": "…"})`,
        ],
      };
  } else return { ok: false, problems: ['(root): expected an array of lines or {"lines": [...], "generated_at": "…"}'] };
  if (!Array.isArray(lines)) return { ok: false, problems: [`lines: expected an array, got ${JSON.stringify(lines)?.slice(0, 60)}`] };
  if (generatedAt !== false && !(typeof generatedAt === 'string' && ISO_UTC.test(generatedAt) && !Number.isNaN(Date.parse(generatedAt)))) {
    return {
      ok: false,
      problems: [`generated_at: expected an ISO 8601 UTC time YYYY-MM-DDTHH:MM:SSZ or false, got ${JSON.stringify(generatedAt)}`],
    };
  }
  const problems = lines.flatMap((line, i) => {
    if (line === null || typeof line !== 'object' || Array.isArray(line))
      return [`lines[${i}]: expected an object, got ${JSON.stringify(line)?.slice(0, 60)}`];
    const id = (line as Record<string, unknown>).external_id;
    const found =
      id === undefined || id === '' || id === null
        ? [`lines[${i}].external_id: ${EMPTY_EXTERNAL_ID}, got ${JSON.stringify(id) ?? 'nothing'}`]
        : [];
    return [...found, ...badNumbers(line, `lines[${i}]`)];
  });
  if (problems.length > 0) return { ok: false, problems: problems.slice(0, 20) };
  return { ok: true, format: 'json', lines, where: lines.map((_, i) => `lines[${i}]`), generatedAt: generatedAt };
};

/** Parse the text of an import file; JSON when the name ends in .json or the text starts with `[` or `{`. */
export const parseImportText = (name: string, text: string, kind: ImportKind): ImportFile => {
  const json = extname(name).toLowerCase() === '.json' || /^\s*[[{]/.test(text);
  if (json) return parseJson(text);
  const parsed = parseLinesCsv(kind, text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems.map(describeProblem) };
  return { ok: true, format: 'csv', lines: parsed.lines, where: parsed.lineNumbers.map((n) => `line ${n}`), generatedAt: false };
};

export const readImportFile = (path: string, kind: ImportKind): ImportFile => {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { ok: false, problems: [`cannot read ${JSON.stringify(path)}: ${(error as Error).message}`] };
  }
  return parseImportText(path, text, kind);
};

/** The default run reference of a file: its name without the extension (`proposals_R-7.csv` → `proposals_R-7`). */
export const refOfFile = (path: string): string => basename(path, extname(path));
