import { isDeepStrictEqual } from 'node:util';
import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../agent/errors.ts';
import { JsonRpcTransport } from '../../agent/odoo/jsonrpc.ts';
import { assertNoSecret, rejection } from '../support/errors.ts';
import { heldReply } from '../support/held-reply.ts';

const URL = 'http://odoo.test:8069';
const KEY = 'secret-api-key-4f2a9c0d1e';
const connection = { url: URL, db: 'prod', login: 'plansync-agent', apiKey: KEY, timeoutMs: 2000 };

// No real network from this file; loopback stays open for suites in the same run that serve
// a local stand-in (uvu imports every file before running any suite).
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
test.after.each(() => {
  nock.cleanAll();
});

interface RpcBody {
  readonly jsonrpc: string;
  readonly method: string;
  readonly params: { service: string; method: string; args: unknown[] };
  readonly id: number;
}

/** Match a JSON-RPC request on its whole body (any id). */
const rpc = (service: string, method: string, args: unknown[]) => (body: RpcBody) =>
  body.jsonrpc === '2.0' &&
  body.method === 'call' &&
  Number.isInteger(body.id) &&
  isDeepStrictEqual(body.params, { service, method, args });

const authenticate = rpc('common', 'authenticate', ['prod', 'plansync-agent', KEY, {}]);
const ok = (result: unknown) => ({ jsonrpc: '2.0', id: 1, result });
const odooError = (name: string, message: string) => ({
  jsonrpc: '2.0',
  id: 1,
  error: { code: 200, message: 'Odoo Server Error', data: { name, message, arguments: [message], context: {}, debug: 'Traceback…' } },
});

const assertNoKey = (error: unknown): void => assertNoSecret(error, KEY);

test('call() sends execute_kw with db, uid, key, model, method, args and kwargs, and decodes result', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', authenticate)
    .matchHeader('content-type', /application\/json/)
    .reply(200, ok(7))
    .post(
      '/jsonrpc',
      rpc('object', 'execute_kw', [
        'prod',
        7,
        KEY,
        'res.partner',
        'search_read',
        [[['is_company', '=', true]]],
        { fields: ['name'], limit: 2 },
      ]),
    )
    .reply(200, ok([{ id: 1, name: 'My Company' }]));
  const transport = new JsonRpcTransport(connection);
  const rows = await transport.call('res.partner', 'search_read', [[['is_company', '=', true]]], { fields: ['name'], limit: 2 });
  assert.equal(rows, [{ id: 1, name: 'My Company' }]);
  assert.ok(scope.isDone());
  await transport.close();
});

test('uid is authenticated once and cached across calls', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', authenticate)
    .once()
    .reply(200, ok(7))
    .post('/jsonrpc', rpc('object', 'execute_kw', ['prod', 7, KEY, 'plansync.outbox', 'claim', ['WEBHOOK', 100, 60, 'host:1'], {}]))
    .reply(200, ok({ lease: 'L1', events: [] }))
    .post('/jsonrpc', rpc('object', 'execute_kw', ['prod', 7, KEY, 'plansync.outbox', 'ack', ['L1', [5012]], {}]))
    .reply(200, ok(1));
  const transport = new JsonRpcTransport(connection);
  const [claimed, uid] = await Promise.all([transport.call('plansync.outbox', 'claim', ['WEBHOOK', 100, 60, 'host:1']), transport.uid()]);
  assert.equal(claimed, { lease: 'L1', events: [] });
  assert.is(uid, 7);
  assert.is(await transport.call('plansync.outbox', 'ack', ['L1', [5012]]), 1);
  assert.ok(scope.isDone());
  await transport.close();
});

test('authenticate returning false is ERR_ODOO_AUTH config, and the next call authenticates again', async () => {
  const scope = nock(URL).post('/jsonrpc', authenticate).reply(200, ok(false)).post('/jsonrpc', authenticate).reply(200, ok(9));
  const transport = new JsonRpcTransport(connection);
  const error = await rejection(transport.uid());
  assert.is(error.code, 'ERR_ODOO_AUTH');
  assert.is(error.kind, 'config');
  assert.match(error.message, /"plansync-agent" refused on database "prod"/);
  assertNoKey(error);
  assert.is(await transport.uid(), 9);
  assert.ok(scope.isDone());
  await transport.close();
});

test('version() calls common.version without authenticating', async () => {
  const info = { server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 };
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(200, ok(info));
  const transport = new JsonRpcTransport(connection);
  assert.equal(await transport.version(), info);
  assert.ok(scope.isDone());
  await transport.close();
});

const errorCases: [string, string, string][] = [
  ['odoo.exceptions.AccessDenied', 'ERR_ODOO_AUTH', 'config'],
  ['odoo.exceptions.AccessError', 'ERR_ODOO_ACCESS', 'config'],
  ['odoo.exceptions.ValidationError', 'ERR_ODOO_VALIDATION', 'record'],
  ['odoo.exceptions.UserError', 'ERR_ODOO_VALIDATION', 'record'],
  ['odoo.exceptions.MissingError', 'ERR_ODOO_MISSING', 'record'],
  ['psycopg2.errors.SerializationFailure', 'ERR_ODOO_CONCURRENCY', 'transient'],
  ['builtins.ValueError', 'ERR_ODOO_SERVER', 'transient'],
];

test('Odoo exceptions keep error.data.name and message and map to code and kind', async () => {
  for (const [name, code, kind] of errorCases) {
    const message = `${name} says no`;
    const scope = nock(URL)
      .post('/jsonrpc', authenticate)
      .reply(200, ok(7))
      .post('/jsonrpc', rpc('object', 'execute_kw', ['prod', 7, KEY, 'res.partner', 'write', [[1], { parent_id: 1 }], {}]))
      .reply(200, odooError(name, message));
    const transport = new JsonRpcTransport(connection);
    const error = await rejection(transport.call('res.partner', 'write', [[1], { parent_id: 1 }]));
    assert.is(error.odooName, name);
    assert.is(error.code, code, name);
    assert.is(error.kind, kind, name);
    assert.ok(error.message.includes(message), error.message);
    assert.match(error.message, /^jsonrpc res\.partner\.write: /);
    assertNoKey(error);
    assert.ok(scope.isDone());
    await transport.close();
  }
});

test('an AccessDenied on a call drops the cached uid: the next call authenticates again', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', authenticate)
    .reply(200, ok(7))
    .post('/jsonrpc', rpc('object', 'execute_kw', ['prod', 7, KEY, 'res.partner', 'search', [[]], {}]))
    .reply(200, odooError('odoo.exceptions.AccessDenied', 'Access Denied'))
    .post('/jsonrpc', authenticate)
    .reply(200, ok(7))
    .post('/jsonrpc', rpc('object', 'execute_kw', ['prod', 7, KEY, 'res.partner', 'search', [[]], {}]))
    .reply(200, ok([1]));
  const transport = new JsonRpcTransport(connection);
  assert.is((await rejection(transport.call('res.partner', 'search', [[]]))).code, 'ERR_ODOO_AUTH');
  assert.equal(await transport.call('res.partner', 'search', [[]]), [1]);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a reply without result (the method returned None) is ERR_ODOO_PROTOCOL config', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', authenticate)
    .reply(200, ok(7))
    .post('/jsonrpc', rpc('object', 'execute_kw', ['prod', 7, KEY, 'res.partner', 'flush_model', [], {}]))
    .reply(200, { jsonrpc: '2.0', id: 2 });
  const transport = new JsonRpcTransport(connection);
  const error = await rejection(transport.call('res.partner', 'flush_model', []));
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.is(error.kind, 'config');
  assert.match(error.message, /without result/);
  assert.ok(scope.isDone());
  await transport.close();
});

test('404 on /jsonrpc asks whether this is an Odoo server', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(404, { message: 'not here' });
  const transport = new JsonRpcTransport(connection);
  const error = await rejection(transport.version());
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.is(error.kind, 'config');
  assert.is(error.status, 404);
  assert.match(error.message, /is this an Odoo server, is the URL right/);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a 200 that is not JSON (an HTML page) is ERR_ODOO_PROTOCOL', async () => {
  const html = '<html><body>login</body></html>';
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(200, html, { 'Content-Type': 'text/html', 'Content-Length': String(Buffer.byteLength(html)) });
  const transport = new JsonRpcTransport(connection);
  const error = await rejection(transport.version());
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.ok(scope.isDone());
  await transport.close();
});

test('a redirect is not followed: ERR_ODOO_PROTOCOL naming the target', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(301, { moved: true }, { Location: 'https://odoo.test/jsonrpc' });
  const transport = new JsonRpcTransport(connection);
  const error = await rejection(transport.version());
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.match(error.message, /redirected \(HTTP 301\) to https:\/\/odoo\.test\/jsonrpc/);
  assert.ok(scope.isDone());
  await transport.close();
});

test('5xx are transient and keep Retry-After (seconds and HTTP date)', async () => {
  const inTwoMinutes = new Date(Date.now() + 120_000).toUTCString();
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(503, { message: 'maintenance' }, { 'Retry-After': '30' })
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(429, { message: 'slow down' }, { 'Retry-After': inTwoMinutes })
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(502, { message: 'bad gateway' });
  const transport = new JsonRpcTransport(connection);
  const unavailable = await rejection(transport.version());
  assert.is(unavailable.code, 'ERR_ODOO_SERVER');
  assert.is(unavailable.kind, 'transient');
  assert.is(unavailable.status, 503);
  assert.is(unavailable.retryAfter, 30);
  // The HTTP date is resolved with the clock at the reply: bracket that moment, however long it takes.
  const before = Date.now();
  const limited = await rejection(transport.version());
  const after = Date.now();
  assert.is(limited.kind, 'transient');
  const date = Date.parse(inTwoMinutes);
  const [least, most] = [Math.ceil((date - after) / 1000), Math.ceil((date - before) / 1000)];
  assert.ok(
    limited.retryAfter !== undefined && limited.retryAfter >= least && limited.retryAfter <= most && most <= 120,
    `${limited.retryAfter} in [${least}, ${most}]`,
  );
  const gateway = await rejection(transport.version());
  assert.is(gateway.kind, 'transient');
  assert.is(gateway.retryAfter, undefined);
  assert.ok(scope.isDone());
  await transport.close();
});

test('network errors are transient ERR_NETWORK and never leak the key from got options', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', authenticate)
    .replyWithError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8069'), { code: 'ECONNREFUSED' }))
    .post('/jsonrpc', authenticate)
    .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
  const transport = new JsonRpcTransport(connection);
  const refused = await rejection(transport.uid());
  assert.is(refused.code, 'ERR_NETWORK');
  assert.is(refused.kind, 'transient');
  assert.match(refused.message, /ECONNREFUSED/);
  assertNoKey(refused);
  const reset = await rejection(transport.uid());
  assert.is(reset.code, 'ERR_NETWORK');
  assertNoKey(reset);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a slow server times out after timeoutMs: ERR_TIMEOUT transient', async () => {
  const held = heldReply([200, ok({ server_version: '17.0', server_version_info: [] })]);
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .reply(held.reply);
  const transport = new JsonRpcTransport({ ...connection, timeoutMs: 50 });
  const error = await rejection(transport.version());
  held.release();
  assert.is(error.code, 'ERR_TIMEOUT');
  assert.is(error.kind, 'transient');
  assert.match(error.message, /timed out after 50 ms/);
  assert.ok(held.seen(), 'the server saw the request and gave up before replying');
  assert.ok(scope.isDone());
  await transport.close();
});

test('no automatic retry: one failing request is one request', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version', []))
    .once()
    .reply(500, { message: 'boom' });
  const transport = new JsonRpcTransport(connection);
  assert.is((await rejection(transport.version())).status, 500);
  assert.ok(scope.isDone());
  assert.equal(nock.pendingMocks(), []);
  await transport.close();
});

test('a server message that echoes the key is redacted', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', authenticate)
    .reply(200, odooError('odoo.exceptions.AccessDenied', `bad key ${KEY}`));
  const transport = new JsonRpcTransport(connection);
  const error = await rejection(transport.uid());
  assert.match(error.message, /bad key \*\*\*/);
  assertNoKey(error);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a bad connection fails at construction with ConfigError quoting key and value', () => {
  assert.throws(
    () => new JsonRpcTransport({ ...connection, url: 'ftp://odoo' }),
    (e: unknown) => e instanceof ConfigError && /odoo\.url .*"ftp:\/\/odoo/.test(e.message),
  );
  assert.throws(() => new JsonRpcTransport({ ...connection, db: '' }), /odoo\.db/);
  assert.throws(() => new JsonRpcTransport({ ...connection, timeoutMs: 0 }), /odoo\.timeoutMs .* got 0/);
  assert.throws(() => new JsonRpcTransport({ ...connection, apiKey: '' }), /odoo\.apiKey/);
});

test.run();
