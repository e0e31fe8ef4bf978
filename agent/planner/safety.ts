/**
 * Safety stock (docs/planner.md): SS = z · √(L·σd² + d²·σL²), with
 * - z the standard normal quantile of the target cycle service level;
 * - L and σL the lead time and its standard deviation in weeks;
 * - σd the standard deviation of the weekly forecast error (the chosen method's backtest RMSE);
 * - d the forecast demand per week over the lead time.
 */
import { erf, probit } from 'simple-statistics';
import type { SnapshotItem } from '../../shared-types/index.ts';

const SQRT_2PI = Math.sqrt(2 * Math.PI);

/**
 * The standard normal quantile of p: simple-statistics' `probit` (an approximation good to about 0.1 %)
 * refined by one Newton step on its `erf` (Φ(z) = ½(1 + erf(z/√2))), which brings it within 2·10⁻⁶
 * of the exact value at p = 0.95 and 3·10⁻⁵ at 0.99. p is clamped to [0.5, 0.9999] (the range of a
 * product category's service level): below 0.5 there is no safety stock.
 */
export const zScore = (p: number): number => {
  const q = Number.isFinite(p) ? Math.min(0.9999, Math.max(0.5, p)) : 0.5;
  if (q === 0.5) return 0;
  const z0 = probit(q);
  const z = z0 - (0.5 * (1 + erf(z0 / Math.SQRT2)) - q) / (Math.exp(-0.5 * z0 * z0) / SQRT_2PI);
  return Number.isFinite(z) && z > 0 ? z : z0;
};

export type LeadTimeSource = 'measured' | 'terms' | 'transfer' | 'default';

export interface LeadTime {
  /** Mean lead time in days. */
  readonly days: number;
  /** Standard deviation of the lead time in days (0 unless measured). */
  readonly sdDays: number;
  readonly source: LeadTimeSource;
}

/**
 * The lead time of an item's replenishment: a transfer's route lead time when another warehouse
 * resupplies it; else the measured receipts when there are at least `minSamples` of them; else the
 * vendor terms' lead time (σ = 0); else `defaultDays`.
 */
export const leadTimeOf = (
  item: Pick<SnapshotItem, 'resupply_from' | 'lead_time' | 'vendor'>,
  minSamples: number,
  defaultDays: number,
): LeadTime => {
  if (item.resupply_from) return { days: finiteOr(item.resupply_from.lead_time_days, defaultDays), sdDays: 0, source: 'transfer' };
  if (item.lead_time && item.lead_time.samples >= minSamples && Number.isFinite(item.lead_time.mean_days)) {
    return { days: Math.max(0, item.lead_time.mean_days), sdDays: Math.max(0, finiteOr(item.lead_time.std_days, 0)), source: 'measured' };
  }
  if (item.vendor) return { days: Math.max(0, finiteOr(item.vendor.lead_time_days, defaultDays)), sdDays: 0, source: 'terms' };
  return { days: defaultDays, sdDays: 0, source: 'default' };
};

const finiteOr = (v: number, fallback: number): number => (Number.isFinite(v) ? v : fallback);

/** z · √(L·σd² + d²·σL²); L, σL in weeks, σd and d per week. Never negative, never NaN. */
export const safetyStock = (z: number, leadWeeks: number, sigmaWeek: number, demandWeek: number, sdLeadWeeks: number): number => {
  const v = leadWeeks * sigmaWeek * sigmaWeek + demandWeek * demandWeek * sdLeadWeeks * sdLeadWeeks;
  const ss = z * Math.sqrt(v);
  return Number.isFinite(ss) && ss > 0 ? ss : 0;
};

/**
 * The forecast over `weeks` weeks (fractional) of a weekly path from index `from`: whole weeks, then
 * the share of the next one. Past the end of the path, its last week repeats.
 */
export const sumOver = (path: Float64Array, from: number, weeks: number): number => {
  if (!(weeks > 0) || path.length === 0) return 0;
  const last = path.length - 1;
  const whole = Math.floor(weeks);
  let sum = 0;
  for (let j = 0; j < whole; j++) sum += path[Math.min(last, from + j)]!;
  const rest = weeks - whole;
  if (rest > 0) sum += rest * path[Math.min(last, from + whole)]!;
  return sum;
};
