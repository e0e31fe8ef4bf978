/**
 * `plansync check`'s lines about the Odoo server itself: its version, the transport in use and
 * why, and the expiry of the integration user's API keys. Pure: the clock is passed in.
 */
import type { ApiKeyExpiry } from './odoo/client.ts';
import type { TransportName } from './odoo/port.ts';
import { isKnownMajor, JSON2_FROM_MAJOR, KNOWN_ODOO_MAJORS, type ServerVersion } from './odoo/version.ts';

export interface CheckLine {
  readonly status: 'ok' | 'warn' | 'fail';
  readonly what: string;
  readonly detail: string;
}

/** An API key expiring within this many days is a warning. */
export const KEY_EXPIRY_WARN_DAYS = 14;

const DAY_MS = 86_400_000;

/**
 * The server's version (warn when it is not one of KNOWN_ODOO_MAJORS) and the transport in use with
 * why (configured or auto); warn when jsonrpc or xmlrpc is configured against Odoo 19 or later.
 */
export const serverLines = (
  server: Pick<ServerVersion, 'version' | 'major'>,
  transport: { readonly name: TransportName; readonly source: 'configured' | 'auto' },
): CheckLine[] => {
  const known = KNOWN_ODOO_MAJORS.join(', ');
  const lines: CheckLine[] = [];
  if (isKnownMajor(server.major))
    lines.push({ status: 'ok', what: 'Odoo version', detail: `${server.version} (this agent knows ${known})` });
  else {
    const speaks =
      transport.source === 'configured'
        ? `it speaks the configured ${transport.name}`
        : `it speaks ${transport.name} (unconfigured: json2 above ${KNOWN_ODOO_MAJORS[KNOWN_ODOO_MAJORS.length - 1]}, jsonrpc below ${KNOWN_ODOO_MAJORS[0]})`;
    lines.push({
      status: 'warn',
      what: 'Odoo version',
      detail: `${server.version} is not a version this agent knows (${known}): ${speaks}; run the contract suite against it before relying on it`,
    });
  }
  const why =
    transport.source === 'configured'
      ? 'configured (odoo.transport / PLANSYNC_TRANSPORT)'
      : `auto: ${transport.name === 'json2' ? `json2 from Odoo ${JSON2_FROM_MAJOR}` : `jsonrpc before Odoo ${JSON2_FROM_MAJOR}`}`;
  const deprecated =
    (transport.name === 'jsonrpc' || transport.name === 'xmlrpc') && server.major !== undefined && server.major >= JSON2_FROM_MAJOR;
  lines.push(
    deprecated
      ? {
          status: 'warn',
          what: 'Odoo transport',
          detail: `${transport.name}, ${why}: deprecated from Odoo 19, removal announced for Odoo 22: use json2`,
        }
      : { status: 'ok', what: 'Odoo transport', detail: `${transport.name}, ${why}` },
  );
  return lines;
};

const day = (iso: string): string => iso.slice(0, 10);

/**
 * One line per API key of the integration user: fail when expired, warn when it expires within
 * KEY_EXPIRY_WARN_DAYS, ok otherwise; one line saying so when the addon does not report them.
 */
export const apiKeyLines = (keys: readonly ApiKeyExpiry[] | undefined, now: Date): CheckLine[] => {
  if (keys === undefined) return [{ status: 'ok', what: 'API keys', detail: 'the addon does not report API key expiry' }];
  if (keys.length === 0)
    return [{ status: 'ok', what: 'API keys', detail: 'the addon reports no API key with an expiry for the integration user' }];
  return keys.map((key): CheckLine => {
    const what = `API key ${JSON.stringify(key.name)}`;
    if (key.expires === false) return { status: 'ok', what, detail: 'never expires' };
    const left = Date.parse(key.expires) - now.getTime();
    const days = Math.floor(left / DAY_MS);
    if (left <= 0)
      return {
        status: 'fail',
        what,
        detail: `expired on ${day(key.expires)}: create a new key for the integration user and set ODOO_API_KEY (or ODOO_API_KEY_FILE)`,
      };
    if (left <= KEY_EXPIRY_WARN_DAYS * DAY_MS) {
      return {
        status: 'warn',
        what,
        detail: `expires on ${day(key.expires)}, in ${days === 0 ? 'less than a day' : `${days} day${days === 1 ? '' : 's'}`}: create a new key before then and set ODOO_API_KEY`,
      };
    }
    return { status: 'ok', what, detail: `expires on ${day(key.expires)} (in ${days} days)` };
  });
};
