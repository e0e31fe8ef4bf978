/**
 * The transports behind the Odoo port. The pipeline asks for one by name and sees only
 * `OdooTransport` (port.ts). Commands use `connectOdoo` (connect.ts), which also logs the choice.
 */
import { ConnectedOdoo, createNamedTransport, type TransportSetting } from './connect.ts';
import type { OdooConnection, OdooTransport } from './port.ts';

export { TRANSPORT_NAMES } from './connect.ts';

/**
 * A transport for `connection`: `jsonrpc` (Odoo up to 18, deprecated from 19), `json2` (Odoo 19+),
 * `xmlrpc` (any version, via odoo-await), or `auto`: the one the server's version calls for, asked at
 * the first call (connect.ts). Validates the connection; a bad value throws ConfigError.
 */
export const createTransport = (name: TransportSetting, connection: OdooConnection): OdooTransport =>
  name === 'auto' ? new ConnectedOdoo({ ...connection, transport: 'auto' }) : createNamedTransport(name, connection);

export type { OdooConnection, OdooTransport, TransportName } from './port.ts';
export type { TransportSetting } from './connect.ts';
export { classify, parseRetryAfter } from './classify.ts';
