/**
 * One pure function that turns whatever went wrong on the way to Odoo into an OdooError with a
 * stable code and the kind that drives the pipeline:
 *
 * | what                                                     | code                 | kind      |
 * |----------------------------------------------------------|----------------------|-----------|
 * | AccessDenied, werkzeug Unauthorized, HTTP 401             | ERR_ODOO_AUTH        | config    |
 * | AccessError, werkzeug Forbidden, HTTP 403                 | ERR_ODOO_ACCESS      | config    |
 * | ValidationError, UserError, RedirectWarning, HTTP 422     | ERR_ODOO_VALIDATION  | record    |
 * | MissingError (JSON-2 sends it with HTTP 404)              | ERR_ODOO_MISSING     | record    |
 * | psycopg2 SerializationFailure / LockNotAvailable /        | ERR_ODOO_CONCURRENCY | transient |
 * | DeadlockDetected / TransactionRollbackError, Odoo 18+     |                      |           |
 * | LockError / ConcurrencyError, lock-ish OperationalError,  |                      |           |
 * | HTTP 409                                                  |                      |           |
 * | werkzeug NotFound / BadRequest / UnprocessableEntity /    | ERR_ODOO_PROTOCOL    | config    |
 * | MethodNotAllowed, HTTP 404 without an Odoo exception,     |                      |           |
 * | other 4xx, a reply that is not the protocol's             |                      |           |
 * | timeouts (ours, got's, socket ETIMEDOUT, QueryCanceled,   | ERR_TIMEOUT          | transient |
 * | HTTP 408)                                                 |                      |           |
 * | HTTP 429 and 5xx, any other Odoo server exception         | ERR_ODOO_SERVER      | transient |
 * | ECONNREFUSED, ECONNRESET, EAI_AGAIN, ENOTFOUND, ...        | ERR_NETWORK          | transient |
 * | TLS certificate failures                                 | ERR_NETWORK          | config    |
 *
 * The exception name wins over the HTTP status: JSON-2 answers both "unknown model" (werkzeug
 * NotFound, a configuration problem) and MissingError (one record is gone) with 404.
 *
 * ENOTFOUND is transient on purpose. A misspelled host never resolves, but a resolver that
 * flaps (container DNS, VPN reconnects) produces the very same code, and stopping a sync daemon
 * for a blip is worse than retrying a typo with backoff until attempts run out: the message says
 * to check the host name so a typo is found in the log.
 *
 * Messages never carry the API key (every `secrets` string is redacted from server text) nor a
 * request body: the caller passes only Odoo's own message, which is truncated.
 */
import { OdooError, type ErrorCode, type ErrorKind } from '../errors.ts';
import type { TransportName } from './port.ts';

export interface FailureFacts {
  /** Transport that saw the failure; names it in the message. */
  readonly transport: TransportName;
  /** What was being called, e.g. `res.partner.read` or `common.version`; names it in the message. */
  readonly operation?: string;
  /** HTTP status of the reply, when there was one. */
  readonly status?: number;
  /** Odoo's exception class, e.g. `odoo.exceptions.AccessError` (JSON-RPC `error.data.name`). */
  readonly odooName?: string;
  /** Odoo's exception message (not a request body). Redacted and truncated here. */
  readonly odooMessage?: string;
  /** Node/got error code of a failed request: ECONNREFUSED, ETIMEDOUT, ... */
  readonly networkCode?: string;
  /** True when our own deadline (options.timeoutMs) fired. */
  readonly timedOut?: boolean;
  /** The deadline that fired, for the message. */
  readonly timeoutMs?: number;
  /** The reply could not be understood; says how (e.g. "reply without result"). */
  readonly protocol?: string;
  /** Raw `Retry-After` header value (seconds or HTTP date), or seconds already parsed. */
  readonly retryAfter?: string | number;
  /** Milliseconds since the epoch, to resolve a `Retry-After` HTTP date; without it a date is ignored. */
  readonly now?: number;
  /** Strings that must never appear in a message (the API key). */
  readonly secrets?: readonly string[];
  /** A sanitized cause (never a got error: its `options` hold the key). */
  readonly cause?: unknown;
}

const MAX_MESSAGE = 500;

/** Node/OpenSSL codes of a certificate that will not verify: fixing it takes a human. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_TIMEOUT', 'ABORT_ERR', 'UND_ERR_CONNECT_TIMEOUT']);

const NETWORK_HINTS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused: is Odoo running on that host and port?',
  ECONNRESET: 'connection reset by the server or a proxy',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host name did not resolve (DNS): check the host in the Odoo URL if this persists',
  EAI_AGAIN: 'DNS lookup failed temporarily',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNABORTED: 'connection aborted',
};

/** `Retry-After` as whole seconds (>= 0), from delta-seconds or an HTTP date; undefined when absent or unreadable. */
export const parseRetryAfter = (value: string | number | undefined, now: number | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.ceil(value) : undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) return Number.parseInt(text, 10);
  const date = Date.parse(text);
  if (Number.isNaN(date) || now === undefined) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
};

/** Replace every secret by `***` and keep the text short. */
export const redact = (text: string, secrets: readonly string[] = []): string => {
  let out = text;
  for (const secret of secrets) if (secret.length > 0) out = out.split(secret).join('***');
  return out.length > MAX_MESSAGE ? `${out.slice(0, MAX_MESSAGE)}…` : out;
};

/** The short class name: `odoo.exceptions.AccessError` → `AccessError`. */
const shortName = (name: string): string => name.slice(name.lastIndexOf('.') + 1);

interface Verdict {
  readonly code: ErrorCode;
  readonly kind: ErrorKind;
  readonly what: string;
}

const verdict = (code: ErrorCode, kind: ErrorKind, what: string): Verdict => ({ code, kind, what });

const AUTH = verdict('ERR_ODOO_AUTH', 'config', 'authentication refused: check the login, the database and the API key');
const ACCESS = verdict('ERR_ODOO_ACCESS', 'config', 'access refused: the integration user lacks a group or a record rule');
const VALIDATION = verdict('ERR_ODOO_VALIDATION', 'record', 'Odoo refused the data');
const MISSING = verdict('ERR_ODOO_MISSING', 'record', 'record does not exist or has been deleted');
const CONCURRENCY = verdict('ERR_ODOO_CONCURRENCY', 'transient', 'concurrent update in Odoo (serialization/lock)');
const PROTOCOL_404 = verdict(
  'ERR_ODOO_PROTOCOL',
  'config',
  'not found: is this an Odoo server, is the URL right, do the model and method exist?',
);
const PROTOCOL = verdict('ERR_ODOO_PROTOCOL', 'config', 'request not understood by the server');
const TIMEOUT = verdict('ERR_TIMEOUT', 'transient', 'timed out');
const SERVER = verdict('ERR_ODOO_SERVER', 'transient', 'server error');

const byName = (name: string, message: string): Verdict | undefined => {
  const short = shortName(name);
  switch (short) {
    case 'AccessDenied':
    case 'Unauthorized':
    case 'SessionExpiredException':
      return AUTH;
    case 'AccessError':
    case 'Forbidden':
      return ACCESS;
    case 'MissingError':
      return MISSING;
    case 'ValidationError':
    case 'UserError':
    case 'RedirectWarning':
    case 'Warning':
    case 'except_orm':
    case 'IntegrityError':
    case 'UniqueViolation':
    case 'NotNullViolation':
    case 'ForeignKeyViolation':
    case 'CheckViolation':
      return VALIDATION;
    case 'SerializationFailure':
    case 'LockNotAvailable':
    case 'DeadlockDetected':
    case 'TransactionRollbackError':
    case 'LockError':
    case 'ConcurrencyError':
      return CONCURRENCY;
    case 'QueryCanceled':
      return verdict('ERR_TIMEOUT', 'transient', 'query cancelled by the database (statement timeout)');
    case 'NotFound':
      return PROTOCOL_404;
    case 'BadRequest':
    case 'UnprocessableEntity':
    case 'MethodNotAllowed':
    case 'UnsupportedMediaType':
      return PROTOCOL;
    case 'OperationalError':
      if (/database ".*" does not exist/.test(message)) return verdict('ERR_CONFIG', 'config', 'no such database: check the database name');
      return /lock|deadlock|serializ|concurrent/i.test(message) ? CONCURRENCY : SERVER;
    default:
      return undefined;
  }
};

const byStatus = (status: number): Verdict | undefined => {
  if (status === 401) return AUTH;
  if (status === 403) return ACCESS;
  if (status === 404) return PROTOCOL_404;
  if (status === 408) return TIMEOUT;
  if (status === 409) return CONCURRENCY;
  if (status === 413)
    return verdict(
      'ERR_ODOO_PROTOCOL',
      'config',
      'request too large for the server or a proxy: raise its body limit or lower the batch size',
    );
  if (status === 422) return VALIDATION;
  if (status === 429) return verdict('ERR_ODOO_SERVER', 'transient', 'rate limited (HTTP 429)');
  if (status >= 500) return verdict('ERR_ODOO_SERVER', 'transient', `server unavailable or failing (HTTP ${status})`);
  if (status >= 400) return verdict('ERR_ODOO_PROTOCOL', 'config', `request refused (HTTP ${status})`);
  return undefined;
};

const byNetworkCode = (code: string): Verdict => {
  if (TIMEOUT_CODES.has(code)) return TIMEOUT;
  if (TLS_CODES.has(code))
    return verdict('ERR_NETWORK', 'config', `TLS certificate not accepted (${code}): fix the certificate or the URL`);
  return verdict('ERR_NETWORK', 'transient', `${NETWORK_HINTS[code] ?? 'network error'} (${code})`);
};

/**
 * Map the facts of one failed call to an OdooError. Pure: same facts, same error.
 *
 * Precedence: our timeout, then Odoo's exception name, then a protocol breach, then the HTTP
 * status, then the network code; with nothing known the failure counts as a transient server error.
 */
export const classify = (facts: FailureFacts): OdooError => {
  const secrets = facts.secrets ?? [];
  const odooMessage = facts.odooMessage === undefined ? '' : redact(facts.odooMessage, secrets);
  const status = facts.status !== undefined && facts.status >= 400 ? facts.status : undefined;

  let found: Verdict | undefined;
  if (facts.timedOut)
    found = facts.timeoutMs === undefined ? TIMEOUT : verdict('ERR_TIMEOUT', 'transient', `timed out after ${facts.timeoutMs} ms`);
  if (!found && facts.odooName) found = byName(facts.odooName, odooMessage) ?? SERVER;
  if (!found && facts.protocol !== undefined) found = verdict('ERR_ODOO_PROTOCOL', 'config', redact(facts.protocol, secrets));
  if (!found && status !== undefined) found = byStatus(status);
  if (found === PROTOCOL_404 && facts.transport === 'json2' && !facts.odooName) {
    found = verdict('ERR_ODOO_PROTOCOL', 'config', `${PROTOCOL_404.what} (JSON-2 needs Odoo 19 or later)`);
  }
  if (!found && facts.networkCode) found = byNetworkCode(facts.networkCode);
  found ??= verdict('ERR_ODOO_SERVER', 'transient', 'unexpected failure');

  const where = facts.operation ? `${facts.transport} ${facts.operation}` : facts.transport;
  const name = facts.odooName ? ` [${shortName(facts.odooName)}]` : '';
  const httpStatus = status !== undefined && !found.what.includes(`HTTP ${status}`) ? ` (HTTP ${status})` : '';
  const detail = odooMessage ? `: ${odooMessage}` : '';
  const message = redact(`${where}: ${found.what}${httpStatus}${name}${detail}`, secrets);

  return new OdooError(found.code, found.kind, message, {
    cause: facts.cause,
    odooName: facts.odooName || undefined,
    status: facts.status,
    retryAfter: parseRetryAfter(facts.retryAfter, facts.now),
  });
};

/**
 * A cause safe to keep on an OdooError: only the original's name, code and redacted message.
 * got's RequestError carries `options` (headers with the bearer key, the JSON-RPC body with the
 * key) as an enumerable property, and xmlrpc's errors carry the request: never keep those.
 */
export const safeCause = (error: unknown, secrets: readonly string[] = []): Error => {
  const source = error instanceof Error ? error : undefined;
  const text = source ? source.message : typeof error === 'string' ? error : 'unknown error';
  const cause = new Error(redact(text, secrets));
  if (source) cause.name = source.name;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  if (typeof code === 'string' || typeof code === 'number') Object.assign(cause, { code });
  return cause;
};
