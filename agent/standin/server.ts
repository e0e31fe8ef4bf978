/**
 * The stand-in's HTTP face: the three transports of Odoo's external API over the in-memory model.
 *
 * - JSON-RPC `/jsonrpc` (services `common` and `object`), errors as Odoo 17 serialises them
 *   (`{"code": 200, "message": "Odoo Server Error", "data": {"name", "message", "arguments", "debug", "context"}}`);
 * - XML-RPC `/xmlrpc/2/common` and `/xmlrpc/2/object`, faults as Odoo 17's `xmlrpc_handle_exception_string`
 *   writes them, and a fault when a result holds a null (Odoo cannot marshal None);
 * - JSON-2 `/json/2/<model>/<method>` (Odoo 19), bearer API key, named arguments, HTTP status errors;
 * - `/web/version` (Odoo 19's) and `POST /web/webclient/version_info` (17, 18, 19): the version probe of
 *   agent/odoo/version.ts, which makes an unconfigured agent speak jsonrpc to this 17.0 stand-in.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
// The xmlrpc package is what odoo-await speaks with; its (de)serialiser gives the stand-in the same wire format.
import Deserializer from 'xmlrpc/lib/deserializer.js';
import Serializer from 'xmlrpc/lib/serializer.js';
import { OdooException, type StandinOdoo, type StandinUser } from './model.ts';

const VERSION = {
  server_version: '17.0-standin',
  server_version_info: [17, 0, 0, 'final', 0, ''],
  server_serie: '17.0',
  protocol_version: 1,
};

const accessDenied = () => new OdooException('odoo.exceptions.AccessDenied', 'Access Denied');

const containsNull = (value: unknown): boolean => {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.some(containsNull);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(containsNull);
  return false;
};

export interface StandinServer {
  readonly url: string;
  readonly server: http.Server;
  close(): Promise<void>;
}

export interface StandinServeOptions {
  /** Milliseconds to hold the answer of a call (a slow Odoo, for tests that interrupt a process midway). */
  readonly latencyMs?: (model: string, method: string) => number;
}

export const serveStandin = async (odoo: StandinOdoo, port = 0, options: StandinServeOptions = {}): Promise<StandinServer> => {
  const userByKey = (uid: unknown, key: unknown): StandinUser => {
    const user = typeof uid === 'number' ? odoo.users.get(uid) : undefined;
    if (!user || user.apiKey !== key) throw accessDenied();
    return user;
  };
  const login = (db: unknown, loginName: unknown, key: unknown): number | false => {
    if (db !== odoo.database.name) return false;
    const user = [...odoo.users.values()].find((u) => u.login === loginName && u.apiKey === key);
    return user ? user.id : false;
  };
  const dispatch = (service: string, method: string, args: unknown[]): unknown => {
    if (service === 'common') {
      if (method === 'version') return VERSION;
      if (method === 'login') return login(args[0], args[1], args[2]);
      if (method === 'authenticate') return login(args[0], args[1], args[2]);
      throw new OdooException('builtins.NameError', `Method not available ${method}`);
    }
    if (service === 'object' && method === 'execute_kw') {
      const [db, uid, key, model, name, positional, keywords] = args;
      if (db !== odoo.database.name) throw new OdooException('psycopg2.OperationalError', `database "${String(db)}" does not exist`);
      const user = userByKey(uid, key);
      return odoo.execute(
        user,
        String(model),
        String(name),
        Array.isArray(positional) ? positional : [],
        (keywords ?? {}) as Record<string, unknown>,
      );
    }
    throw new OdooException('builtins.NameError', `Method not available ${method}`);
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const delay = options.latencyMs ? options.latencyMs(...callOf(req.url ?? '', body)) : 0;
      if (delay > 0) setTimeout(() => handle(req, res, body), delay);
      else handle(req, res, body);
    });
  });
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer): void => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const send = (status: number, type: string, payload: string) => {
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(payload) });
      res.end(payload);
    };
    const json = (status: number, value: unknown) => send(status, 'application/json', JSON.stringify(value));
    try {
      if (url.pathname === '/web/version') return json(200, { version_info: VERSION.server_version_info, version: VERSION.server_version });
      if (url.pathname === '/web/webclient/version_info' && req.method === 'POST')
        return json(200, { jsonrpc: '2.0', id: null, result: VERSION });
      if (url.pathname === '/jsonrpc' && req.method === 'POST') return handleJsonRpc(body, json, dispatch);
      if (url.pathname.startsWith('/xmlrpc/2/') && req.method === 'POST')
        return handleXmlRpc(url.pathname.slice('/xmlrpc/2/'.length), body, send, dispatch);
      const json2 = /^\/json\/2\/([^/]+)\/([^/]+)$/.exec(url.pathname);
      if (json2 && req.method === 'POST') return handleJson2(json2[1] ?? '', json2[2] ?? '', req, body, json, odoo);
      return json(404, { error: `no route ${url.pathname}` });
    } catch (error) {
      return json(500, { error: (error as Error).message });
    }
  };
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    server,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

/** The model and method a request calls (JSON-RPC and JSON-2; XML-RPC bodies are not looked into). */
const callOf = (url: string, body: Buffer): [string, string] => {
  const json2 = /^\/json\/2\/([^/]+)\/([^/?]+)/.exec(url);
  if (json2) return [json2[1] ?? '', json2[2] ?? ''];
  try {
    const args = (JSON.parse(body.toString('utf8')) as { params?: { args?: unknown[] } }).params?.args ?? [];
    const [model, method] = [args[3], args[4]];
    return [typeof model === 'string' ? model : '', typeof method === 'string' ? method : ''];
  } catch {
    return ['', ''];
  }
};

type Json = (status: number, value: unknown) => void;
type Dispatch = (service: string, method: string, args: unknown[]) => unknown;

const serializeException = (error: unknown) => {
  const odooError = error instanceof OdooException ? error : new OdooException('builtins.Exception', (error as Error).message);
  return {
    name: odooError.odooName,
    message: odooError.message,
    arguments: [odooError.message],
    context: {},
    debug: `Traceback (most recent call last):\n${odooError.odooName}: ${odooError.message}\n`,
  };
};

const handleJsonRpc = (body: Buffer, json: Json, dispatch: Dispatch) => {
  let request: { id?: unknown; params?: { service?: string; method?: string; args?: unknown[] } };
  try {
    request = JSON.parse(body.toString('utf8')) as typeof request;
  } catch {
    return json(200, {
      jsonrpc: '2.0',
      id: null,
      error: {
        code: 200,
        message: 'Odoo Server Error',
        data: serializeException(new OdooException('werkzeug.exceptions.BadRequest', 'Invalid JSON data')),
      },
    });
  }
  const id = request.id ?? null;
  try {
    const result = dispatch(request.params?.service ?? '', request.params?.method ?? '', request.params?.args ?? []);
    // Odoo leaves `result` out when a method returns None.
    return json(200, result === undefined || result === null ? { jsonrpc: '2.0', id } : { jsonrpc: '2.0', id, result });
  } catch (error) {
    return json(200, { jsonrpc: '2.0', id, error: { code: 200, message: 'Odoo Server Error', data: serializeException(error) } });
  }
};

/** Odoo 17's `xmlrpc_handle_exception_string`: the exception's kind and message in faultCode. */
const xmlFault = (error: unknown): { faultCode: string; faultString: string } => {
  const e = error instanceof OdooException ? error : new OdooException('builtins.Exception', (error as Error).message);
  const short = e.odooName.split('.').pop() ?? e.odooName;
  if (short === 'MissingError' || short === 'AccessError') return { faultCode: `warning -- ${short}\n\n${e.message}`, faultString: '' };
  if (short === 'AccessDenied') return { faultCode: 'AccessDenied', faultString: e.message };
  if (short === 'UserError' || short === 'ValidationError') return { faultCode: `warning -- UserError\n\n${e.message}`, faultString: '' };
  return { faultCode: e.message, faultString: `Traceback (most recent call last):\n${e.odooName}: ${e.message}\n` };
};

const handleXmlRpc = (service: string, body: Buffer, send: (status: number, type: string, payload: string) => void, dispatch: Dispatch) => {
  const deserializer = new Deserializer();
  deserializer.deserializeMethodCall(Readable.from([body]), (error: Error | null, method: string, params: unknown[]) => {
    if (error)
      return send(200, 'text/xml', Serializer.serializeFault(xmlFault(new OdooException('xml.parsers.expat.ExpatError', error.message))));
    try {
      const result = dispatch(service, method, params);
      if (containsNull(result)) {
        // What Odoo's marshaller does with None: the method ran, the reply fails.
        return send(
          200,
          'text/xml',
          Serializer.serializeFault(xmlFault(new OdooException('builtins.TypeError', 'cannot marshal None unless allow_none is enabled'))),
        );
      }
      return send(200, 'text/xml', Serializer.serializeMethodResponse(result));
    } catch (e) {
      return send(200, 'text/xml', Serializer.serializeFault(xmlFault(e)));
    }
  });
};

/** Odoo 19's JSON-2 statuses (addons/rpc/controllers/json2.py and the json2 dispatcher in odoo/http.py). */
const JSON2_STATUS: Record<string, number> = {
  'werkzeug.exceptions.Unauthorized': 401,
  'odoo.exceptions.AccessDenied': 403,
  'odoo.exceptions.AccessError': 403,
  'odoo.exceptions.MissingError': 404,
  'werkzeug.exceptions.NotFound': 404,
  'odoo.exceptions.UserError': 422,
  'odoo.exceptions.ValidationError': 422,
  'werkzeug.exceptions.UnprocessableEntity': 422,
};

const handleJson2 = (model: string, method: string, req: http.IncomingMessage, body: Buffer, json: Json, odoo: StandinOdoo) => {
  const fail = (error: unknown) => {
    const data = serializeException(error);
    return json(JSON2_STATUS[data.name] ?? 500, data);
  };
  const auth = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  const user = auth ? [...odoo.users.values()].find((u) => u.apiKey === auth[1]) : undefined;
  if (!user) return fail(new OdooException('werkzeug.exceptions.Unauthorized', 'Invalid apikey'));
  const database = req.headers['x-odoo-database'];
  if (database !== undefined && database !== odoo.database.name)
    return fail(new OdooException('werkzeug.exceptions.Unauthorized', 'Invalid apikey'));
  let named: Record<string, unknown>;
  try {
    named = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    return fail(new OdooException('werkzeug.exceptions.BadRequest', 'Invalid JSON data'));
  }
  const { ids: _ids, context: _context, ...kwargs } = named;
  try {
    const result = odoo.execute(user, model, method, [], kwargs);
    return json(200, result ?? null);
  } catch (error) {
    // JSON-2 answers an unknown model or method with NotFound, a bad signature with UnprocessableEntity.
    const name = error instanceof OdooException ? error.odooName : '';
    if (name === 'builtins.AttributeError' || (name === 'odoo.exceptions.UserError' && /doesn't exist/.test((error as Error).message))) {
      return fail(new OdooException('werkzeug.exceptions.NotFound', (error as Error).message));
    }
    if (name === 'builtins.TypeError') return fail(new OdooException('werkzeug.exceptions.UnprocessableEntity', (error as Error).message));
    return fail(error);
  }
};
