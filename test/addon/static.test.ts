/**
 * The static checks of the addon family (scripts/check_addon.py over every module of odoo_addon/)
 * as uvu tests: one test per check group, each asserting that every item of the group passed, so
 * that a broken view, a missing data file or an access rule naming no model fails
 * `npm run test:unit`. The last tests prove that the checker itself can fail: they break a copy
 * of the family and expect the fault to be reported, including a core view that uses a field only
 * a feature module defines (the core never depends on a feature).
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
const ADDONS = join(ROOT, 'odoo_addon');
const MODULES = ['plansync', 'plansync_planning', 'plansync_inventory'] as const;
const GROUPS = [
  'python-compiles',
  'xml-parses',
  'manifest-data',
  'access-models',
  'view-fields',
  'xml-refs',
  'xml-dialect',
  'supported-versions',
] as const;

const runChecker = (...args: string[]): { status: number | null; items: CheckItem[]; stderr: string } => {
  const result = spawnSync('python3', [SCRIPT, ...args, '--json'], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
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

test('every module of the family is checked', () => {
  for (const module of MODULES) {
    assert.ok(
      report.items.some((item) => item.check === 'manifest-data' && item.detail.startsWith(`${module}/`)),
      `${module} was not checked`,
    );
  }
});

test('the checker exits 0 when every item passes', () => {
  assert.is(report.status, 0, report.stderr);
  assert.ok(
    report.items.every((item) => GROUPS.includes(item.check as (typeof GROUPS)[number])),
    'only known check groups',
  );
});

/** Copies the family to a temporary folder, applies ``edit`` to one file and runs the checker on the copy. */
const checkBroken = (file: string, edit: (text: string) => string): CheckItem[] => {
  const dir = mkdtempSync(join(tmpdir(), 'plansync-addon-'));
  try {
    const copy = join(dir, 'odoo_addon');
    cpSync(ADDONS, copy, { recursive: true, filter: (src) => !src.includes('__pycache__') });
    const path = join(copy, file);
    const original = readFileSync(path, 'utf8');
    const broken = edit(original);
    assert.is.not(broken, original, `${file} has the text to break`);
    writeFileSync(path, broken);
    const result = runChecker(copy);
    assert.is(result.status, 1, 'exit code 1 when an item fails');
    return result.items.filter((item) => !item.ok);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
};

test('a broken copy of a view is reported, with module, file, line and field', () => {
  const failed = checkBroken(join('plansync', 'views', 'plansync_endpoint_views.xml'), (text) =>
    text.replace('<field name="dead_count"/>', '<field name="no_such_field"/>'),
  );
  assert.is(failed.length, 1, JSON.stringify(failed));
  const [item] = failed;
  assert.is(item?.check, 'view-fields');
  assert.match(item?.detail ?? '', /plansync\/views\/plansync_endpoint_views\.xml:\d+ .*'no_such_field' of plansync\.endpoint/);
});

test('a core view that uses a field of a feature module is reported', () => {
  const failed = checkBroken(join('plansync', 'views', 'plansync_endpoint_views.xml'), (text) =>
    text.replace('<field name="dead_count"/>', '<field name="availability_basis"/>'),
  );
  assert.is(failed.length, 1, JSON.stringify(failed));
  assert.is(failed[0]?.check, 'view-fields');
  assert.match(failed[0]?.detail ?? '', /'availability_basis' of plansync\.endpoint does not exist/);
});

test('a core reference to an XML id of a feature module is reported', () => {
  const failed = checkBroken(join('plansync', 'views', 'menus.xml'), (text) =>
    text.replace('action="plansync_outbox_action"', 'action="plansync_planning.plansync_proposal_action"'),
  );
  assert.is(failed.length, 1, JSON.stringify(failed));
  assert.is(failed[0]?.check, 'xml-refs');
  assert.match(
    failed[0]?.detail ?? '',
    /plansync_planning\.plansync_proposal_action names plansync_planning, which plansync does not depend on/,
  );
});

test('a feature view may use a field and an XML id of the core', () => {
  const items = report.items.filter((item) => item.detail.startsWith('plansync_inventory/'));
  assert.ok(items.some((item) => item.check === 'xml-refs' && item.detail.includes('plansync.plansync_endpoint_view_form exists')));
  assert.ok(items.some((item) => item.check === 'view-fields' && /'kind' of plansync\.endpoint$/.test(item.detail)));
});

test('the views are checked with the fields PlanSync adds for every Odoo version', () => {
  // plansync_storable (17 detailed_type / 18+ is_storable) and plansync_uom_id (19 product_uom_id)
  for (const pattern of [
    /plansync_inventory\/views\/plansync_availability_views\.xml:\d+ .*'plansync_storable' of product\.template$/,
    /plansync_inventory\/views\/plansync_discrepancy_views\.xml:\d+ .*'plansync_uom_id' of sale\.order\.line$/,
    /plansync_planning\/views\/plansync_proposal_views\.xml:\d+ .*'plansync_uom_id' of purchase\.order\.line$/,
  ]) {
    assert.ok(
      report.items.some((item) => item.check === 'view-fields' && item.ok && pattern.test(item.detail)),
      String(pattern),
    );
  }
});

test('a view written in the Odoo 17 dialect (<tree>) is reported', () => {
  const failed = checkBroken(join('plansync_planning', 'views', 'plansync_run_views.xml'), (text) =>
    text.replace('<list', '<tree').replace('</list>', '</tree>'),
  );
  assert.is(failed.length, 1, JSON.stringify(failed));
  assert.is(failed[0]?.check, 'xml-dialect');
  assert.match(failed[0]?.detail ?? '', /plansync_planning\/views\/plansync_run_views\.xml: \d+: <tree> \(write <list>\)/);
});

test('a manifest version with an Odoo series is reported', () => {
  const failed = checkBroken(join('plansync_inventory', '__manifest__.py'), (text) =>
    text.replace('"version": "1.0.0"', '"version": "17.0.1.0.0"'),
  );
  assert.is(failed.length, 1, JSON.stringify(failed));
  assert.is(failed[0]?.check, 'xml-dialect');
  assert.match(failed[0]?.detail ?? '', /plansync_inventory\/__manifest__\.py: version '17\.0\.1\.0\.0' must be series-free/);
});

test('compat and scripts/odoo/versions.sh must support the same Odoo versions', () => {
  const item = report.items.find((i) => i.check === 'supported-versions');
  assert.ok(item?.ok, JSON.stringify(item));
  const failed = checkBroken(join('plansync', 'compat', '__init__.py'), (text) =>
    text.replace('SUPPORTED_MAJORS = (17, 18, 19)', 'SUPPORTED_MAJORS = (17, 18)'),
  );
  assert.is(failed.length, 1, JSON.stringify(failed));
  assert.is(failed[0]?.check, 'supported-versions');
  assert.match(failed[0]?.detail ?? '', /SUPPORTED_MAJORS \(17, 18\), scripts\/odoo\/versions\.sh PLANSYNC_SUPPORTED \(17, 18, 19\)/);
});

test.run();
