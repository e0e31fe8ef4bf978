/**
 * The inbound import pipeline: planning lines (forecasts or proposals) → validated with shared-types'
 * ForecastLine / ProposalLine → sent to Odoo in batches through `import_batch` → one outcome per line.
 *
 * A line that fails validation, or repeats an external id already seen in the run, is refused by the
 * agent (`invalid: <field>: <rule> (got <value>)`, `duplicate_line: …`): it is sent as it came, with
 * that refusal in `import_batch`'s `rejected`, so that Odoo records it as an exception a planner sees
 * and can replay, without validating it as a line to import. Batches are retried on transient errors (`import_batch` is idempotent on
 * (source, external id, revision), so a retry after a lost answer changes nothing). An error that
 * retrying cannot fix (Odoo refused the whole call, access, configuration) is thrown: the caller keeps
 * what was imported (`onBatch`) and resumes later without importing anything twice.
 */
import { ForecastLine, formatIssues, ProposalLine, type ImportKind, type ImportStatus } from '../../shared-types/index.ts';
import { OdooError } from '../errors.ts';
import type { PlanSyncOdoo } from '../odoo/client.ts';
import { retryPolicy, withRetry, type RetryPolicy } from '../retry.ts';

export interface InboundRun {
  /** The planning system (1 to 64 characters). */
  readonly source: string;
  /** The run's reference in that system (1 to 128 characters). */
  readonly externalRef: string;
  readonly kind: ImportKind;
  /** When the planning system produced the run (ISO UTC), or false: the time of its first import. */
  readonly generatedAt?: string | false;
}

export type StatusCounts = Record<ImportStatus, number>;

export interface LineOutcome {
  /** Index of the line in the lines given (plus `firstIndex`). */
  readonly index: number;
  readonly external_id: string;
  readonly status: ImportStatus;
  /** Odoo's record (forecast, proposal or exception); false for a line the agent refused. */
  readonly id: number | false;
  readonly reason: string;
}

export interface ImportProgress {
  /** Lines settled so far (sent and answered, or refused by the agent). */
  readonly done: number;
  readonly total: number;
  readonly counts: StatusCounts;
}

export interface ImportSummary {
  /** Odoo's run id (false when no line was sent). */
  readonly runId: number | false;
  readonly total: number;
  readonly counts: StatusCounts;
  /** One per line, in the order of the lines. */
  readonly outcomes: readonly LineOutcome[];
}

export interface ImportOptions {
  /** Lines per `import_batch` call, 1 to 5000. Default 500. */
  readonly batchSize?: number;
  /** Retries of transient errors per batch. Default: 5 retries from 500 ms, capped at 30 s. */
  readonly retry?: RetryPolicy;
  /** Index of the first line, when these lines continue a run imported in parts. Default 0. */
  readonly firstIndex?: number;
  /** External ids already seen earlier in the run (a resumed run): a repeat is `duplicate_line`. */
  readonly seen?: ReadonlySet<string>;
  /** After every batch (and once for the lines refused before sending). */
  readonly onProgress?: (progress: ImportProgress) => void;
  /** After each batch Odoo committed: its outcomes (checkpoint them to resume without re-importing). */
  readonly onBatch?: (outcomes: readonly LineOutcome[]) => void | Promise<void>;
  readonly signal?: AbortSignal;
}

export const DEFAULT_IMPORT_BATCH = 500;
const IMPORT_RETRY = retryPolicy({ limit: 5, backoffBaseMs: 500, backoffLimitMs: 30_000 });

export const emptyCounts = (): StatusCounts => ({ created: 0, unchanged: 0, superseded: 0, exception: 0 });

export type LineCheck = { readonly ok: true; readonly line: ForecastLine | ProposalLine } | { readonly ok: false; readonly reason: string };

/** Validate one inbound line; a refusal reads `invalid: <field>: <rule> (got <value>)`. */
export const checkLine = (kind: ImportKind, raw: unknown): LineCheck => {
  const parsed = (kind === 'forecast' ? ForecastLine : ProposalLine).safeParse(raw);
  return parsed.success ? { ok: true, line: parsed.data } : { ok: false, reason: `invalid: ${formatIssues(parsed.error, raw)}` };
};

/** The external id of a raw line as well as it can be read ("" when it has none). */
const externalIdOf = (raw: unknown): string => {
  const value = (raw as { external_id?: unknown } | null)?.external_id;
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : '';
};

/** `code: message` → its parts (a reason without a known code is `invalid`). */
const splitReason = (reason: string): { code: string; message: string } => {
  const match = /^([a-z_]+): ([\s\S]*)$/.exec(reason);
  return { code: match?.[1] ?? 'invalid', message: (match?.[2] ?? reason).slice(0, 2000) };
};

/** Import `lines` as (part of) one run. Resolves with one outcome per line; throws what retrying cannot fix. */
export const importLines = async (
  odoo: Pick<PlanSyncOdoo, 'importBatch'>,
  run: InboundRun,
  lines: readonly unknown[],
  options: ImportOptions = {},
): Promise<ImportSummary> => {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 5000)
    throw new RangeError(`batchSize must be an integer from 1 to 5000, got ${batchSize}`);
  const firstIndex = options.firstIndex ?? 0;
  const outcomes: Array<LineOutcome | undefined> = new Array<LineOutcome | undefined>(lines.length);
  const counts = emptyCounts();
  const seen = new Map<string, number>();
  for (const id of options.seen ?? []) seen.set(id, -1);
  const toSend: Array<{ index: number; line: unknown; refusal?: string }> = [];
  let done = 0;
  const settle = (position: number, outcome: LineOutcome) => {
    outcomes[position] = outcome;
    counts[outcome.status] += 1;
    done += 1;
  };

  lines.forEach((raw, position) => {
    const index = firstIndex + position;
    const externalId = externalIdOf(raw);
    const first = externalId ? seen.get(externalId) : undefined;
    // A line that is not an object is wrapped: Odoo keeps what came in the exception record.
    const asSent = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : { received: raw };
    if (first !== undefined) {
      const where = first >= 0 ? `line ${first + 1}` : 'an earlier part';
      toSend.push({
        index: position,
        line: asSent,
        refusal: `duplicate_line: external_id ${JSON.stringify(externalId)} is also ${where} of this run`,
      });
      return;
    }
    if (externalId) seen.set(externalId, index);
    const checked = checkLine(run.kind, raw);
    if (!checked.ok) toSend.push({ index: position, line: asSent, refusal: checked.reason });
    else toSend.push({ index: position, line: checked.line });
  });

  let runId: number | false = false;
  for (let start = 0; start < toSend.length; start += batchSize) {
    const batch = toSend.slice(start, start + batchSize);
    const result = await withRetry(
      () =>
        odoo.importBatch(
          run.source,
          run.externalRef,
          run.kind,
          batch.map((b) => b.line),
          run.generatedAt ?? false,
          batch.flatMap((b, i) => (b.refusal ? [{ index: i, ...splitReason(b.refusal) }] : [])),
        ),
      options.retry ?? IMPORT_RETRY,
      options.signal ? { signal: options.signal } : {},
    );
    if (result.results.length !== batch.length) {
      throw new OdooError(
        'ERR_ODOO_PROTOCOL',
        'config',
        `plansync.run.import_batch answered ${result.results.length} results for ${batch.length} lines; is the PlanSync addon up to date?`,
      );
    }
    runId = result.run_id;
    const settled = batch.map(({ index }, i) => {
      const r = result.results[i] as (typeof result.results)[number];
      const outcome: LineOutcome = { index: firstIndex + index, external_id: r.external_id, status: r.status, id: r.id, reason: r.reason };
      settle(index, outcome);
      return outcome;
    });
    await options.onBatch?.(settled);
    options.onProgress?.({ done, total: lines.length, counts: { ...counts } });
  }
  return { runId, total: lines.length, counts, outcomes: outcomes.filter((o): o is LineOutcome => o !== undefined) };
};
