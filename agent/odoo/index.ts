/**
 * The transports behind the Odoo port. The pipeline asks for one by name and sees only
 * `OdooTransport` (port.ts).
 */
import { ConfigError } from '../errors.ts';
import { Json2Transport } from './json2.ts';
import { JsonRpcTransport } from './jsonrpc.ts';
import type { OdooConnection, OdooTransport, TransportName } from './port.ts';
import { XmlRpcTransport } from './xmlrpc.ts';

export const TRANSPORT_NAMES: readonly TransportName[] = ['jsonrpc', 'json2', 'xmlrpc'];

/**
 * A transport for `connection`: `jsonrpc` (Odoo up to 18, deprecated from 19), `json2` (Odoo 19+),
 * `xmlrpc` (any version, via odoo-await). Validates the connection; a bad value throws ConfigError.
 */
export const createTransport = (name: TransportName, connection: OdooConnection): OdooTransport => {
  switch (name) {
    case 'jsonrpc':
      return new JsonRpcTransport(connection);
    case 'json2':
      return new Json2Transport(connection);
    case 'xmlrpc':
      return new XmlRpcTransport(connection);
    default:
      throw new ConfigError(`odoo.transport must be one of ${TRANSPORT_NAMES.join(', ')}, got ${JSON.stringify(name)}`);
  }
};

export type { OdooConnection, OdooTransport, TransportName } from './port.ts';
export { classify, parseRetryAfter } from './classify.ts';
