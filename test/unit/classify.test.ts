import { inspect } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OdooError } from '../../agent/errors.ts';
import { classify, parseRetryAfter, redact, safeCause } from '../../agent/odoo/classify.ts';

const KEY = 'k3y-0123456789abcdef0123456789abcdef';

const expect = (error: OdooError, code: string, kind: string): void => {
  assert.instance(error, OdooError);
  assert.is(error.code, code, error.message);
  assert.is(error.kind, kind, error.message);
};

test('Odoo exception names map to code and kind, whatever the transport', () => {
  const cases: [string, string, string][] = [
    ['odoo.exceptions.AccessDenied', 'ERR_ODOO_AUTH', 'config'],
    ['werkzeug.exceptions.Unauthorized', 'ERR_ODOO_AUTH', 'config'],
    ['odoo.http.SessionExpiredException', 'ERR_ODOO_AUTH', 'config'],
    ['odoo.exceptions.AccessError', 'ERR_ODOO_ACCESS', 'config'],
    ['odoo.exceptions.ValidationError', 'ERR_ODOO_VALIDATION', 'record'],
    ['odoo.exceptions.UserError', 'ERR_ODOO_VALIDATION', 'record'],
    ['odoo.exceptions.RedirectWarning', 'ERR_ODOO_VALIDATION', 'record'],
    ['odoo.exceptions.MissingError', 'ERR_ODOO_MISSING', 'record'],
    ['psycopg2.errors.SerializationFailure', 'ERR_ODOO_CONCURRENCY', 'transient'],
    ['psycopg2.errors.LockNotAvailable', 'ERR_ODOO_CONCURRENCY', 'transient'],
    ['psycopg2.errors.DeadlockDetected', 'ERR_ODOO_CONCURRENCY', 'transient'],
    ['psycopg2.extensions.TransactionRollbackError', 'ERR_ODOO_CONCURRENCY', 'transient'],
    ['odoo.exceptions.LockError', 'ERR_ODOO_CONCURRENCY', 'transient'],
    ['odoo.exceptions.ConcurrencyError', 'ERR_ODOO_CONCURRENCY', 'transient'],
    ['psycopg2.errors.QueryCanceled', 'ERR_TIMEOUT', 'transient'],
    ['werkzeug.exceptions.NotFound', 'ERR_ODOO_PROTOCOL', 'config'],
    ['werkzeug.exceptions.UnprocessableEntity', 'ERR_ODOO_PROTOCOL', 'config'],
    ['werkzeug.exceptions.BadRequest', 'ERR_ODOO_PROTOCOL', 'config'],
    ['builtins.ValueError', 'ERR_ODOO_SERVER', 'transient'],
    ['builtins.KeyError', 'ERR_ODOO_SERVER', 'transient'],
  ];
  for (const [odooName, code, kind] of cases) {
    for (const transport of ['jsonrpc', 'json2', 'xmlrpc'] as const) {
      const error = classify({ transport, odooName, odooMessage: 'boom' });
      expect(error, code, kind);
      assert.is(error.odooName, odooName);
    }
  }
});

test('the exception name wins over the status: JSON-2 sends MissingError and unknown models both as 404', () => {
  expect(classify({ transport: 'json2', status: 404, odooName: 'odoo.exceptions.MissingError' }), 'ERR_ODOO_MISSING', 'record');
  expect(classify({ transport: 'json2', status: 404, odooName: 'werkzeug.exceptions.NotFound' }), 'ERR_ODOO_PROTOCOL', 'config');
  expect(classify({ transport: 'json2', status: 403, odooName: 'odoo.exceptions.AccessDenied' }), 'ERR_ODOO_AUTH', 'config');
  expect(classify({ transport: 'json2', status: 409, odooName: 'odoo.exceptions.LockError' }), 'ERR_ODOO_CONCURRENCY', 'transient');
});

test('OperationalError: concurrency when it is about locks, config for a missing database, else server', () => {
  const lock = classify({
    transport: 'jsonrpc',
    odooName: 'psycopg2.OperationalError',
    odooMessage: 'could not obtain lock on row in relation "x"',
  });
  expect(lock, 'ERR_ODOO_CONCURRENCY', 'transient');
  const db = classify({
    transport: 'jsonrpc',
    odooName: 'psycopg2.OperationalError',
    odooMessage: 'FATAL:  database "nope" does not exist',
  });
  expect(db, 'ERR_CONFIG', 'config');
  const other = classify({
    transport: 'jsonrpc',
    odooName: 'psycopg2.OperationalError',
    odooMessage: 'server closed the connection unexpectedly',
  });
  expect(other, 'ERR_ODOO_SERVER', 'transient');
});

test('HTTP statuses without an Odoo exception', () => {
  const cases: [number, string, string][] = [
    [401, 'ERR_ODOO_AUTH', 'config'],
    [403, 'ERR_ODOO_ACCESS', 'config'],
    [404, 'ERR_ODOO_PROTOCOL', 'config'],
    [405, 'ERR_ODOO_PROTOCOL', 'config'],
    [408, 'ERR_TIMEOUT', 'transient'],
    [409, 'ERR_ODOO_CONCURRENCY', 'transient'],
    [413, 'ERR_ODOO_PROTOCOL', 'config'],
    [422, 'ERR_ODOO_VALIDATION', 'record'],
    [429, 'ERR_ODOO_SERVER', 'transient'],
    [500, 'ERR_ODOO_SERVER', 'transient'],
    [502, 'ERR_ODOO_SERVER', 'transient'],
    [503, 'ERR_ODOO_SERVER', 'transient'],
    [504, 'ERR_ODOO_SERVER', 'transient'],
  ];
  for (const [status, code, kind] of cases) {
    const error = classify({ transport: 'jsonrpc', status });
    expect(error, code, kind);
    assert.is(error.status, status);
  }
});

test('a 404 says to check the URL; on JSON-2 it says JSON-2 needs Odoo 19', () => {
  assert.match(classify({ transport: 'jsonrpc', status: 404 }).message, /is this an Odoo server, is the URL right/);
  assert.match(classify({ transport: 'json2', status: 404 }).message, /JSON-2 needs Odoo 19/);
});

test('network codes are transient ERR_NETWORK, timeouts ERR_TIMEOUT, bad certificates config', () => {
  for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'EHOSTUNREACH', 'ESOMETHINGNEW']) {
    expect(classify({ transport: 'xmlrpc', networkCode: code }), 'ERR_NETWORK', 'transient');
  }
  const dns = classify({ transport: 'jsonrpc', networkCode: 'ENOTFOUND' });
  expect(dns, 'ERR_NETWORK', 'transient');
  assert.match(dns.message, /check the host/);
  expect(classify({ transport: 'jsonrpc', networkCode: 'ETIMEDOUT' }), 'ERR_TIMEOUT', 'transient');
  const ours = classify({ transport: 'jsonrpc', timedOut: true, timeoutMs: 50, networkCode: 'ECONNRESET' });
  expect(ours, 'ERR_TIMEOUT', 'transient');
  assert.match(ours.message, /timed out after 50 ms/);
  expect(classify({ transport: 'json2', networkCode: 'CERT_HAS_EXPIRED' }), 'ERR_NETWORK', 'config');
});

test('a protocol breach is config ERR_ODOO_PROTOCOL; nothing known is a transient server error', () => {
  expect(classify({ transport: 'jsonrpc', status: 200, protocol: 'reply without result' }), 'ERR_ODOO_PROTOCOL', 'config');
  expect(classify({ transport: 'jsonrpc' }), 'ERR_ODOO_SERVER', 'transient');
});

test('Retry-After is kept in seconds, from delta-seconds or an HTTP date', () => {
  const now = Date.parse('2026-11-30T08:00:00Z');
  assert.is(classify({ transport: 'json2', status: 503, retryAfter: '120' }).retryAfter, 120);
  assert.is(classify({ transport: 'json2', status: 429, retryAfter: 'Mon, 30 Nov 2026 08:01:30 GMT', now }).retryAfter, 90);
  assert.is(parseRetryAfter('Mon, 30 Nov 2026 07:59:00 GMT', now), 0, 'a date in the past means now');
  assert.is(parseRetryAfter('Mon, 30 Nov 2026 08:01:30 GMT', undefined), undefined, 'a date needs the clock');
  assert.is(parseRetryAfter('soon', now), undefined);
  assert.is(parseRetryAfter('', now), undefined);
  assert.is(parseRetryAfter(undefined, now), undefined);
  assert.is(parseRetryAfter(' 7 ', now), 7);
  assert.is(parseRetryAfter(1.2, now), 2);
  assert.is(classify({ transport: 'json2', status: 503 }).retryAfter, undefined);
});

test('messages name transport, operation and Odoo exception, and never carry a secret', () => {
  const error = classify({
    transport: 'jsonrpc',
    operation: 'res.partner.write',
    odooName: 'odoo.exceptions.ValidationError',
    odooMessage: `bad value; key was ${KEY}`,
    protocol: KEY,
    secrets: [KEY],
    cause: safeCause(
      Object.assign(new Error(`request with ${KEY} failed`), { code: 'EX', options: { headers: { authorization: `bearer ${KEY}` } } }),
      [KEY],
    ),
  });
  assert.match(error.message, /^jsonrpc res\.partner\.write: Odoo refused the data \[ValidationError\]: bad value; key was \*\*\*$/);
  for (const text of [error.message, JSON.stringify(error), inspect(error, { showHidden: true, depth: 10 })]) {
    assert.not.ok(text.includes(KEY), text);
  }
  assert.is((error.cause as { code?: string }).code, 'EX');
});

test('redact truncates long server text', () => {
  const text = redact('x'.repeat(2000));
  assert.ok(text.length <= 501);
  assert.is(redact(`a${KEY}b${KEY}`, [KEY]), 'a***b***');
  assert.is(redact('abc', ['']), 'abc', 'an empty secret redacts nothing');
});

test('classify is pure: the same facts give the same error', () => {
  const facts = { transport: 'json2', status: 429, retryAfter: '3', odooMessage: 'slow down' } as const;
  const a = classify(facts);
  const b = classify(facts);
  assert.equal([a.code, a.kind, a.message, a.retryAfter, a.status], [b.code, b.kind, b.message, b.retryAfter, b.status]);
});

test.run();
