/**
 * The planning platform over files (docs/planning.md, kind `planning`, URL `file:///dir`).
 *
 * Out: each delivered batch becomes one CSV file per event type,
 * `<dir>/out/<type>/<type>-<UTC timestamp>-<first id>-<last id>.csv`, written under a temporary name
 * (`.<name>.tmp`, same directory) and renamed once complete, so a reader never sees half a file.
 *
 * In: `<dir>/in/forecasts_<ref>.csv` and `<dir>/in/proposals_<ref>.csv` are imported as the run `<ref>`
 * of source `csv:<endpoint code>`, then moved to `<dir>/in/done/` with `<name>.result.csv` (one line
 * per input line: external_id, status, reason); a malformed file is moved to `<dir>/in/rejected/` with
 * `<name>.errors.txt` (the line and the column of each problem) and nothing of it is imported. Other
 * names (a platform's temporary files) are left alone: platforms write under another name and rename.
 */
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import type { Envelope, EnvelopeBase, ImportKind } from '../../../shared-types/index.ts';
import { TargetError, type PlanSyncError } from '../../errors.ts';
import type { PlanSyncOdoo } from '../../odoo/client.ts';
import { emptyCounts, importLines } from '../../pipeline/inbound.ts';
import type { RetryPolicy } from '../../retry.ts';
import type { Logger } from '../../telemetry/log.ts';
import type { DeliveryOutcome, InboundSource, PollReport, Target } from '../target.ts';
import { describeProblem, parseLinesCsv } from './csv-lines.ts';
import { columnsFor, eventsCsv } from './csv-events.ts';

export interface FileExchangeOptions {
  readonly code: string;
  /** The exchange directory (the endpoint's `file://` URL as a path). It must exist. */
  readonly dir: string;
  /** Clock for file names. */
  readonly now?: () => number;
}

const CONFIG_CODES = new Set(['ENOENT', 'EACCES', 'EPERM', 'EROFS', 'ENOTDIR']);

const fileError = (code: string, what: string, error: unknown): PlanSyncError => {
  const errno = (error as { code?: string }).code ?? '';
  return new TargetError(
    'ERR_TARGET_UNAVAILABLE',
    CONFIG_CODES.has(errno) ? 'config' : 'transient',
    `${code}: ${what}: ${(error as Error).message}`,
    { cause: error },
  );
};

/** `20261130T081000Z`: a UTC timestamp that every file system takes in a name. */
export const fileTimestamp = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');

/** Write `content` to `path` through a temporary name in the same directory, then rename. */
const writeAtomically = async (dir: string, name: string, content: string): Promise<void> => {
  const temporary = join(dir, `.${name}.tmp`);
  await writeFile(temporary, content, { flag: 'w' });
  await rename(temporary, join(dir, name));
};

export class FileExchangeTarget implements Target {
  readonly code: string;
  private readonly options: FileExchangeOptions;

  constructor(options: FileExchangeOptions) {
    this.code = options.code;
    this.options = options;
  }

  async deliver(events: readonly Envelope[]): Promise<DeliveryOutcome> {
    const byType = new Map<string, EnvelopeBase[]>();
    const rejected: Array<{ id: number; reason: string }> = [];
    for (const event of events) {
      if (!columnsFor(event.type)) {
        rejected.push({ id: event.id, reason: `the file exchange has no CSV layout for ${event.type} (docs/csv.md)` });
        continue;
      }
      byType.set(event.type, [...(byType.get(event.type) ?? []), event]);
    }
    const delivered: number[] = [];
    const failed: Array<{ ids: number[]; error: PlanSyncError }> = [];
    const stamp = fileTimestamp((this.options.now ?? Date.now)());
    for (const [type, group] of byType) {
      const ids = group.map((e) => e.id);
      const dir = join(this.options.dir, 'out', type);
      const name = `${type}-${stamp}-${Math.min(...ids)}-${Math.max(...ids)}.csv`;
      try {
        await mkdir(dir, { recursive: true });
        await writeAtomically(dir, name, eventsCsv(type, group));
        delivered.push(...ids);
      } catch (error) {
        failed.push({ ids, error: fileError(this.code, `cannot write ${join(dir, name)}`, error) });
      }
    }
    return { delivered, rejected, failed };
  }

  close(): void {}
}

export interface FileInboxOptions {
  readonly code: string;
  readonly dir: string;
  readonly odoo: Pick<PlanSyncOdoo, 'importBatch'>;
  readonly logger: Logger;
  /** Lines per import_batch call. Default 500. */
  readonly batchSize?: number;
  readonly retry?: RetryPolicy;
}

const INBOX_NAME = /^(forecasts|proposals)_(.+)\.csv$/;

export class FileInboxPoller implements InboundSource {
  readonly code: string;
  private readonly options: FileInboxOptions;

  constructor(options: FileInboxOptions) {
    this.code = options.code;
    this.options = options;
  }

  /** Import every waiting file once, oldest name first. */
  async poll(signal?: AbortSignal): Promise<PollReport> {
    const { dir, code, logger } = this.options;
    const inbox = join(dir, 'in');
    const report = { items: 0, lines: 0, counts: emptyCounts() };
    let names: string[];
    try {
      names = (await readdir(inbox, { withFileTypes: true })).filter((e) => e.isFile() && INBOX_NAME.test(e.name)).map((e) => e.name);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return report; // no inbox yet: nothing to import
      throw fileError(code, `cannot list ${inbox}`, error);
    }
    for (const name of names.sort()) {
      if (signal?.aborted) break;
      const [, prefix, ref] = INBOX_NAME.exec(name) as RegExpExecArray;
      const kind: ImportKind = prefix === 'forecasts' ? 'forecast' : 'proposal';
      const path = join(inbox, name);
      const parsed = parseLinesCsv(kind, await readFile(path, 'utf8'));
      if (!parsed.ok) {
        const rejected = join(inbox, 'rejected');
        await mkdir(rejected, { recursive: true });
        await writeAtomically(
          rejected,
          `${name}.errors.txt`,
          `${name} was not imported: the file is malformed.\n${parsed.problems.map((p) => `${describeProblem(p)}\n`).join('')}`,
        );
        await rename(path, join(rejected, name));
        logger.warn({ endpoint: code, file: name, problems: parsed.problems.length }, 'planning file rejected: malformed');
        report.items += 1;
        continue;
      }
      const summary = await importLines(
        this.options.odoo,
        { source: `csv:${code}`.slice(0, 64), externalRef: (ref ?? name).slice(0, 128), kind },
        parsed.lines,
        {
          ...(this.options.batchSize ? { batchSize: this.options.batchSize } : {}),
          ...(this.options.retry ? { retry: this.options.retry } : {}),
          ...(signal ? { signal } : {}),
        },
      );
      const done = join(inbox, 'done');
      await mkdir(done, { recursive: true });
      const rows = summary.outcomes.map((o) => [o.external_id, o.status, o.reason]);
      await writeAtomically(
        done,
        `${name}.result.csv`,
        stringify(rows, { header: true, columns: ['external_id', 'status', 'reason'], record_delimiter: 'unix' }),
      );
      await rename(path, join(done, name));
      logger.info({ endpoint: code, file: name, ...summary.counts }, 'planning file imported');
      report.items += 1;
      report.lines += summary.total;
      for (const status of Object.keys(report.counts) as Array<keyof typeof report.counts>) report.counts[status] += summary.counts[status];
    }
    return report;
  }
}
