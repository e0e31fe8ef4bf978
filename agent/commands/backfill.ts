/**
 * `plansync backfill --since YYYY-MM-DD [--endpoint CODE] [--kind demand.line] [--page N] [--restart]`:
 * puts history (or the current state of a state type) into the outbox of planning endpoints, page by
 * page through `enqueue_history`, while this process delivers it with the endpoint's normal pipeline
 * (EndpointWorker, claim limit 500): retries, dead letters and receipts all apply.
 *
 * The cursor is checkpointed in the state store after each page Odoo committed, keyed by endpoint,
 * kind and since: an interrupted backfill resumes from it; a finished one says "already complete" and
 * changes nothing (unless --restart). A page enqueued but not checkpointed before a crash is scanned
 * again and skipped by Odoo (it never enqueues one record twice). Without --endpoint: every endpoint
 * of kind planning subscribed to the kind.
 */
import { redactUrl } from '../telemetry/redact.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { HISTORY_KINDS, isCalendarDate, type EndpointConfig, type HeartbeatResult, type HistoryKind } from '../../shared-types/index.ts';
import type { AgentConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import { PlanSyncOdoo } from '../odoo/client.ts';
import { connectOdoo, logResolution } from '../odoo/connect.ts';
import { EndpointWorker } from '../pipeline/worker.ts';
import { retryPolicy, withRetry } from '../retry.ts';
import { AGENT_VERSION, connectionAdvice, loopDelay } from '../runner.ts';
import { openStateStore, type StateStore } from '../state/store.ts';
import { createTarget, effectiveEndpoint } from '../targets/index.ts';
import { createLogger, type Logger } from '../telemetry/log.ts';
import { createProgress, formatRate, type Progress } from '../telemetry/progress.ts';
import { commandConfig, type CommandIO } from './io.ts';

export interface BackfillCommand extends CommandIO {
  /** `YYYY-MM-DD`: for demand.line, moves done on or after that day. */
  readonly since: string;
  readonly endpoint?: string | undefined;
  /** Default demand.line. */
  readonly kind?: HistoryKind | undefined;
  /** Records scanned per enqueue_history call, 1 to 50000. Default 1000. */
  readonly page?: number | undefined;
  /** Start again from the first record even when a checkpoint says done. */
  readonly restart?: boolean | undefined;
  /** Aborting stops enqueueing after the page under way and lets deliveries under way finish. */
  readonly signal?: AbortSignal;
}

export interface BackfillCheckpoint {
  readonly cursor: number;
  readonly done: boolean;
  /** Totals over every run of this backfill. */
  readonly enqueued: number;
  readonly skipped: number;
  readonly finishedAt: string | false;
}

export interface EndpointBackfill {
  readonly endpoint: string;
  readonly status: 'complete' | 'already complete' | 'interrupted' | 'failed';
  readonly enqueued: number;
  readonly skipped: number;
  readonly delivered: number;
  readonly parked: number;
  /** Rows still pending in the endpoint's outbox when this process stopped delivering. */
  readonly pending: number;
  readonly seconds: number;
  readonly rate: number;
  readonly detail: string;
}

export const CLAIM_LIMIT = 500;
// Patient: a backfill runs for hours, and Odoo restarting (a deploy, or its own limit_time_real) must not end it.
const ENQUEUE_RETRY = retryPolicy({ limit: 10, backoffBaseMs: 500, backoffLimitMs: 30_000 });

export const checkpointName = (endpoint: string, kind: string, since: string): string => `backfill:${endpoint}:${kind}:${since}`;

const fresh = (): BackfillCheckpoint => ({ cursor: 0, done: false, enqueued: 0, skipped: 0, finishedAt: false });

export const runBackfill = async (command: BackfillCommand): Promise<number> => {
  const out = command.out ?? ((line: string) => console.log(line));
  const err = command.err ?? ((line: string) => console.error(line));
  const kind = command.kind ?? 'demand.line';
  const page = command.page ?? 1000;
  const usage = (message: string) => {
    err(`plansync backfill: ${message}`);
    return 2;
  };
  if (!/^\d{4}-\d{2}-\d{2}$/.test(command.since) || !isCalendarDate(command.since))
    return usage(`--since must be a date YYYY-MM-DD, got ${JSON.stringify(command.since)}`);
  if (!(HISTORY_KINDS as readonly string[]).includes(kind))
    return usage(`--kind must be one of ${HISTORY_KINDS.join(', ')}, got ${JSON.stringify(kind)}`);
  if (!Number.isInteger(page) || page < 1 || page > 50_000)
    return usage(`--page must be an integer from 1 to 50000, got ${JSON.stringify(page)}`);
  const config = commandConfig(command, err);
  if (!config) return 2;
  const logger = createLogger(config.logLevel);
  const odoo = new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(logger) }));
  const stats = (mode: 'once' | 'check') => ({
    version: AGENT_VERSION,
    host: '',
    pid: process.pid,
    started_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    mode,
    endpoints: {},
  });
  let state: StateStore | undefined;
  try {
    let hb: HeartbeatResult;
    try {
      hb = await odoo.heartbeat(config.consumer, stats('once'));
    } catch (error) {
      err(`plansync backfill: ${describeError(error)}`);
      err(`plansync backfill: ${connectionAdvice(error, redactUrl(config.odoo.url)).replace(/ \(retrying.*\)$/, '')}`);
      return 1;
    }
    let targets: EndpointConfig[];
    if (command.endpoint) {
      const found = hb.endpoints.find((e) => e.code === command.endpoint);
      if (!found)
        return usage(
          `endpoint ${JSON.stringify(command.endpoint)} is not an active endpoint of ${config.odoo.login}'s companies (${hb.endpoints.map((e) => e.code).join(', ') || 'none'})`,
        );
      if (!found.event_types.includes(kind))
        return usage(`endpoint ${found.code} does not subscribe to ${kind}: add it to the endpoint's event types in Odoo`);
      targets = [found];
    } else {
      targets = hb.endpoints.filter((e) => e.kind === 'planning' && e.event_types.includes(kind));
      if (targets.length === 0) return usage(`no active endpoint of kind planning subscribes to ${kind}; name one with --endpoint CODE`);
    }
    state = await openStateStore({ url: config.state, database: hb.database.uuid, receiptTtlMs: config.receiptTtlMs });
    const results: EndpointBackfill[] = [];
    for (const endpoint of targets) {
      if (command.signal?.aborted) break;
      const progress = createProgress(command.progress);
      try {
        results.push(await backfillOne({ command, kind, page, config, hb, odoo, state, logger, endpoint, progress, out }));
      } finally {
        progress.stop();
      }
    }
    if (command.json) out(JSON.stringify({ since: command.since, kind, endpoints: results }, null, 2));
    else {
      for (const r of results) {
        out(
          r.status === 'already complete'
            ? `${r.endpoint}: already complete (${r.detail}); nothing changed (--restart runs it again)`
            : `${r.endpoint}: ${r.status}: enqueued ${r.enqueued}, skipped ${r.skipped}, delivered ${r.delivered}, parked ${r.parked}, ${r.seconds.toFixed(1)} s, ${formatRate(r.rate)}${r.pending ? `; ${r.pending} still pending in the outbox (the daemon delivers them)` : ''}${r.detail ? `; ${r.detail}` : ''}`,
        );
      }
    }
    return results.every((r) => r.status === 'complete' || r.status === 'already complete') &&
      results.every((r) => r.parked === 0 && r.pending === 0)
      ? 0
      : 1;
  } finally {
    await state?.close().catch(() => undefined);
    await odoo.close().catch(() => undefined);
  }
};

interface One {
  readonly command: BackfillCommand;
  readonly kind: HistoryKind;
  readonly page: number;
  readonly config: AgentConfig;
  readonly hb: HeartbeatResult;
  readonly odoo: PlanSyncOdoo;
  readonly state: StateStore;
  readonly logger: Logger;
  readonly endpoint: EndpointConfig;
  readonly progress: Progress;
  readonly out: (line: string) => void;
}

const backfillOne = async ({
  command,
  kind,
  page,
  config,
  hb,
  odoo,
  state,
  logger,
  endpoint,
  progress,
}: One): Promise<EndpointBackfill> => {
  const code = endpoint.code;
  const key = checkpointName(code, kind, command.since);
  const stored = await state.getCheckpoint<BackfillCheckpoint>(key);
  const base = { endpoint: code, enqueued: 0, skipped: 0, delivered: 0, parked: 0, pending: 0, seconds: 0, rate: 0 };
  if (stored?.done && !command.restart) {
    return {
      ...base,
      status: 'already complete',
      detail: `enqueued ${stored.enqueued}, skipped ${stored.skipped}, finished ${String(stored.finishedAt)}`,
    };
  }
  let checkpoint = stored && !command.restart ? stored : fresh();
  const started = Date.now();
  const signal = command.signal;
  const settings = effectiveEndpoint(endpoint, config);
  const choice = createTarget(settings, config);
  const worker = choice.ok
    ? new EndpointWorker({
        endpoint: code,
        consumer: config.consumer,
        odoo,
        target: choice.target,
        state,
        claimLimit: CLAIM_LIMIT,
        leaseSeconds: config.leaseSeconds ?? hb.settings.lease_seconds,
        batchSize: settings.batchSize,
        concurrency: settings.concurrency,
        rateLimit: settings.rateLimit,
        logger,
      })
    : undefined;
  const enqueuedBar = progress.bar(`${code} enqueued`, 0, 'records');
  const deliveredBar = progress.bar(`${code} delivered`, 0, 'events');
  let enqueued = 0;
  let skipped = 0;
  let delivered = 0;
  let parked = 0;
  let enqueueDone = checkpoint.done;
  let failure = '';

  const enqueueing = (async () => {
    while (!checkpoint.done && !signal?.aborted) {
      const cursor = checkpoint.cursor;
      const result = await withRetry(
        () => odoo.enqueueHistory(code, kind, command.since, cursor, page),
        ENQUEUE_RETRY,
        signal ? { signal } : {},
      );
      enqueued += result.enqueued;
      skipped += result.skipped;
      checkpoint = {
        cursor: result.cursor,
        done: result.done,
        enqueued: checkpoint.enqueued + result.enqueued,
        skipped: checkpoint.skipped + result.skipped,
        finishedAt: result.done ? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z') : false,
      };
      await state.setCheckpoint(key, checkpoint);
      enqueuedBar.update(enqueued + skipped, enqueued + skipped + result.remaining);
      deliveredBar.update(delivered, Math.max(enqueued, delivered));
    }
  })()
    .catch((error: unknown) => {
      if (!signal?.aborted) failure = `enqueue_history failed: ${describeError(error)}`;
    })
    .finally(() => {
      enqueueDone = true;
    });

  const pendingNow = async (): Promise<number> => {
    const now = await odoo.heartbeat(config.consumer, {
      version: AGENT_VERSION,
      host: '',
      pid: process.pid,
      started_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      mode: 'check',
      endpoints: {},
    });
    return now.endpoints.find((e) => e.code === code)?.pending ?? 0;
  };

  let pending = 0;
  const delivering = (async () => {
    if (!worker) return;
    const poll = (config.pollSeconds ?? hb.settings.poll_seconds) * 1000;
    // Rows in flight under another consumer's lease come back when it acks them or the lease expires.
    const drainWaitMs = ((config.leaseSeconds ?? hb.settings.lease_seconds) + 5) * 1000;
    let drainDeadline = 0;
    let failures = 0;
    while (!signal?.aborted) {
      let pass;
      try {
        pass = await worker.pass();
      } catch (error) {
        failures += 1;
        logger.warn({ endpoint: code, err: describeError(error) }, 'claim failed: retrying');
        await sleep(Math.min(loopDelay(failures, error), 5000));
        continue;
      }
      delivered += pass.delivered + pass.skipped;
      parked += pass.parked;
      deliveredBar.update(delivered, Math.max(enqueued, delivered));
      if (pass.error) {
        failures += 1;
        await sleep(Math.min(loopDelay(failures, pass.error), 5000));
        continue;
      }
      failures = 0;
      if (pass.claimed > 0) continue;
      if (!enqueueDone) {
        await sleep(Math.min(poll, 200));
        continue;
      }
      pending = await pendingNow();
      if (pending === 0) break;
      drainDeadline ||= Date.now() + drainWaitMs;
      if (Date.now() > drainDeadline) break;
      await sleep(Math.min(poll, 500));
    }
  })();

  await Promise.all([enqueueing, delivering]);
  await worker?.close();
  const seconds = (Date.now() - started) / 1000;
  const status = failure ? 'failed' : signal?.aborted || !checkpoint.done ? 'interrupted' : 'complete';
  const detail = [
    failure,
    choice.ok ? '' : `not delivered by this process: ${choice.reason}`,
    status === 'interrupted' ? 'run the same command again to resume' : '',
  ]
    .filter(Boolean)
    .join('; ');
  return {
    endpoint: code,
    status,
    enqueued,
    skipped,
    delivered,
    parked,
    pending: worker ? pending : 0,
    seconds,
    rate: delivered / Math.max(seconds, 0.001),
    detail,
  };
};
