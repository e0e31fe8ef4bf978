/**
 * `plansync import FILE --kind proposal|forecast [--source S] [--ref R] [--json]`: imports one CSV or
 * JSON file of planning lines by hand (docs/planning.md), with progress on stderr and a summary per
 * status. Exit code 0 when no line is an exception, 1 when some are (or Odoo failed midway: run the
 * same command again, it changes nothing twice), 2 for a malformed file or configuration.
 */
import { redactUrl } from '../telemetry/redact.ts';
import type { ImportKind } from '../../shared-types/index.ts';
import { describeError } from '../errors.ts';
import { PlanSyncOdoo } from '../odoo/client.ts';
import { connectOdoo, logResolution } from '../odoo/connect.ts';
import { createLogger } from '../telemetry/log.ts';
import { readImportFile, refOfFile } from '../pipeline/import-file.ts';
import { importLines, type ImportSummary } from '../pipeline/inbound.ts';
import { connectionAdvice } from '../runner.ts';
import { createProgress } from '../telemetry/progress.ts';
import { commandConfig, type CommandIO } from './io.ts';

export interface ImportCommand extends CommandIO {
  readonly file: string;
  readonly kind: ImportKind;
  /** Default `file`. */
  readonly source?: string | undefined;
  /** Default: the file name without its extension. */
  readonly ref?: string | undefined;
  /** Lines per import_batch call. Default 500. */
  readonly batchSize?: number;
}

/** How many exceptions the summary lists. */
const SHOWN = 10;

export const runImport = async (command: ImportCommand): Promise<number> => {
  const out = command.out ?? ((line: string) => console.log(line));
  const err = command.err ?? ((line: string) => console.error(line));
  const config = commandConfig(command, err);
  if (!config) return 2;
  const source = command.source ?? 'file';
  const ref = command.ref ?? refOfFile(command.file);
  if (source.length < 1 || source.length > 64) {
    err(`plansync import: --source must be 1 to 64 characters, got ${JSON.stringify(source)}`);
    return 2;
  }
  if (ref.length < 1 || ref.length > 128) {
    err(`plansync import: --ref must be 1 to 128 characters, got ${JSON.stringify(ref)}`);
    return 2;
  }
  const file = readImportFile(command.file, command.kind);
  if (!file.ok) {
    err(`plansync import: ${command.file} is malformed; nothing was imported:`);
    for (const problem of file.problems) err(`  ${problem}`);
    return 2;
  }

  const started = Date.now();
  const odoo = new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(createLogger(config.logLevel)) }));
  const progress = createProgress(command.progress);
  const bar = progress.bar('import', file.lines.length, 'lines');
  let summary: ImportSummary;
  try {
    summary = await importLines(odoo, { source, externalRef: ref, kind: command.kind, generatedAt: file.generatedAt }, file.lines, {
      ...(command.batchSize ? { batchSize: command.batchSize } : {}),
      onProgress: (p) => bar.update(p.done),
    });
  } catch (error) {
    progress.stop();
    err(`plansync import: ${describeError(error)}`);
    err(
      `plansync import: ${connectionAdvice(error, redactUrl(config.odoo.url)).replace(/ \(retrying.*\)$/, '')}; the batches Odoo took stay imported: run the same command again to import the rest (it changes nothing twice)`,
    );
    return 1;
  } finally {
    await odoo.close().catch(() => undefined);
  }
  progress.stop();
  const seconds = (Date.now() - started) / 1000;
  const exceptions = summary.outcomes
    .filter((o) => o.status === 'exception')
    .map((o) => ({ where: file.where[o.index] ?? `#${o.index + 1}`, external_id: o.external_id, reason: o.reason }));
  if (command.json) {
    out(
      JSON.stringify(
        {
          file: command.file,
          source,
          ref,
          kind: command.kind,
          run_id: summary.runId,
          total: summary.total,
          counts: summary.counts,
          exceptions,
          seconds,
        },
        null,
        2,
      ),
    );
  } else {
    const c = summary.counts;
    out(
      `imported ${command.file} as run ${JSON.stringify(ref)} of source ${JSON.stringify(source)} (${command.kind}): ${summary.total} lines in ${seconds.toFixed(1)} s`,
    );
    out(`  created ${c.created}, unchanged ${c.unchanged}, superseded ${c.superseded}, exception ${c.exception}`);
    if (exceptions.length > 0) {
      out(`exceptions (${Math.min(SHOWN, exceptions.length)} of ${exceptions.length}; a planner sees them in Odoo):`);
      for (const e of exceptions.slice(0, SHOWN)) out(`  ${e.where}  ${e.external_id || '(no external_id)'}: ${e.reason}`);
    }
  }
  return summary.counts.exception > 0 ? 1 : 0;
};
