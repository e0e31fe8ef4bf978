/**
 * Choosing a method and its parameters per series (docs/planner.md): a rolling-origin backtest over
 * the last weeks (origins with a full horizon each, horizon = the lead time in weeks, at least 1),
 * scored by MASE: the mean absolute error of those forecasts divided by the in-sample mean absolute
 * one-step error of the naive forecast. Each candidate is one pass over the series (methods.ts), which
 * gives every origin at once; the grid is small on purpose (speed, and little room to overfit).
 */
import type { DemandClass } from './classify.ts';
import type { SeriesView } from './clean.ts';
import { backtest, candidate, hasTwoSeasons, run, SEASON, type Candidate } from './methods.ts';

const grid = (
  method: Candidate['method'],
  alphas: readonly number[],
  betas: readonly (number | undefined)[],
  extra: Partial<Candidate> = {},
): Candidate[] =>
  alphas.flatMap((alpha) => betas.map((beta) => candidate(method, { ...extra, alpha, ...(beta === undefined ? {} : { beta }) })));

/** Candidates of smooth and erratic series. */
export const CONTINUOUS: readonly Candidate[] = [
  ...grid('ses', [0.05, 0.1, 0.2, 0.3, 0.5], [undefined]),
  ...grid('holt', [0.1, 0.3], [0.05, 0.15], { phi: 0.9 }),
];
/** Holt–Winters candidates, added for series with two full seasons before the first origin. */
export const SEASONAL: readonly Candidate[] = grid('holt_winters', [0.05, 0.15], [0.01], { gamma: 0.05, phi: 0.9 }).concat(
  grid('holt_winters', [0.05, 0.15], [0.01], { gamma: 0.2, phi: 0.9 }),
);
/** Candidates of intermittent and lumpy series. */
export const INTERMITTENT: readonly Candidate[] = [
  ...grid('croston', [0.05, 0.1, 0.2, 0.3], [undefined]),
  ...grid('sba', [0.05, 0.1, 0.2, 0.3], [undefined]),
  ...grid('tsb', [0.1, 0.3], [0.05, 0.1, 0.2]),
];
/** The method when there is too little history for a backtest. */
export const FALLBACK: Readonly<Record<'continuous' | 'intermittent', Candidate>> = {
  continuous: candidate('ses', { alpha: 0.2 }),
  intermittent: candidate('sba', { alpha: 0.1 }),
};
export const NAIVE = candidate('naive');
export const SEASONAL_NAIVE = candidate('seasonal_naive');

/**
 * The MASE scale: the mean absolute change between consecutive observed weeks from the start (a
 * missing week is skipped: the naive forecast carries the last observed week). When the series never
 * changes, the mean absolute demand; when that is 0 too, 1 (so that MASE is always finite).
 */
export const maseScale = (s: SeriesView): number => {
  const { y, ok, n } = s;
  let last = Number.NaN;
  let sum = 0;
  let count = 0;
  let level = 0;
  let observed = 0;
  for (let t = s.start; t < n; t++) {
    if (ok[t] !== 1) continue;
    const v = y[t]!;
    if (last === last) {
      sum += Math.abs(v - last);
      count++;
    }
    last = v;
    level += Math.abs(v);
    observed++;
  }
  if (count > 0 && sum > 0) return sum / count;
  if (observed > 0 && level > 0) return level / observed;
  return 1;
};

export interface Window {
  /** First and last origin (inclusive); from > to: no backtest. */
  readonly from: number;
  readonly to: number;
  readonly h: number;
}

/** Origins over the last `weeks` weeks with a full horizon `h`, each after `minTrain` weeks from the start. */
export const windowOf = (s: SeriesView, h: number, weeks: number, minTrain: number): Window => {
  const horizon = Math.max(1, Math.ceil(h));
  const to = s.n - horizon;
  const from = Math.max(s.start + minTrain, to - weeks + 1);
  return { from, to, h: horizon };
};

export interface Scored {
  readonly candidate: Candidate;
  /** MASE of the backtest; NaN without one. */
  readonly mase: number;
  /** Root mean squared error per week of the backtest; NaN without one. */
  readonly rmse: number;
  /** Observed weeks compared. */
  readonly errors: number;
}

/** Scores one candidate on a window (a fresh accumulator each time). */
export const score = (c: Candidate, s: SeriesView, w: Window, scale: number): Scored => {
  const bt = backtest(w.from, w.to, w.h);
  run(c, s, bt, null);
  return bt.count > 0
    ? { candidate: c, mase: bt.abs / bt.count / scale, rmse: Math.sqrt(bt.sq / bt.count), errors: bt.count }
    : { candidate: c, mase: Number.NaN, rmse: Number.NaN, errors: 0 };
};

export interface Selection {
  readonly chosen: Scored;
  /** The naive forecast on the same backtest (for the explanation); NaN without one. */
  readonly naiveMase: number;
  /** Whether the choice came from a backtest (false: too little history, the class's fallback). */
  readonly backtested: boolean;
  readonly scale: number;
}

const bt = backtest(0, -1, 1);

/**
 * The candidate with the lowest backtest MASE for a series of class `demandClass` (smooth and erratic:
 * SES, damped Holt, and Holt–Winters with two full seasons before the first origin; intermittent and
 * lumpy: Croston, SBA, TSB). Ties keep the simpler, earlier candidate.
 */
export const select = (s: SeriesView, demandClass: DemandClass, w: Window): Selection => {
  const continuous = demandClass === 'smooth' || demandClass === 'erratic';
  const scale = maseScale(s);
  if (w.from > w.to) {
    return {
      chosen: { candidate: continuous ? FALLBACK.continuous : FALLBACK.intermittent, mase: Number.NaN, rmse: Number.NaN, errors: 0 },
      naiveMase: Number.NaN,
      backtested: false,
      scale,
    };
  }
  const pool = continuous ? CONTINUOUS : INTERMITTENT;
  const seasonal = continuous && hasTwoSeasons(s) && w.from >= s.start + 2 * SEASON;
  let best: Candidate = pool[0]!;
  let bestAbs = Number.POSITIVE_INFINITY;
  let bestSq = 0;
  let count = 0;
  const consider = (c: Candidate): void => {
    bt.from = w.from;
    bt.to = w.to;
    bt.h = w.h;
    bt.abs = 0;
    bt.sq = 0;
    bt.count = 0;
    run(c, s, bt, null);
    // Every candidate compares the same observed weeks: comparing sums is comparing means.
    if (bt.abs < bestAbs) {
      best = c;
      bestAbs = bt.abs;
      bestSq = bt.sq;
      count = bt.count;
    }
  };
  for (const c of pool) consider(c);
  if (seasonal) for (const c of SEASONAL) consider(c);
  if (count === 0) {
    return {
      chosen: { candidate: continuous ? FALLBACK.continuous : FALLBACK.intermittent, mase: Number.NaN, rmse: Number.NaN, errors: 0 },
      naiveMase: Number.NaN,
      backtested: false,
      scale,
    };
  }
  const naive = score(NAIVE, s, w, scale);
  return {
    chosen: { candidate: best, mase: bestAbs / count / scale, rmse: Math.sqrt(bestSq / count), errors: count },
    naiveMase: naive.mase,
    backtested: true,
    scale,
  };
};
