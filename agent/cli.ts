#!/usr/bin/env node
/**
 * `plansync`: the agent's command line (yargs).
 *
 *   plansync run      the daemon: serves every endpoint until SIGTERM / SIGINT
 *   plansync once     one pass over every endpoint; exit 1 when something failed, was parked, or an endpoint that should be served is not
 *   plansync check    connection, addon, groups, endpoints, state store: says exactly what is wrong
 *   plansync status   the backlog per endpoint, as Odoo counts it
 *   plansync demo     the whole path on a fresh clone (stand-in → agent → loopback endpoint; a real Odoo only with --real)
 *   plansync import   one CSV or JSON file of forecasts or proposals into Odoo
 *   plansync backfill history (or current state) of one event type into planning endpoints' outboxes
 *   plansync plan     the embedded planner once: forecasts and proposals from Odoo's history into Odoo
 *   plansync snapshot a channel's full availability, as Odoo computes it now, sent to the channel
 *   plansync reconcile Odoo against the WMS's balances and what each channel was last sent
 *
 * Exit codes (README, "Exit codes"), the same for every command: 0 success; 1 partial or failed work
 * (Odoo or an endpoint failed, something was parked or left pending, an endpoint that should be
 * served is not: run again once fixed); 2 usage or configuration (an unknown option or value, a
 * missing argument, a bad config value, a port already taken, a malformed import file).
 *
 * Everything written to stdout and stderr, the log and the metrics routes goes through the secret
 * scrubber (agent/telemetry/redact.ts), installed before anything else.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { loadConfig, overrideFor, redactedConfig, type AgentConfig } from './config.ts';
import { runDemo } from './demo.ts';
import { ConfigError, describeError, isPlanSyncError } from './errors.ts';
import { PlanSyncOdoo } from './odoo/client.ts';
import { connectOdoo, logResolution } from './odoo/connect.ts';
import { Agent, AGENT_VERSION, connectionAdvice } from './runner.ts';
import { openStateStore } from './state/store.ts';
import { createLogger, type Logger } from './telemetry/log.ts';
import { AgentMetrics, type Health } from './telemetry/metrics.ts';
import { addSecretsOf, redactUrl, scrubProcessOutput, secretsOfEnv } from './telemetry/redact.ts';
import type { HeartbeatResult, HeartbeatStats } from '../shared-types/index.ts';
import { runCheck } from './check.ts';
import { runBackfill } from './commands/backfill.ts';
import { runImport } from './commands/import.ts';
import { runPlan } from './commands/plan.ts';
import { runSnapshot } from './commands/snapshot.ts';
import { runReconcile } from './commands/reconcile.ts';
import { HISTORY_KINDS } from '../shared-types/index.ts';

interface Common {
  readonly config?: string | undefined;
  readonly json?: boolean | undefined;
}

/** The agent, remembering the outcome of its last heartbeat for /healthz. */
class ObservedAgent extends Agent {
  lastHeartbeat: { readonly ok: true } | { readonly ok: false; readonly error: string; readonly at: string } | undefined;

  override async heartbeat(mode: HeartbeatStats['mode']): Promise<HeartbeatResult> {
    try {
      const result = await super.heartbeat(mode);
      this.lastHeartbeat = { ok: true };
      return result;
    } catch (error) {
      this.lastHeartbeat = { ok: false, error: describeError(error), at: new Date().toISOString() };
      throw error;
    }
  }
}

const makeAgent = (config: AgentConfig, logger: Logger, metrics?: AgentMetrics, only?: readonly string[]): ObservedAgent =>
  new ObservedAgent({
    config,
    odoo: new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(logger) })),
    openState: (database) => openStateStore({ url: config.state, database, receiptTtlMs: config.receiptTtlMs }),
    logger,
    ...(metrics ? { metrics } : {}),
    ...(only && only.length > 0 ? { only } : {}),
  });

/**
 * Whether an endpoint this agent does not serve is left alone on purpose: disabled in its config, or
 * not selected by `--endpoint`. Any other reason (no signing secret, no URL, a kind without a target)
 * means its events stay pending: `once` fails and /healthz says so.
 */
export const deliberatelyUnserved = (config: AgentConfig, code: string, only?: readonly string[]): boolean =>
  overrideFor(config, code).enabled === false || (only !== undefined && only.length > 0 && !only.includes(code));

/** What /healthz answers: which check failed and why. */
export const healthOf = (agent: ObservedAgent, config: AgentConfig): Health => {
  const failed: Array<{ check: string; reason: string }> = [];
  const beat = agent.lastHeartbeat;
  if (!beat) failed.push({ check: 'odoo', reason: 'no heartbeat has reached Odoo yet' });
  else if (!beat.ok) failed.push({ check: 'odoo', reason: `the last heartbeat failed (${beat.at}): ${beat.error}` });
  const notServed = Object.fromEntries(agent.notServed);
  for (const [code, reason] of agent.notServed) {
    if (!deliberatelyUnserved(config, code)) failed.push({ check: `endpoint ${code}`, reason: `not served: ${reason}` });
  }
  return failed.length === 0 ? { ok: true, detail: { notServed } } : { ok: false, failed, detail: { notServed } };
};

const fail = (error: unknown): never => {
  if (error instanceof ConfigError) {
    console.error(`plansync: configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(`plansync: ${describeError(error)}`);
  process.exit(1);
};

const commandRun = async (args: Common): Promise<void> => {
  const config = loadConfig({ file: args.config });
  const logger = createLogger(config.logLevel);
  const metrics = new AgentMetrics(true);
  const agent = makeAgent(config, logger, metrics);
  logger.info({ config: redactedConfig(config), version: AGENT_VERSION }, 'plansync agent starting');
  if (config.metricsPort) {
    const port = config.metricsPort;
    await metrics
      .serve(port, () => healthOf(agent, config))
      .catch((error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        throw new ConfigError(
          code === 'EADDRINUSE'
            ? `metrics_port / PLANSYNC_METRICS_PORT: port ${port} on 127.0.0.1 is already in use: choose another one`
            : `metrics_port / PLANSYNC_METRICS_PORT: cannot listen on 127.0.0.1:${port} (${code ?? (error as Error).message})`,
        );
      });
    logger.info({ port }, 'metrics on http://127.0.0.1:<port>/metrics');
  }
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now (held events are released when their lease expires)');
      process.exit(1);
    }
    logger.info({ signal }, 'stopping: finishing deliveries under way, releasing the rest');
    agent.stop();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  await agent.run();
  await agent.close();
  logger.info('plansync agent stopped');
  process.exit(0);
};

const commandOnce = async (args: Common & { endpoint?: string[] | undefined }): Promise<void> => {
  const config = loadConfig({ file: args.config });
  const only = args.endpoint?.filter((c) => c !== '');
  const agent = makeAgent(config, createLogger(config.logLevel), undefined, only);
  try {
    const summary = await agent.once();
    const pending = new Map((agent.lastConfig?.endpoints ?? []).map((e) => [e.code, e.pending ?? 0]));
    // An endpoint that should be served and is not: its events stay pending, the pass failed.
    const unserved = summary.endpoints.filter((e) => !e.served && !deliberatelyUnserved(config, e.code, only));
    if (only) {
      const unknown = only.filter((code) => !summary.endpoints.some((e) => e.code === code));
      if (unknown.length > 0)
        throw new ConfigError(
          `--endpoint: ${unknown.map((c) => JSON.stringify(c)).join(', ')}: no such endpoint in Odoo for this integration user`,
        );
    }
    if (args.json)
      console.log(
        JSON.stringify(
          {
            ...summary,
            ok: summary.ok && unserved.length === 0,
            unserved: unserved.map((e) => ({ code: e.code, reason: e.reason, pending: pending.get(e.code) ?? 0 })),
          },
          null,
          2,
        ),
      );
    else {
      for (const e of summary.endpoints) {
        console.log(
          e.served
            ? `${e.code}: claimed ${e.claimed}, delivered ${e.delivered}, already delivered ${e.skipped}, parked ${e.parked}, released ${e.released}${e.imported ? `, imported ${e.imported.lines} lines from ${e.imported.items} runs or files (${e.imported.exceptions} exceptions)` : ''}${e.lastError ? `; last error: ${e.lastError}` : ''}`
            : `${e.code}: not served: ${e.reason}${deliberatelyUnserved(config, e.code, only) ? '' : ` (${pending.get(e.code) ?? 0} events pending)`}`,
        );
      }
    }
    for (const e of unserved)
      console.error(
        `plansync: endpoint ${e.code} is not served: ${e.reason}; its ${pending.get(e.code) ?? 0} pending events stay in Odoo (fix it and run again)`,
      );
    await agent.close();
    process.exit(summary.ok && unserved.length === 0 ? 0 : 1);
  } catch (error) {
    await agent.close().catch(() => undefined);
    if (isPlanSyncError(error) && !(error instanceof ConfigError))
      console.error(
        `plansync: ${connectionAdvice(error, redactUrl(config.odoo.url)).replace(' (retrying)', '').replace(' (retrying with backoff)', '')}`,
      );
    fail(error);
  }
};

const commandStatus = async (args: Common): Promise<void> => {
  const config = loadConfig({ file: args.config });
  const odoo = new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(createLogger(config.logLevel)) }));
  try {
    const agent = new Agent({ config, odoo, openState: () => Promise.resolve(noState), logger: createLogger('silent') });
    const result = await agent.heartbeat('check');
    if (args.json) console.log(JSON.stringify(result.endpoints, null, 2));
    else {
      console.log(
        `Odoo ${redactUrl(config.odoo.url)} (${result.database.name}), addon ${result.addon_version}, server time ${result.server_time}`,
      );
      console.log(`${'endpoint'.padEnd(16)} ${'kind'.padEnd(9)} ${'pending'.padStart(8)} ${'dead'.padStart(6)} ${'lag'.padStart(8)}`);
      for (const e of result.endpoints) {
        console.log(
          `${e.code.padEnd(16)} ${e.kind.padEnd(9)} ${String(e.pending ?? 0).padStart(8)} ${String(e.dead ?? 0).padStart(6)} ${`${Math.round(e.lag_seconds ?? 0)} s`.padStart(8)}${e.blocked_since ? `  paused since ${e.blocked_since}: ${e.blocked_reason ?? ''}` : ''}`,
        );
      }
    }
    await odoo.close();
    process.exit(0);
  } catch (error) {
    await odoo.close().catch(() => undefined);
    console.error(`plansync: ${connectionAdvice(error, redactUrl(config.odoo.url)).replace(/ \(retrying.*\)$/, '')}`);
    fail(error);
  }
};

const noState = {
  receipts: () => Promise.resolve(new Map()),
  putReceipts: () => Promise.resolve(),
  getCheckpoint: () => Promise.resolve(undefined),
  setCheckpoint: () => Promise.resolve(),
  close: () => Promise.resolve(),
};

export const main = async (argv: string[]): Promise<void> => {
  scrubProcessOutput();
  addSecretsOf(secretsOfEnv(process.env));
  await yargs(argv)
    .scriptName('plansync')
    .usage("$0 <command> [options]\n\nThe PlanSync agent: delivers Odoo's outbox to planning, WMS and channel endpoints.")
    .option('config', { alias: 'c', type: 'string', describe: 'JSON config file (default: $PLANSYNC_CONFIG)' })
    .option('json', {
      type: 'boolean',
      describe: 'machine-readable output (once, check, status, import, backfill, plan, snapshot, reconcile)',
    })
    .command('run', 'run the daemon until SIGTERM/SIGINT', {}, (a) => commandRun(a as Common).catch(fail))
    .command(
      'once',
      'one pass over every endpoint, then exit (1 if anything failed, was parked, or an endpoint that should be served is not)',
      (y) =>
        y.option('endpoint', {
          type: 'string',
          array: true,
          describe: 'serve only this endpoint code (repeatable); the others are left alone',
        }),
      (a) => commandOnce(a as Common & { endpoint?: string[] }).catch(fail),
    )
    .command('check', 'check the connection, the addon, the groups, the endpoints and the state store', {}, async (a) => {
      const args = a as Common;
      const code = await runCheck({ file: args.config, json: Boolean(args.json) }).catch(fail);
      process.exit(code);
    })
    .command('status', 'show the backlog per endpoint', {}, (a) => commandStatus(a as Common).catch(fail))
    .command(
      'demo',
      'run the whole path on embedded defaults: Odoo stand-in → agent → loopback endpoint (a real Odoo only with --real)',
      (y) =>
        y
          .option('real', {
            type: 'boolean',
            default: false,
            describe: 'serve the real Odoo of ODOO_URL / the config instead of the stand-in (refused when the endpoint has pending events)',
          })
          .option('endpoint', {
            type: 'string',
            default: 'DEMO',
            describe: 'with --real: the endpoint to serve (redirected to the loopback sink)',
          }),
      async (a) => {
        const result = await runDemo({ env: process.env, endpoint: a.endpoint, real: a.real, config: a.config }).catch(fail);
        process.exit(result.ok ? 0 : 1);
      },
    )
    .command(
      'import <file>',
      'import one CSV or JSON file of forecasts or proposals into Odoo (exit 1 when some lines are exceptions, 2 when the file is malformed)',
      (y) =>
        y
          .positional('file', {
            type: 'string',
            demandOption: true,
            describe: 'a CSV file (docs/csv.md) or a JSON file (an array of lines, or {"lines": [...], "generated_at": "…"})',
          })
          .option('kind', { choices: ['proposal', 'forecast'] as const, demandOption: true, describe: 'what the file holds' })
          .option('source', { type: 'string', describe: 'the planning system (default: file)' })
          .option('ref', { type: 'string', describe: "the run's reference (default: the file name without extension)" }),
      async (a) => {
        const code = await runImport({ file: a.file, kind: a.kind, source: a.source, ref: a.ref, json: a.json, config: a.config }).catch(
          fail,
        );
        process.exit(code);
      },
    )
    .command(
      'backfill',
      "put history (demand lines) or current state into planning endpoints' outboxes page by page, delivering it as it goes; resumes after an interruption",
      (y) =>
        y
          .option('since', { type: 'string', demandOption: true, describe: 'YYYY-MM-DD: moves done on or after that day' })
          .option('endpoint', { type: 'string', describe: 'the endpoint code (default: every planning endpoint subscribed to the kind)' })
          .option('kind', { choices: HISTORY_KINDS, default: 'demand.line' as const, describe: 'the event type to backfill' })
          .option('page', { type: 'number', default: 1000, describe: 'records scanned per enqueue_history call (1 to 50000)' })
          .option('restart', {
            type: 'boolean',
            default: false,
            describe: 'start again from the first record even when a previous run completed',
          }),
      async (a) => {
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
        const code = await runBackfill({
          since: a.since,
          endpoint: a.endpoint,
          kind: a.kind,
          page: a.page,
          restart: a.restart,
          json: a.json,
          config: a.config,
          signal: stop.signal,
        }).catch(fail);
        process.exit(code);
      },
    )
    .command(
      'plan',
      "the embedded planner once: read Odoo's history and supply, forecast, and import proposals and forecasts as a run of source embedded",
      (y) =>
        y
          .option('warehouse', {
            type: 'string',
            array: true,
            describe: 'a warehouse code to plan (repeatable; default: planner.warehouses, else all)',
          })
          .option('dry-run', { type: 'boolean', default: false, describe: 'plan and print the summary without importing anything' })
          .option('out', { type: 'string', describe: 'also write the planned proposals and forecasts to this JSON file' }),
      async (a) => {
        const code = await runPlan({ warehouses: a.warehouse, dryRun: a['dry-run'], outFile: a.out, json: a.json, config: a.config }).catch(
          fail,
        );
        process.exit(code);
      },
    )
    .command(
      'snapshot',
      'send a sales channel every product × warehouse figure Odoo computes for it now (its definition, allocation and SKU mapping), besides the stream of changes',
      (y) =>
        y
          .option('endpoint', { type: 'string', demandOption: true, describe: 'the channel endpoint code' })
          .option('warehouse', { type: 'string', array: true, describe: "a warehouse code (repeatable; default: the endpoint's)" })
          .option('dry-run', { type: 'boolean', default: false, describe: 'compute and count without sending' }),
      async (a) => {
        const stop = new AbortController();
        process.once('SIGTERM', () => stop.abort());
        process.once('SIGINT', () => stop.abort());
        const code = await runSnapshot({
          endpoint: a.endpoint,
          warehouses: a.warehouse,
          dryRun: a['dry-run'],
          json: a.json,
          config: a.config,
          signal: stop.signal,
        }).catch(fail);
        process.exit(code);
      },
    )
    .command(
      'reconcile',
      "compare Odoo with the WMS's balances and with what each channel was last sent; differences beyond tolerance become discrepancies in Odoo (never a silent overwrite)",
      (y) =>
        y
          .option('endpoint', {
            type: 'string',
            array: true,
            describe: 'a WMS or channel endpoint code (repeatable; default: every active one)',
          })
          .option('warehouse', { type: 'string', array: true, describe: "a warehouse code (repeatable; default: each endpoint's)" }),
      async (a) => {
        const stop = new AbortController();
        process.once('SIGTERM', () => stop.abort());
        process.once('SIGINT', () => stop.abort());
        const code = await runReconcile({
          endpoints: a.endpoint,
          warehouses: a.warehouse,
          json: a.json,
          config: a.config,
          signal: stop.signal,
        }).catch(fail);
        process.exit(code);
      },
    )
    .demandCommand(1, 'name a command: run, once, check, status, demo, import, backfill, plan, snapshot or reconcile')
    .strict()
    // Usage errors (an unknown command or option, a value outside the choices, a missing argument): exit 2.
    .fail((message, error) => {
      if (error) fail(error);
      console.error(`plansync: ${message ?? 'usage error'} (plansync --help lists the commands and options)`);
      process.exit(2);
    })
    .help()
    .version(AGENT_VERSION)
    .parseAsync();
};

await main(hideBin(process.argv));
