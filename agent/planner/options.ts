/**
 * The embedded planner's options (docs/planner.md), validated once at the edge: a bad value fails
 * with the key and the value quoted, before any item is planned.
 */
import { ConfigError } from '../errors.ts';

export interface PlanOptions {
  /** The run's reference: the first part of every external id. */
  readonly runRef: string;
  /** Weekly forecast lines emitted per item, from the week after `as_of`'s week. Default 13; 0: none. */
  readonly horizonWeeks?: number;
  /** Review period R in weeks: order-up-to = reorder point + demand over R. Default 1. */
  readonly reviewWeeks?: number;
  /** A week with at least this many stockout days and zero or low sales is missing, not zero demand. Default 4. */
  readonly stockoutDays?: number;
  /** "Low sales": below this share of the median week in stock (from the first sale). Default 0.5. */
  readonly lowSalesShare?: number;
  /** Non-zero weeks above median + k·MAD of the non-zero weeks are capped there. Default 10. */
  readonly outlierK?: number;
  /** Backtest origins: the last N weeks (with a full horizon each). Default 26. */
  readonly backtestWeeks?: number;
  /** Weeks of history a backtest origin needs before it. Default 13. */
  readonly minTrainWeeks?: number;
  /** Propose new min/max for a reordering rule that differs from the plan by more than this share. Default 0.1. */
  readonly parameterTolerance?: number;
  /** Lead time when neither measured receipts nor vendor terms nor a resupply route give one. Default 14. */
  readonly defaultLeadTimeDays?: number;
  /** Measured receipts needed to use the measured lead time and its spread. Default 3. */
  readonly minLeadTimeSamples?: number;
  /**
   * The period the safety stock covers: `lead_time` (L: SS = z·√(L·σd² + d²·σL²)) or
   * `lead_time_and_review` (L + R, the exposure of a periodic review). Default `lead_time`.
   */
  readonly safetyPeriod?: SafetyPeriod;
}

export type SafetyPeriod = 'lead_time' | 'lead_time_and_review';

export interface ResolvedOptions {
  readonly runRef: string;
  readonly horizonWeeks: number;
  readonly reviewWeeks: number;
  readonly stockoutDays: number;
  readonly lowSalesShare: number;
  readonly outlierK: number;
  readonly backtestWeeks: number;
  readonly minTrainWeeks: number;
  readonly parameterTolerance: number;
  readonly defaultLeadTimeDays: number;
  readonly minLeadTimeSamples: number;
  readonly safetyPeriod: SafetyPeriod;
}

export const DEFAULTS = {
  horizonWeeks: 13,
  reviewWeeks: 1,
  stockoutDays: 4,
  lowSalesShare: 0.5,
  outlierK: 10,
  backtestWeeks: 26,
  minTrainWeeks: 13,
  parameterTolerance: 0.1,
  defaultLeadTimeDays: 14,
  minLeadTimeSamples: 3,
  safetyPeriod: 'lead_time_and_review',
} as const;

const check = (key: string, value: number, ok: (v: number) => boolean, what: string): number => {
  if (typeof value !== 'number' || !ok(value))
    throw new ConfigError(`planner option ${key}: must be ${what} (got ${JSON.stringify(value)})`);
  return value;
};
const int = (min: number, max: number) => (v: number) => Number.isInteger(v) && v >= min && v <= max;
const real = (min: number, max: number) => (v: number) => Number.isFinite(v) && v >= min && v <= max;

const oneOf = <T extends string>(key: string, value: string, allowed: readonly T[]): T => {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`planner option ${key}: must be ${allowed.join(' or ')} (got ${JSON.stringify(value)})`);
};

/** Defaults filled in and every value checked; throws a ConfigError naming the key and the value. */
export const resolveOptions = (options: PlanOptions): ResolvedOptions => {
  if (typeof options.runRef !== 'string' || options.runRef.trim() === '' || options.runRef.length > 64) {
    throw new ConfigError(`planner option runRef: must be 1 to 64 characters (got ${JSON.stringify(options.runRef)})`);
  }
  return {
    runRef: options.runRef,
    horizonWeeks: check('horizonWeeks', options.horizonWeeks ?? DEFAULTS.horizonWeeks, int(0, 104), 'an integer from 0 to 104'),
    reviewWeeks: check('reviewWeeks', options.reviewWeeks ?? DEFAULTS.reviewWeeks, real(0, 52), 'a number of weeks from 0 to 52'),
    stockoutDays: check('stockoutDays', options.stockoutDays ?? DEFAULTS.stockoutDays, int(1, 7), 'an integer from 1 to 7'),
    lowSalesShare: check('lowSalesShare', options.lowSalesShare ?? DEFAULTS.lowSalesShare, real(0, 1), 'a share from 0 to 1'),
    outlierK: check('outlierK', options.outlierK ?? DEFAULTS.outlierK, real(1, 1000), 'a number from 1 to 1000'),
    backtestWeeks: check('backtestWeeks', options.backtestWeeks ?? DEFAULTS.backtestWeeks, int(1, 156), 'an integer from 1 to 156'),
    minTrainWeeks: check('minTrainWeeks', options.minTrainWeeks ?? DEFAULTS.minTrainWeeks, int(2, 156), 'an integer from 2 to 156'),
    parameterTolerance: check(
      'parameterTolerance',
      options.parameterTolerance ?? DEFAULTS.parameterTolerance,
      real(0, 10),
      'a share from 0 to 10',
    ),
    defaultLeadTimeDays: check(
      'defaultLeadTimeDays',
      options.defaultLeadTimeDays ?? DEFAULTS.defaultLeadTimeDays,
      real(0, 730),
      'a number of days from 0 to 730',
    ),
    minLeadTimeSamples: check(
      'minLeadTimeSamples',
      options.minLeadTimeSamples ?? DEFAULTS.minLeadTimeSamples,
      int(1, 1000),
      'an integer from 1 to 1000',
    ),
    safetyPeriod: oneOf('safetyPeriod', options.safetyPeriod ?? DEFAULTS.safetyPeriod, ['lead_time', 'lead_time_and_review']),
  };
};
