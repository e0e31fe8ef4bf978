/**
 * One endpoint's pipeline: claim → validate → skip what a receipt says was delivered → deliver in
 * batches through a p-queue (concurrency, rate limit), recording each batch's receipts as soon as the
 * endpoint accepted it → ack, or nack with the reason (final for what the endpoint refused, with a
 * delay for what failed).
 *
 * Stopping: `stop()` lets deliveries already under way finish, does not start new ones, acks what
 * was delivered and releases the rest at once, so that another agent can take it.
 */
import PQueue from 'p-queue';
import { validateEnvelope, type Envelope } from '../../shared-types/index.ts';
import { ConfigError, describeError, kindOf, TargetError, type PlanSyncError } from '../errors.ts';
import type { PlanSyncOdoo } from '../odoo/client.ts';
import { abortableSleep, DEFAULT_RETRY_POLICY, retryPolicy, withRetry, type RetryPolicy } from '../retry.ts';
import type { StateStore } from '../state/store.ts';
import type { Target } from '../targets/target.ts';
import type { Logger } from '../telemetry/log.ts';
import type { AgentMetrics } from '../telemetry/metrics.ts';
import { EndpointCounters } from '../telemetry/stats.ts';

export interface WorkerOptions {
  readonly endpoint: string;
  readonly consumer: string;
  readonly odoo: PlanSyncOdoo;
  readonly target: Target;
  readonly state: StateStore;
  /** Events per claim. */
  readonly claimLimit: number;
  /**
   * Lease of a claim, in seconds. Deliveries still under way at 90% of it are aborted and their events
   * released before the lease expires (a delivery in flight is never handed to another attempt);
   * deliveries that could not finish by then (see `requestTimeoutMs`) do not start.
   */
  readonly leaseSeconds: number;
  /**
   * The target's per-request timeout in ms, when known: it must be at most half the lease (the
   * constructor throws a ConfigError naming both values), and a delivery starts only while a whole
   * request timeout fits before the abort at 90% of the lease. Default: none (starts until 80% of the lease).
   */
  readonly requestTimeoutMs?: number;
  /** Events per delivery request. */
  readonly batchSize: number;
  /** Delivery requests in flight at once. */
  readonly concurrency: number;
  /** Delivery requests per second, 0 for no limit. */
  readonly rateLimit: number;
  readonly logger: Logger;
  readonly metrics?: AgentMetrics;
  readonly counters?: EndpointCounters;
  readonly clock?: () => number;
  /** Abortable wait in ms, measured on `clock` (tests inject one with their clock). Default: a timer. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * Pause of the endpoint while it refuses the agent's credentials or configuration (401, 403, 404, a
   * `config` error): the first probe after `baseMs`, doubling up to `limitMs`, less up to 20% jitter.
   * Default 30 s up to 300 s (the retry policy's `maxRetryAfterMs`: the longest wait the agent accepts).
   */
  readonly pauseBackoff?: { readonly baseMs: number; readonly limitMs: number };
  /** Random source of the jitter, [0, 1). Default Math.random. */
  readonly random?: () => number;
  /** Retries of ack and nack calls. Default: 4 retries from 200 ms, capped at 3 s. */
  readonly settlePolicy?: RetryPolicy;
}

export interface PassResult {
  /** Events handed out by the claim. */
  readonly claimed: number;
  readonly delivered: number;
  /** Already delivered before (a receipt existed): acknowledged without delivering again. */
  readonly skipped: number;
  readonly parked: number;
  /** Released for a later attempt (failures and deliveries not started before a stop). */
  readonly released: number;
  /** Odoo refused the ack of some events (the lease was lost): they will be delivered again. */
  readonly ackRefused: number;
  /** The most serious delivery error of the pass, when there was one. */
  readonly error?: PlanSyncError;
  /**
   * Set while the endpoint is paused (it refused the agent's credentials or configuration): ms until the
   * next probe. Every claim loop of the endpoint waits that long; the events wait in Odoo without
   * spending attempts.
   */
  readonly pausedForMs?: number;
}

/** Acks and nacks are safe to repeat (a second ack of the same ids under the same lease acks nothing more). */
const SETTLE_POLICY = retryPolicy({ limit: 4, backoffBaseMs: 200, backoffLimitMs: 3000 });

/** Share of the lease after which deliveries still under way are aborted, so that their events are released before it expires. */
export const ABORT_SHARE = 0.9;

/**
 * The request timeout must be well below the lease: at most half of it. Throws a ConfigError naming
 * both values (and where they are set) otherwise.
 */
export const checkTimeoutFitsLease = (endpoint: string, requestTimeoutMs: number, leaseSeconds: number): void => {
  if (requestTimeoutMs * 2 > leaseSeconds * 1000) {
    throw new ConfigError(
      `endpoint ${endpoint}: its request timeout ${requestTimeoutMs / 1000} s (timeout_seconds, on the endpoint in Odoo or endpoints.${endpoint}.timeout_seconds) ` +
        `must be at most half of the lease ${leaseSeconds} s (lease_seconds, in PlanSync settings or the agent's lease_seconds), so that a delivery ends well before its events can be claimed again`,
    );
  }
};

/** The default pause backoff while an endpoint refuses the agent's credentials or configuration. */
export const PAUSE_BACKOFF = { baseMs: 30_000, limitMs: DEFAULT_RETRY_POLICY.maxRetryAfterMs } as const;

/** Ms until the next probe of a paused endpoint after `failures` refusals in a row (1 = the first). Pure. */
export const pauseDelayMs = (
  failures: number,
  backoff: { readonly baseMs: number; readonly limitMs: number },
  random: () => number,
): number => {
  const delay = Math.min(backoff.limitMs, backoff.baseMs * 2 ** Math.max(0, Math.min(failures, 30) - 1));
  return Math.round(delay * (1 - 0.2 * Math.min(Math.max(random(), 0), 1)));
};

const EMPTY: PassResult = { claimed: 0, delivered: 0, skipped: 0, parked: 0, released: 0, ackRefused: 0 };

export class EndpointWorker {
  readonly endpoint: string;
  readonly counters: EndpointCounters;
  private readonly options: WorkerOptions;
  private readonly queue: PQueue;
  private readonly deliveries = new AbortController();
  private stopping = false;
  private readonly settlePolicy: RetryPolicy;
  /** Refusals of the agent's credentials or configuration in a row, and when the pause they caused ends (clock ms). */
  private pausedFailures = 0;
  private pausedUntil = 0;

  constructor(options: WorkerOptions) {
    if (options.requestTimeoutMs !== undefined) checkTimeoutFitsLease(options.endpoint, options.requestTimeoutMs, options.leaseSeconds);
    this.options = options;
    this.settlePolicy = options.settlePolicy ?? SETTLE_POLICY;
    this.endpoint = options.endpoint;
    this.counters = options.counters ?? new EndpointCounters();
    this.queue = new PQueue({
      concurrency: options.concurrency,
      ...(options.rateLimit > 0 ? rateLimitWindow(options.rateLimit) : {}),
    });
  }

  /** No new claim nor delivery; deliveries under way finish unless `abortDeliveries` is called. */
  stop(): void {
    this.stopping = true;
  }

  /** Abort deliveries under way (after the grace period of a stop). */
  abortDeliveries(): void {
    this.deliveries.abort();
  }

  get stopped(): boolean {
    return this.stopping;
  }

  /** One claim and everything it takes to settle it. Throws only when Odoo cannot be reached for the claim. */
  async pass(): Promise<PassResult> {
    if (this.stopping) return EMPTY;
    const { odoo, endpoint, consumer, logger } = this.options;
    const clock = this.options.clock ?? Date.now;
    const claimStarted = clock();
    if (this.pausedUntil > claimStarted) return { ...EMPTY, pausedForMs: this.pausedUntil - claimStarted };
    // While paused, a probe claims one batch only.
    const limit = this.pausedFailures > 0 ? Math.min(this.options.claimLimit, this.options.batchSize) : this.options.claimLimit;
    const claim = await odoo.claim(endpoint, limit, this.options.leaseSeconds, consumer);
    this.options.metrics?.claimSeconds.observe({ endpoint }, (clock() - claimStarted) / 1000);
    if (claim.events.length === 0) return EMPTY;
    const lease = claim.lease;
    // Measured from before the claim call: Odoo's lease started later, so these come before its expiry.
    const leaseMs = this.options.leaseSeconds * 1000;
    const abortAt = claimStarted + leaseMs * ABORT_SHARE;
    const releaseBy = this.options.requestTimeoutMs === undefined ? claimStarted + leaseMs * 0.8 : abortAt - this.options.requestTimeoutMs;

    // 1. Validate: a malformed event is parked with the reason, the others go on.
    const valid: Envelope[] = [];
    const invalid: Array<{ id: number; reason: string }> = [];
    for (const raw of claim.events) {
      const checked = validateEnvelope(raw);
      if (checked.ok) valid.push(checked.event);
      else invalid.push({ id: eventId(raw), reason: `invalid event: ${checked.reason}` });
    }

    // 2. Receipts: an event delivered before a crash is acknowledged, not delivered again.
    let receipts = new Map<number, unknown>();
    try {
      receipts = await this.options.state.receipts(
        endpoint,
        valid.map((e) => e.id),
      );
    } catch (error) {
      logger.warn(
        { endpoint, err: describeError(error) },
        'state store unreadable: delivering without receipts (the endpoint dedups on Idempotency-Key)',
      );
    }
    const toDeliver = valid.filter((e) => !receipts.has(e.id));
    const skipped = valid.filter((e) => receipts.has(e.id)).map((e) => e.id);

    // 3. Deliver in batches, at most `concurrency` at once; none starts after a stop or late in the lease.
    //    4. Each batch's receipts are written as soon as the endpoint accepted it, in one call to the
    //    state store: from then on a crash (even with other batches of the claim still in flight)
    //    cannot deliver these events again.
    const delivered: number[] = [];
    const rejected: Array<{ id: number; reason: string }> = [...invalid];
    const failed: Array<{ ids: readonly number[]; error: PlanSyncError }> = [];
    const notStarted: number[] = [];
    const sequences = new Map(toDeliver.map((e) => [e.id, e.sequence]));
    // Deliveries still under way at `abortAt` are aborted, and the pass waits for them to settle, so that
    // their events are released under this lease and never claimed by another attempt while in flight.
    const leaseRunningOut = new AbortController();
    const timer = new AbortController();
    const signal = AbortSignal.any([this.deliveries.signal, leaseRunningOut.signal]);
    void (this.options.sleep ?? abortableSleep)(Math.max(0, abortAt - clock()), timer.signal).then(
      () => leaseRunningOut.abort(),
      () => undefined,
    );
    try {
      await Promise.all(
        chunk(toDeliver, this.options.batchSize).map((batch) =>
          this.queue.add(async () => {
            if (this.stopping || clock() > releaseBy || signal.aborted) {
              notStarted.push(...batch.map((e) => e.id));
              return;
            }
            const started = clock();
            const outcome = await this.options.target.deliver(batch, signal);
            this.options.metrics?.deliverySeconds.observe({ endpoint }, (clock() - started) / 1000);
            await this.recordReceipts(outcome.delivered, sequences, clock());
            delivered.push(...outcome.delivered);
            rejected.push(...outcome.rejected);
            if (leaseRunningOut.signal.aborted && outcome.failed.length > 0) {
              const seconds = Math.round((clock() - started) / 1000);
              const error = new TargetError(
                'ERR_TIMEOUT',
                'transient',
                `${endpoint}: delivery aborted after ${seconds} s: the lease of ${this.options.leaseSeconds} s was running out (released for a later attempt)`,
              );
              failed.push(...outcome.failed.map((f) => (kindOf(f.error) === 'config' ? f : { ids: f.ids, error })));
            } else {
              failed.push(...outcome.failed);
            }
          }),
        ),
      );
    } finally {
      timer.abort();
    }
    if (leaseRunningOut.signal.aborted)
      logger.warn(
        { endpoint, lease_seconds: this.options.leaseSeconds },
        'deliveries still under way at 90% of the lease were aborted and their events released: the endpoint is too slow for the lease',
      );

    // 5. Settle with Odoo.
    const toAck = [...delivered, ...skipped];
    let acked = 0;
    if (toAck.length > 0) acked = await withRetry(() => odoo.ack(lease, toAck), this.settlePolicy);
    const ackRefused = toAck.length - acked;
    if (ackRefused > 0)
      logger.warn(
        { endpoint, refused: ackRefused },
        'Odoo refused acks: the lease expired and another consumer took the events; they will be delivered again',
      );

    for (const [reason, ids] of groupBy(rejected)) await withRetry(() => odoo.nack(lease, ids, reason, 0, 'final'), this.settlePolicy);
    let worst: PlanSyncError | undefined;
    const refusedConfig = failed.filter((f) => kindOf(f.error) === 'config');
    for (const { ids, error } of failed) {
      if (kindOf(error) === 'config') continue;
      await withRetry(() => odoo.nack(lease, ids, describeError(error), error.retryAfter ?? 0), this.settlePolicy);
      worst ??= error;
    }
    // The endpoint refuses our credentials or configuration (401, 403, 404, a `config` error): that is not
    // the events' fault. Pause the endpoint, release without spending the attempt (`blocked`: Odoo marks
    // the endpoint and tells its admins), probe again with a bounded backoff.
    let pausedForMs: number | undefined;
    if (refusedConfig.length > 0) {
      this.pausedFailures += 1;
      pausedForMs = pauseDelayMs(this.pausedFailures, this.options.pauseBackoff ?? PAUSE_BACKOFF, this.options.random ?? Math.random);
      this.pausedUntil = clock() + pausedForMs;
      const seconds = Math.ceil(pausedForMs / 1000);
      for (const { ids, error } of refusedConfig)
        await withRetry(() => odoo.nack(lease, ids, describeError(error), seconds, 'blocked'), this.settlePolicy);
      worst = refusedConfig[0]?.error;
      logger.error(
        { endpoint, err: worst ? describeError(worst) : '', refusals: this.pausedFailures, retry_in_s: seconds },
        'the endpoint refuses our credentials or configuration: deliveries paused, no attempt spent (Odoo shows the endpoint as paused); probing again with backoff',
      );
    } else if (delivered.length > 0 && this.pausedFailures > 0) {
      logger.info({ endpoint, refusals: this.pausedFailures }, 'the endpoint accepts again: deliveries resumed');
      this.pausedFailures = 0;
      this.pausedUntil = 0;
    }
    if (notStarted.length > 0)
      await withRetry(
        () => odoo.nack(lease, notStarted, 'released: the agent is stopping or the lease is running out', 1, 'released'),
        this.settlePolicy,
      );

    // 6. Account.
    const failedCount = failed.reduce((sum, f) => sum + f.ids.length, 0);
    this.counters.recordDelivered(delivered.length + skipped.length);
    this.options.metrics?.delivered.inc({ endpoint }, delivered.length + skipped.length);
    if (rejected.length > 0) {
      this.counters.recordParked(rejected.length, rejected[0]?.reason ?? '');
      this.options.metrics?.parked.inc({ endpoint }, rejected.length);
      for (const r of rejected) logger.warn({ endpoint, event: r.id, reason: r.reason }, 'event parked as a dead letter');
    }
    if (failedCount > 0) {
      this.counters.recordFailed(failedCount, worst ? describeError(worst) : '');
      this.options.metrics?.failed.inc({ endpoint }, failedCount);
      logger.warn(
        { endpoint, events: failedCount, err: worst ? describeError(worst) : '' },
        'delivery failed: events released for a later attempt',
      );
    }
    return {
      claimed: claim.events.length,
      delivered: delivered.length,
      skipped: skipped.length,
      parked: rejected.length,
      released: failedCount + notStarted.length,
      ackRefused,
      ...(worst ? { error: worst } : {}),
      ...(pausedForMs === undefined ? {} : { pausedForMs }),
    };
  }

  /** Step 4: the receipts of one accepted batch, in one call to the state store (a failure is logged: the endpoint dedups on Idempotency-Key). */
  private async recordReceipts(ids: readonly number[], sequences: ReadonlyMap<number, number>, at: number): Promise<void> {
    if (ids.length === 0) return;
    const { endpoint, consumer, logger } = this.options;
    const deliveredAt = new Date(at).toISOString();
    try {
      await this.options.state.putReceipts(
        endpoint,
        ids.map((id) => ({ id, receipt: { deliveredAt, sequence: sequences.get(id) ?? 0, consumer } })),
      );
    } catch (error) {
      logger.warn({ endpoint, err: describeError(error) }, 'state store unwritable: acknowledging without receipts');
    }
  }

  async close(): Promise<void> {
    await this.queue.onIdle();
    this.options.target.close();
  }
}

const rateLimitWindow = (perSecond: number): { interval: number; intervalCap: number } =>
  perSecond >= 1 ? { interval: 1000, intervalCap: Math.floor(perSecond) } : { interval: Math.ceil(1000 / perSecond), intervalCap: 1 };

const chunk = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

const groupBy = (items: ReadonlyArray<{ id: number; reason: string }>): Map<string, number[]> => {
  const groups = new Map<string, number[]>();
  for (const { id, reason } of items) groups.set(reason, [...(groups.get(reason) ?? []), id]);
  return groups;
};

const eventId = (raw: unknown): number => {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : 0;
};
