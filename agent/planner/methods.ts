/**
 * Forecasting methods on weekly buckets (docs/planner.md), each one pass over the series, O(n), no
 * allocation beyond a fixed seasonal array:
 * - `ses`: simple exponential smoothing (level);
 * - `holt`: additive trend, damped by φ (φ = 1: Holt's linear trend);
 * - `holt_winters`: additive trend (damped) and additive yearly seasonality (52 weeks), from 2 full
 *   seasons of history;
 * - `croston`, `sba` (Syntetos–Boylan approximation: Croston × (1 − β/2)), `tsb`
 *   (Teunter–Syntetos–Babai: demand probability updated every week) for intermittent demand;
 * - `naive`, `seasonal_naive` (baselines), `floor` (the mean over the window).
 *
 * One run of a method gives, at once:
 * - the backtest: for every origin t in [from, to], the forecasts of weeks t … t+h−1 made with the
 *   weeks before t (the state of the recursion before it reads week t), compared with the observed
 *   weeks among them (absolute and squared errors accumulated);
 * - `fitted[t]`: the one-step forecast of week t (NaN before the method has one);
 * - `path[j]`: the forecast of week n + j made at the end of the series.
 *
 * A missing week (ok = 0) is not read: the state carries over it (the level stays, a trend goes on,
 * Croston's interval does not count it, TSB's probability is not updated).
 */
import type { SeriesView } from './clean.ts';

export type MethodName = 'ses' | 'holt' | 'holt_winters' | 'croston' | 'sba' | 'tsb' | 'naive' | 'seasonal_naive' | 'floor';

export interface Candidate {
  readonly method: MethodName;
  /** Level (ses, holt, holt_winters) or size (croston, sba, tsb) smoothing. */
  readonly alpha: number;
  /** Trend (holt, holt_winters), interval (croston, sba) or probability (tsb) smoothing. */
  readonly beta: number;
  /** Seasonal smoothing (holt_winters). */
  readonly gamma: number;
  /** Trend damping (holt, holt_winters); 1: none. */
  readonly phi: number;
  /**
   * Start of the intermittent methods: `mean` (the mean size and interval of the series, as
   * tsintermittent's default) or `first` (the first demand and the weeks up to it).
   */
  readonly init: 'mean' | 'first';
}

export const candidate = (method: MethodName, p: Partial<Omit<Candidate, 'method'>> = {}): Candidate => ({
  method,
  alpha: p.alpha ?? 0.1,
  beta: p.beta ?? p.alpha ?? 0.1,
  gamma: p.gamma ?? 0,
  phi: p.phi ?? 1,
  init: p.init ?? 'mean',
});

/** Backtest accumulator: origins `from..to` (inclusive), horizon `h`; sums of errors. */
export interface Backtest {
  from: number;
  to: number;
  h: number;
  abs: number;
  sq: number;
  count: number;
}

export const backtest = (from: number, to: number, h: number): Backtest => ({ from, to, h, abs: 0, sq: 0, count: 0 });

export const SEASON = 52;

/** Observed weeks of `s` with index in [t, t+h) compared with a flat forecast f. */
const flatErrors = (s: SeriesView, bt: Backtest, t: number, f: number): void => {
  const { y, ok } = s;
  const end = t + bt.h;
  for (let i = t; i < end; i++) {
    if (ok[i] === 1) {
      const e = y[i]! - f;
      bt.abs += e < 0 ? -e : e;
      bt.sq += e * e;
      bt.count++;
    }
  }
};

const fillPath = (path: Float64Array | null, f: number): void => {
  if (path) path.fill(f < 0 ? 0 : f);
};

/** Mean of the first `k` observed weeks from `start` (0 when none). */
const initialLevel = (s: SeriesView, k: number): number => {
  let sum = 0;
  let count = 0;
  for (let t = s.start; t < s.n && count < k; t++) {
    if (s.ok[t] === 1) {
      sum += s.y[t]!;
      count++;
    }
  }
  return count > 0 ? sum / count : 0;
};

const ses = (c: Candidate, s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  const { y, ok, n } = s;
  const a = c.alpha;
  let level = initialLevel(s, 4);
  for (let t = s.start; t < n; t++) {
    if (bt && t >= bt.from && t <= bt.to) flatErrors(s, bt, t, level);
    if (fitted) fitted[t] = level;
    if (ok[t] === 1) level += a * (y[t]! - level);
  }
  fillPath(path, level);
};

const holt = (c: Candidate, s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  const { y, ok, n } = s;
  const { alpha: a, beta: b, phi } = c;
  let level = initialLevel(s, 4);
  let trend = 0;
  for (let t = s.start; t < n; t++) {
    if (bt && t >= bt.from && t <= bt.to) {
      let damp = 0;
      let pow = 1;
      const end = t + bt.h;
      for (let i = t; i < end; i++) {
        pow *= phi;
        damp += pow;
        if (ok[i] === 1) {
          const e = y[i]! - (level + damp * trend);
          bt.abs += e < 0 ? -e : e;
          bt.sq += e * e;
          bt.count++;
        }
      }
    }
    if (fitted) fitted[t] = level + phi * trend;
    if (ok[t] === 1) {
      const previous = level;
      level = a * y[t]! + (1 - a) * (level + phi * trend);
      trend = b * (level - previous) + (1 - b) * phi * trend;
    } else {
      level += phi * trend;
      trend *= phi;
    }
  }
  if (path) {
    let damp = 0;
    let pow = 1;
    for (let j = 0; j < path.length; j++) {
      pow *= phi;
      damp += pow;
      const f = level + damp * trend;
      path[j] = f < 0 ? 0 : f;
    }
  }
};

const seasonal = new Float64Array(SEASON);
const smoothed = new Float64Array(SEASON);

/** Whether `s` has the 2 full seasons from its start that Holt–Winters needs. */
export const hasTwoSeasons = (s: SeriesView): boolean => s.n - s.start >= 2 * SEASON;

const holtWinters = (c: Candidate, s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  const { y, ok, n, start } = s;
  const { alpha: a, beta: b, gamma: g, phi } = c;
  const m = SEASON;
  if (!hasTwoSeasons(s)) throw new RangeError('holt_winters needs two full seasons of history');
  // Season means of the first two years, then the indices: the mean deviation from them per week of
  // the year, smoothed over 5 weeks (two points per index are noisy) and centred on 0.
  let sum1 = 0;
  let count1 = 0;
  let sum2 = 0;
  let count2 = 0;
  for (let j = 0; j < m; j++) {
    if (ok[start + j] === 1) {
      sum1 += y[start + j]!;
      count1++;
    }
    if (ok[start + m + j] === 1) {
      sum2 += y[start + m + j]!;
      count2++;
    }
  }
  const mean1 = count1 > 0 ? sum1 / count1 : 0;
  const mean2 = count2 > 0 ? sum2 / count2 : mean1;
  for (let j = 0; j < m; j++) {
    let d = 0;
    let k = 0;
    if (ok[start + j] === 1) {
      d += y[start + j]! - mean1;
      k++;
    }
    if (ok[start + m + j] === 1) {
      d += y[start + m + j]! - mean2;
      k++;
    }
    smoothed[j] = k > 0 ? d / k : 0;
  }
  let centre = 0;
  for (let j = 0; j < m; j++) {
    const v =
      (smoothed[(j + m - 2) % m]! + smoothed[(j + m - 1) % m]! + smoothed[j]! + smoothed[(j + 1) % m]! + smoothed[(j + 2) % m]!) / 5;
    seasonal[j] = v;
    centre += v;
  }
  centre /= m;
  for (let j = 0; j < m; j++) seasonal[j] = seasonal[j]! - centre;
  let trend = count1 > 0 && count2 > 0 ? (mean2 - mean1) / m : 0;
  let level = mean2 + (trend * (m - 1)) / 2;

  for (let t = start + 2 * m; t < n; t++) {
    const k = (t - start) % m;
    if (bt && t >= bt.from && t <= bt.to) {
      let damp = 0;
      let pow = 1;
      const end = t + bt.h;
      for (let i = t; i < end; i++) {
        pow *= phi;
        damp += pow;
        if (ok[i] === 1) {
          const e = y[i]! - (level + damp * trend + seasonal[(i - start) % m]!);
          bt.abs += e < 0 ? -e : e;
          bt.sq += e * e;
          bt.count++;
        }
      }
    }
    if (fitted) fitted[t] = level + phi * trend + seasonal[k]!;
    if (ok[t] === 1) {
      const previous = level;
      const v = y[t]!;
      level = a * (v - seasonal[k]!) + (1 - a) * (level + phi * trend);
      trend = b * (level - previous) + (1 - b) * phi * trend;
      seasonal[k] = g * (v - level) + (1 - g) * seasonal[k]!;
    } else {
      level += phi * trend;
      trend *= phi;
    }
  }
  if (path) {
    let damp = 0;
    let pow = 1;
    for (let j = 0; j < path.length; j++) {
      pow *= phi;
      damp += pow;
      const f = level + damp * trend + seasonal[(n + j - start) % m]!;
      path[j] = f < 0 ? 0 : f;
    }
  }
};

/** Croston and SBA: sizes and intervals smoothed at each demand; forecast (factor ×) size / interval. */
const croston = (
  c: Candidate,
  s: SeriesView,
  bt: Backtest | null,
  path: Float64Array | null,
  fitted: Float64Array | null,
  factor: number,
): void => {
  const { y, ok, n } = s;
  const { alpha: a, beta: b } = c;
  let started = c.init === 'mean' && s.interval > 0;
  let size = started ? s.sizeMean : 0;
  let interval = started ? s.interval : 1;
  let f = started ? (factor * size) / interval : 0;
  let q = 0;
  for (let t = s.start; t < n; t++) {
    if (bt && t >= bt.from && t <= bt.to) flatErrors(s, bt, t, f);
    if (fitted) fitted[t] = f;
    if (ok[t] !== 1) continue;
    q++;
    const v = y[t]!;
    if (v > 0) {
      if (started) {
        size += a * (v - size);
        interval += b * (q - interval);
      } else {
        size = v;
        interval = q;
        started = true;
      }
      q = 0;
      f = (factor * size) / interval;
    }
  }
  fillPath(path, f);
};

/** TSB: the size smoothed at each demand, the probability of a demand every observed week. */
const tsb = (c: Candidate, s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  const { y, ok, n } = s;
  const { alpha: a, beta: b } = c;
  let started = c.init === 'mean' && s.interval > 0;
  let size = started ? s.sizeMean : 0;
  let probability = started ? 1 / s.interval : 0;
  let q = 0;
  for (let t = s.start; t < n; t++) {
    const f = probability * size;
    if (bt && t >= bt.from && t <= bt.to) flatErrors(s, bt, t, f);
    if (fitted) fitted[t] = f;
    if (ok[t] !== 1) continue;
    q++;
    const v = y[t]!;
    if (!started) {
      if (v > 0) {
        size = v;
        probability = 1 / q;
        started = true;
      }
    } else if (v > 0) {
      size += a * (v - size);
      probability += b * (1 - probability);
    } else {
      probability -= b * probability;
    }
  }
  fillPath(path, probability * size);
};

/** The last observed week (0 before the first). */
const naive = (s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  const { y, ok, n } = s;
  let last = 0;
  for (let t = s.start; t < n; t++) {
    if (bt && t >= bt.from && t <= bt.to) flatErrors(s, bt, t, last);
    if (fitted) fitted[t] = last;
    if (ok[t] === 1) last = y[t]!;
  }
  fillPath(path, last);
};

/**
 * The same week a year (52 weeks) before the week forecast, from data before the origin; when that
 * week is missing or before the history, the last observed week before the origin.
 */
const seasonalNaive = (s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  const { y, ok, n } = s;
  const m = SEASON;
  const at = (i: number, origin: number, last: number): number => {
    let k = i - m;
    while (k >= origin) k -= m;
    return k >= 0 && ok[k] === 1 ? y[k]! : last;
  };
  let last = 0;
  for (let t = s.start; t < n; t++) {
    if (bt && t >= bt.from && t <= bt.to) {
      const end = t + bt.h;
      for (let i = t; i < end; i++) {
        if (ok[i] === 1) {
          const e = y[i]! - at(i, t, last);
          bt.abs += e < 0 ? -e : e;
          bt.sq += e * e;
          bt.count++;
        }
      }
    }
    if (fitted) fitted[t] = at(t, t, last);
    if (ok[t] === 1) last = y[t]!;
  }
  if (path) for (let j = 0; j < path.length; j++) path[j] = at(n + j, n, last);
};

/** The mean of the observed weeks of the whole window, flat. */
const floor = (s: SeriesView, bt: Backtest | null, path: Float64Array | null, fitted: Float64Array | null): void => {
  let sum = 0;
  let count = 0;
  for (let t = 0; t < s.n; t++) {
    if (s.ok[t] === 1) {
      sum += s.y[t]!;
      count++;
    }
  }
  const f = count > 0 ? sum / count : 0;
  for (let t = s.start; t < s.n; t++) {
    if (bt && t >= bt.from && t <= bt.to) flatErrors(s, bt, t, f);
    if (fitted) fitted[t] = f;
  }
  fillPath(path, f);
};

/** Runs candidate `c` over `s` (see the module's comment for what bt, path and fitted receive). */
export const run = (
  c: Candidate,
  s: SeriesView,
  bt: Backtest | null,
  path: Float64Array | null,
  fitted: Float64Array | null = null,
): void => {
  if (fitted) fitted.fill(Number.NaN, 0, Math.min(fitted.length, s.n));
  switch (c.method) {
    case 'ses':
      return ses(c, s, bt, path, fitted);
    case 'holt':
      return holt(c, s, bt, path, fitted);
    case 'holt_winters':
      return holtWinters(c, s, bt, path, fitted);
    case 'croston':
      return croston(c, s, bt, path, fitted, 1);
    case 'sba':
      return croston(c, s, bt, path, fitted, 1 - c.beta / 2);
    case 'tsb':
      return tsb(c, s, bt, path, fitted);
    case 'naive':
      return naive(s, bt, path, fitted);
    case 'seasonal_naive':
      return seasonalNaive(s, bt, path, fitted);
    case 'floor':
      return floor(s, bt, path, fitted);
  }
};

/** A short description of a candidate's parameters, e.g. `α=0.2` or `α=0.1 β=0.05 φ=0.9`. */
export const describe = (c: Candidate): string => {
  switch (c.method) {
    case 'ses':
      return `α=${c.alpha}`;
    case 'holt':
      return `α=${c.alpha} β=${c.beta}${c.phi < 1 ? ` φ=${c.phi}` : ''}`;
    case 'holt_winters':
      return `α=${c.alpha} β=${c.beta} γ=${c.gamma}${c.phi < 1 ? ` φ=${c.phi}` : ''}`;
    case 'croston':
    case 'sba':
    case 'tsb':
      return `α=${c.alpha} β=${c.beta}`;
    default:
      return '';
  }
};
