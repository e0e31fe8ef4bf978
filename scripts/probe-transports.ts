/**
 * Probe the Odoo transports against a real server and print what each returned or raised.
 *
 *   ODOO_URL=http://127.0.0.1:8069 ODOO_DB=mydb ODOO_LOGIN=admin ODOO_API_KEY=... \
 *     npx tsx scripts/probe-transports.ts [jsonrpc xmlrpc json2]
 *
 * Transports default to jsonrpc and xmlrpc (json2 needs Odoo 19+). Every probe runs in its own
 * transaction and the ones that raise change nothing (Odoo rolls back on error). Never prints
 * the key.
 */
import { describeError, isPlanSyncError } from '../agent/errors.ts';
import { createTransport } from '../agent/odoo/index.ts';
import type { OdooConnection, OdooTransport, TransportName } from '../agent/odoo/port.ts';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is required (ODOO_URL, ODOO_DB, ODOO_LOGIN, ODOO_API_KEY)`);
    process.exit(2);
  }
  return value;
};

const connection: OdooConnection = {
  url: env('ODOO_URL'),
  db: env('ODOO_DB'),
  login: env('ODOO_LOGIN'),
  apiKey: env('ODOO_API_KEY'),
  timeoutMs: 10_000,
};

const names = (process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['jsonrpc', 'xmlrpc']) as TransportName[];

const show = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 160)}…` : text;
};

let leaked = false;

const probe = async (label: string, run: () => Promise<unknown>): Promise<void> => {
  try {
    console.log(`  ${label.padEnd(22)} ok     ${show(await run())}`);
  } catch (error) {
    const text = `${describeError(error)} ${JSON.stringify(error)}`;
    if (text.includes(connection.apiKey)) leaked = true;
    if (isPlanSyncError(error)) {
      console.log(
        `  ${label.padEnd(22)} raised code=${error.code} kind=${error.kind} odooName=${error.odooName ?? '-'} status=${error.status ?? '-'}`,
      );
      console.log(`  ${''.padEnd(22)}        ${error.message.split('\n')[0]}`);
    } else {
      console.log(`  ${label.padEnd(22)} raised ${describeError(error)}`);
    }
  }
};

const run = async (transport: OdooTransport): Promise<void> => {
  console.log(`${transport.name}:`);
  await probe('version', () => transport.version());
  await probe('uid', () => transport.uid());
  await probe('search_read', () => transport.call('res.partner', 'search_read', [[]], { fields: ['name'], limit: 2 }, ['domain']));
  // AccessError even for admin: private methods cannot be called remotely.
  await probe('AccessError', () => transport.call('res.partner', '_get_name', [[1]], {}, ['ids']));
  // ValidationError: a partner cannot be its own parent (constraint _check_parent_id).
  await probe('ValidationError', () => transport.call('res.partner', 'write', [[1], { parent_id: 1 }], {}, ['ids', 'vals']));
  // UserError: uninstalling a module that is not installed.
  await probe('UserError', async () => {
    const ids = await transport.call<number[]>('ir.module.module', 'search', [[['state', '=', 'uninstalled']]], { limit: 1 }, ['domain']);
    return transport.call('ir.module.module', 'button_uninstall', [ids], {}, ['ids']);
  });
  // Odoo 17 read() of an id that does not exist returns [] (no error); write() raises MissingError.
  await probe('read missing id', () => transport.call('res.partner', 'read', [[999999999]], { fields: ['name'] }, ['ids']));
  await probe('MissingError', () => transport.call('res.partner', 'write', [[999999999], { name: 'x' }], {}, ['ids', 'vals']));
  await probe('server error', () =>
    transport.call('res.partner', 'search_read', [[['no_such_field', '=', 1]]], { fields: ['name'] }, ['domain']),
  );
  await transport.close();
  const wrong = createTransport(transport.name, { ...connection, apiKey: 'not-the-key-0000' });
  await probe('wrong API key', () => wrong.uid());
  await wrong.close();
};

for (const name of names) await run(createTransport(name, connection));
if (leaked) {
  console.error('the API key appeared in an error');
  process.exit(1);
}
