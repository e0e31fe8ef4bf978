/**
 * JSON-RPC transport (Odoo 8 to 18; deprecated from 19, still served): `POST {url}/jsonrpc`
 * with `{"service": "object", "method": "execute_kw", "args": [db, uid, key, model, method, args, kwargs]}`.
 *
 * Also the home of the HTTP plumbing the JSON-2 transport shares (one got instance per transport:
 * timeout, keep-alive agents, no retries, no redirects; failures turned into OdooError).
 */
import http from 'node:http';
import https from 'node:https';
import got, { RequestError, type Got, type Method, type Response } from 'got';
import { ConfigError, OdooError } from '../errors.ts';
import { classify, redact, safeCause, type FailureFacts } from './classify.ts';
import type { OdooConnection, OdooTransport, TransportName } from './port.ts';

/** Per-request timeout when the connection does not set one. */
export const DEFAULT_TIMEOUT_MS = 30_000;

export const USER_AGENT = 'plansync-agent (+https://github.com/plansync)';

/** The connection's URL without userinfo, for messages. */
const showUrl = (url: string): string => {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url;
  }
};

/**
 * Validate a connection once, at construction: a bad value throws ConfigError naming the key and
 * quoting the value (never the API key's). Returns the base URL without a trailing slash.
 */
export const checkConnection = (connection: OdooConnection, needs: { readonly db: boolean; readonly login: boolean }): string => {
  let parsed: URL;
  try {
    parsed = new URL(connection.url);
  } catch {
    throw new ConfigError(`odoo.url must be an http(s) URL, got ${JSON.stringify(showUrl(connection.url))}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`odoo.url must be an http(s) URL, got ${JSON.stringify(showUrl(connection.url))}`);
  }
  if (needs.db && (typeof connection.db !== 'string' || connection.db === '')) {
    throw new ConfigError(`odoo.db must be a database name, got ${JSON.stringify(connection.db)}`);
  }
  if (needs.login && (typeof connection.login !== 'string' || connection.login === '')) {
    throw new ConfigError(`odoo.login must be the integration user's login, got ${JSON.stringify(connection.login)}`);
  }
  if (typeof connection.apiKey !== 'string' || connection.apiKey === '') {
    throw new ConfigError('odoo.apiKey must be a non-empty API key, got an empty value');
  }
  const timeout = connection.timeoutMs;
  if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
    throw new ConfigError(`odoo.timeoutMs must be a positive integer (milliseconds), got ${JSON.stringify(timeout)}`);
  }
  parsed.search = '';
  parsed.hash = '';
  return parsed.toString().replace(/\/+$/, '');
};

export interface HttpClient {
  readonly got: Got;
  readonly timeoutMs: number;
  /** Destroy the keep-alive sockets. */
  close(): void;
}

/**
 * got with what a daemon needs: a timeout on the whole request (got has none by default),
 * keep-alive agents, no automatic retry (the pipeline decides), no redirects (a POST redirected
 * becomes a GET: better to say "fix the URL"), no throwing on HTTP status (the transport reads
 * Odoo's error body first).
 */
export const createHttpClient = (timeoutMs: number): HttpClient => {
  const agent = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };
  const client = got.extend({
    timeout: { request: timeoutMs },
    retry: { limit: 0 },
    agent,
    followRedirect: false,
    throwHttpErrors: false,
    responseType: 'text',
    headers: { 'user-agent': USER_AGENT },
  });
  return {
    got: client,
    timeoutMs,
    close: () => {
      agent.http.destroy();
      agent.https.destroy();
    },
  };
};

export interface HttpContext {
  readonly transport: TransportName;
  readonly operation: string;
  readonly secrets: readonly string[];
}

export interface HttpRequest {
  readonly method: Method;
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly json?: unknown;
}

/** Send one request; network failures and timeouts become OdooError (never a got error: it holds the key). */
export const sendHttp = async (client: HttpClient, context: HttpContext, request: HttpRequest): Promise<Response<string>> => {
  try {
    return await client.got(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.json === undefined ? {} : { json: request.json }),
    });
  } catch (error) {
    const code = error instanceof RequestError ? error.code : (error as { code?: unknown } | null)?.code;
    throw classify({
      transport: context.transport,
      operation: context.operation,
      networkCode: typeof code === 'string' ? code : undefined,
      timedOut: error instanceof Error && error.name === 'TimeoutError',
      timeoutMs: client.timeoutMs,
      secrets: context.secrets,
      cause: safeCause(error, context.secrets),
    });
  }
};

const NOT_JSON = Symbol('not JSON');

/** The body parsed as JSON, or NOT_JSON. */
export const parseJsonBody = (body: string): unknown => {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return NOT_JSON;
  }
};
export const isNotJson = (value: unknown): value is typeof NOT_JSON => value === NOT_JSON;

const header = (response: Response<string>, name: string): string | undefined => {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** Facts common to every failed HTTP reply: status, Retry-After, the clock to resolve it. */
export const replyFacts = (context: HttpContext, response: Response<string>): FailureFacts => ({
  transport: context.transport,
  operation: context.operation,
  status: response.statusCode,
  retryAfter: header(response, 'retry-after'),
  now: Date.now(),
  secrets: context.secrets,
});

/** A 3xx reply: Odoo never redirects its RPC routes, the URL is wrong (http → https, a proxy). */
export const redirectError = (context: HttpContext, response: Response<string>): OdooError => {
  const location = header(response, 'location');
  return classify({
    ...replyFacts(context, response),
    protocol: `redirected (HTTP ${response.statusCode})${location ? ` to ${redact(showUrl(location), context.secrets)}` : ''}: set the Odoo URL to the final address`,
  });
};

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

interface JsonRpcReply {
  readonly result?: unknown;
  readonly error?: {
    readonly message?: unknown;
    readonly code?: unknown;
    readonly data?: { readonly name?: unknown; readonly message?: unknown };
  };
}

export class JsonRpcTransport implements OdooTransport {
  readonly name = 'jsonrpc' as const;
  readonly #connection: OdooConnection;
  readonly #endpoint: string;
  readonly #http: HttpClient;
  readonly #secrets: readonly string[];
  #nextId = 1;
  #uid: Promise<number> | undefined;

  constructor(connection: OdooConnection) {
    const base = checkConnection(connection, { db: true, login: true });
    this.#connection = connection;
    this.#endpoint = `${base}/jsonrpc`;
    this.#http = createHttpClient(connection.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#secrets = [connection.apiKey];
  }

  async call<T>(model: string, method: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>> = {}): Promise<T> {
    const uid = await this.uid();
    const { db, apiKey } = this.#connection;
    try {
      return (await this.#rpc(
        'object',
        'execute_kw',
        [db, uid, apiKey, model, method, [...args], { ...kwargs }],
        `${model}.${method}`,
      )) as T;
    } catch (error) {
      // A revoked key or a deactivated user: authenticate again next time rather than reuse the uid.
      if (error instanceof OdooError && error.code === 'ERR_ODOO_AUTH') this.#uid = undefined;
      throw error;
    }
  }

  async version(): Promise<{ readonly server_version: string; readonly server_version_info: readonly unknown[] }> {
    const result = await this.#rpc('common', 'version', [], 'common.version');
    if (!isRecord(result) || typeof result.server_version !== 'string' || !Array.isArray(result.server_version_info)) {
      throw classify({ transport: this.name, operation: 'common.version', protocol: 'version reply without server_version' });
    }
    return result as { server_version: string; server_version_info: unknown[] };
  }

  /** `common.authenticate(db, login, key, {})` once; the promise is cached (and dropped when it fails). */
  uid(): Promise<number> {
    this.#uid ??= this.#authenticate().catch((error: unknown) => {
      this.#uid = undefined;
      throw error;
    });
    return this.#uid;
  }

  close(): Promise<void> {
    this.#http.close();
    return Promise.resolve();
  }

  async #authenticate(): Promise<number> {
    const { db, login, apiKey } = this.#connection;
    const uid = await this.#rpc('common', 'authenticate', [db, login, apiKey, {}], 'common.authenticate');
    if (typeof uid === 'number' && Number.isInteger(uid) && uid > 0) return uid;
    throw new OdooError(
      'ERR_ODOO_AUTH',
      'config',
      `jsonrpc common.authenticate: login ${JSON.stringify(login)} refused on database ${JSON.stringify(db)}: check the login, the database and the API key`,
    );
  }

  async #rpc(service: string, method: string, args: readonly unknown[], operation: string): Promise<unknown> {
    const context: HttpContext = { transport: this.name, operation, secrets: this.#secrets };
    const id = this.#nextId++;
    const response = await sendHttp(this.#http, context, {
      method: 'POST',
      url: this.#endpoint,
      json: { jsonrpc: '2.0', method: 'call', params: { service, method, args }, id },
    });
    if (response.statusCode >= 300 && response.statusCode < 400) throw redirectError(context, response);
    const body = parseJsonBody(response.body) as JsonRpcReply | typeof NOT_JSON;
    const error = isRecord(body) ? body.error : undefined;
    if (response.statusCode >= 400 || isRecord(error)) {
      const data = isRecord(error) && isRecord(error.data) ? error.data : undefined;
      throw classify({
        ...replyFacts(context, response),
        odooName: str(data?.name),
        odooMessage: str(data?.message) ?? (isRecord(error) ? str(error.message) : undefined),
      });
    }
    if (!isRecord(body)) {
      throw classify({ ...replyFacts(context, response), protocol: 'reply is not JSON-RPC (an HTML page? is the URL the Odoo server?)' });
    }
    if (!('result' in body)) {
      throw classify({
        ...replyFacts(context, response),
        protocol: 'JSON-RPC reply without result (Odoo omits it when the method returns None)',
      });
    }
    return body.result;
  }
}

export const createJsonRpcTransport = (connection: OdooConnection): OdooTransport => new JsonRpcTransport(connection);
