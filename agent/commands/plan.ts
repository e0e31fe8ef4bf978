/**
 * `plansync plan [--warehouse CODE ...] [--dry-run] [--out FILE] [--json]`: the embedded planner once
 * (docs/planner.md). Reads the planning snapshot from Odoo, plans every product × warehouse, imports
 * the proposals and forecasts as a run of source `embedded`, and prints a summary: items per demand
 * class, proposals per kind, the import's counts and the first exceptions a planner will see.
 *
 * Exit code 0 when the run was imported (exceptions are the planners' to handle in Odoo), 1 when
 * Odoo failed midway (run it again: the batches Odoo took stay imported and a newer run supersedes
 * the open proposals of the older one), 2 for a configuration error or an `--out` file that cannot be
 * written (checked before anything is read or imported).
 */
import { redactUrl } from '../telemetry/redact.ts';
import { accessSync, constants, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describeError } from '../errors.ts';
import { PlanSyncOdoo } from '../odoo/client.ts';
import { connectOdoo, logResolution } from '../odoo/connect.ts';
import { createLogger } from '../telemetry/log.ts';
import { countsOf, EMBEDDED_SOURCE, runEmbeddedPlan, type EmbeddedPlanReport } from '../pipeline/plan.ts';
import { connectionAdvice } from '../runner.ts';
import { createProgress } from '../telemetry/progress.ts';
import { commandConfig, type CommandIO } from './io.ts';

export interface PlanCommand extends CommandIO {
  readonly warehouses?: readonly string[] | undefined;
  readonly dryRun?: boolean | undefined;
  /** Write the planned lines (proposals and forecasts) as JSON to this file. */
  readonly outFile?: string | undefined;
}

const SHOWN = 10;

export const summaryLines = (report: EmbeddedPlanReport, dryRun: boolean): string[] => {
  const lines: string[] = [];
  const classes = Object.entries(report.classes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  const p = report.proposals;
  lines.push(
    `planned ${report.items} product × warehouse items as of ${report.asOf} (run ${JSON.stringify(report.ref)}, source ${EMBEDDED_SOURCE})`,
  );
  lines.push(`  demand classes: ${classes || 'none'}`);
  lines.push(
    `  proposals: purchase ${p.purchase}, transfer ${p.transfer}, parameter ${p.parameter} (${report.flagged} flagged for a look); forecast lines ${report.forecasts}`,
  );
  if (dryRun) {
    lines.push('  dry run: nothing was imported');
  } else {
    const c = countsOf(report.proposalImport);
    const f = countsOf(report.forecastImport);
    lines.push(
      `  proposals imported: created ${c.created}, unchanged ${c.unchanged}, superseded ${c.superseded}, exception ${c.exception}`,
    );
    lines.push(
      `  forecasts imported: created ${f.created}, unchanged ${f.unchanged}, superseded ${f.superseded}, exception ${f.exception}`,
    );
    const exceptions = report.proposalImport ? report.proposalImport.outcomes.filter((o) => o.status === 'exception') : [];
    if (exceptions.length > 0) {
      lines.push(
        `  exceptions (${Math.min(SHOWN, exceptions.length)} of ${exceptions.length}; planners see them in Odoo under Inventory > PlanSync > Exceptions):`,
      );
      for (const e of exceptions.slice(0, SHOWN)) lines.push(`    ${e.external_id}: ${e.reason}`);
    }
  }
  const s = report.seconds;
  lines.push(`  time: read ${s.read.toFixed(1)} s, plan ${s.plan.toFixed(2)} s, import ${s.import.toFixed(1)} s`);
  return lines;
};

/** Why `--out FILE` cannot be written, or undefined: checked before anything is read or imported. */
export const outFileProblem = (file: string): string | undefined => {
  const path = resolve(file);
  const dir = dirname(path);
  try {
    if (!statSync(dir).isDirectory()) return `--out ${JSON.stringify(file)}: ${dir} is not a directory`;
    accessSync(dir, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return `--out ${JSON.stringify(file)}: the folder ${dir} ${code === 'ENOENT' ? 'does not exist' : code === 'EACCES' || code === 'EPERM' ? 'is not writable' : `cannot be used (${code ?? (error as Error).message})`}`;
  }
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return `--out ${JSON.stringify(file)}: is a directory`;
    accessSync(path, constants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') return `--out ${JSON.stringify(file)}: the file exists and is not writable (${code ?? ''})`;
  }
  return undefined;
};

export const runPlan = async (command: PlanCommand): Promise<number> => {
  const print = command.out ?? ((line: string) => console.log(line));
  const err = command.err ?? ((line: string) => console.error(line));
  const config = commandConfig(command, err);
  if (!config) return 2;
  const outProblem = command.outFile === undefined ? undefined : outFileProblem(command.outFile);
  if (outProblem) {
    err(`plansync plan: ${outProblem}; nothing was planned or imported`);
    return 2;
  }
  const warehouses = command.warehouses && command.warehouses.length > 0 ? command.warehouses : config.planner.warehouses;
  const odoo = new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(createLogger(config.logLevel)) }));
  const progress = createProgress(command.progress);
  let bar: ReturnType<typeof progress.bar> | undefined;
  let phase = '';
  let report: EmbeddedPlanReport;
  try {
    report = await runEmbeddedPlan(odoo, {
      warehouses,
      historyWeeks: config.planner.historyWeeks,
      horizonWeeks: config.planner.horizonWeeks,
      reviewWeeks: config.planner.reviewWeeks,
      dryRun: Boolean(command.dryRun),
      onPhase: (name, done, total) => {
        if (name !== phase) {
          phase = name;
          bar = progress.bar(name, total, name === 'read' || name === 'plan' ? 'items' : 'lines');
        }
        bar?.update(done);
      },
    });
  } catch (error) {
    progress.stop();
    const message = describeError(error);
    err(`plansync plan: ${message}`);
    if (/warehouses/.test(message) && /ValidationError|UserError/.test(message)) return 2;
    err(
      `plansync plan: ${connectionAdvice(error, redactUrl(config.odoo.url)).replace(/ \(retrying.*\)$/, '')}; the batches Odoo took stay imported: plan again (the newer run supersedes what is still open)`,
    );
    return 1;
  } finally {
    await odoo.close().catch(() => undefined);
  }
  progress.stop();
  if (command.outFile) writeFileSync(command.outFile, `${JSON.stringify(report.lines, null, 2)}\n`);
  if (command.json) {
    const { lines, proposalImport, forecastImport, ...rest } = report;
    print(
      JSON.stringify(
        {
          ...rest,
          proposal_counts: countsOf(proposalImport),
          forecast_counts: countsOf(forecastImport),
          run_ids: { proposal: proposalImport ? proposalImport.runId : false, forecast: forecastImport ? forecastImport.runId : false },
          exceptions: proposalImport
            ? proposalImport.outcomes.filter((o) => o.status === 'exception').map((o) => ({ external_id: o.external_id, reason: o.reason }))
            : [],
          planned: lines.proposals.length,
        },
        null,
        2,
      ),
    );
  } else {
    for (const line of summaryLines(report, Boolean(command.dryRun))) print(line);
  }
  return 0;
};
