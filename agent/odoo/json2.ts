/**
 * JSON-2 transport (Odoo 19+), after Odoo's documentation "External JSON-2 API"
 * (odoo/documentation, content/developer/reference/external_api.rst, 19.0) and the controller
 * `addons/rpc/controllers/json2.py` with the `json2` dispatcher in `odoo/http.py`:
 *
 * - `POST {url}/json/2/{model}/{method}`, headers `Authorization: bearer <API key>`,
 *   `Content-Type: application/json; charset=utf-8`, `X-Odoo-Database: <db>` (needed when one
 *   server hosts several databases and dbfilter does not use the Host), a `User-Agent`.
 * - Body: a JSON object of NAMED arguments; `ids` (records the method runs on, omitted for
 *   `@api.model` methods) and `context` are keys like the others. No positional arguments exist.
 * - Success: HTTP 200, the body is the bare JSON return value (a recordset becomes its ids).
 * - Error: HTTP 4xx/5xx with `{"name", "message", "arguments", "context", "debug"}`; `name` is the
 *   exception's qualified class. Statuses: bad/missing key 401 (werkzeug Unauthorized),
 *   AccessError and AccessDenied 403, MissingError 404, unknown model or method 404 (werkzeug
 *   NotFound), LockError 409, UserError and ValidationError 422, wrong argument names or `ids`
 *   given to an `@api.model` method 422 (werkzeug UnprocessableEntity), anything else 500.
 * - Each call is its own transaction.
 * - `GET {url}/web/version` (auth none) → `{"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}`.
 * - No uid exists in JSON-2: the docs say to call `res.users/context_get` without ids, the
 *   current user comes from the API key; its `uid` is the user id. We cache it.
 */
import { OdooError } from '../errors.ts';
import { classify } from './classify.ts';
import {
  checkConnection,
  createHttpClient,
  DEFAULT_TIMEOUT_MS,
  isNotJson,
  parseJsonBody,
  redirectError,
  replyFacts,
  sendHttp,
  USER_AGENT,
  type HttpClient,
  type HttpContext,
} from './jsonrpc.ts';
import type { OdooConnection, OdooTransport } from './port.ts';

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/**
 * JSON-2's body: positional `args` named by `argNames` (in order), merged with `kwargs`.
 * Throws a config OdooError (ERR_ODOO_PROTOCOL) when an argument has no name or a name is given twice:
 * that is a bug in the caller's method table, the same for every record.
 */
export const namedArguments = (
  model: string,
  method: string,
  args: readonly unknown[],
  kwargs: Readonly<Record<string, unknown>> = {},
  argNames: readonly string[] = [],
): Record<string, unknown> => {
  if (args.length > argNames.length) {
    throw new OdooError(
      'ERR_ODOO_PROTOCOL',
      'config',
      `json2 ${model}.${method}: ${args.length} positional argument(s) but ${argNames.length} name(s) (${argNames.join(', ') || 'none'}); JSON-2 only takes named arguments`,
    );
  }
  const body: Record<string, unknown> = {};
  args.forEach((value, index) => {
    body[argNames[index] as string] = value;
  });
  for (const [key, value] of Object.entries(kwargs)) {
    if (key in body) {
      throw new OdooError(
        'ERR_ODOO_PROTOCOL',
        'config',
        `json2 ${model}.${method}: argument ${JSON.stringify(key)} given both by position and by name`,
      );
    }
    body[key] = value;
  }
  return body;
};

export class Json2Transport implements OdooTransport {
  readonly name = 'json2' as const;
  readonly #connection: OdooConnection;
  readonly #base: string;
  readonly #http: HttpClient;
  readonly #secrets: readonly string[];
  #uid: Promise<number> | undefined;

  constructor(connection: OdooConnection) {
    this.#base = checkConnection(connection, { db: false, login: false });
    this.#connection = connection;
    this.#http = createHttpClient(connection.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    this.#secrets = [connection.apiKey];
  }

  async call<T>(
    model: string,
    method: string,
    args: readonly unknown[],
    kwargs: Readonly<Record<string, unknown>> = {},
    argNames: readonly string[] = [],
  ): Promise<T> {
    const body = namedArguments(model, method, args, kwargs, argNames);
    return (await this.#post(model, method, body)) as T;
  }

  async version(): Promise<{ readonly server_version: string; readonly server_version_info: readonly unknown[] }> {
    const context: HttpContext = { transport: this.name, operation: 'GET /web/version', secrets: this.#secrets };
    // auth='none' route: no Authorization header, the key travels only where it is needed.
    const response = await sendHttp(this.#http, context, {
      method: 'GET',
      url: `${this.#base}/web/version`,
      headers: { accept: 'application/json' },
    });
    const body = this.#decode(context, response);
    if (!isRecord(body) || typeof body.version !== 'string' || !Array.isArray(body.version_info)) {
      throw classify({ ...replyFacts(context, response), protocol: '/web/version reply without version (Odoo older than 19?)' });
    }
    return { server_version: body.version, server_version_info: body.version_info };
  }

  /** The API key's user: `res.users.context_get()` without ids returns the context, whose `uid` it is. Cached. */
  uid(): Promise<number> {
    this.#uid ??= this.#post('res.users', 'context_get', {}).then(
      (context) => {
        const uid = isRecord(context) ? context.uid : undefined;
        if (typeof uid === 'number' && Number.isInteger(uid) && uid > 0) return uid;
        throw classify({ transport: this.name, operation: 'res.users.context_get', protocol: 'context_get reply without uid' });
      },
      (error: unknown) => {
        this.#uid = undefined;
        throw error;
      },
    );
    return this.#uid;
  }

  close(): Promise<void> {
    this.#http.close();
    return Promise.resolve();
  }

  async #post(model: string, method: string, body: Record<string, unknown>): Promise<unknown> {
    const context: HttpContext = { transport: this.name, operation: `${model}.${method}`, secrets: this.#secrets };
    const headers: Record<string, string> = {
      authorization: `bearer ${this.#connection.apiKey}`,
      'content-type': 'application/json; charset=utf-8',
      accept: 'application/json',
      'user-agent': USER_AGENT,
    };
    if (this.#connection.db) headers['x-odoo-database'] = this.#connection.db;
    const url = `${this.#base}/json/2/${encodeURIComponent(model)}/${encodeURIComponent(method)}`;
    const response = await sendHttp(this.#http, context, { method: 'POST', url, headers, json: body });
    return this.#decode(context, response);
  }

  /** 200 → the parsed body (the bare return value); 3xx → protocol; 4xx/5xx → Odoo's error object classified. */
  #decode(context: HttpContext, response: Parameters<typeof replyFacts>[1]): unknown {
    if (response.statusCode >= 300 && response.statusCode < 400) throw redirectError(context, response);
    const body = parseJsonBody(response.body);
    if (response.statusCode >= 400) {
      const error = isRecord(body) ? body : undefined;
      throw classify({ ...replyFacts(context, response), odooName: str(error?.name), odooMessage: str(error?.message) });
    }
    if (isNotJson(body)) {
      throw classify({ ...replyFacts(context, response), protocol: 'reply is not JSON (an HTML page? is the URL the Odoo server?)' });
    }
    return body;
  }
}

export const createJson2Transport = (connection: OdooConnection): OdooTransport => new Json2Transport(connection);
