/**
 * Cleaning a weekly demand series before it is classified and forecast (docs/planner.md):
 * - a value that is not a finite number is a missing week (`invalid_weeks`);
 * - a negative week (returns or corrections beyond the sales) is clipped at 0 (`negative_clipped`);
 * - a week with at least `stockoutDays` days out of stock and zero or low sales (below
 *   `lowSalesShare` of the median week in stock) is missing, not a week of zero demand
 *   (`stockout_weeks`): fitting and the backtest skip it, the recursions carry their state over it;
 * - a non-zero week above median + k·MAD of the non-zero weeks is capped there (`outliers_capped`);
 * - the weeks before the first sale are before the product's life: the series starts at its first
 *   week of demand (`start`).
 *
 * The series lives in typed arrays that one `Series` reuses from item to item (no allocation per item
 * once the buffers are large enough).
 */

export interface SeriesView {
  /** Cleaned weekly demand; only `[0, n)` is meaningful. */
  readonly y: Float64Array;
  /** 1: the week is observed; 0: missing (stockout with no or low sales, or not a number). */
  readonly ok: Uint8Array;
  readonly n: number;
  /** First week with demand (n when there is none). */
  readonly start: number;
  /** Mean of the non-zero observed weeks from `start` (0 when none). */
  readonly sizeMean: number;
  /** Observed weeks per non-zero week from `start` (the ADI; 0 when no demand). */
  readonly interval: number;
}

export interface Series extends SeriesView {
  y: Float64Array;
  ok: Uint8Array;
  n: number;
  start: number;
  sizeMean: number;
  interval: number;
  /** Observed weeks from `start`. */
  observed: number;
  /** Non-zero observed weeks from `start`. */
  nonZero: number;
  /** Sum of the observed weeks (the whole window). */
  total: number;
  /** Observed weeks in the whole window. */
  observedAll: number;
  /** Variance of the non-zero observed sizes (population). */
  sizeVar: number;
  stockoutWeeks: number;
  negativeClipped: number;
  outliersCapped: number;
  invalidWeeks: number;
  /** Scratch space for medians. */
  scratch: Float64Array;
}

export interface CleanOptions {
  readonly stockoutDays: number;
  readonly lowSalesShare: number;
  readonly outlierK: number;
}

export const newSeries = (capacity = 256): Series => ({
  y: new Float64Array(capacity),
  ok: new Uint8Array(capacity),
  n: 0,
  start: 0,
  sizeMean: 0,
  interval: 0,
  observed: 0,
  nonZero: 0,
  total: 0,
  observedAll: 0,
  sizeVar: 0,
  stockoutWeeks: 0,
  negativeClipped: 0,
  outliersCapped: 0,
  invalidWeeks: 0,
  scratch: new Float64Array(capacity),
});

/** The k-th smallest of `a[0..len)` (Hoare's selection: O(len) on average; reorders `a` in place). */
const select = (a: Float64Array, len: number, k: number): number => {
  let lo = 0;
  let hi = len - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
};

/** Median of `a[0..len)` (reorders that part of `a`). */
const medianInPlace = (a: Float64Array, len: number): number => {
  const mid = len >> 1;
  if (len % 2 === 1) return select(a, len, mid);
  const upper = select(a, len, mid);
  // After selecting `mid`, a[0..mid) holds the smaller half: its maximum is the lower middle.
  let lower = a[0]!;
  for (let i = 1; i < mid; i++) if (a[i]! > lower) lower = a[i]!;
  return (lower + upper) / 2;
};

/** Cleans `demand` (with its `stockoutDays` per week) into `into` (a new Series when not given). */
export const clean = (
  demand: readonly number[],
  stockoutDays: readonly number[],
  options: CleanOptions,
  into: Series = newSeries(demand.length),
): Series => {
  const n = demand.length;
  if (into.y.length < n) {
    const capacity = Math.max(n, into.y.length * 2);
    into.y = new Float64Array(capacity);
    into.ok = new Uint8Array(capacity);
    into.scratch = new Float64Array(capacity);
  }
  const { y, ok, scratch } = into;
  into.n = n;
  into.stockoutWeeks = 0;
  into.negativeClipped = 0;
  into.outliersCapped = 0;
  into.invalidWeeks = 0;

  for (let i = 0; i < n; i++) {
    const v = demand[i]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      y[i] = 0;
      ok[i] = 0;
      into.invalidWeeks++;
    } else if (v < 0) {
      y[i] = 0;
      ok[i] = 1;
      into.negativeClipped++;
    } else {
      y[i] = v;
      ok[i] = 1;
    }
  }

  // Stockout weeks with no or low sales (below a share of the median week in stock since the first
  // sale): missing.
  let first = 0;
  while (first < n && !(ok[first] === 1 && y[first]! > 0)) first++;
  let m = 0;
  for (let i = first; i < n; i++) if (ok[i] === 1 && !((stockoutDays[i] ?? 0) >= options.stockoutDays)) scratch[m++] = y[i]!;
  const low = m > 0 ? options.lowSalesShare * medianInPlace(scratch, m) : 0;
  for (let i = 0; i < n; i++) {
    if (ok[i] === 1 && (stockoutDays[i] ?? 0) >= options.stockoutDays && (y[i]! <= 0 || y[i]! < low)) {
      ok[i] = 0;
      into.stockoutWeeks++;
    }
  }

  // Outliers: above median + k·MAD of the non-zero observed weeks (at least 4 of them).
  m = 0;
  for (let i = 0; i < n; i++) if (ok[i] === 1 && y[i]! > 0) scratch[m++] = y[i]!;
  if (m >= 4) {
    const median = medianInPlace(scratch, m);
    let meanDev = 0;
    for (let i = 0; i < m; i++) {
      const d = Math.abs(scratch[i]! - median);
      scratch[i] = d;
      meanDev += d;
    }
    meanDev /= m;
    let mad = medianInPlace(scratch, m);
    // More than half the sizes equal: the MAD is 0; the mean deviation still measures the spread.
    if (mad === 0) mad = meanDev;
    if (mad > 0) {
      const cap = median + options.outlierK * mad;
      for (let i = 0; i < n; i++) {
        if (ok[i] === 1 && y[i]! > cap) {
          y[i] = cap;
          into.outliersCapped++;
        }
      }
    }
  }

  // Statistics from the first week of demand.
  let start = n;
  let total = 0;
  let observedAll = 0;
  for (let i = 0; i < n; i++) {
    if (ok[i] === 1) {
      observedAll++;
      total += y[i]!;
      if (start === n && y[i]! > 0) start = i;
    }
  }
  let observed = 0;
  let nonZero = 0;
  let sum = 0;
  let sumSq = 0;
  for (let i = start; i < n; i++) {
    if (ok[i] === 1) {
      observed++;
      const v = y[i]!;
      if (v > 0) {
        nonZero++;
        sum += v;
        sumSq += v * v;
      }
    }
  }
  into.start = start;
  into.total = total;
  into.observedAll = observedAll;
  into.observed = observed;
  into.nonZero = nonZero;
  into.sizeMean = nonZero > 0 ? sum / nonZero : 0;
  into.sizeVar = nonZero > 0 ? Math.max(0, sumSq / nonZero - into.sizeMean * into.sizeMean) : 0;
  into.interval = nonZero > 0 ? observed / nonZero : 0;
  return into;
};
