/**
 * The addon's static checks (scripts/check_addon.py) as uvu tests: one test per check group, each
 * asserting that every item of the group passed, so that a broken view, a missing data file or an
 * access rule naming no model fails `npm run test:unit`. The last test proves that the checker
 * itself can fail: it breaks a copy of a view and expects the field to be reported.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

interface CheckItem {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'check_addon.py');
const ADDON = join(ROOT, 'odoo_addon', 'plansync');
const GROUPS = ['python-compiles', 'xml-parses', 'manifest-data', 'access-models', 'view-fields', 'xml-refs'] as const;

const runChecker = (...args: string[]): { status: number | null; items: CheckItem[]; stderr: string } => {
  const result = spawnSync('python3', [SCRIPT, ...args, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (result.error) throw result.error;
  let items: CheckItem[] = [];
  try {
    items = JSON.parse(result.stdout) as CheckItem[];
  } catch {
    throw new Error(`check_addon.py printed no JSON (exit ${String(result.status)}): ${result.stderr.slice(0, 2000)}`);
  }
  return { status: result.status, items, stderr: result.stderr };
};

const report = runChecker();
const test = suite('addon static checks');

for (const group of GROUPS) {
  test(`${group}: every item passes`, () => {
    const items = report.items.filter((item) => item.check === group);
    assert.ok(items.length > 0, `no item was checked for ${group}`);
    const failed = items.filter((item) => !item.ok).map((item) => item.detail);
    assert.equal(failed, [], `${group} failed:\n${failed.join('\n')}`);
  });
}

test('the checker exits 0 when every item passes', () => {
  assert.is(report.status, 0, report.stderr);
  assert.ok(report.items.every((item) => GROUPS.includes(item.check as (typeof GROUPS)[number])), 'only known check groups');
});

test('a broken copy of a view is reported, with file, line and field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plansync-addon-'));
  try {
    const copy = join(dir, 'plansync');
    cpSync(ADDON, copy, { recursive: true, filter: (src) => !src.includes('__pycache__') });
    const view = join(copy, 'views', 'plansync_endpoint_views.xml');
    const original = readFileSync(view, 'utf8');
    const broken = original.replace('<field name="dead_count"/>', '<field name="no_such_field"/>');
    assert.is.not(broken, original, 'the view has the field to break');
    writeFileSync(view, broken);
    const result = runChecker(copy);
    assert.is(result.status, 1, 'exit code 1 when an item fails');
    const failed = result.items.filter((item) => !item.ok);
    assert.is(failed.length, 1, JSON.stringify(failed));
    const [item] = failed;
    assert.is(item?.check, 'view-fields');
    assert.match(item?.detail ?? '', /views\/plansync_endpoint_views\.xml:\d+ .*'no_such_field' of plansync\.endpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
