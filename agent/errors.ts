/**
 * One error family for the whole agent (after got's errors.ts).
 *
 * Every error carries a stable `code` and a `kind` that drives behaviour:
 * - `config`: stop and say so (bad configuration, wrong key, missing access, addon absent);
 * - `transient`: retry with backoff (network, timeouts, 408/429/5xx, Odoo concurrency errors);
 * - `record`: this record is bad: park it as an exception and go on with the rest.
 */
export type ErrorKind = 'config' | 'transient' | 'record';

export type ErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_ODOO_AUTH'
  | 'ERR_ODOO_ACCESS'
  | 'ERR_ODOO_VALIDATION'
  | 'ERR_ODOO_MISSING'
  | 'ERR_ODOO_SERVER'
  | 'ERR_ODOO_CONCURRENCY'
  | 'ERR_ODOO_PROTOCOL'
  | 'ERR_NETWORK'
  | 'ERR_TIMEOUT'
  | 'ERR_TARGET_REJECTED'
  | 'ERR_TARGET_UNAVAILABLE'
  | 'ERR_INVALID_EVENT'
  | 'ERR_STATE';

export interface PlanSyncErrorOptions {
  readonly cause?: unknown;
  /** Odoo's exception class, e.g. `odoo.exceptions.AccessError`, when the error came from Odoo. */
  readonly odooName?: string;
  /** HTTP status, when there was one. */
  readonly status?: number;
  /** Seconds the other side asked us to wait (`Retry-After`), when it did. */
  readonly retryAfter?: number;
}

export class PlanSyncError extends Error {
  override readonly name: string = 'PlanSyncError';
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly odooName: string | undefined;
  readonly status: number | undefined;
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, kind: ErrorKind, message: string, options: PlanSyncErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.kind = kind;
    this.odooName = options.odooName;
    this.status = options.status;
    this.retryAfter = options.retryAfter;
  }
}

/** A configuration value is missing or malformed; the message quotes the key and the value. */
export class ConfigError extends PlanSyncError {
  override readonly name = 'ConfigError';
  constructor(message: string, options: PlanSyncErrorOptions = {}) {
    super('ERR_CONFIG', 'config', message, options);
  }
}

/** An error raised by Odoo (or by the transport that talks to it). */
export class OdooError extends PlanSyncError {
  override readonly name = 'OdooError';
}

/** A delivery target refused or could not take a delivery. */
export class TargetError extends PlanSyncError {
  override readonly name = 'TargetError';
}

export const isPlanSyncError = (error: unknown): error is PlanSyncError => error instanceof PlanSyncError;

/** The kind of any thrown value: unknown errors count as transient (retry, never crash-loop). */
export const kindOf = (error: unknown): ErrorKind => (isPlanSyncError(error) ? error.kind : 'transient');

/** A one-line description safe for logs (never includes request bodies or secrets). */
export const describeError = (error: unknown): string => {
  if (error instanceof PlanSyncError) {
    const name = error.odooName ? ` (${error.odooName})` : '';
    return `${error.code}${name}: ${error.message}`;
  }
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
};
