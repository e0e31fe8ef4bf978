import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  clean,
  maseScale,
  safetyStock,
  select,
  sumOver,
  windowOf,
  zScore,
  leadTimeOf,
  roundOrder,
  reviewPolicy,
  ceilTo,
  classify,
} from '../../agent/planner/index.ts';

const OPTIONS = { stockoutDays: 4, lowSalesShare: 0.5, outlierK: 10 };

/** A small deterministic generator (mulberry32). */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};

test('MASE scale: the mean absolute week-to-week change, guarded when the series never changes', () => {
  assert.is(maseScale(clean([2, 4, 4, 1], [], OPTIONS)), (2 + 0 + 3) / 3);
  assert.is(maseScale(clean([5, 5, 5, 5], [], OPTIONS)), 5, 'constant: the mean absolute demand');
  assert.is(maseScale(clean([0, 0, 0], [], OPTIONS)), 1, 'no demand: 1');
  assert.is(maseScale(clean([2, 0, 9, 4], [0, 7, 0, 0], OPTIONS)), (7 + 5) / 2, 'a missing week is skipped, not a change to 0');
});

test('backtest window: origins over the last N weeks with a full horizon, after the training weeks', () => {
  const s = clean(
    Array.from({ length: 156 }, () => 1),
    [],
    OPTIONS,
  );
  assert.equal(windowOf(s, 2.5, 26, 13), { from: 156 - 3 - 26 + 1, to: 153, h: 3 });
  assert.equal(windowOf(s, 0, 26, 13), { from: 130, to: 155, h: 1 }, 'horizon at least 1 week');
  const short = clean([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6], [], OPTIONS);
  const w = windowOf(short, 1, 26, 13);
  assert.ok(w.from > w.to, 'too short: no origin');
  assert.is(select(short, 'smooth', w).backtested, false);
});

test('selection: a strongly seasonal series gets Holt–Winters, an intermittent one an intermittent method', () => {
  const r = rng(7);
  const seasonal = Array.from({ length: 156 }, (_, t) => Math.round(100 + 60 * Math.sin((2 * Math.PI * t) / 52) + 10 * (r() - 0.5)));
  const s = clean(seasonal, [], OPTIONS);
  const chosen = select(s, classify(s).demandClass, windowOf(s, 4, 26, 13));
  assert.is(chosen.chosen.candidate.method, 'holt_winters');
  assert.ok(chosen.chosen.mase < chosen.naiveMase, `beats naive: ${chosen.chosen.mase} < ${chosen.naiveMase}`);

  const sparse = Array.from({ length: 156 }, () => (r() < 0.2 ? 1 + Math.floor(r() * 4) : 0));
  const i = clean(sparse, [], OPTIONS);
  const klass = classify(i).demandClass;
  assert.ok(klass === 'intermittent' || klass === 'lumpy', klass);
  const picked = select(i, klass, windowOf(i, 2, 26, 13));
  assert.ok(['croston', 'sba', 'tsb'].includes(picked.chosen.candidate.method), picked.chosen.candidate.method);
  assert.ok(Number.isFinite(picked.chosen.mase) && Number.isFinite(picked.chosen.rmse));
});

test('z: the normal quantile of the service level, refined to within 1e-5 where it matters', () => {
  for (const [p, z] of [
    [0.8, 0.8416212335729143],
    [0.9, 1.2815515655446004],
    [0.95, 1.6448536269514722],
    [0.98, 2.053748910631823],
    [0.99, 2.3263478740408408],
  ] as const) {
    assert.ok(Math.abs(zScore(p) - z) < 1e-4, `z(${p}) = ${zScore(p)}, not ${z}`);
  }
  assert.ok(Math.abs(zScore(0.9999) - 3.719016485455709) < 1e-3);
  assert.is(zScore(0.5), 0);
  assert.is(zScore(0.2), 0, 'below 0.5: no safety stock');
  assert.is(zScore(Number.NaN), 0);
});

test('safety stock = z·√(L·σd² + d²·σL²), and the demand over a fractional lead time', () => {
  // z 2, L 4 weeks, σd 3, d 10, σL 0.5: 2·√(4·9 + 100·0.25) = 2·√61
  assert.ok(Math.abs(safetyStock(2, 4, 3, 10, 0.5) - 2 * Math.sqrt(61)) < 1e-12);
  assert.is(safetyStock(0, 4, 3, 10, 0.5), 0);
  assert.is(safetyStock(2, Number.NaN, 3, 10, 0.5), 0);
  const path = Float64Array.from([1, 2, 3]);
  assert.is(sumOver(path, 0, 2.5), 1 + 2 + 1.5);
  assert.is(sumOver(path, 1, 4), 2 + 3 + 3 + 3, 'past the path its last week repeats');
  assert.is(sumOver(path, 0, 0), 0);
});

test('lead time: transfer route, then measured receipts (≥ 3), then vendor terms, then the default', () => {
  const vendor = { code: 'V', partner_id: 1, lead_time_days: 21, min_qty: 0, multiple: false as const, price: 1, currency: 'EUR' };
  const measured = { samples: 3, mean_days: 12, std_days: 4, mean_delay_days: 0 };
  assert.equal(leadTimeOf({ resupply_from: { warehouse: 'C', lead_time_days: 2 }, lead_time: measured, vendor }, 3, 14), {
    days: 2,
    sdDays: 0,
    source: 'transfer',
  });
  assert.equal(leadTimeOf({ resupply_from: false, lead_time: measured, vendor }, 3, 14), { days: 12, sdDays: 4, source: 'measured' });
  assert.equal(leadTimeOf({ resupply_from: false, lead_time: { ...measured, samples: 2 }, vendor }, 3, 14), {
    days: 21,
    sdDays: 0,
    source: 'terms',
  });
  assert.equal(leadTimeOf({ resupply_from: false, lead_time: false, vendor: false }, 3, 14), { days: 14, sdDays: 0, source: 'default' });
});

test('policy and rounding: order S − IP when IP ≤ ROP, up to the minimum, then the multiple', () => {
  assert.equal(reviewPolicy({ overLead: 20, overLeadAndReview: 30, safetyStock: 5, onHand: 10, incoming: 10, outgoing: 0 }), {
    reorderPoint: 25,
    orderUpTo: 35,
    position: 20,
    raw: 15,
  });
  assert.is(
    reviewPolicy({ overLead: 20, overLeadAndReview: 30, safetyStock: 5, onHand: 30, incoming: 0, outgoing: 0 }).raw,
    0,
    'above the reorder point',
  );
  assert.equal(roundOrder(15, 20, 6), { quantity: 24, toMinimum: true, toMultiple: true });
  assert.equal(roundOrder(24, 20, 6), { quantity: 24, toMinimum: false, toMultiple: false });
  assert.equal(roundOrder(7.2, 0, false), { quantity: 8, toMinimum: false, toMultiple: false });
  assert.equal(
    roundOrder(7.2, 0, 0.5),
    { quantity: 7.5, toMinimum: false, toMultiple: false },
    'a finer multiple than 1 is not a rounding worth a flag',
  );
  assert.is(ceilTo(0.30000000000000004, 0.1), 0.3, 'floating-point dust does not add a step');
  assert.is(ceilTo(2.41, 1.2), 3.6);
});

test.run();
