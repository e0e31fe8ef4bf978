/**
 * The agent: connects to Odoo, serves every endpoint it has a target for, reports its health.
 *
 * `run()` is the daemon: one pipeline per endpoint (several claim loops share its delivery queue),
 * a heartbeat that brings Odoo's configuration back (endpoints added, changed or removed take effect
 * without a restart), backoff when Odoo or an endpoint is down, and a graceful stop.
 * `once()` drains every endpoint once and returns a summary.
 */
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EndpointConfig, HeartbeatResult, HeartbeatStats } from '../shared-types/index.ts';
import type { AgentConfig } from './config.ts';
import { describeError, kindOf } from './errors.ts';
import type { PlanSyncOdoo } from './odoo/client.ts';
import { EndpointWorker, type PassResult } from './pipeline/worker.ts';
import type { StateStore } from './state/store.ts';
import { createTarget, effectiveEndpoint, type EffectiveEndpoint, type TargetFactoryOptions } from './targets/index.ts';
import type { InboundSource } from './targets/target.ts';
import type { Logger } from './telemetry/log.ts';
import type { AgentMetrics } from './telemetry/metrics.ts';
import { EndpointCounters } from './telemetry/stats.ts';
import { computeDelay, DEFAULT_RETRY_POLICY } from './retry.ts';
import { countsOf, runEmbeddedPlan } from './pipeline/plan.ts';
import { reconcileEndpoints } from './pipeline/reconcile.ts';
import { secretFor } from './config.ts';
import { WmsMetrics } from './wms/metrics.ts';
import { WmsOdooClient } from './wms/odoo.ts';
import { WmsPoller } from './wms/poller.ts';
import { WmsServer } from './wms/server.ts';

export const AGENT_VERSION = '0.1.0';

export interface AgentDeps {
  readonly config: AgentConfig;
  readonly odoo: PlanSyncOdoo;
  /** Opens the state store once Odoo's database UUID is known. */
  readonly openState: (database: string) => Promise<StateStore>;
  readonly logger: Logger;
  readonly metrics?: AgentMetrics;
  readonly targets?: TargetFactoryOptions;
  /** Seconds to let deliveries under way finish after a stop. Default 10. */
  readonly graceSeconds?: number;
  /** Serve only these endpoint codes (default: every endpoint this agent has a target for). */
  readonly only?: readonly string[];
  /** Idle claim loops of an endpoint take turns (default true); false: they poll in step (benchmarks compare both). */
  readonly staggerLoops?: boolean;
}

export interface EndpointSummary {
  readonly code: string;
  readonly served: boolean;
  readonly reason: string;
  readonly claimed: number;
  readonly delivered: number;
  readonly skipped: number;
  readonly parked: number;
  readonly released: number;
  /** Planning endpoints: runs or files imported by this pass, and their lines. */
  readonly imported?: { readonly items: number; readonly lines: number; readonly exceptions: number };
  readonly lastError: string;
}

export interface OnceSummary {
  readonly endpoints: readonly EndpointSummary[];
  readonly ok: boolean;
}

interface Served {
  readonly settings: EffectiveEndpoint;
  readonly worker: EndpointWorker;
  readonly inbound: InboundSource | undefined;
  /** Aborted when this endpoint stops being served (removed or changed in Odoo). */
  readonly stop: AbortController;
  readonly loops: Promise<void>[];
}

interface Serving {
  readonly worker: EndpointWorker;
  readonly inbound: InboundSource | undefined;
}

const sameSettings = (a: EffectiveEndpoint, b: EffectiveEndpoint): boolean => JSON.stringify(a) === JSON.stringify(b);

export class Agent {
  private readonly deps: AgentDeps;
  private readonly counters = new Map<string, EndpointCounters>();
  private readonly served = new Map<string, Served>();
  private readonly skipped = new Map<string, string>();
  private readonly startedAt = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  private state: StateStore | undefined;
  private configFromOdoo: HeartbeatResult | undefined;
  private stopping = false;
  private planner: { stop: AbortController; loop: Promise<void> } | undefined;
  private reconciler: { stop: AbortController; loop: Promise<void> } | undefined;
  private receiver: WmsServer | undefined;
  private readonly wms: WmsOdooClient;
  private readonly wmsMetrics: WmsMetrics | undefined;
  private readonly stopSignal = new AbortController();

  constructor(deps: AgentDeps) {
    this.deps = deps;
    this.wms = new WmsOdooClient(deps.odoo.transport);
    this.wmsMetrics = deps.metrics ? new WmsMetrics(deps.metrics.registry) : undefined;
  }

  /** Where the WMS receiver listens, once started (`wms.port` > 0). */
  get receiverAddress(): { port: number; host: string } | undefined {
    return this.receiverAt;
  }
  private receiverAt: { port: number; host: string } | undefined;
  private readonly notDueLogged = new Set<string>();

  get lastConfig(): HeartbeatResult | undefined {
    return this.configFromOdoo;
  }

  /** Why an endpoint is not served, for those it is not. */
  get notServed(): ReadonlyMap<string, string> {
    return this.skipped;
  }

  stats(mode: HeartbeatStats['mode']): HeartbeatStats {
    return {
      version: AGENT_VERSION,
      host: hostname(),
      pid: process.pid,
      started_at: this.startedAt,
      mode,
      endpoints: Object.fromEntries([...this.counters].map(([code, c]) => [code, c.snapshot()])),
    };
  }

  /** Send a heartbeat, keep the configuration it returns, and open the state store the first time. */
  async heartbeat(mode: HeartbeatStats['mode']): Promise<HeartbeatResult> {
    const result = await this.deps.odoo.heartbeat(this.deps.config.consumer, this.stats(mode));
    this.configFromOdoo = result;
    this.state ??= await this.deps.openState(result.database.uuid);
    for (const endpoint of result.endpoints) {
      this.deps.metrics?.backlog.set({ endpoint: endpoint.code }, endpoint.pending ?? 0);
      this.deps.metrics?.lag.set({ endpoint: endpoint.code }, endpoint.lag_seconds ?? 0);
      this.deps.metrics?.dead.set({ endpoint: endpoint.code }, endpoint.dead ?? 0);
    }
    return result;
  }

  private countersFor(code: string): EndpointCounters {
    let counters = this.counters.get(code);
    if (!counters) {
      counters = new EndpointCounters();
      this.counters.set(code, counters);
    }
    return counters;
  }

  private worker(endpoint: EndpointConfig, settings: EffectiveEndpoint): Serving | undefined {
    if (!this.state) throw new Error('state store not open: heartbeat first');
    const choice =
      this.deps.only && !this.deps.only.includes(endpoint.code)
        ? ({ ok: false, reason: `not selected (this run serves ${this.deps.only.join(', ')})` } as const)
        : createTarget(settings, this.deps.config, this.deps.targets, {
            odoo: this.deps.odoo,
            state: this.state,
            logger: this.deps.logger,
            wms: this.wms,
            ...(this.wmsMetrics ? { wmsMetrics: this.wmsMetrics } : {}),
          });
    if (!choice.ok) {
      if (this.skipped.get(endpoint.code) !== choice.reason)
        this.deps.logger.warn({ endpoint: endpoint.code, reason: choice.reason }, 'endpoint not served by this agent');
      this.skipped.set(endpoint.code, choice.reason);
      return undefined;
    }
    const odooSettings = this.configFromOdoo?.settings;
    let worker: EndpointWorker;
    try {
      worker = new EndpointWorker({
        endpoint: endpoint.code,
        consumer: this.deps.config.consumer,
        odoo: this.deps.odoo,
        target: choice.target,
        state: this.state,
        claimLimit: this.deps.config.claimLimit ?? odooSettings?.batch_size ?? 100,
        leaseSeconds: this.deps.config.leaseSeconds ?? odooSettings?.lease_seconds ?? 60,
        requestTimeoutMs: settings.timeoutMs,
        batchSize: settings.batchSize,
        concurrency: settings.concurrency,
        rateLimit: settings.rateLimit,
        logger: this.deps.logger,
        ...(this.deps.metrics ? { metrics: this.deps.metrics } : {}),
        counters: this.countersFor(endpoint.code),
      });
    } catch (error) {
      // A request timeout that does not fit the lease: refuse to serve rather than hand events in flight to another attempt.
      choice.target.close();
      choice.inbound?.close?.();
      const reason = describeError(error);
      if (this.skipped.get(endpoint.code) !== reason)
        this.deps.logger.error({ endpoint: endpoint.code, reason }, 'endpoint not served by this agent: fix its configuration');
      this.skipped.set(endpoint.code, reason);
      return undefined;
    }
    this.skipped.delete(endpoint.code);
    return { worker, inbound: choice.inbound };
  }

  /** Drain every served endpoint once. */
  async once(): Promise<OnceSummary> {
    const config = await this.heartbeat('once');
    const summaries: EndpointSummary[] = [];
    for (const endpoint of config.endpoints) {
      const settings = effectiveEndpoint(endpoint, this.deps.config);
      const serving = this.worker(endpoint, settings);
      if (!serving) {
        summaries.push({
          code: endpoint.code,
          served: false,
          reason: this.skipped.get(endpoint.code) ?? '',
          claimed: 0,
          delivered: 0,
          skipped: 0,
          parked: 0,
          released: 0,
          lastError: '',
        });
        continue;
      }
      const { worker, inbound } = serving;
      const total = { claimed: 0, delivered: 0, skipped: 0, parked: 0, released: 0 };
      let lastError = '';
      let imported: EndpointSummary['imported'];
      try {
        for (;;) {
          const pass = await worker.pass();
          for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += pass[key];
          if (pass.error) lastError = describeError(pass.error);
          // Stop when the outbox is empty, or when nothing of a pass got through (released events wait for their backoff).
          if (pass.claimed === 0 || pass.released === pass.claimed) break;
        }
      } catch (error) {
        lastError = describeError(error);
        this.deps.logger.error({ endpoint: endpoint.code, err: lastError }, 'pass failed');
        total.released += 0;
      } finally {
        await worker.close();
      }
      if (inbound) {
        try {
          const report = await inbound.poll();
          imported = { items: report.items, lines: report.lines, exceptions: report.counts.exception };
        } catch (error) {
          lastError = describeError(error);
          this.deps.logger.error(
            { endpoint: endpoint.code, err: lastError },
            'planning import failed (the next poll resumes where it stopped)',
          );
        } finally {
          inbound.close?.();
        }
      }
      summaries.push({ code: endpoint.code, served: true, reason: '', ...total, ...(imported ? { imported } : {}), lastError });
    }
    await this.heartbeat('once').catch((error: unknown) => this.deps.logger.warn({ err: describeError(error) }, 'final heartbeat failed'));
    const ok = summaries.every((s) => s.parked === 0 && s.released === 0 && s.lastError === '');
    return { endpoints: summaries, ok };
  }

  /** The daemon. Resolves after `stop()` once everything held is settled. */
  async run(): Promise<void> {
    const { logger } = this.deps;
    let attempt = 0;
    while (!this.stopping) {
      try {
        await this.heartbeat('run');
        if (attempt > 0) logger.info('connected to Odoo again');
        attempt = 0;
        this.reconcileWorkers();
        this.reconcilePlanner();
        this.scheduleReconciliation();
        await this.startReceiver();
      } catch (error) {
        attempt += 1;
        const delay = loopDelay(attempt, error);
        logger.error(
          { err: describeError(error), retry_in_s: Math.round(delay / 100) / 10 },
          connectionAdvice(error, this.deps.config.odoo.url),
        );
        await this.pause(delay);
        continue;
      }
      const every = (this.configFromOdoo?.settings.heartbeat_seconds ?? 30) * 1000;
      await this.pause(every);
    }
    await this.drainWorkers();
  }

  /** Ask the daemon to stop: no new claims, deliveries under way get `graceSeconds` to finish. */
  stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.stopSignal.abort();
  }

  private async pause(ms: number, signal: AbortSignal = this.stopSignal.signal): Promise<void> {
    try {
      await sleep(ms, undefined, { signal });
    } catch {
      // stopped
    }
  }

  private reconcileWorkers(): void {
    const config = this.configFromOdoo;
    if (!config) return;
    const wanted = new Map(config.endpoints.map((e) => [e.code, e]));
    for (const [code, served] of this.served) {
      const endpoint = wanted.get(code);
      if (!endpoint || !sameSettings(served.settings, effectiveEndpoint(endpoint, this.deps.config))) {
        this.deps.logger.info(
          { endpoint: code },
          endpoint
            ? 'endpoint settings changed: restarting its pipeline'
            : 'endpoint removed or deactivated in Odoo: stopping its pipeline',
        );
        served.worker.stop();
        served.stop.abort();
        this.served.delete(code);
        void Promise.all(served.loops).then(async () => {
          await served.worker.close();
          served.inbound?.close?.();
        });
      }
    }
    for (const endpoint of config.endpoints) {
      if (this.served.has(endpoint.code)) continue;
      const settings = effectiveEndpoint(endpoint, this.deps.config);
      const serving = this.worker(endpoint, settings);
      if (!serving) continue;
      const { worker, inbound } = serving;
      const stop = new AbortController();
      const count = Math.max(1, Math.min(settings.concurrency, 4));
      const loops = Array.from({ length: count }, (_, index) => this.loop(worker, index, count));
      const every = settings.kind === 'wms' ? settings.wmsPollSeconds : settings.runsPollSeconds;
      if (inbound) loops.push(this.inboundLoop(inbound, every, stop.signal));
      this.served.set(endpoint.code, { settings, worker, inbound, stop, loops });
      this.deps.logger.info(
        { endpoint: endpoint.code, url: settings.url, loops: loops.length, ...(inbound ? { poll_seconds: every } : {}) },
        'serving endpoint',
      );
    }
  }

  /**
   * The embedded planner's schedule (docs/planner.md): with `planner.enabled` auto, it plans while no
   * planning endpoint is active in Odoo; true: always; false: never. The time of the last plan is a
   * checkpoint in the state store, so a restart does not plan again before `planner.every_hours`, and
   * agents that share a store (Redis, PostgreSQL) share the schedule.
   */
  private reconcilePlanner(): void {
    const { planner } = this.deps.config;
    const planningEndpoints = (this.configFromOdoo?.endpoints ?? []).filter((e) => e.kind === 'planning').map((e) => e.code);
    const wanted = planner.enabled === true || (planner.enabled === 'auto' && planningEndpoints.length === 0);
    if (wanted && !this.planner) {
      this.deps.logger.info(
        {
          every_hours: planner.everyHours,
          reason: planner.enabled === true ? 'planner.enabled is true' : 'no planning endpoint is active in Odoo',
        },
        'embedded planner scheduled',
      );
      const stop = new AbortController();
      this.planner = { stop, loop: this.plannerLoop(AbortSignal.any([stop.signal, this.stopSignal.signal])) };
    } else if (!wanted && this.planner) {
      this.deps.logger.info(
        { planning_endpoints: planningEndpoints },
        'a planning endpoint is active in Odoo: the embedded planner stops planning',
      );
      this.planner.stop.abort();
      this.planner = undefined;
    }
  }

  /** The endpoints reconciliation covers: active WMS and channel endpoints this agent is not told to skip. */
  private reconcilable(): EndpointConfig[] {
    return (this.configFromOdoo?.endpoints ?? []).filter(
      (e) => (e.kind === 'wms' || e.kind === 'channel') && (!this.deps.only || this.deps.only.includes(e.code)),
    );
  }

  /**
   * Scheduled reconciliation (docs/inventory.md): every `reconcile.every_hours` while a WMS or channel
   * endpoint is active. Its last run is a checkpoint in the state store, as the planner's.
   */
  private scheduleReconciliation(): void {
    const hours = this.deps.config.reconcile.everyHours;
    const wanted = hours > 0 && this.reconcilable().length > 0;
    if (wanted && !this.reconciler) {
      this.deps.logger.info({ every_hours: hours, endpoints: this.reconcilable().map((e) => e.code) }, 'reconciliation scheduled');
      const stop = new AbortController();
      this.reconciler = { stop, loop: this.reconcileLoop(hours, AbortSignal.any([stop.signal, this.stopSignal.signal])) };
    } else if (!wanted && this.reconciler) {
      this.reconciler.stop.abort();
      this.reconciler = undefined;
    }
  }

  private reconcileLoop(hours: number, signal: AbortSignal): Promise<void> {
    const { logger } = this.deps;
    return this.scheduled(RECONCILE_CHECKPOINT, hours, signal, 'reconciliation failed: trying again later', async () => {
      if (!this.state) return;
      const reports = await reconcileEndpoints(
        { odoo: this.deps.odoo, state: this.state, config: this.deps.config },
        this.reconcilable(),
        false,
        signal,
      );
      for (const r of reports) {
        if ('error' in r)
          logger.error({ endpoint: r.endpoint, err: r.error }, 'reconciliation failed for this endpoint (next run in every_hours)');
        else {
          const level = r.counts.opened + r.counts.updated > 0 ? 'warn' : 'info';
          logger[level](
            {
              endpoint: r.endpoint,
              kind: r.kind,
              ...r.counts,
              ...('neverSent' in r ? { never_sent: r.neverSent } : {}),
              ...('failed' in r && r.failed.length > 0 ? { failed: r.failed } : {}),
            },
            'reconciled: discrepancies beyond tolerance are in Odoo (PlanSync > Discrepancies)',
          );
        }
      }
    });
  }

  /** The WMS receiver, once, when `wms.port` is set: WMS endpoints post their messages to it. */
  private async startReceiver(): Promise<void> {
    const { config, logger } = this.deps;
    if (this.receiver || config.wms.port <= 0) return;
    const receiver = new WmsServer({
      odoo: this.wms,
      logger,
      port: config.wms.port,
      host: config.wms.host,
      toleranceSeconds: config.wms.replayWindowSeconds,
      ...(this.wmsMetrics ? { metrics: this.wmsMetrics } : {}),
      // undefined: no such WMS endpoint (404); '' : a WMS endpoint without a secret (500 and a log line).
      secretFor: (code) =>
        (this.configFromOdoo?.endpoints ?? []).some((e) => e.kind === 'wms' && e.code === code)
          ? (secretFor(config, code) ?? '')
          : undefined,
    });
    this.receiver = receiver;
    try {
      const address = await receiver.listen();
      this.receiverAt = { port: address.port, host: address.address };
      logger.info({ host: address.address, port: address.port }, 'WMS receiver listening: POST /wms/<endpoint code>/messages');
    } catch (error) {
      this.receiver = undefined;
      logger.error({ err: describeError(error), port: config.wms.port }, 'WMS receiver cannot listen (retrying at the next heartbeat)');
    }
  }

  private plannerLoop(signal: AbortSignal): Promise<void> {
    const { logger, config } = this.deps;
    return this.scheduled(
      PLANNER_CHECKPOINT,
      config.planner.everyHours,
      signal,
      'embedded plan failed: planning again later (a newer run supersedes what the failed one left open)',
      async (now) => {
        const report = await runEmbeddedPlan(this.deps.odoo, {
          warehouses: config.planner.warehouses,
          historyWeeks: config.planner.historyWeeks,
          horizonWeeks: config.planner.horizonWeeks,
          reviewWeeks: config.planner.reviewWeeks,
          now,
          signal,
        });
        const c = countsOf(report.proposalImport);
        logger.info(
          {
            ref: report.ref,
            items: report.items,
            ...report.proposals,
            created: c.created,
            unchanged: c.unchanged,
            exception: c.exception,
            seconds: report.seconds,
          },
          'embedded plan imported',
        );
      },
    );
  }

  /**
   * A job every `hours`, its last run a checkpoint in the state store (so that a restart does not run
   * it again early, and agents sharing a store share the schedule). A failed run is tried again after
   * a backoff, never later than the next scheduled run.
   */
  private async scheduled(
    checkpoint: string,
    hours: number,
    signal: AbortSignal,
    failure: string,
    job: (now: Date) => Promise<void>,
  ): Promise<void> {
    const every = hours * 3_600_000;
    let failures = 0;
    while (!signal.aborted) {
      let wait = every;
      try {
        const last = await this.state?.getCheckpoint<string>(checkpoint);
        const due = last ? Date.parse(last) + every - Date.now() : 0;
        if (due <= 0 && this.state) {
          const now = new Date();
          await job(now);
          await this.state.setCheckpoint(checkpoint, now.toISOString());
        } else if (due > 0) {
          wait = due;
          // Said once per start, so that an operator (and a test) sees the decision a restart made.
          if (!this.notDueLogged.has(checkpoint))
            this.deps.logger.info({ job: checkpoint, last, next_in_s: Math.round(due / 1000) }, 'scheduled job not due yet');
          this.notDueLogged.add(checkpoint);
        }
        failures = 0;
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        wait = Math.min(loopDelay(failures, error) * 10, every);
        this.deps.logger.error({ err: describeError(error), retry_in_s: Math.round(wait / 1000) }, failure);
      }
      // Wake up at least every minute so that a stop or a change of schedule is seen.
      await this.pause(Math.max(1000, Math.min(wait, 60_000)), signal);
    }
  }

  /**
   * One claim loop of an endpoint. An idle loop claims again on a grid of `poll` seconds shifted by
   * index / count of it: the `count` loops of an endpoint take turns, so a change waits at most
   * poll / count for a claim instead of poll, with no more claims than before.
   */
  private async loop(worker: EndpointWorker, index = 0, count = 1): Promise<void> {
    const { logger } = this.deps;
    let failures = 0;
    const poll = () => (this.deps.config.pollSeconds ?? this.configFromOdoo?.settings.poll_seconds ?? 1) * 1000;
    while (!worker.stopped && !this.stopping) {
      let pass: PassResult;
      try {
        pass = await worker.pass();
      } catch (error) {
        failures += 1;
        const delay = loopDelay(failures, error);
        logger.error(
          { endpoint: worker.endpoint, err: describeError(error), retry_in_s: Math.round(delay / 100) / 10 },
          connectionAdvice(error, this.deps.config.odoo.url),
        );
        await this.pause(delay);
        continue;
      }
      if (pass.pausedForMs !== undefined) {
        // The endpoint refuses our credentials or configuration: every loop of it waits for the next probe.
        failures = 0;
        await this.pause(pass.pausedForMs);
        continue;
      }
      if (pass.error) {
        // The endpoint is in trouble: back off before claiming again (the events wait in Odoo).
        failures += 1;
        await this.pause(loopDelay(failures, pass.error));
        continue;
      }
      failures = 0;
      if (pass.claimed === 0) await this.pause(this.deps.staggerLoops === false ? poll() : idleWait(Date.now(), poll(), index, count));
    }
  }

  /** Poll a planning endpoint's runs or inbox every `everySeconds`; back off on failure. */
  private async inboundLoop(source: InboundSource, everySeconds: number, stop: AbortSignal): Promise<void> {
    const { logger } = this.deps;
    const signal = AbortSignal.any([stop, this.stopSignal.signal]);
    let failures = 0;
    while (!signal.aborted) {
      try {
        const report = await source.poll(signal);
        failures = 0;
        if (report.items > 0)
          logger.info(
            { endpoint: source.code, items: report.items, lines: report.lines, ...report.counts },
            source instanceof WmsPoller ? 'WMS messages received' : 'planning results imported',
          );
        await this.pause(everySeconds * 1000, signal);
      } catch (error) {
        if (signal.aborted) break;
        failures += 1;
        const delay = Math.min(loopDelay(failures, error), everySeconds * 1000);
        logger.error(
          { endpoint: source.code, err: describeError(error), retry_in_s: Math.round(delay / 100) / 10 },
          'inbound poll failed: retrying with backoff (it resumes where it stopped)',
        );
        await this.pause(delay, signal);
      }
    }
  }

  private async drainWorkers(): Promise<void> {
    const grace = (this.deps.graceSeconds ?? 10) * 1000;
    if (this.receiver) {
      await this.receiver.close(grace);
      this.receiver = undefined;
    }
    if (this.reconciler) {
      this.reconciler.stop.abort();
      await this.reconciler.loop;
      this.reconciler = undefined;
    }
    if (this.planner) {
      this.planner.stop.abort();
      await this.planner.loop;
      this.planner = undefined;
    }
    const all = [...this.served.values()];
    for (const served of all) {
      served.worker.stop();
      served.stop.abort();
    }
    const settled = Promise.all(all.flatMap((s) => s.loops));
    const timer = sleep(grace).then(() => 'timeout' as const);
    if ((await Promise.race([settled.then(() => 'done' as const), timer])) === 'timeout') {
      this.deps.logger.warn(
        { grace_s: grace / 1000 },
        'deliveries still under way after the grace period: aborting them (their events are released)',
      );
      for (const served of all) served.worker.abortDeliveries();
      await settled;
    }
    for (const served of all) {
      await served.worker.close();
      served.inbound?.close?.();
    }
    this.served.clear();
    await this.heartbeat('run').catch(() => undefined);
  }

  /** Close the state store and the Odoo connection (once). */
  async close(): Promise<void> {
    const state = this.state;
    this.state = undefined;
    await state?.close();
    await this.deps.odoo.close();
  }
}

/** Milliseconds until the next turn of claim loop `index` of `count` on a grid of `pollMs` (never 0: at least a tenth of the turn). */
export const idleWait = (nowMs: number, pollMs: number, index: number, count: number): number => {
  const offset = (pollMs * index) / count;
  const wait = pollMs - ((((nowMs - offset) % pollMs) + pollMs) % pollMs);
  return wait < pollMs / (10 * count) ? wait + pollMs : wait;
};

/** The state store's checkpoint holding when the daemon last reconciled (ISO time). */
export const RECONCILE_CHECKPOINT = 'reconcile:last';

/** The state store's checkpoint holding when the embedded planner last planned (ISO time). */
export const PLANNER_CHECKPOINT = 'planner:last';

/** Backoff of a failing loop: the retry policy's delay, never giving up (a daemon waits for the other side). */
const LOOP_POLICY = { ...DEFAULT_RETRY_POLICY, limit: Number.MAX_SAFE_INTEGER, backoffLimitMs: 30_000 };
export const loopDelay = (attempt: number, error: unknown): number => {
  // A configuration problem (wrong key, missing right) will not fix itself in seconds.
  if (kindOf(error) === 'config') return 30_000;
  const delay = computeDelay(LOOP_POLICY, Math.min(attempt, 30), error);
  return delay === false ? LOOP_POLICY.backoffLimitMs : delay;
};

/** What an operator should do about a connection failure. */
export const connectionAdvice = (error: unknown, url: string): string => {
  const code = (error as { code?: string } | undefined)?.code;
  switch (code) {
    case 'ERR_ODOO_AUTH':
      return `Odoo at ${url} refused the login or the API key: check ODOO_LOGIN and ODOO_API_KEY (retrying)`;
    case 'ERR_ODOO_ACCESS':
      return 'the integration user lacks a right: add it to the group PlanSync / Integration (retrying)';
    case 'ERR_ODOO_PROTOCOL':
      return `Odoo at ${url} did not answer as expected: is the URL right and the PlanSync addon installed and up to date? (retrying)`;
    case 'ERR_NETWORK':
    case 'ERR_TIMEOUT':
      return `cannot reach Odoo at ${url} (retrying with backoff)`;
    default:
      return 'call to Odoo failed (retrying with backoff)';
  }
};
