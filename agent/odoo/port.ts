/**
 * The Odoo port: the pipeline talks to Odoo through this interface only, never through a transport.
 *
 * Transports (jsonrpc.ts, json2.ts, xmlrpc.ts) implement `OdooTransport`; `OdooClient` (client.ts)
 * adds the typed PlanSync contract methods on top of any transport.
 */
export type TransportName = 'jsonrpc' | 'json2' | 'xmlrpc';

export interface OdooConnection {
  /** Base URL of the Odoo server, e.g. `http://127.0.0.1:8069`. */
  readonly url: string;
  /** Database name. Required by JSON-RPC and XML-RPC; sent as `X-Odoo-Database` by JSON-2. */
  readonly db: string;
  /** Login of the integration user (JSON-RPC and XML-RPC authenticate with login + API key). */
  readonly login: string;
  /** The integration user's API key. Never logged. */
  readonly apiKey: string;
  /** Per-request timeout in milliseconds. Default 30000. */
  readonly timeoutMs?: number;
}

export interface OdooTransport {
  /** The protocol spoken; `auto` for connect.ts's transport until the server's version is known. */
  readonly name: TransportName | 'auto';
  /**
   * Call `model.method(*args, **kwargs)` on the server as the integration user.
   * JSON-2 has no positional arguments: `args` are mapped onto `kwargs` by the caller's
   * `argNames` (see client.ts), so transports receive both and each uses what it speaks.
   *
   * Throws OdooError with `odooName` set to Odoo's exception class when the server raised one.
   */
  call<T>(
    model: string,
    method: string,
    args: readonly unknown[],
    kwargs?: Readonly<Record<string, unknown>>,
    argNames?: readonly string[],
  ): Promise<T>;
  /** Server version info (`common.version`), without authentication. */
  version(): Promise<{ readonly server_version: string; readonly server_version_info: readonly unknown[] }>;
  /** Authenticated user id (resolving it once if the transport needs it). */
  uid(): Promise<number>;
  /** Release sockets. */
  close(): Promise<void>;
}
