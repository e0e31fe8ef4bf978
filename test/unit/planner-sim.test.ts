import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ProposalLine } from '../../shared-types/index.ts';
import { plan } from '../../agent/planner/index.ts';
import {
  actualLeadDays,
  calibrate,
  ddmrpPolicy,
  KNOBS,
  makeWorld,
  minMaxPolicy,
  plannerPolicy,
  simulate,
  snapshotItems,
  type SimResult,
} from '../../scripts/sim/index.ts';

// A tiny world: 12 SKUs, 60 weeks of history, 2 weeks of warm-up, 6 measured weeks.
const TINY = { seed: 11, skus: 12, vendors: 3, historyWeeks: 60, warmupWeeks: 2, simWeeks: 6 };

const invariants = (r: SimResult): void => {
  assert.ok(r.fillRate >= 0 && r.fillRate <= 1, `fill rate ${r.fillRate}`);
  for (const [kind, rate] of Object.entries(r.byKind)) assert.ok(rate >= 0 && rate <= 1, `${kind} fill rate ${rate}`);
  assert.ok(r.minOnHand >= 0, `stock went negative: ${r.minOnHand}`);
  assert.ok(r.shipped <= r.demanded + 1e-9);
  assert.ok(Math.abs(r.lostUnits - (r.demanded - r.shipped)) < 1e-9);
  assert.ok(r.averageInventoryValue >= 0 && Number.isFinite(r.averageInventoryValue));
  assert.ok(r.stockoutDays >= 0 && r.stockoutDays <= TINY.skus * TINY.simWeeks * 7);
  assert.ok(Number.isInteger(r.orders) && r.orders >= 0);
};

test('every policy keeps the invariants: fill rate in [0, 1], stock never negative, lost = demanded − shipped', () => {
  const world = makeWorld(TINY);
  assert.ok(world.skus.length === 12 && world.days === (60 + 2 + 6) * 7);
  for (const policy of [plannerPolicy(1.645), minMaxPolicy(1), minMaxPolicy(1, 2), ddmrpPolicy(1)]) invariants(simulate(world, policy));
});

test('the same seed gives the same world and the same results; another seed does not', () => {
  const a = simulate(makeWorld(TINY), plannerPolicy(1));
  const b = simulate(makeWorld(TINY), plannerPolicy(1));
  assert.equal(a, b);
  assert.equal(simulate(makeWorld(TINY), minMaxPolicy(2)), simulate(makeWorld(TINY), minMaxPolicy(2)));
  const other = simulate(makeWorld({ ...TINY, seed: 12 }), plannerPolicy(1));
  assert.is.not(other.demanded, a.demanded);
  // Common random numbers: an order of a SKU placed on a day takes the same time under any policy.
  const world = makeWorld(TINY);
  assert.is(actualLeadDays(world, world.skus[3]!, 430), actualLeadDays(makeWorld(TINY), world.skus[3]!, 430));
});

test('more stock, better service: the knobs move fill rate and inventory the same way', () => {
  const world = makeWorld(TINY);
  const low = simulate(world, minMaxPolicy(0.5));
  const high = simulate(world, minMaxPolicy(6));
  assert.ok(high.fillRate >= low.fillRate && high.averageInventoryValue > low.averageInventoryValue);
  const lean = simulate(world, plannerPolicy(0));
  const safe = simulate(world, plannerPolicy(3));
  assert.ok(safe.averageInventoryValue > lean.averageInventoryValue);
});

test('calibration returns a knob whose fill rate reaches the target, or says it could not', () => {
  const world = makeWorld(TINY);
  const c = calibrate(world, KNOBS.minmax, 0.9, 5);
  invariants(c.result);
  if (c.reached) assert.ok(c.result.fillRate >= 0.9, `${c.result.fillRate}`);
  else assert.is(c.knob, KNOBS.minmax.hi);
  assert.ok(c.runs <= 7);
});

test("the benchmark's snapshot plans into valid lines", () => {
  const items = snapshotItems(5, 20, 2, 60);
  assert.is(items.length, 40);
  const result = plan({ as_of: '2026-12-02', history_start: '2025-10-06', weeks: 60 }, items, { runRef: 'T' });
  for (const p of result.proposals) ProposalLine.parse(p);
  assert.is(result.items.length, 40);
});

test.run();
