/**
 * The embedded planner (docs/planner.md): forecasts, safety stock, reorder points and proposals from
 * Odoo's own weekly demand history, when no outside planning platform is configured.
 */
export { plan, externalId, type ItemPlan, type PlanResult, type SnapshotMeta } from './plan.ts';
export { resolveOptions, DEFAULTS, type PlanOptions, type ResolvedOptions, type SafetyPeriod } from './options.ts';
export { forecastSeries, newWorkspace, type Flag, type ForecastOptions, type SeriesForecast, type Workspace } from './forecast.ts';
export { classify, classOf, ADI_CUTOFF, CV2_CUTOFF, type Classification, type DemandClass } from './classify.ts';
export { clean, newSeries, type CleanOptions, type Series, type SeriesView } from './clean.ts';
export { run, candidate, backtest, describe, SEASON, type Backtest, type Candidate, type MethodName } from './methods.ts';
export {
  select,
  score,
  maseScale,
  windowOf,
  CONTINUOUS,
  INTERMITTENT,
  SEASONAL,
  FALLBACK,
  NAIVE,
  SEASONAL_NAIVE,
  type Selection,
  type Scored,
  type Window,
} from './select.ts';
export { zScore, leadTimeOf, safetyStock, sumOver, type LeadTime, type LeadTimeSource } from './safety.ts';
export { reviewPolicy, roundOrder, ruleDiffers, ceilTo, type PolicyInput, type PolicyResult, type Rounded } from './policy.ts';
