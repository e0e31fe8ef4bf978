import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareEnvelopes, normalise } from '../../scripts/compare-envelopes.ts';

const test = suite('compare-envelopes: the same facts on two Odoo versions');

const level = (id: number, seq: number, available: number, at: string) => ({
  id,
  type: 'stock.level',
  sequence: seq,
  occurred_at: at,
  aggregate: { model: 'product.product', id: id + 100, key: 'ENV-CHAIR@WH' },
  payload: {
    product: { id: id + 100, sku: 'ENV-CHAIR' },
    warehouse: { id: 1, code: 'WH' },
    available,
    computed_at: at,
    definition: { id: 3, version: 1 },
  },
});

test('database ids, sequences and times are set aside; SKUs and quantities are kept', () => {
  const a = normalise(level(1, 10, 26, '2026-12-07T10:00:00Z'));
  const b = normalise(level(7, 99, 26, '2027-01-01T00:00:00Z'));
  assert.equal(a, b);
  assert.not.equal(normalise(level(1, 10, 26, '2026-12-07T10:00:00Z')), normalise(level(1, 10, 25, '2026-12-07T10:00:00Z')));
});

test('equal files pass, a quantity that differs fails with its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'envelopes-'));
  const logs: string[] = [];
  const log = console.log;
  console.log = (line: string) => logs.push(line);
  try {
    writeFileSync(join(dir, 'odoo-17.json'), JSON.stringify([level(1, 1, 26, '2026-12-07T10:00:00Z')]));
    writeFileSync(join(dir, 'odoo-18.json'), JSON.stringify([level(5, 4, 26, '2026-12-08T10:00:00Z')]));
    assert.is(compareEnvelopes(dir), 0);
    writeFileSync(join(dir, 'odoo-19.json'), JSON.stringify([level(9, 2, 24, '2026-12-09T10:00:00Z')]));
    assert.is(compareEnvelopes(dir), 1);
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  assert.ok(
    logs.some((l) => l.includes('payload.available: 26 vs 24')),
    logs.join('\n'),
  );
  assert.ok(logs.includes('ENVELOPES: 1 passed, 1 failed'), logs.join('\n'));
});

test.run();
