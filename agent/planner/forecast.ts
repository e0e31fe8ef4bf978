/**
 * One series from raw weekly history to a forecast path: clean, classify, choose a method by
 * backtest, run it to the end of the history. What `plan` does per item before the policy, and what
 * the benchmark and the simulator call directly.
 */
import { classify, type DemandClass } from './classify.ts';
import { clean, newSeries, type CleanOptions, type Series } from './clean.ts';
import { candidate, run, type Candidate, type MethodName } from './methods.ts';
import { select, windowOf } from './select.ts';

export interface ForecastOptions extends CleanOptions {
  readonly backtestWeeks: number;
  readonly minTrainWeeks: number;
}

/** Reusable buffers: one per thread of planning (plan() keeps one for a whole call). */
export interface Workspace {
  readonly series: Series;
  path: Float64Array;
}

export const newWorkspace = (): Workspace => ({ series: newSeries(256), path: new Float64Array(256) });

export type Flag =
  | 'no_history'
  | 'no_demand'
  | 'single_sale'
  | 'short_history'
  | 'negative_clipped'
  | 'outliers_capped'
  | 'stockout_weeks'
  | 'invalid_weeks'
  | 'lead_time_from_terms'
  | 'lead_time_default'
  | 'no_vendor'
  | 'ordered_by_reorder_rule'
  | 'rounded_to_min_qty'
  | 'rounded_to_multiple'
  | 'numeric_guard';

export interface SeriesForecast {
  readonly demandClass: DemandClass;
  readonly adi: number;
  readonly cv2: number;
  readonly candidate: Candidate;
  readonly method: MethodName;
  /** Backtest MASE of the chosen method and of the naive forecast; NaN without a backtest. */
  readonly mase: number;
  readonly naiveMase: number;
  /** Standard deviation of the weekly forecast error: the backtest RMSE, else the std of the observed weeks. */
  readonly sigmaWeek: number;
  readonly backtested: boolean;
  /** Weeks from the first week of demand to the end of the history, and the observed ones among them. */
  readonly weeksOfHistory: number;
  readonly observedWeeks: number;
  readonly stockoutWeeks: number;
  readonly flags: Flag[];
  /** The forecast of weeks n, n+1, … (a view of the workspace's buffer: copy it to keep it). */
  readonly path: Float64Array;
}

const FLOOR = candidate('floor');

/** Standard deviation of the observed weeks of [from, n) (population). */
const stdObserved = (s: Series, from: number): number => {
  let sum = 0;
  let sumSq = 0;
  let count = 0;
  for (let t = from; t < s.n; t++) {
    if (s.ok[t] === 1) {
      const v = s.y[t]!;
      sum += v;
      sumSq += v * v;
      count++;
    }
  }
  if (count === 0) return 0;
  const mean = sum / count;
  return Math.sqrt(Math.max(0, sumSq / count - mean * mean));
};

/**
 * Forecasts one weekly series for `pathWeeks` weeks after its end; the backtest horizon is
 * `horizonWeeks` (the lead time in weeks; at least 1).
 */
export const forecastSeries = (
  demand: readonly number[],
  stockoutDays: readonly number[],
  horizonWeeks: number,
  pathWeeks: number,
  options: ForecastOptions,
  ws: Workspace = newWorkspace(),
): SeriesForecast => {
  const s = clean(demand, stockoutDays, options, ws.series);
  if (ws.path.length < pathWeeks) ws.path = new Float64Array(Math.max(pathWeeks, ws.path.length * 2));
  const path = ws.path.subarray(0, Math.max(1, pathWeeks));
  const flags: Flag[] = [];
  if (s.negativeClipped > 0) flags.push('negative_clipped');
  if (s.outliersCapped > 0) flags.push('outliers_capped');
  if (s.stockoutWeeks > 0) flags.push('stockout_weeks');
  if (s.invalidWeeks > 0) flags.push('invalid_weeks');
  const c = classify(s);
  const base = {
    demandClass: c.demandClass,
    adi: c.adi,
    cv2: c.cv2,
    weeksOfHistory: s.n - s.start,
    observedWeeks: s.observed,
    stockoutWeeks: s.stockoutWeeks,
    flags,
    path,
  };

  if (s.observedAll === 0 || s.nonZero <= 1) {
    // No history, no demand, or a single sale: the mean of the window, flat.
    flags.push(s.observedAll === 0 ? 'no_history' : s.nonZero === 0 ? 'no_demand' : 'single_sale');
    run(FLOOR, s, null, path);
    return {
      ...base,
      candidate: FLOOR,
      method: 'floor',
      mase: Number.NaN,
      naiveMase: Number.NaN,
      sigmaWeek: stdObserved(s, 0),
      backtested: false,
    };
  }
  const window = windowOf(s, horizonWeeks, options.backtestWeeks, options.minTrainWeeks);
  const selection = select(s, c.demandClass, window);
  if (!selection.backtested) flags.push('short_history');
  const chosen = selection.chosen;
  run(chosen.candidate, s, null, path);
  const sigmaWeek = Number.isFinite(chosen.rmse) ? chosen.rmse : stdObserved(s, s.start);
  return {
    ...base,
    candidate: chosen.candidate,
    method: chosen.candidate.method,
    mase: chosen.mase,
    naiveMase: selection.naiveMase,
    sigmaWeek,
    backtested: selection.backtested,
  };
};
