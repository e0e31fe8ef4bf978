/**
 * The one way commands get an Odoo transport: `connectOdoo(config.odoo)`.
 *
 * A configured transport (`odoo.transport` / `PLANSYNC_TRANSPORT`) is used as is, without asking the
 * server anything: a site that opens only `/xmlrpc` keeps working. Left to `auto` (the default), the
 * server's version is asked first without authentication (version.ts) and the transport follows
 * from its major: `json2` from Odoo 19 on, `jsonrpc` for 17 and 18.
 *
 * The returned transport resolves lazily, at its first call, so that the daemon started while Odoo
 * is down retries with its usual backoff; a failed probe is asked again at the next call.
 */
import { ConfigError } from '../errors.ts';
import { Json2Transport } from './json2.ts';
import { checkConnection, JsonRpcTransport } from './jsonrpc.ts';
import type { OdooConnection, OdooTransport, TransportName } from './port.ts';
import { XmlRpcTransport } from './xmlrpc.ts';
import { probeServerVersion, transportForMajor, unknownVersionError, type ServerVersion } from './version.ts';

/** What `odoo.transport` may say: a transport, or `auto` (default) to follow the server's version. */
export type TransportSetting = TransportName | 'auto';

export const TRANSPORT_NAMES: readonly TransportName[] = ['jsonrpc', 'json2', 'xmlrpc'];

/** One concrete transport by name. Validates the connection; a bad value throws ConfigError. */
export const createNamedTransport = (name: TransportName, connection: OdooConnection): OdooTransport => {
  switch (name) {
    case 'jsonrpc':
      return new JsonRpcTransport(connection);
    case 'json2':
      return new Json2Transport(connection);
    case 'xmlrpc':
      return new XmlRpcTransport(connection);
    default:
      throw new ConfigError(`odoo.transport must be one of auto, ${TRANSPORT_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
};

export interface OdooSettings extends OdooConnection {
  readonly transport: TransportSetting;
}

export interface Resolution {
  readonly transport: OdooTransport;
  readonly name: TransportName;
  /** `configured`: odoo.transport said so; `auto`: chosen from the server's version. */
  readonly source: 'configured' | 'auto';
  /** The server's version when it was asked (auto only; a configured transport asks nothing). */
  readonly server: ServerVersion | undefined;
}

export interface ConnectOptions {
  /** Called once, when the transport is known (log it: it never holds a secret). */
  readonly onResolved?: (resolution: Resolution) => void;
  /** The version probe; tests replace it. Default probeServerVersion. */
  readonly probe?: (connection: OdooConnection) => Promise<ServerVersion>;
}

/** `odoo server 19.0, transport json2 (auto)`: the start-up line, with no secret in it. */
export const describeResolution = (resolution: Pick<Resolution, 'name' | 'source' | 'server'>): string =>
  `${resolution.server ? `odoo server ${resolution.server.version}, ` : ''}transport ${resolution.name} (${resolution.source})`;

/**
 * Resolve the transport now: the configured one, or the one the server's version calls for.
 * Throws ConfigError for a bad connection, a transient OdooError when the server cannot be asked,
 * a config OdooError when its version names no major.
 */
export const resolveTransport = async (settings: OdooSettings, options: Pick<ConnectOptions, 'probe'> = {}): Promise<Resolution> => {
  if (settings.transport !== 'auto')
    return {
      transport: createNamedTransport(settings.transport, settings),
      name: settings.transport,
      source: 'configured',
      server: undefined,
    };
  const server = await (options.probe ?? probeServerVersion)(settings);
  const name = transportForMajor(server.major);
  if (!name) throw unknownVersionError(server.version);
  return { transport: createNamedTransport(name, settings), name, source: 'auto', server };
};

/** An OdooTransport that becomes the resolved one at its first call. */
export class ConnectedOdoo implements OdooTransport {
  readonly #settings: OdooSettings;
  readonly #options: ConnectOptions;
  #resolution: Promise<Resolution> | undefined;
  #resolved: Resolution | undefined;
  #closed = false;

  constructor(settings: OdooSettings, options: ConnectOptions = {}) {
    this.#settings = settings;
    this.#options = options;
    if (settings.transport === 'auto') {
      // Validate what can be validated now; the chosen transport checks the rest when it is built.
      checkConnection(settings, { db: false, login: false });
    } else {
      // Built now, so that a bad connection fails at start-up (ConfigError), as before.
      this.#resolved = {
        transport: createNamedTransport(settings.transport, settings),
        name: settings.transport,
        source: 'configured',
        server: undefined,
      };
    }
  }

  /** The transport in use, or `auto` while the server has not been asked yet. */
  get name(): TransportName | 'auto' {
    return this.#resolved?.name ?? 'auto';
  }

  /** The resolution (asking the server once when needed; a failed probe is asked again next time). Reported once to onResolved. */
  resolution(): Promise<Resolution> {
    this.#resolution ??= (this.#resolved ? Promise.resolve(this.#resolved) : resolveTransport(this.#settings, this.#options)).then(
      (resolution) => {
        if (this.#closed) void resolution.transport.close();
        this.#resolved = resolution;
        this.#options.onResolved?.(resolution);
        return resolution;
      },
      (error: unknown) => {
        this.#resolution = undefined;
        throw error;
      },
    );
    return this.#resolution;
  }

  async call<T>(
    model: string,
    method: string,
    args: readonly unknown[],
    kwargs?: Readonly<Record<string, unknown>>,
    argNames?: readonly string[],
  ): Promise<T> {
    return (await this.resolution()).transport.call<T>(model, method, args, kwargs, argNames);
  }

  /**
   * The server's version: the probe's answer when the transport was chosen from it, else the
   * configured transport's own `version()` (over the configured endpoint only).
   */
  async version(): Promise<{ readonly server_version: string; readonly server_version_info: readonly unknown[] }> {
    const resolution = await this.resolution();
    if (resolution.server) return { server_version: resolution.server.version, server_version_info: resolution.server.versionInfo };
    return resolution.transport.version();
  }

  async uid(): Promise<number> {
    return (await this.resolution()).transport.uid();
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#resolved?.transport.close();
  }
}

/** The Odoo transport for `settings` (config.odoo), configured or resolved from the server's version. */
export const connectOdoo = (settings: OdooSettings, options: ConnectOptions = {}): ConnectedOdoo => new ConnectedOdoo(settings, options);

/** onResolved for a logger: one info line, `odoo server 19.0, transport json2 (auto)`, with the facts as fields. */
export const logResolution =
  (logger: { info(fields: Record<string, unknown>, message: string): void }) =>
  (resolution: Resolution): void =>
    logger.info(
      { odoo_server: resolution.server?.version, transport: resolution.name, transport_source: resolution.source },
      describeResolution(resolution),
    );
