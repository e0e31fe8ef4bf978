/**
 * Compares the envelopes that test/e2e/envelopes.real.ts wrote for each Odoo version (issue 12: the
 * same business facts give the same envelopes on 17, 18 and 19).
 *
 *   tsx scripts/compare-envelopes.ts DIR
 *
 * Each file `odoo-<major>.json` is normalised: database ids, sequences, times and picking names differ
 * between databases, not between versions; everything else (types, keys, SKUs, quantities, units,
 * definitions, vendor terms, states) must be equal. One difference of Odoo's own master data is set
 * aside, not of PlanSync's rendering: Odoo 19 has no "Partners" view location above Vendors and
 * Customers, so their full names lose that prefix. Prints one line per version compared with the
 * lowest, and `ENVELOPES: N passed, M failed`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ID_KEYS = /^(id|event_id|sequence|aggregate_id)$|_id$|_ids$/;
const TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?Z?)?$/;
const PICKING = /^[A-Z0-9]+\/(IN|OUT|INT|PICK|PACK)\/\d+$/;

export const normalise = (value: unknown, key = ''): unknown => {
  if (Array.isArray(value)) return value.map((v) => normalise(v, key));
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, normalise(v, k)]),
    );
  }
  if (typeof value === 'number' && ID_KEYS.test(key)) return '<id>';
  if (key === 'endpoint' && typeof value === 'string') return '<endpoint>'; // the test's own endpoint code
  if (typeof value === 'string' && TIME.test(value)) return '<time>';
  if (typeof value === 'string' && PICKING.test(value)) return '<picking>';
  if (typeof value === 'string' && /^product\.product:\d+$/.test(value)) return 'product.product:<id>';
  if (typeof value === 'string' && /^location/.test(key)) return value.replace(/^Partners\//, '');
  if (typeof value === 'string' && key === 'key') return value.replace(/:\d+$/, ':<id>'); // vendor terms: <vendor ref>:<template id>
  return value;
};

const identity = (e: Record<string, unknown>): string => {
  const aggregate = (e.aggregate ?? {}) as { key?: string; model?: string };
  return `${String(e.type)} ${aggregate.model ?? ''} ${aggregate.key ?? ''}`;
};

/** The envelopes by identity, in claim order: the n-th picking of a type is `… <picking> #n`. */
const load = (file: string): Map<string, unknown> => {
  const events = JSON.parse(readFileSync(file, 'utf8')) as Array<Record<string, unknown>>;
  const byIdentity = new Map<string, unknown>();
  const seen = new Map<string, number>();
  for (const e of events) {
    const normal = normalise(e) as Record<string, unknown>;
    const base = identity(normal);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    byIdentity.set(`${base} #${n}`, normal);
  }
  return byIdentity;
};

const diff = (a: unknown, b: unknown, path: string, out: string[]): void => {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) diff((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${path}.${k}`, out);
    return;
  }
  out.push(`${path}: ${JSON.stringify(a)} vs ${JSON.stringify(b)}`);
};

export const compareEnvelopes = (dir: string): number => {
  const files = readdirSync(dir)
    .filter((f) => /^odoo-\d+\.json$/.test(f))
    .sort((a, b) => parseInt(a.slice(5), 10) - parseInt(b.slice(5), 10));
  if (files.length < 2) {
    console.log(`envelopes: ${files.length} version(s) wrote envelopes in ${dir}: nothing to compare`);
    return 0;
  }
  const [first, ...rest] = files as [string, ...string[]];
  const reference = load(join(dir, first));
  let passed = 0;
  let failed = 0;
  for (const file of rest) {
    const other = load(join(dir, file));
    const out: string[] = [];
    for (const key of new Set([...reference.keys(), ...other.keys()])) {
      if (!reference.has(key)) out.push(`${key}: only on ${file}`);
      else if (!other.has(key)) out.push(`${key}: only on ${first}`);
      else diff(reference.get(key), other.get(key), key, out);
    }
    if (out.length === 0) {
      passed++;
      console.log(`envelopes: ${file} equals ${first} (${other.size} aggregates)`);
    } else {
      failed++;
      console.log(`envelopes: ${file} differs from ${first} in ${out.length} place(s):`);
      for (const line of out.slice(0, 30)) console.log(`  ${line}`);
    }
  }
  console.log(`ENVELOPES: ${passed} passed, ${failed} failed`);
  return failed ? 1 : 0;
};

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: tsx scripts/compare-envelopes.ts DIR');
    process.exit(2);
  }
  process.exit(compareEnvelopes(dir));
}
