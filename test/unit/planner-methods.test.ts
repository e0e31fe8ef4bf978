import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { backtest, candidate, classify, classOf, clean, run, type SeriesView } from '../../agent/planner/index.ts';

/** A series as the methods see it, from week 0 (no trimming), every week observed unless listed. */
const view = (values: readonly number[], missing: readonly number[] = []): SeriesView => {
  const y = Float64Array.from(values);
  const ok = new Uint8Array(values.length).fill(1);
  for (const i of missing) ok[i] = 0;
  let observed = 0;
  let nonZero = 0;
  let sum = 0;
  values.forEach((v, i) => {
    if (ok[i] !== 1) return;
    observed++;
    if (v > 0) {
      nonZero++;
      sum += v;
    }
  });
  return { y, ok, n: values.length, start: 0, sizeMean: nonZero ? sum / nonZero : 0, interval: nonZero ? observed / nonZero : 0 };
};

const close = (actual: number, expected: number, message: string, eps = 1e-9): void => {
  assert.ok(Math.abs(actual - expected) <= eps, `${message}: ${actual} ≠ ${expected}`);
};

const fittedOf = (c: ReturnType<typeof candidate>, s: SeriesView): { fitted: number[]; final: number } => {
  const fitted = new Float64Array(s.n);
  const path = new Float64Array(3);
  run(c, s, null, path, fitted);
  return { fitted: Array.from(fitted), final: path[0]! };
};

// The hand-worked series: 8 weeks, demand in weeks 1, 4 and 6.
const SERIES = [0, 3, 0, 0, 5, 0, 2, 0];

test('Croston by hand (α = β = 0.1, started at the first demand)', () => {
  // q counts the weeks since the last demand (the first interval counts from the start).
  // week 0: y=0, no demand yet                      → forecast 0
  // week 1: y=3, first demand: z = 3, p = q = 2      → z/p = 1.5
  // week 2: y=0 (q=1); week 3: y=0 (q=2)
  // week 4: y=5, q=3: z = 3 + 0.1·(5 − 3) = 3.2
  //                   p = 2 + 0.1·(3 − 2) = 2.1       → 3.2/2.1 = 1.5238095…
  // week 5: y=0 (q=1)
  // week 6: y=2, q=2: z = 3.2 + 0.1·(2 − 3.2) = 3.08
  //                   p = 2.1 + 0.1·(2 − 2.1) = 2.09  → 3.08/2.09 = 1.4736842…
  // week 7: y=0                                       → the forecast stays 1.4736842…
  const { fitted, final } = fittedOf(candidate('croston', { alpha: 0.1, beta: 0.1, init: 'first' }), view(SERIES));
  const expected = [0, 0, 1.5, 1.5, 1.5, 3.2 / 2.1, 3.2 / 2.1, 3.08 / 2.09];
  expected.forEach((e, t) => close(fitted[t]!, e, `one-step forecast of week ${t}`));
  close(final, 1.4736842105263157, 'forecast after week 7');
});

test('SBA by hand: Croston × (1 − β/2) = × 0.95', () => {
  // 1.5 × 0.95 = 1.425; 1.5238095 × 0.95 = 1.4476190; 1.4736842 × 0.95 = 2.926/2.09 = 1.4
  const { fitted, final } = fittedOf(candidate('sba', { alpha: 0.1, beta: 0.1, init: 'first' }), view(SERIES));
  const expected = [0, 0, 1.425, 1.425, 1.425, 1.447619047619, 1.447619047619, 1.4];
  expected.forEach((e, t) => close(fitted[t]!, e, `one-step forecast of week ${t}`, 1e-9));
  close(final, 1.4, 'forecast after week 7');
});

test('TSB by hand (α = β = 0.1): the probability decays every week without demand', () => {
  // week 1: first demand: z = 3, p = 1/q = 1/2                         → p·z = 1.5
  // week 2: y=0: p = 0.5 − 0.1·0.5 = 0.45                               → 1.35
  // week 3: y=0: p = 0.45 − 0.045 = 0.405                               → 1.215
  // week 4: y=5: z = 3 + 0.1·(5 − 3) = 3.2; p = 0.405 + 0.1·(1 − 0.405) = 0.4645 → 1.4864
  // week 5: y=0: p = 0.4645 × 0.9 = 0.41805                             → 3.2 × 0.41805 = 1.33776
  // week 6: y=2: z = 3.2 + 0.1·(2 − 3.2) = 3.08; p = 0.41805 + 0.1·0.58195 = 0.476245 → 1.4668346
  // week 7: y=0: p = 0.476245 × 0.9 = 0.4286205                         → 3.08 × 0.4286205 = 1.32015114
  const { fitted, final } = fittedOf(candidate('tsb', { alpha: 0.1, beta: 0.1, init: 'first' }), view(SERIES));
  const expected = [0, 0, 1.5, 1.35, 1.215, 1.4864, 1.33776, 1.4668346];
  expected.forEach((e, t) => close(fitted[t]!, e, `one-step forecast of week ${t}`, 1e-9));
  close(final, 1.32015114, 'forecast after week 7', 1e-9);
});

test("Croston started from the means (the planner's default): size 10/3, interval 8/3", () => {
  // z0 = (3 + 5 + 2)/3 = 3.3333, p0 = 8 weeks / 3 demands = 2.6667; every demand updates both:
  // week 1 (q=2): z = 3.3333 + 0.1·(3 − 3.3333) = 3.3,   p = 2.6667 + 0.1·(2 − 2.6667) = 2.6
  // week 4 (q=3): z = 3.3 + 0.1·(5 − 3.3) = 3.47,         p = 2.6 + 0.1·(3 − 2.6) = 2.64
  // week 6 (q=2): z = 3.47 + 0.1·(2 − 3.47) = 3.323,      p = 2.64 + 0.1·(2 − 2.64) = 2.576
  // forecast 3.323 / 2.576 = 1.28998447…
  const { fitted, final } = fittedOf(candidate('croston', { alpha: 0.1 }), view(SERIES));
  close(fitted[0]!, 1.25, 'first forecast: 3.3333/2.6667');
  close(fitted[2]!, 3.3 / 2.6, 'after week 1');
  close(final, 3.323 / 2.576, 'after week 7');
});

test('SES by hand (α = 0.5), started at the mean of the first 4 weeks', () => {
  // level0 = (2+4+6+4)/4 = 4; 4 + 0.5·(2−4) = 3; 3 + 0.5·(4−3) = 3.5; 3.5 + 0.5·(6−3.5) = 4.75; 4.75 + 0.5·(4−4.75) = 4.375
  const { fitted, final } = fittedOf(candidate('ses', { alpha: 0.5 }), view([2, 4, 6, 4]));
  assert.equal(fitted, [4, 3, 3.5, 4.75]);
  close(final, 4.375, 'forecast');
});

test('a missing week is skipped: the same forecasts as the series without it', () => {
  const withGap = [0, 3, 0, 7, 0, 5, 0, 2, 0, 0, 4];
  const without = withGap.filter((_, i) => i !== 3);
  for (const c of [
    candidate('croston', { alpha: 0.2 }),
    candidate('sba', { alpha: 0.2, init: 'first' }),
    candidate('tsb', { alpha: 0.2, beta: 0.3 }),
    candidate('ses', { alpha: 0.3 }),
  ]) {
    const a = new Float64Array(2);
    const b = new Float64Array(2);
    const gap = view(withGap, [3]);
    // The mean start uses the observed weeks only, as for the shorter series.
    run(c, gap, null, a);
    run(c, view(without), null, b);
    close(a[0]!, b[0]!, c.method);
  }
  // Holt carries its trend over the gap: the level moves on by φ·b.
  const trend = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const path = new Float64Array(1);
  run(candidate('holt', { alpha: 0.5, beta: 0.5, phi: 1 }), view(trend, [8]), null, path);
  assert.ok(path[0]! > 10, `a trend goes on over a missing week (${path[0]})`);
});

test('one pass gives every origin: the backtest equals refitting at each origin', () => {
  const values = [5, 7, 6, 9, 4, 8, 10, 7, 6, 9, 11, 8, 7, 12, 9, 10, 8, 13, 11, 9];
  const s = view(values);
  const h = 3;
  for (const c of [
    candidate('ses', { alpha: 0.3 }),
    candidate('tsb', { alpha: 0.2, beta: 0.1 }),
    candidate('holt', { alpha: 0.3, beta: 0.1, phi: 0.9 }),
  ]) {
    const bt = backtest(10, values.length - h, h);
    run(c, s, bt, null);
    let abs = 0;
    let count = 0;
    for (let origin = 10; origin <= values.length - h; origin++) {
      // Refit on the weeks before the origin only; the statistics of the start are the full
      // series' (as in the one pass), so only the recursion is cut.
      const prefix: SeriesView = { ...s, n: origin };
      const path = new Float64Array(h);
      run(c, prefix, null, path);
      for (let j = 0; j < h; j++) {
        abs += Math.abs(values[origin + j]! - path[j]!);
        count++;
      }
    }
    assert.is(bt.count, count, c.method);
    close(bt.abs, abs, c.method, 1e-9);
  }
});

test('Holt–Winters learns a yearly season from two years and forecasts the third', () => {
  const week = (t: number): number => 100 + 40 * Math.sin((2 * Math.PI * t) / 52);
  const values = Array.from({ length: 156 }, (_, t) => week(t));
  const path = new Float64Array(13);
  run(candidate('holt_winters', { alpha: 0.1, beta: 0.01, gamma: 0.1, phi: 0.9 }), view(values), null, path);
  for (let j = 0; j < 13; j++) assert.ok(Math.abs(path[j]! - week(156 + j)) < 5, `week ${156 + j}: ${path[j]} vs ${week(156 + j)}`);
  const ses = new Float64Array(13);
  run(candidate('ses', { alpha: 0.2 }), view(values), null, ses);
  assert.ok(Math.abs(ses[12]! - week(168)) > 20, 'SES misses the season');
  assert.throws(() => run(candidate('holt_winters'), view(values.slice(0, 100)), null, path), /two full seasons/);
});

test('the seasonal naive forecast repeats last year; the naive one the last week', () => {
  const values = Array.from({ length: 60 }, (_, t) => t);
  const path = new Float64Array(3);
  run(candidate('seasonal_naive'), view(values), null, path);
  assert.equal(Array.from(path), [8, 9, 10]);
  run(candidate('naive'), view(values), null, path);
  assert.equal(Array.from(path), [59, 59, 59]);
});

test('classes at the Syntetos–Boylan cut-offs (ADI 1.32, CV² 0.49)', () => {
  assert.is(classOf(1.31, 0.48), 'smooth');
  assert.is(classOf(1.31, 0.49), 'erratic');
  assert.is(classOf(1.32, 0.48), 'intermittent');
  assert.is(classOf(1.32, 0.49), 'lumpy');
  assert.is(classOf(0, 0), 'none');
  const options = { stockoutDays: 4, lowSalesShare: 0.5, outlierK: 10 };
  // Sizes 10 and 30 alternate every week: CV² = 10²/20² = 0.25, ADI 1.
  assert.equal(classify(clean([10, 30, 10, 30, 10, 30], [], options)), { demandClass: 'smooth', adi: 1, cv2: 0.25 });
  // Demand every other week of 1 and 9: ADI 2, CV² = 4²/5² = 0.64.
  const lumpy = classify(clean([1, 0, 9, 0, 1, 0, 9, 0], [], options));
  assert.equal([lumpy.demandClass, lumpy.adi], ['lumpy', 2]);
  close(lumpy.cv2, 0.64, 'CV²', 1e-12);
  assert.is(classify(clean([0, 0, 0], [], options)).demandClass, 'none');
  assert.is(classify(clean([], [], options)).demandClass, 'none');
});

test('cleaning: stockout weeks with no or low sales are missing, negatives clipped, outliers capped, leading zeros trimmed', () => {
  const options = { stockoutDays: 4, lowSalesShare: 0.5, outlierK: 10 };
  const s = clean([0, 0, 10, 12, 0, 11, 2, 9, -3, 10, 500, 11], [0, 0, 0, 0, 5, 0, 4, 7, 0, 0, 0, 0], options);
  assert.is(s.start, 2, 'the series starts at its first sale');
  assert.is(s.ok[4], 0, 'a week out of stock with no sales is missing');
  assert.is(s.ok[6], 0, 'a week out of stock with low sales (2 < half the mean) is missing');
  assert.is(s.ok[7], 1, 'a week out of stock that still sold normally stays');
  assert.is(s.stockoutWeeks, 2);
  assert.is(s.y[8], 0);
  assert.is(s.negativeClipped, 1);
  // Non-zero observed: 10 12 11 9 10 500 11 → median 11, MAD 1 → cap 11 + 10·1 = 21.
  assert.is(s.y[10], 21);
  assert.is(s.outliersCapped, 1);
  // More than half the sizes equal: the MAD is 0; the mean deviation stands in, so one bigger week is not cut to the median.
  const same = clean([5, 5, 5, 5, 5, 8], [], options);
  assert.is(same.y[5], 8);
  assert.is(same.outliersCapped, 0);
  const configurable = clean([0, 0, 0, 0], [4, 4, 3, 3], { ...options, stockoutDays: 3 });
  assert.is(configurable.stockoutWeeks, 4, 'the stockout threshold is an option');
});

test('property: outliers capped exactly above median + k·MAD of the non-zero weeks (against a sort)', () => {
  const median = (b: number[]): number => (b.length % 2 ? b[b.length >> 1]! : (b[b.length / 2 - 1]! + b[b.length / 2]!) / 2);
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 4, maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (weeks, k) => {
      const sizes = weeks.filter((v) => v > 0).sort((a, b) => a - b);
      const s = clean(weeks, [], { stockoutDays: 4, lowSalesShare: 0.5, outlierK: k });
      if (sizes.length < 4) return s.outliersCapped === 0;
      const m = median(sizes);
      const deviations = sizes.map((v) => Math.abs(v - m)).sort((a, b) => a - b);
      const mad = median(deviations) || deviations.reduce((sum, v) => sum + v, 0) / deviations.length;
      const cap = m + k * mad;
      const expected = mad > 0 ? weeks.filter((v) => v > cap).length : 0;
      assert.is(s.outliersCapped, expected, `${weeks.join(',')}: cap ${cap}`);
      weeks.forEach((v, i) => assert.is(s.y[i], mad > 0 && v > cap ? cap : v));
      return true;
    }),
    { numRuns: 500 },
  );
});

test.run();
