/**
 * The embedded planner's run (docs/planner.md): read the planning snapshot from Odoo page by page
 * (`plansync.run.planning_snapshot`), plan every product × warehouse (agent/planner), then import the
 * proposals, and the forecasts, as runs of source `embedded` through the same `import_batch` path as
 * an outside platform: the addon validates them again, applies the approval rules and puts them in the
 * planners' queue. A newer run supersedes the open proposals of an older one for the same product,
 * warehouse and kind, so planning again never doubles what is waiting for approval.
 *
 * Used by `plansync plan`, by the daemon's schedule and by the demo.
 */
import type { ForecastLine, PlanningSnapshot, ProposalLine, SnapshotItem } from '../../shared-types/index.ts';
import type { PlanSyncOdoo } from '../odoo/client.ts';
import { plan } from '../planner/index.ts';
import { retryPolicy, withRetry } from '../retry.ts';
import { emptyCounts, importLines, type ImportSummary, type StatusCounts } from './inbound.ts';

export const EMBEDDED_SOURCE = 'embedded';

export interface EmbeddedPlanOptions {
  /** Warehouse codes to plan; false: every warehouse of the integration user's companies. */
  readonly warehouses: readonly string[] | false;
  readonly historyWeeks: number;
  /** Weeks of forecast imported per item (0: none). */
  readonly horizonWeeks: number;
  readonly reviewWeeks: number;
  /** Items per planning_snapshot call. Default 500. */
  readonly pageSize?: number;
  /** Plan without importing anything. */
  readonly dryRun?: boolean;
  /** The run's reference. Default `plan-YYYYMMDD-HHMMSS` (UTC, now). */
  readonly ref?: string;
  readonly now?: Date;
  readonly onPhase?: (phase: 'read' | 'plan' | 'import proposals' | 'import forecasts', done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface EmbeddedPlanReport {
  readonly ref: string;
  readonly asOf: string;
  readonly items: number;
  /** Items per demand class. */
  readonly classes: Readonly<Record<string, number>>;
  /** Proposals per kind. */
  readonly proposals: Readonly<Record<'purchase' | 'transfer' | 'parameter', number>>;
  /** Proposals with at least one flag for the planner (no history, outliers, …). */
  readonly flagged: number;
  readonly forecasts: number;
  readonly proposalImport: ImportSummary | false;
  readonly forecastImport: ImportSummary | false;
  readonly seconds: { readonly read: number; readonly plan: number; readonly import: number };
  /** The planned lines (for --dry-run output and tests). */
  readonly lines: { readonly proposals: readonly ProposalLine[]; readonly forecasts: readonly ForecastLine[] };
}

const SNAPSHOT_RETRY = retryPolicy({ limit: 5, backoffBaseMs: 500, backoffLimitMs: 30_000 });

export const defaultPlanRef = (now: Date): string => `plan-${now.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;

/** Read every page of the snapshot. */
export const readSnapshot = async (
  odoo: Pick<PlanSyncOdoo, 'planningSnapshot'>,
  options: Pick<EmbeddedPlanOptions, 'warehouses' | 'historyWeeks' | 'pageSize' | 'onPhase' | 'signal'>,
): Promise<{ meta: Omit<PlanningSnapshot, 'items' | 'next'>; items: SnapshotItem[] }> => {
  const pageSize = options.pageSize ?? 500;
  const items: SnapshotItem[] = [];
  let offset: number | false = 0;
  let meta: Omit<PlanningSnapshot, 'items' | 'next'> | undefined;
  while (offset !== false) {
    const at: number = offset;
    const page = await withRetry(
      () => odoo.planningSnapshot(options.warehouses, options.historyWeeks, at, pageSize),
      SNAPSHOT_RETRY,
      options.signal ? { signal: options.signal } : {},
    );
    meta ??= { as_of: page.as_of, history_start: page.history_start, weeks: page.weeks, total: page.total };
    items.push(...page.items);
    options.onPhase?.('read', items.length, page.total);
    if (page.next !== false && page.next <= at)
      throw new Error(`planning_snapshot answered next=${page.next} for offset ${at}: is the PlanSync addon up to date?`);
    offset = page.next;
  }
  return {
    meta: meta ?? {
      as_of: new Date().toISOString().slice(0, 10),
      history_start: new Date().toISOString().slice(0, 10),
      weeks: options.historyWeeks,
      total: 0,
    },
    items,
  };
};

export const runEmbeddedPlan = async (
  odoo: Pick<PlanSyncOdoo, 'planningSnapshot' | 'importBatch'>,
  options: EmbeddedPlanOptions,
): Promise<EmbeddedPlanReport> => {
  const now = options.now ?? new Date();
  const ref = options.ref ?? defaultPlanRef(now);
  let t = performance.now();
  const { meta, items } = await readSnapshot(odoo, options);
  const read = (performance.now() - t) / 1000;

  t = performance.now();
  options.onPhase?.('plan', 0, items.length);
  const result = plan({ as_of: meta.as_of, history_start: meta.history_start, weeks: meta.weeks }, items, {
    runRef: ref,
    horizonWeeks: options.horizonWeeks,
    reviewWeeks: options.reviewWeeks,
  });
  options.onPhase?.('plan', items.length, items.length);
  const planned = (performance.now() - t) / 1000;

  const classes: Record<string, number> = {};
  for (const item of result.items) classes[item.demandClass] = (classes[item.demandClass] ?? 0) + 1;
  const proposals = { purchase: 0, transfer: 0, parameter: 0 };
  for (const p of result.proposals) proposals[p.kind] += 1;
  const flagged = result.proposals.filter((p) => (p.explanation?.flags?.length ?? 0) > 0).length;

  t = performance.now();
  let proposalImport: ImportSummary | false = false;
  let forecastImport: ImportSummary | false = false;
  if (!options.dryRun) {
    const generatedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (result.proposals.length > 0) {
      proposalImport = await importLines(
        odoo,
        { source: EMBEDDED_SOURCE, externalRef: ref, kind: 'proposal', generatedAt },
        result.proposals,
        {
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (p) => options.onPhase?.('import proposals', p.done, p.total),
        },
      );
    }
    if (result.forecasts.length > 0) {
      forecastImport = await importLines(
        odoo,
        { source: EMBEDDED_SOURCE, externalRef: ref, kind: 'forecast', generatedAt },
        result.forecasts,
        {
          ...(options.signal ? { signal: options.signal } : {}),
          onProgress: (p) => options.onPhase?.('import forecasts', p.done, p.total),
        },
      );
    }
  }
  const imported = (performance.now() - t) / 1000;
  return {
    ref,
    asOf: meta.as_of,
    items: items.length,
    classes,
    proposals,
    flagged,
    forecasts: result.forecasts.length,
    proposalImport,
    forecastImport,
    seconds: { read, plan: planned, import: imported },
    lines: { proposals: result.proposals, forecasts: result.forecasts },
  };
};

/** Counts of an import, or zeros when nothing was imported. */
export const countsOf = (summary: ImportSummary | false): StatusCounts => (summary ? summary.counts : emptyCounts());
