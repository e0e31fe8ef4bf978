/**
 * Retry policy as data plus one pure function that computes the delay (after got's retry options).
 *
 * The transports never retry by themselves: the pipeline wraps Odoo calls in `withRetry`, so a
 * call is retried only where the pipeline knows it is safe (every PlanSync contract method is
 * idempotent under its lease, see docs/contract.md).
 */
import { ConfigError, isPlanSyncError, kindOf } from './errors.ts';

export interface RetryPolicy {
  /** Retries after the first attempt; 0 disables retrying. Default 5. */
  readonly limit: number;
  /** HTTP statuses worth retrying. Default 408, 429, 500, 502, 503, 504 (413 is not: a body does not shrink by waiting). */
  readonly statusCodes: readonly number[];
  /**
   * Error codes worth retrying: the agent's transient codes and Node's network codes.
   * Default: ERR_NETWORK, ERR_TIMEOUT, ERR_ODOO_SERVER, ERR_ODOO_CONCURRENCY, ERR_TARGET_UNAVAILABLE,
   * ETIMEDOUT, ECONNRESET, ECONNREFUSED, EADDRINUSE, EPIPE, ENOTFOUND, ENETUNREACH, EHOSTUNREACH, EAI_AGAIN.
   */
  readonly errorCodes: readonly string[];
  /** Delay before the first retry, doubled at each further one. Default 500 ms. */
  readonly backoffBaseMs: number;
  /** Upper bound of the exponential backoff. Default 60000 ms. */
  readonly backoffLimitMs: number;
  /**
   * Share of the backoff that is randomized, 0 to 1: the delay is drawn from
   * `[backoff × (1 − jitter), backoff]`. 1 is "full jitter", 0 is none. Default 0.5.
   */
  readonly jitter: number;
  /** Wait what the server's `Retry-After` asks instead of the backoff. Default true. */
  readonly respectRetryAfter: boolean;
  /** Upper bound of a `Retry-After` wait (a server asking for an hour gets this). Default 300000 ms. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  limit: 5,
  statusCodes: Object.freeze([408, 429, 500, 502, 503, 504]),
  errorCodes: Object.freeze([
    'ERR_NETWORK',
    'ERR_TIMEOUT',
    'ERR_ODOO_SERVER',
    'ERR_ODOO_CONCURRENCY',
    'ERR_TARGET_UNAVAILABLE',
    'ETIMEDOUT',
    'ECONNRESET',
    'ECONNREFUSED',
    'EADDRINUSE',
    'EPIPE',
    'ENOTFOUND',
    'ENETUNREACH',
    'EHOSTUNREACH',
    'EAI_AGAIN',
  ]),
  backoffBaseMs: 500,
  backoffLimitMs: 60_000,
  jitter: 0.5,
  respectRetryAfter: true,
  maxRetryAfterMs: 300_000,
});

const isNonNegativeInteger = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 0;

/** The defaults with `overrides` applied, validated: a bad value throws ConfigError quoting key and value. */
export const retryPolicy = (overrides: Partial<RetryPolicy> = {}): RetryPolicy => {
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  const fail = (key: keyof RetryPolicy, rule: string): never => {
    throw new ConfigError(`retry.${key} must be ${rule}, got ${JSON.stringify(policy[key])}`);
  };
  if (!isNonNegativeInteger(policy.limit)) fail('limit', 'an integer >= 0');
  if (!isNonNegativeInteger(policy.backoffBaseMs)) fail('backoffBaseMs', 'an integer >= 0');
  if (!isNonNegativeInteger(policy.backoffLimitMs) || policy.backoffLimitMs < policy.backoffBaseMs) {
    fail('backoffLimitMs', 'an integer >= backoffBaseMs');
  }
  if (typeof policy.jitter !== 'number' || !(policy.jitter >= 0 && policy.jitter <= 1)) fail('jitter', 'a number from 0 to 1');
  if (typeof policy.respectRetryAfter !== 'boolean') fail('respectRetryAfter', 'true or false');
  if (!isNonNegativeInteger(policy.maxRetryAfterMs)) fail('maxRetryAfterMs', 'an integer >= 0');
  if (!Array.isArray(policy.statusCodes) || !policy.statusCodes.every((s) => Number.isInteger(s) && s >= 100 && s <= 599)) {
    fail('statusCodes', 'a list of HTTP statuses');
  }
  if (!Array.isArray(policy.errorCodes) || !policy.errorCodes.every((c) => typeof c === 'string' && c !== '')) {
    fail('errorCodes', 'a list of error codes');
  }
  return Object.freeze(policy);
};

interface ErrorFacts {
  readonly code: string | undefined;
  readonly status: number | undefined;
  readonly retryAfter: number | undefined;
}

const factsOf = (error: unknown): ErrorFacts => {
  if (isPlanSyncError(error)) return { code: error.code, status: error.status, retryAfter: error.retryAfter };
  if (typeof error !== 'object' || error === null) return { code: undefined, status: undefined, retryAfter: undefined };
  const record = error as { code?: unknown; status?: unknown; response?: { statusCode?: unknown } };
  const code = typeof record.code === 'string' ? record.code : undefined;
  const rawStatus = typeof record.status === 'number' ? record.status : record.response?.statusCode;
  return { code, status: typeof rawStatus === 'number' ? rawStatus : undefined, retryAfter: undefined };
};

/**
 * Milliseconds to wait before retrying after attempt number `attempt` (1 = the first call) failed
 * with `error`, or `false` not to retry.
 *
 * - `false` when the error's kind is `config` or `record` (retrying cannot help), when `attempt`
 *   exceeds `policy.limit`, or when the error carries a code and a status that the policy does not
 *   list. Errors the agent does not know (no PlanSync code) are transient, like `kindOf` says.
 * - The server's `Retry-After` (seconds, on PlanSync errors), when the policy respects it,
 *   capped by `maxRetryAfterMs`.
 * - Otherwise `min(backoffLimitMs, backoffBaseMs × 2^(attempt − 1))`, of which the share
 *   `jitter` is randomized downwards: `backoff × (1 − jitter × random())`.
 *
 * Pure: `random` is a parameter (returns values in [0, 1)).
 */
export const computeDelay = (policy: RetryPolicy, attempt: number, error: unknown, random: () => number = Math.random): number | false => {
  const kind = kindOf(error);
  if (kind === 'config' || kind === 'record') return false;
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > policy.limit) return false;

  const { code, status, retryAfter } = factsOf(error);
  const listed = (code !== undefined && policy.errorCodes.includes(code)) || (status !== undefined && policy.statusCodes.includes(status));
  if (!listed && (code !== undefined || status !== undefined)) return false;

  if (policy.respectRetryAfter && retryAfter !== undefined && retryAfter >= 0) {
    return Math.min(retryAfter * 1000, policy.maxRetryAfterMs);
  }
  const backoff = Math.min(policy.backoffLimitMs, policy.backoffBaseMs * 2 ** (attempt - 1));
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(backoff * (1 - policy.jitter * r));
};

export interface RetryEvent {
  /** The attempt that failed (1 = the first call). */
  readonly attempt: number;
  /** Milliseconds until the next attempt. */
  readonly delayMs: number;
  readonly error: unknown;
}

export interface WithRetryOptions {
  /** Aborting stops waiting at once and rejects with the signal's reason; no further attempt starts. */
  readonly signal?: AbortSignal;
  /** Called before each wait (log it, count it). */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Abortable sleep; injectable for tests. Default: a timer cleared on abort. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Random source for jitter; injectable for tests. Default Math.random. */
  readonly random?: () => number;
}

const abortReason = (signal: AbortSignal): Error => {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new Error('aborted', { cause: reason });
};

/** The timer functions `abortableSleep` uses; injectable so a test can fire the timer itself. */
export interface SleepTimers {
  readonly setTimeout: (callback: () => void, ms: number) => unknown;
  readonly clearTimeout: (timer: unknown) => void;
}

const realTimers: SleepTimers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** Resolve after `ms`, or reject with the signal's reason as soon as it aborts. */
export const abortableSleep = (ms: number, signal?: AbortSignal, timers: SleepTimers = realTimers): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortReason(signal));
      return;
    }
    const onAbort = (): void => {
      timers.clearTimeout(timer);
      reject(abortReason(signal as AbortSignal));
    };
    const timer = timers.setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Run `fn` until it succeeds, `computeDelay` says stop (the last error is rethrown), or `signal`
 * aborts (its reason is thrown). `fn` receives the attempt number (1 = the first call).
 */
export const withRetry = async <T>(
  fn: (attempt: number) => Promise<T>,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  options: WithRetryOptions = {},
): Promise<T> => {
  const { signal, onRetry, sleep = abortableSleep, random = Math.random } = options;
  for (let attempt = 1; ; attempt += 1) {
    if (signal?.aborted) throw abortReason(signal);
    try {
      return await fn(attempt);
    } catch (error) {
      if (signal?.aborted) throw error;
      const delayMs = computeDelay(policy, attempt, error, random);
      if (delayMs === false) throw error;
      onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, signal);
    }
  }
};
