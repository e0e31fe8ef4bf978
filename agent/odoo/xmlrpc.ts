/**
 * XML-RPC transport: odoo-await (`/xmlrpc/2/common` authenticate, `/xmlrpc/2/object` execute_kw)
 * with what it lacks added around it.
 *
 * What odoo-await 3.4.1 really does (node_modules/odoo-await/lib/index.js):
 * - `execute_kw(model, method, params)` unshifts `db, uid, password, model, method` onto `params`
 *   and sends `execute_kw` with that list, so `params = [args, kwargs]` sends Odoo's
 *   `execute_kw(db, uid, key, model, method, args, kwargs)`: kwargs pass through. It mutates
 *   `params`, so each call gets a fresh array.
 * - It builds a new `xmlrpc` client per call from `createClientOptions(path)`, whose object goes
 *   straight to `http.request`. We override that one method to add a keep-alive `agent`, the
 *   URL's path prefix, and an AbortSignal: our timeout really aborts the request (the socket is
 *   destroyed), it is not merely abandoned.
 * - It has no `version()`: that one call uses the `xmlrpc` package (odoo-await's own dependency).
 * - Faults reach us as `Error('XML-RPC fault: <faultString>')` with `faultCode`. What Odoo 17 sends
 *   on `/xmlrpc/2/*` (odoo/addons/base/controllers/rpc.py, `xmlrpc_handle_exception_int`):
 *     faultCode 3 → AccessDenied, faultString = message
 *     faultCode 4 → AccessError, faultString = message
 *     faultCode 2 → UserError or any subclass (ValidationError, MissingError, ...) or
 *                   RedirectWarning, faultString = message; the class is NOT sent
 *     faultCode 1 → anything else, faultString = the formatted traceback, whose last exception
 *                   line is `module.Class: message` (`builtins` omitted by Python)
 *   The legacy `/xmlrpc/*` route (`xmlrpc_handle_exception_string`) sends string codes such as
 *   `warning -- MissingError\n\n<message>`; `parseFault` reads both.
 *   For code 2 we report `odoo.exceptions.UserError`, except that Odoo's English MissingError
 *   messages ("Record does not exist or has been deleted", "... has been deleted, please try
 *   again after refreshing") are reported as `odoo.exceptions.MissingError`. A translated message
 *   (integration user not in English) falls back to UserError: same kind (record), other code.
 */
import http from 'node:http';
import https from 'node:https';
import OdooAwait from 'odoo-await';
import xmlrpc from 'xmlrpc';
import { OdooError } from '../errors.ts';
import { classify, safeCause, type FailureFacts } from './classify.ts';
import { checkConnection, DEFAULT_TIMEOUT_MS } from './jsonrpc.ts';
import type { OdooConnection, OdooTransport } from './port.ts';

export interface ParsedFault {
  /** Odoo's exception class, qualified (`odoo.exceptions.AccessError`, `builtins.ValueError`). */
  readonly odooName: string | undefined;
  readonly message: string;
}

const MISSING_HINT = /does not exist or has been deleted|has been deleted, please try again/i;

const qualify = (name: string): string => (name.includes('.') ? name : `builtins.${name}`);

/**
 * The last exception of a Python traceback: after the last "Traceback (most recent call last):",
 * skip the indented frame lines; the first unindented line is `qualified.Name: message`.
 */
export const parseTraceback = (text: string): ParsedFault | undefined => {
  const start = text.lastIndexOf('Traceback (most recent call last):');
  if (start < 0) return undefined;
  const lines = text.slice(start).split('\n').slice(1);
  const index = lines.findIndex((line) => line !== '' && !/^\s/.test(line));
  if (index < 0) return undefined;
  const match = /^([A-Za-z_][\w.]*)(?::\s?([\s\S]*))?$/.exec(lines.slice(index).join('\n').trimEnd());
  if (!match?.[1]) return undefined;
  return { odooName: qualify(match[1]), message: (match[2] ?? '').trim() };
};

const WARNING_NAMES: Readonly<Record<string, string>> = {
  MissingError: 'odoo.exceptions.MissingError',
  AccessError: 'odoo.exceptions.AccessError',
  UserError: 'odoo.exceptions.UserError',
  Warning: 'odoo.exceptions.RedirectWarning',
};

/** Odoo's exception name and message from an XML-RPC fault (int codes of /xmlrpc/2, string codes of /xmlrpc). */
export const parseFault = (faultCode: unknown, faultString: unknown): ParsedFault => {
  const text = typeof faultString === 'string' ? faultString : '';
  if (typeof faultCode === 'number') {
    switch (faultCode) {
      case 3:
        return { odooName: 'odoo.exceptions.AccessDenied', message: text };
      case 4:
        return { odooName: 'odoo.exceptions.AccessError', message: text };
      case 2:
        return { odooName: MISSING_HINT.test(text) ? 'odoo.exceptions.MissingError' : 'odoo.exceptions.UserError', message: text };
      default:
        return parseTraceback(text) ?? { odooName: undefined, message: text.trim().split('\n').at(-1) ?? '' };
    }
  }
  const code = typeof faultCode === 'string' ? faultCode : '';
  const warning = /^warning -- (\w+)\n\n([\s\S]*)$/.exec(code);
  if (warning?.[1]) return { odooName: WARNING_NAMES[warning[1]] ?? 'odoo.exceptions.UserError', message: warning[2] ?? '' };
  if (code === 'AccessDenied') return { odooName: 'odoo.exceptions.AccessDenied', message: text };
  return parseTraceback(text) ?? { odooName: undefined, message: code || text };
};

interface XmlRpcFailure {
  readonly message?: unknown;
  readonly code?: unknown;
  readonly faultCode?: unknown;
  readonly faultString?: unknown;
  /** Set by the xmlrpc client (non-enumerable) when a response arrived. */
  readonly res?: http.IncomingMessage;
}

type ClientOptions = ReturnType<OdooAwait['createClientOptions']> & { agent: http.Agent; signal?: AbortSignal };

/** odoo-await with our agent, path prefix and a per-call AbortSignal (read synchronously when a call starts). */
class TunedOdooAwait extends OdooAwait {
  signal: AbortSignal | undefined;
  readonly #agent: http.Agent;
  readonly #prefix: string;

  constructor(options: ConstructorParameters<typeof OdooAwait>[0], agent: http.Agent, prefix: string) {
    super(options);
    this.#agent = agent;
    this.#prefix = prefix;
  }

  override createClientOptions(path: string): ClientOptions {
    const options = super.createClientOptions(`${this.#prefix}${path}`);
    return { ...options, agent: this.#agent, ...(this.signal ? { signal: this.signal } : {}) };
  }
}

export class XmlRpcTransport implements OdooTransport {
  readonly name = 'xmlrpc' as const;
  readonly #connection: OdooConnection;
  readonly #odoo: TunedOdooAwait;
  readonly #agent: http.Agent;
  readonly #secure: boolean;
  readonly #timeoutMs: number;
  readonly #secrets: readonly string[];
  #uid: Promise<number> | undefined;

  constructor(connection: OdooConnection) {
    const base = new URL(checkConnection(connection, { db: true, login: true }));
    this.#connection = connection;
    this.#secure = base.protocol === 'https:';
    this.#agent = this.#secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
    this.#timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#secrets = [connection.apiKey];
    const prefix = base.pathname.replace(/\/+$/, '');
    // odoo-await reads protocol, host, port and userinfo (basic auth) from baseUrl, never its path.
    this.#odoo = new TunedOdooAwait(
      { baseUrl: base.href, db: connection.db, username: connection.login, password: connection.apiKey },
      this.#agent,
      prefix,
    );
  }

  async call<T>(model: string, method: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>> = {}): Promise<T> {
    await this.uid();
    const operation = `${model}.${method}`;
    try {
      return (await this.#guard(
        operation,
        () => this.#odoo.execute_kw(model, method, [[...args], { ...kwargs }]) as Promise<unknown>,
      )) as T;
    } catch (error) {
      if (error instanceof OdooError && error.code === 'ERR_ODOO_AUTH') this.#uid = undefined;
      throw error;
    }
  }

  async version(): Promise<{ readonly server_version: string; readonly server_version_info: readonly unknown[] }> {
    // odoo-await has no version(): one xmlrpc client call, with the same options odoo-await would use.
    const result = await this.#guard('common.version', () => {
      // agent and signal are http.request options the typings do not list; the client passes them on.
      const options = this.#odoo.createClientOptions('/xmlrpc/2/common') as unknown as Parameters<typeof xmlrpc.createClient>[0];
      const client = this.#secure ? xmlrpc.createSecureClient(options) : xmlrpc.createClient(options);
      return new Promise<unknown>((resolve, reject) => {
        client.methodCall('version', [], (error: object | null, value: unknown) => {
          if (error) reject(error instanceof Error ? error : new Error('XML-RPC call failed', { cause: error }));
          else resolve(value);
        });
      });
    });
    const info = result as { server_version?: unknown; server_version_info?: unknown } | null;
    if (typeof info?.server_version !== 'string' || !Array.isArray(info.server_version_info)) {
      throw classify({ transport: this.name, operation: 'common.version', protocol: 'version reply without server_version' });
    }
    return info as { server_version: string; server_version_info: unknown[] };
  }

  /** odoo-await's `connect()` (`common.authenticate(db, login, key, {})`) once; cached, dropped on failure. */
  uid(): Promise<number> {
    this.#uid ??= this.#guard('common.authenticate', () => this.#odoo.connect() as Promise<unknown>).then(
      (uid) => {
        if (typeof uid === 'number' && Number.isInteger(uid) && uid > 0) return uid;
        throw this.#refused();
      },
      (error: unknown) => {
        this.#uid = undefined;
        throw error;
      },
    );
    return this.#uid;
  }

  close(): Promise<void> {
    this.#agent.destroy();
    return Promise.resolve();
  }

  #refused(): OdooError {
    const { db, login } = this.#connection;
    return new OdooError(
      'ERR_ODOO_AUTH',
      'config',
      `xmlrpc common.authenticate: login ${JSON.stringify(login)} refused on database ${JSON.stringify(db)}: check the login, the database and the API key`,
    );
  }

  /**
   * Run one odoo-await/xmlrpc call under our deadline. The AbortSignal is handed to http.request
   * through createClientOptions, which odoo-await calls synchronously when the call starts, so
   * the timer aborts the real request. Every failure leaves as an OdooError.
   */
  async #guard(operation: string, start: () => Promise<unknown>): Promise<unknown> {
    const controller = new AbortController();
    const timedOut = (): OdooError =>
      classify({ transport: this.name, operation, timedOut: true, timeoutMs: this.#timeoutMs, secrets: this.#secrets });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(timedOut());
      }, this.#timeoutMs);
    });
    let pending: Promise<unknown>;
    this.#odoo.signal = controller.signal;
    try {
      pending = start();
    } finally {
      this.#odoo.signal = undefined;
    }
    try {
      return await Promise.race([pending, deadline]);
    } catch (error) {
      // Aborting may reject the request before the deadline promise: either way it is our timeout.
      if (controller.signal.aborted) throw timedOut();
      if (error instanceof OdooError) throw error;
      throw this.#failure(operation, error);
    } finally {
      clearTimeout(timer);
      deadline.catch(() => undefined);
      pending.catch(() => undefined);
    }
  }

  #failure(operation: string, error: unknown): OdooError {
    // odoo-await rejects with a bare string when authenticate returns false.
    if (typeof error === 'string' && operation === 'common.authenticate') return this.#refused();
    const failure = (typeof error === 'object' && error !== null ? error : {}) as XmlRpcFailure;
    const response = failure.res;
    response?.resume(); // the xmlrpc client leaves a 404 body unread: free the keep-alive socket
    const facts: FailureFacts = {
      transport: this.name,
      operation,
      secrets: this.#secrets,
      cause: safeCause(error, this.#secrets),
      status: response?.statusCode,
      retryAfter: response?.headers['retry-after'],
      now: Date.now(),
    };
    if (failure.faultCode !== undefined) {
      const fault = parseFault(failure.faultCode, failure.faultString);
      return classify({ ...facts, odooName: fault.odooName, odooMessage: fault.message });
    }
    if (response && response.statusCode !== undefined && response.statusCode < 400) {
      // A 200 that is not XML-RPC (an HTML page, a proxy's login form).
      return classify({ ...facts, protocol: 'reply is not XML-RPC (an HTML page? is the URL the Odoo server?)' });
    }
    const code = typeof failure.code === 'string' ? failure.code : undefined;
    return classify({ ...facts, networkCode: code });
  }
}

export const createXmlRpcTransport = (connection: OdooConnection): OdooTransport => new XmlRpcTransport(connection);
