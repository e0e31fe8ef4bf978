import { createRequire } from 'node:module';
import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseFault, parseTraceback, XmlRpcTransport } from '../../agent/odoo/xmlrpc.ts';
import { assertNoSecret, rejection } from '../support/errors.ts';
import { heldReply } from '../support/held-reply.ts';

/** The xmlrpc package's own serializer (what odoo-await sends), to build exact request and reply bodies. */
const serializer = createRequire(import.meta.url)('xmlrpc/lib/serializer') as {
  serializeMethodCall(method: string, params: unknown[]): string;
  serializeMethodResponse(value: unknown): string;
  serializeFault(fault: { faultCode: number | string; faultString: string }): string;
};

const URL = 'http://odoo.test:8069';
const KEY = 'xmlrpc-secret-key-5c5c5c5c';
const connection = { url: URL, db: 'prod', login: 'plansync-agent', apiKey: KEY, timeoutMs: 2000 };

// No real network from this file; loopback stays open for suites in the same run that serve
// a local stand-in (uvu imports every file before running any suite).
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
test.after.each(() => {
  nock.cleanAll();
});

/** A reply with Content-Length set (nock issue 3001: keep-alive replies without it never end). */
const xml = (text: string): [string, Record<string, string>] => [
  text,
  { 'Content-Type': 'text/xml', 'Content-Length': String(Buffer.byteLength(text)) },
];
const result = (value: unknown) => xml(serializer.serializeMethodResponse(value));
const fault = (faultCode: number | string, faultString: string) => xml(serializer.serializeFault({ faultCode, faultString }));
/** Match the request body exactly. */
const call = (method: string, params: unknown[]) => serializer.serializeMethodCall(method, params);

const authenticate = call('authenticate', ['prod', 'plansync-agent', KEY, {}]);

const assertNoKey = (error: unknown): void => assertNoSecret(error, KEY);

// Odoo 17's traceback fault (code 1), as /xmlrpc/2 sends it: xmlrpc_handle_exception_int.
const TRACEBACK = `Traceback (most recent call last):
  File "/opt/odoo/odoo/service/model.py", line 133, in retrying
    result = func()
             ^^^^^^
  File "/opt/odoo/odoo/sql_db.py", line 332, in execute
    res = self._obj.execute(query, params)
          ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update
`;

test('parseTraceback reads the last exception line, qualifying builtins', () => {
  assert.equal(parseTraceback(TRACEBACK), {
    odooName: 'psycopg2.errors.SerializationFailure',
    message: 'could not serialize access due to concurrent update',
  });
  const chained = `Traceback (most recent call last):\n  File "a.py", line 1, in f\n    g()\nKeyError: 'x'\n\nDuring handling of the above exception, another exception occurred:\n\nTraceback (most recent call last):\n  File "b.py", line 2, in h\n    raise ValueError(f"Invalid field {x}")\nValueError: Invalid field res.partner.nofield in leaf ('nofield', '=', 1)\n`;
  assert.equal(parseTraceback(chained), {
    odooName: 'builtins.ValueError',
    message: "Invalid field res.partner.nofield in leaf ('nofield', '=', 1)",
  });
  assert.equal(parseTraceback('Traceback (most recent call last):\n  File "x"\nodoo.exceptions.CacheMiss\n'), {
    odooName: 'odoo.exceptions.CacheMiss',
    message: '',
  });
  assert.is(parseTraceback('no traceback here'), undefined);
  // Seen from a real Odoo 17 with a row lock held and lock_timeout set: a multi-line message.
  const lock = `Traceback (most recent call last):\n  File "/opt/odoo/odoo/sql_db.py", line 332, in execute\n    res = self._obj.execute(query, params)\n          ^^^^^^^^^\npsycopg2.errors.LockNotAvailable: canceling statement due to lock timeout\nCONTEXT:  while updating tuple (0,44) in relation "res_partner"\n`;
  assert.equal(parseTraceback(lock), {
    odooName: 'psycopg2.errors.LockNotAvailable',
    message: 'canceling statement due to lock timeout\nCONTEXT:  while updating tuple (0,44) in relation "res_partner"',
  });
});

test('parseFault: /xmlrpc/2 integer codes and the legacy string codes', () => {
  assert.equal(parseFault(3, 'Access Denied'), { odooName: 'odoo.exceptions.AccessDenied', message: 'Access Denied' });
  assert.equal(parseFault(4, 'Private methods (such as _get_name) cannot be called remotely.').odooName, 'odoo.exceptions.AccessError');
  assert.equal(parseFault(2, 'You cannot create recursive Partner hierarchies.').odooName, 'odoo.exceptions.UserError');
  assert.equal(
    parseFault(2, 'Record does not exist or has been deleted.\n(Record: res.partner(999999999,), User: 2)').odooName,
    'odoo.exceptions.MissingError',
  );
  assert.equal(parseFault(1, TRACEBACK).odooName, 'psycopg2.errors.SerializationFailure');
  assert.equal(parseFault(1, 'garbled\nlast line'), { odooName: undefined, message: 'last line' });
  assert.equal(parseFault('warning -- MissingError\n\nRecord does not exist', ''), {
    odooName: 'odoo.exceptions.MissingError',
    message: 'Record does not exist',
  });
  assert.equal(parseFault('warning -- AccessError\n\nnope', ''), { odooName: 'odoo.exceptions.AccessError', message: 'nope' });
  assert.equal(parseFault('AccessDenied', 'Access Denied').odooName, 'odoo.exceptions.AccessDenied');
  assert.equal(parseFault('could not serialize', TRACEBACK).odooName, 'psycopg2.errors.SerializationFailure');
});

test('call() sends execute_kw(db, uid, key, model, method, args, kwargs) through odoo-await and decodes the result', async () => {
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .reply(200, ...result(7))
    .post(
      '/xmlrpc/2/object',
      call('execute_kw', ['prod', 7, KEY, 'res.partner', 'search_read', [[['is_company', '=', true]]], { fields: ['name'], limit: 2 }]),
    )
    .matchHeader('content-type', 'text/xml')
    .reply(200, ...result([{ id: 1, name: 'My Company' }]));
  const transport = new XmlRpcTransport(connection);
  const rows = await transport.call('res.partner', 'search_read', [[['is_company', '=', true]]], { fields: ['name'], limit: 2 });
  assert.equal(rows, [{ id: 1, name: 'My Company' }]);
  assert.ok(scope.isDone());
  await transport.close();
});

test('uid is authenticated once for two calls; args arrays are not mutated', async () => {
  const args = ['L1', [5012]];
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .once()
    .reply(200, ...result(7))
    .post('/xmlrpc/2/object', call('execute_kw', ['prod', 7, KEY, 'plansync.outbox', 'ack', args, {}]))
    .twice()
    .reply(200, ...result(1));
  const transport = new XmlRpcTransport(connection);
  assert.is(await transport.call('plansync.outbox', 'ack', args), 1);
  assert.is(await transport.call('plansync.outbox', 'ack', args), 1);
  assert.equal(args, ['L1', [5012]]);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a URL path prefix is kept in front of /xmlrpc/2', async () => {
  const scope = nock(URL)
    .post('/odoo/xmlrpc/2/common', authenticate)
    .reply(200, ...result(3));
  const transport = new XmlRpcTransport({ ...connection, url: `${URL}/odoo/` });
  assert.is(await transport.uid(), 3);
  assert.ok(scope.isDone());
  await transport.close();
});

test('authenticate returning false is ERR_ODOO_AUTH config', async () => {
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .reply(200, ...result(false));
  const transport = new XmlRpcTransport(connection);
  const error = await rejection(transport.uid());
  assert.is(error.code, 'ERR_ODOO_AUTH');
  assert.is(error.kind, 'config');
  assertNoKey(error);
  assert.ok(scope.isDone());
  await transport.close();
});

test('version() calls common.version (xmlrpc package: odoo-await has none)', async () => {
  const info = { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 };
  const scope = nock(URL)
    .post('/xmlrpc/2/common', call('version', []))
    .reply(200, ...result(info));
  const transport = new XmlRpcTransport(connection);
  assert.equal(await transport.version(), info);
  assert.ok(scope.isDone());
  await transport.close();
});

const faultCases: [number, string, string, string, string][] = [
  [3, 'Access Denied', 'odoo.exceptions.AccessDenied', 'ERR_ODOO_AUTH', 'config'],
  [4, 'Private methods (such as _get_name) cannot be called remotely.', 'odoo.exceptions.AccessError', 'ERR_ODOO_ACCESS', 'config'],
  [2, 'You cannot create recursive Partner hierarchies.', 'odoo.exceptions.UserError', 'ERR_ODOO_VALIDATION', 'record'],
  [
    2,
    'Record does not exist or has been deleted.\n(Record: res.partner(999999999,), User: 2)',
    'odoo.exceptions.MissingError',
    'ERR_ODOO_MISSING',
    'record',
  ],
  [1, TRACEBACK, 'psycopg2.errors.SerializationFailure', 'ERR_ODOO_CONCURRENCY', 'transient'],
  [
    1,
    TRACEBACK.replace(
      'psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update',
      'IndexError: tuple index out of range',
    ),
    'builtins.IndexError',
    'ERR_ODOO_SERVER',
    'transient',
  ],
];

test('Odoo 17 faults become OdooError with the exception name recovered', async () => {
  for (const [faultCode, faultString, name, code, kind] of faultCases) {
    const scope = nock(URL)
      .post('/xmlrpc/2/common', authenticate)
      .reply(200, ...result(7))
      .post('/xmlrpc/2/object', call('execute_kw', ['prod', 7, KEY, 'res.partner', 'write', [[1], { parent_id: 1 }], {}]))
      .reply(200, ...fault(faultCode, faultString));
    const transport = new XmlRpcTransport(connection);
    const error = await rejection(transport.call('res.partner', 'write', [[1], { parent_id: 1 }]));
    assert.is(error.odooName, name);
    assert.is(error.code, code, name);
    assert.is(error.kind, kind, name);
    assert.not.match(error.message, /Traceback|File "/, 'the traceback stays out of the message');
    assertNoKey(error);
    assert.ok(scope.isDone());
    await transport.close();
  }
});

test('404 on /xmlrpc/2/common is ERR_ODOO_PROTOCOL config', async () => {
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .reply(404, ...xml('<html>Not Found</html>'));
  const transport = new XmlRpcTransport(connection);
  const error = await rejection(transport.uid());
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.is(error.kind, 'config');
  assert.is(error.status, 404);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a 503 HTML page is transient with Retry-After; a 200 HTML page is a protocol error', async () => {
  const [page, headers] = xml('<html><body>maintenance</body></html>');
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .reply(503, page, { ...headers, 'Retry-After': '20' })
    .post('/xmlrpc/2/common', authenticate)
    .reply(200, page, headers);
  const transport = new XmlRpcTransport(connection);
  const unavailable = await rejection(transport.uid());
  assert.is(unavailable.code, 'ERR_ODOO_SERVER');
  assert.is(unavailable.kind, 'transient');
  assert.is(unavailable.status, 503);
  assert.is(unavailable.retryAfter, 20);
  const html = await rejection(transport.uid());
  assert.is(html.code, 'ERR_ODOO_PROTOCOL');
  assert.is(html.kind, 'config');
  assert.ok(scope.isDone());
  await transport.close();
});

test('network errors are transient and the key (in the XML body) never reaches the error', async () => {
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .replyWithError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8069'), { code: 'ECONNREFUSED' }));
  const transport = new XmlRpcTransport(connection);
  const error = await rejection(transport.uid());
  assert.is(error.code, 'ERR_NETWORK');
  assert.is(error.kind, 'transient');
  assertNoKey(error);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a slow server times out after timeoutMs: ERR_TIMEOUT transient', async () => {
  const held = heldReply([200, ...result({ server_version: '17.0', server_version_info: [] })]);
  const scope = nock(URL).post('/xmlrpc/2/common', call('version', [])).reply(held.reply);
  const transport = new XmlRpcTransport({ ...connection, timeoutMs: 50 });
  const error = await rejection(transport.version());
  held.release();
  assert.is(error.code, 'ERR_TIMEOUT');
  assert.is(error.kind, 'transient');
  assert.match(error.message, /timed out after 50 ms/);
  assert.ok(held.seen(), 'the server saw the request and gave up before replying');
  assert.ok(scope.isDone());
  await transport.close();
});

test('a fault message that echoes the key is redacted', async () => {
  const scope = nock(URL)
    .post('/xmlrpc/2/common', authenticate)
    .reply(200, ...fault(3, `Access Denied for ${KEY}`));
  const transport = new XmlRpcTransport(connection);
  const error = await rejection(transport.uid());
  assert.is(error.code, 'ERR_ODOO_AUTH');
  assertNoKey(error);
  assert.ok(scope.isDone());
  await transport.close();
});

test.run();
