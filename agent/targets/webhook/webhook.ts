/**
 * The generic HTTP target: posts canonical events in batches (docs/webhook.md).
 *
 * One request per batch: `POST <url>` with body `{"endpoint": code, "events": [envelope, …]}`,
 * `Idempotency-Key` (the event id for a batch of one, otherwise `batch-` + a digest of the ids),
 * and `X-PlanSync-Signature` (HMAC-SHA256 over the timestamp and the body, see signature.ts).
 *
 * Answers: 2xx delivers the batch; a 2xx body `{"rejected": [{"id", "reason"}]}` refuses those events
 * for good. 408/425/429/5xx and network errors are retried by got (POST is safe to retry: every
 * request carries its idempotency key) honouring `Retry-After`, then reported as transient.
 * 401/403/404/405/407 say the endpoint or our credentials are wrong: the batch is released, never
 * parked. Any other 4xx refuses the content: a batch of one is parked with the endpoint's reason, a
 * larger batch is split in halves until the refused events are found, so the rest flows.
 */
import http from 'node:http';
import https from 'node:https';
import { createHash } from 'node:crypto';
import got, { HTTPError, RequestError, type Got } from 'got';
import type { Envelope } from '../../../shared-types/index.ts';
import { TargetError, type PlanSyncError } from '../../errors.ts';
import { mergeOutcomes, type DeliveryOutcome, type Target } from '../target.ts';
import { sign } from './signature.ts';

export interface WebhookOptions {
  readonly code: string;
  readonly url: string;
  /** HMAC secret of this endpoint (PLANSYNC_SECRET_<CODE>). Required. */
  readonly secret: string;
  /** Per-request timeout in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** got retries of one request. Default 3. */
  readonly retryLimit?: number;
  /** Cap of one backoff in ms. Default 10000. */
  readonly backoffLimitMs?: number;
  /** Random jitter added to each backoff in ms. Default 100. */
  readonly noiseMs?: number;
  /** A `Retry-After` longer than this (ms) is not waited for in-process: the batch is released with it. Default 60000. */
  readonly maxRetryAfterMs?: number;
  /**
   * Called each time got has decided how long to wait before retrying a request (0 = no retry:
   * the limit is reached, the status is not retryable, or `Retry-After` exceeds `maxRetryAfterMs`).
   * Observes only; the wait itself is got's.
   */
  readonly onRetryDelay?: (event: {
    readonly attempt: number;
    readonly delayMs: number;
    readonly retryAfterMs: number | undefined;
  }) => void;
  /** Sent as User-Agent. */
  readonly userAgent?: string;
  /** Clock for the signature timestamp (seconds). */
  readonly now?: () => number;
  /** The request body of a batch (default `{"endpoint": code, "events": [...]}`); channel targets send their own shape. */
  readonly body?: (events: readonly Envelope[]) => unknown;
  /** The Idempotency-Key of a batch (default `idempotencyKey`). */
  readonly key?: (events: readonly Envelope[]) => string;
}

const RETRY_STATUS = [408, 425, 429, 500, 502, 503, 504];
const CONFIG_STATUS = new Set([401, 403, 404, 405, 407]);

export const idempotencyKey = (events: readonly Pick<Envelope, 'id'>[]): string => {
  if (events.length === 1) return String(events[0]?.id);
  const digest = createHash('sha256')
    .update(events.map((e) => e.id).join(','))
    .digest('hex')
    .slice(0, 32);
  return `batch-${digest}`;
};

const excerpt = (body: unknown): string => {
  const text = typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body);
  const compact = (text ?? '').replace(/\s+/g, ' ').trim();
  return compact.length > 300 ? `${compact.slice(0, 300)}…` : compact;
};

const parseRetryAfter = (value: string | undefined, nowMs: number): number | undefined => {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - nowMs) / 1000);
};

interface RejectedBody {
  readonly rejected?: ReadonlyArray<{ readonly id?: unknown; readonly reason?: unknown }>;
}

export class WebhookTarget implements Target {
  readonly code: string;
  private readonly options: WebhookOptions;
  private readonly client: Got;
  private readonly agents: { http: http.Agent; https: https.Agent };

  constructor(options: WebhookOptions) {
    this.code = options.code;
    this.options = options;
    this.agents = {
      http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
    };
    this.client = got.extend({
      agent: this.agents,
      timeout: { request: options.timeoutMs ?? 30_000 },
      retry: {
        limit: options.retryLimit ?? 3,
        methods: ['POST'],
        statusCodes: RETRY_STATUS,
        backoffLimit: options.backoffLimitMs ?? 10_000,
        noise: options.noiseMs ?? 100,
        maxRetryAfter: options.maxRetryAfterMs ?? 60_000,
        // got's own default (the computed delay), observed.
        calculateDelay: ({ attemptCount, computedValue, retryAfter }) => {
          options.onRetryDelay?.({ attempt: attemptCount, delayMs: computedValue, retryAfterMs: retryAfter });
          return computedValue;
        },
      },
      headers: { 'user-agent': options.userAgent ?? 'plansync-agent' },
    });
  }

  async deliver(events: readonly Envelope[], signal?: AbortSignal): Promise<DeliveryOutcome> {
    if (events.length === 0) return { delivered: [], rejected: [], failed: [] };
    const body = JSON.stringify(this.options.body ? this.options.body(events) : { endpoint: this.code, events });
    const timestamp = Math.floor(this.options.now?.() ?? Date.now() / 1000);
    const ids = events.map((e) => e.id);
    try {
      const response = await this.client.post(this.options.url, {
        body,
        headers: {
          'content-type': 'application/json',
          'idempotency-key': (this.options.key ?? idempotencyKey)(events),
          'x-plansync-signature': sign(this.options.secret, timestamp, body),
          'x-plansync-events': String(events.length),
        },
        ...(signal ? { signal } : {}),
      });
      return this.accepted(ids, response.body);
    } catch (error) {
      if (error instanceof HTTPError) {
        const status = error.response.statusCode;
        const reason = `HTTP ${status}${excerpt(error.response.body) ? `: ${excerpt(error.response.body)}` : ''}`;
        const retryAfter = parseRetryAfter(error.response.headers['retry-after'], Date.now());
        if (RETRY_STATUS.includes(status)) {
          return this.failed(
            ids,
            new TargetError('ERR_TARGET_UNAVAILABLE', 'transient', `${this.code}: ${reason}`, {
              status,
              cause: error,
              ...(retryAfter === undefined ? {} : { retryAfter }),
            }),
          );
        }
        if (CONFIG_STATUS.has(status)) {
          return this.failed(
            ids,
            new TargetError(
              'ERR_TARGET_UNAVAILABLE',
              'config',
              `${this.code}: ${reason} (check the endpoint URL and PLANSYNC_SECRET_<CODE>)`,
              { status, cause: error },
            ),
          );
        }
        if (events.length === 1) return { delivered: [], rejected: [{ id: ids[0] ?? 0, reason }], failed: [] };
        // Find the refused events: split the batch until each refusal stands alone.
        const middle = Math.ceil(events.length / 2);
        return mergeOutcomes([await this.deliver(events.slice(0, middle), signal), await this.deliver(events.slice(middle), signal)]);
      }
      const code = error instanceof RequestError ? error.code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      const timeout = code === 'ETIMEDOUT' || (error instanceof Error && error.name === 'TimeoutError');
      return this.failed(
        ids,
        new TargetError(
          timeout ? 'ERR_TIMEOUT' : 'ERR_NETWORK',
          'transient',
          `${this.code}: ${timeout ? 'timed out' : 'network error'} (${code ?? message})`,
          { cause: error },
        ),
      );
    }
  }

  private accepted(ids: readonly number[], body: string): DeliveryOutcome {
    let parsed: RejectedBody | undefined;
    try {
      parsed = body ? (JSON.parse(body) as RejectedBody) : undefined;
    } catch {
      parsed = undefined; // a 2xx with a body that is not JSON still delivers the batch
    }
    const held = new Set(ids);
    const list: ReadonlyArray<{ readonly id?: unknown; readonly reason?: unknown }> = Array.isArray(parsed?.rejected)
      ? parsed.rejected
      : [];
    const rejected = list
      .filter((r): r is { id: number; reason?: unknown } => typeof r.id === 'number' && held.has(r.id))
      .map((r) => ({ id: r.id, reason: typeof r.reason === 'string' && r.reason ? r.reason.slice(0, 1000) : 'rejected by the endpoint' }));
    const refused = new Set(rejected.map((r) => r.id));
    return { delivered: ids.filter((id) => !refused.has(id)), rejected, failed: [] };
  }

  private failed(ids: readonly number[], error: PlanSyncError): DeliveryOutcome {
    return { delivered: [], rejected: [], failed: [{ ids, error }] };
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
