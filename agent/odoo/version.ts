/**
 * The Odoo server's version, asked without authentication, and the one version seam of the
 * transport: which transport an Odoo major speaks best.
 *
 * Routes (read in the Odoo sources of 17.0, 18.0 and 19.0):
 * - `POST /web/webclient/version_info` (addons/web/controllers/webclient.py, `auth="none"`, type
 *   json / jsonrpc) exists in 17, 18 and 19 and answers `common.exp_version()` in a JSON-RPC
 *   envelope: `{"result": {"server_version": "19.0", "server_version_info": [19, 0, 0, "final", 0, ""], …}}`.
 *   It is a web route, not the `/jsonrpc` endpoint Odoo 19 deprecates: it logs no deprecation warning.
 * - `GET /web/version` (addons/rpc/controllers/__init__.py) exists only from 19:
 *   `{"version_info": [19, 0, 0, "final", 0, ""], "version": "19.0"}`. Asked only when the first
 *   route answers 404 (a later Odoo that dropped it).
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
  type HttpContext,
} from './jsonrpc.ts';
import type { OdooConnection, TransportName } from './port.ts';

/** The Odoo majors this agent is built and tested against. */
export const KNOWN_ODOO_MAJORS = [17, 18, 19] as const;

/** From this major on, JSON-2 is the transport (`/jsonrpc` and `/xmlrpc` are deprecated in 19, removal announced for 22). */
export const JSON2_FROM_MAJOR = 19;

export interface ServerVersion {
  /** As the server says it, e.g. `19.0`, `17.0+e`, `saas~18.2`. */
  readonly version: string;
  /** The major (17, 18, 19, …); undefined when the server's answer holds none. */
  readonly major: number | undefined;
  /** `version_info` as the server sent it (`[19, 0, 0, "final", 0, ""]`), or [] when it sent none. */
  readonly versionInfo: readonly unknown[];
}

const majorOf = (value: unknown): number | undefined => {
  if (typeof value === 'number') return Number.isInteger(value) && value > 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  // `17.0`, `17.0+e`, `saas~17.4`, `saas~17` (the first element of a SaaS version_info).
  const match = /^(?:saas~)?(\d{1,4})(?:[.+-]|$)/.exec(value.trim());
  const major = match ? Number(match[1]) : NaN;
  return major > 0 ? major : undefined;
};

/**
 * The major version of an Odoo server from its `version_info` (first element) or, failing that, its
 * version string. Pure; anything else gives undefined.
 */
export const serverMajor = (versionInfo: unknown, version?: unknown): number | undefined =>
  (Array.isArray(versionInfo) ? majorOf(versionInfo[0]) : undefined) ?? majorOf(version);

/**
 * The transport for a server major when none is configured: `json2` from 19 on (also for a major
 * above the known ones: JSON-2 is Odoo's external API from 19), `jsonrpc` below (17, 18, and an
 * older major: JSON-RPC is what every Odoo before 19 serves). Undefined for something that is not a
 * major (NaN, 0, negative, fractional): the caller says so rather than guessing.
 */
export const transportForMajor = (major: number | undefined): TransportName | undefined => {
  if (major === undefined || !Number.isInteger(major) || major <= 0) return undefined;
  return major >= JSON2_FROM_MAJOR ? 'json2' : 'jsonrpc';
};

/** True for a major this agent knows (KNOWN_ODOO_MAJORS). */
export const isKnownMajor = (major: number | undefined): boolean =>
  major !== undefined && (KNOWN_ODOO_MAJORS as readonly number[]).includes(major);

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Ask the server its version without authentication, within the connection's timeout. An
 * unreachable server, a timeout or a 5xx is a transient OdooError; a server that does not answer
 * like Odoo is a config one (ERR_ODOO_PROTOCOL). The API key is never sent.
 */
export const probeServerVersion = async (connection: Pick<OdooConnection, 'url' | 'apiKey' | 'timeoutMs'>): Promise<ServerVersion> => {
  const base = checkConnection({ db: '', login: '', ...connection }, { db: false, login: false });
  const client = createHttpClient(connection.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const secrets = [connection.apiKey];
  try {
    const rpc: HttpContext = { transport: 'jsonrpc', operation: 'POST /web/webclient/version_info', secrets };
    const response = await sendHttp(client, rpc, {
      method: 'POST',
      url: `${base}/web/webclient/version_info`,
      headers: { accept: 'application/json' },
      json: { jsonrpc: '2.0', method: 'call', params: {} },
    });
    if (response.statusCode !== 404) {
      if (response.statusCode >= 300 && response.statusCode < 400) throw redirectError(rpc, response);
      const body = parseJsonBody(response.body);
      const error = isRecord(body) && isRecord(body.error) ? body.error : undefined;
      if (response.statusCode >= 400 || error) {
        const data = isRecord(error?.data) ? error.data : undefined;
        throw classify({
          ...replyFacts(rpc, response),
          odooName: typeof data?.name === 'string' ? data.name : undefined,
          odooMessage: typeof data?.message === 'string' ? data.message : undefined,
        });
      }
      const result = isRecord(body) && isRecord(body.result) ? body.result : undefined;
      if (isNotJson(body) || typeof result?.server_version !== 'string') {
        throw classify({
          ...replyFacts(rpc, response),
          protocol: '/web/webclient/version_info reply without server_version (is the URL the Odoo server?)',
        });
      }
      return {
        version: result.server_version,
        major: serverMajor(result.server_version_info, result.server_version),
        versionInfo: Array.isArray(result.server_version_info) ? result.server_version_info : [],
      };
    }
    const web: HttpContext = { transport: 'json2', operation: 'GET /web/version', secrets };
    const reply = await sendHttp(client, web, { method: 'GET', url: `${base}/web/version`, headers: { accept: 'application/json' } });
    if (reply.statusCode >= 300 && reply.statusCode < 400) throw redirectError(web, reply);
    const body = parseJsonBody(reply.body);
    if (reply.statusCode >= 400 || !isRecord(body) || typeof body.version !== 'string') {
      throw classify({
        ...replyFacts(web, reply),
        ...(reply.statusCode >= 400 && reply.statusCode !== 404
          ? {}
          : { protocol: 'neither /web/webclient/version_info nor /web/version answers: is the URL the Odoo server?' }),
      });
    }
    return {
      version: body.version,
      major: serverMajor(body.version_info, body.version),
      versionInfo: Array.isArray(body.version_info) ? body.version_info : [],
    };
  } finally {
    client.close();
  }
};

/** The error for a version that names no major: the transport cannot be chosen, configure it. */
export const unknownVersionError = (version: string): OdooError =>
  new OdooError(
    'ERR_ODOO_PROTOCOL',
    'config',
    `the Odoo server's version ${JSON.stringify(version.slice(0, 80))} names no major version: set odoo.transport / PLANSYNC_TRANSPORT (json2 for Odoo 19+, jsonrpc for 17 and 18)`,
  );
