import { isDeepStrictEqual } from 'node:util';
import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Json2Transport, namedArguments } from '../../agent/odoo/json2.ts';
import { OdooError } from '../../agent/errors.ts';
import { assertNoSecret, rejection } from '../support/errors.ts';
import { heldReply } from '../support/held-reply.ts';

const URL = 'https://erp.example.test';
const KEY = 'json2-secret-key-77aa00ff';
const connection = { url: `${URL}/`, db: 'prod', login: 'unused-by-json2', apiKey: KEY, timeoutMs: 2000 };

// No real network from this file; loopback stays open for suites in the same run that serve
// a local stand-in (uvu imports every file before running any suite).
nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
test.after.each(() => {
  nock.cleanAll();
});

const body = (expected: Record<string, unknown>) => (actual: unknown) => isDeepStrictEqual(actual, expected);

/** The headers JSON-2 requires (Odoo 19 docs: Authorization bearer, X-Odoo-Database, Content-Type JSON). */
const json2 = (path: string, expected: Record<string, unknown>) =>
  nock(URL)
    .post(path, body(expected))
    .matchHeader('authorization', `bearer ${KEY}`)
    .matchHeader('x-odoo-database', 'prod')
    .matchHeader('content-type', 'application/json; charset=utf-8')
    .matchHeader('user-agent', /plansync-agent/);

/** Odoo 19's JSON-2 error body (json2 dispatcher: serialize_exception). */
const odooError = (name: string, message: string) => ({
  name,
  message,
  arguments: [message],
  context: {},
  debug: 'Traceback (most recent call last):…',
});

/** A bare JSON scalar reply with its Content-Length (nock issue 3001). */
const bare = (value: unknown): [string, Record<string, string>] => {
  const text = JSON.stringify(value);
  return [text, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) }];
};

const assertNoKey = (error: unknown): void => assertNoSecret(error, KEY);

test('namedArguments maps positional args onto argNames and merges kwargs (ids and context are plain keys)', () => {
  assert.equal(
    namedArguments('plansync.outbox', 'claim', ['WEBHOOK', 100, 60, 'host:1'], {}, ['endpoint', 'limit', 'lease_seconds', 'consumer']),
    {
      endpoint: 'WEBHOOK',
      limit: 100,
      lease_seconds: 60,
      consumer: 'host:1',
    },
  );
  assert.equal(namedArguments('res.partner', 'read', [[1, 2]], { fields: ['name'], context: { lang: 'en_US' } }, ['ids', 'fields']), {
    ids: [1, 2],
    fields: ['name'],
    context: { lang: 'en_US' },
  });
  assert.equal(namedArguments('res.partner', 'search', [], { domain: [] }), { domain: [] });
});

test('namedArguments refuses an unnamed positional argument and a name given twice (config errors)', () => {
  assert.throws(
    () => namedArguments('plansync.outbox', 'ack', ['L1', [1]], {}, ['lease']),
    (e: unknown) =>
      e instanceof OdooError &&
      e.code === 'ERR_ODOO_PROTOCOL' &&
      e.kind === 'config' &&
      /2 positional argument\(s\) but 1 name/.test(e.message),
  );
  assert.throws(
    () => namedArguments('res.partner', 'read', [[1]], { ids: [2] }, ['ids']),
    (e: unknown) => e instanceof OdooError && e.kind === 'config' && /"ids" given both/.test(e.message),
  );
});

test('call() POSTs /json/2/<model>/<method> with bearer key, database header and named arguments; the reply is the bare value', async () => {
  const scope = json2('/json/2/plansync.outbox/nack', {
    lease: 'L1',
    event_ids: [5012],
    error: 'HTTP 500 from target',
    retry_after: 0,
    final: false,
    context: { lang: 'en_US' },
  }).reply(200, ...bare(1));
  const transport = new Json2Transport(connection);
  const released = await transport.call(
    'plansync.outbox',
    'nack',
    ['L1', [5012], 'HTTP 500 from target', 0, false],
    { context: { lang: 'en_US' } },
    ['lease', 'event_ids', 'error', 'retry_after', 'final'],
  );
  assert.is(released, 1);
  assert.ok(scope.isDone());
  await transport.close();
});

test('search_read decodes the bare JSON array', async () => {
  const rows = [{ id: 25, name: 'Deco Addict' }];
  const scope = json2('/json/2/res.partner/search_read', { domain: [['name', 'ilike', 'deco']], fields: ['name'], limit: 2 }).reply(
    200,
    rows,
  );
  const transport = new Json2Transport(connection);
  assert.equal(
    await transport.call('res.partner', 'search_read', [[['name', 'ilike', 'deco']]], { fields: ['name'], limit: 2 }, ['domain']),
    rows,
  );
  assert.ok(scope.isDone());
  await transport.close();
});

test('uid() asks res.users/context_get without ids and caches the answer', async () => {
  const scope = json2('/json/2/res.users/context_get', {}).once().reply(200, { lang: 'en_US', tz: 'Europe/Brussels', uid: 7 });
  const transport = new Json2Transport(connection);
  assert.is(await transport.uid(), 7);
  assert.is(await transport.uid(), 7);
  assert.ok(scope.isDone());
  await transport.close();
});

test('version() GETs /web/version without the key and maps version/version_info', async () => {
  const scope = nock(URL, { badheaders: ['authorization'] })
    .get('/web/version')
    .reply(200, { version_info: [19, 0, 0, 'final', 0, ''], version: '19.0' });
  const transport = new Json2Transport(connection);
  assert.equal(await transport.version(), { server_version: '19.0', server_version_info: [19, 0, 0, 'final', 0, ''] });
  assert.ok(scope.isDone());
  await transport.close();
});

const errorCases: [number, string, string, string][] = [
  [401, 'werkzeug.exceptions.Unauthorized', 'ERR_ODOO_AUTH', 'config'],
  [403, 'odoo.exceptions.AccessDenied', 'ERR_ODOO_AUTH', 'config'],
  [403, 'odoo.exceptions.AccessError', 'ERR_ODOO_ACCESS', 'config'],
  [404, 'odoo.exceptions.MissingError', 'ERR_ODOO_MISSING', 'record'],
  [404, 'werkzeug.exceptions.NotFound', 'ERR_ODOO_PROTOCOL', 'config'],
  [409, 'odoo.exceptions.LockError', 'ERR_ODOO_CONCURRENCY', 'transient'],
  [422, 'odoo.exceptions.ValidationError', 'ERR_ODOO_VALIDATION', 'record'],
  [422, 'odoo.exceptions.UserError', 'ERR_ODOO_VALIDATION', 'record'],
  [422, 'werkzeug.exceptions.UnprocessableEntity', 'ERR_ODOO_PROTOCOL', 'config'],
  [500, 'psycopg2.errors.SerializationFailure', 'ERR_ODOO_CONCURRENCY', 'transient'],
  [500, 'builtins.KeyError', 'ERR_ODOO_SERVER', 'transient'],
];

test('HTTP error bodies keep Odoo exception name and message, mapped to code and kind', async () => {
  for (const [status, name, code, kind] of errorCases) {
    const message = `${name} refused it`;
    const scope = json2('/json/2/res.partner/write', { ids: [1], vals: { parent_id: 1 } }).reply(status, odooError(name, message));
    const transport = new Json2Transport(connection);
    const error = await rejection(transport.call('res.partner', 'write', [[1], { parent_id: 1 }], {}, ['ids', 'vals']));
    assert.is(error.code, code, `${status} ${name}`);
    assert.is(error.kind, kind, `${status} ${name}`);
    assert.is(error.odooName, name);
    assert.is(error.status, status);
    assert.ok(error.message.includes(message), error.message);
    assertNoKey(error);
    assert.ok(scope.isDone());
    await transport.close();
  }
});

test('the documented 401 "Invalid apikey" is ERR_ODOO_AUTH and names nothing secret', async () => {
  const scope = json2('/json/2/res.users/context_get', {}).reply(401, odooError('werkzeug.exceptions.Unauthorized', 'Invalid apikey'));
  const transport = new Json2Transport(connection);
  const error = await rejection(transport.uid());
  assert.is(error.code, 'ERR_ODOO_AUTH');
  assert.match(error.message, /Invalid apikey/);
  assertNoKey(error);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a 404 without an Odoo body (Odoo before 19, wrong URL) is ERR_ODOO_PROTOCOL saying JSON-2 needs Odoo 19', async () => {
  const page = '<!DOCTYPE html><title>404</title>';
  const scope = json2('/json/2/res.partner/search', { domain: [] }).reply(404, page, {
    'Content-Type': 'text/html',
    'Content-Length': String(Buffer.byteLength(page)),
  });
  const transport = new Json2Transport(connection);
  const error = await rejection(transport.call('res.partner', 'search', [[]], {}, ['domain']));
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.is(error.kind, 'config');
  assert.match(error.message, /is this an Odoo server.*JSON-2 needs Odoo 19/);
  assert.ok(scope.isDone());
  await transport.close();
});

test('5xx from a proxy are transient and Retry-After is parsed', async () => {
  const inAMinute = new Date(Date.now() + 60_000).toUTCString();
  const scope = json2('/json/2/res.partner/search', { domain: [] })
    .reply(503, { message: 'maintenance' }, { 'Retry-After': '12' })
    .post('/json/2/res.partner/search', body({ domain: [] }))
    .reply(429, { message: 'too many' }, { 'Retry-After': inAMinute });
  const transport = new Json2Transport(connection);
  const unavailable = await rejection(transport.call('res.partner', 'search', [[]], {}, ['domain']));
  assert.is(unavailable.code, 'ERR_ODOO_SERVER');
  assert.is(unavailable.kind, 'transient');
  assert.is(unavailable.retryAfter, 12);
  // The HTTP date is resolved with the clock at the reply: bracket that moment, however long it takes.
  const before = Date.now();
  const limited = await rejection(transport.call('res.partner', 'search', [[]], {}, ['domain']));
  const after = Date.now();
  assert.is(limited.kind, 'transient');
  const date = Date.parse(inAMinute);
  const [least, most] = [Math.ceil((date - after) / 1000), Math.ceil((date - before) / 1000)];
  assert.ok(
    limited.retryAfter !== undefined && limited.retryAfter >= least && limited.retryAfter <= most && most <= 60,
    `${limited.retryAfter} in [${least}, ${most}]`,
  );
  assert.ok(scope.isDone());
  await transport.close();
});

test('network errors are transient and the bearer header never reaches the error', async () => {
  const scope = json2('/json/2/res.partner/search', { domain: [] }).replyWithError(
    Object.assign(new Error('getaddrinfo EAI_AGAIN erp.example.test'), { code: 'EAI_AGAIN' }),
  );
  const transport = new Json2Transport(connection);
  const error = await rejection(transport.call('res.partner', 'search', [[]], {}, ['domain']));
  assert.is(error.code, 'ERR_NETWORK');
  assert.is(error.kind, 'transient');
  assertNoKey(error);
  assert.ok(scope.isDone());
  await transport.close();
});

test('a slow reply times out: ERR_TIMEOUT transient', async () => {
  const held = heldReply([200, [1]]);
  const scope = json2('/json/2/res.partner/search', { domain: [] }).reply(held.reply);
  const transport = new Json2Transport({ ...connection, timeoutMs: 50 });
  const error = await rejection(transport.call('res.partner', 'search', [[]], {}, ['domain']));
  held.release();
  assert.is(error.code, 'ERR_TIMEOUT');
  assert.is(error.kind, 'transient');
  assert.match(error.message, /timed out after 50 ms/);
  assert.ok(held.seen(), 'the server saw the request and gave up before replying');
  assert.ok(scope.isDone());
  await transport.close();
});

test('a null reply (a method returning None) is returned as null, JSON-2 has no "missing result"', async () => {
  const scope = json2('/json/2/res.partner/flush_model', {}).reply(200, ...bare(null));
  const transport = new Json2Transport(connection);
  assert.is(await transport.call('res.partner', 'flush_model', []), null);
  assert.ok(scope.isDone());
  await transport.close();
});

test('without a database the X-Odoo-Database header is left out', async () => {
  const scope = nock(URL, { badheaders: ['x-odoo-database'] })
    .post('/json/2/res.users/context_get', body({}))
    .reply(200, { uid: 2 });
  const transport = new Json2Transport({ ...connection, db: '' });
  assert.is(await transport.uid(), 2);
  assert.ok(scope.isDone());
  await transport.close();
});

test.run();
