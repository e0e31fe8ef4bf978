import { isDeepStrictEqual } from 'node:util';
import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { connectOdoo, describeResolution, resolveTransport, type Resolution } from '../../agent/odoo/connect.ts';
import { createTransport } from '../../agent/odoo/index.ts';
import { isKnownMajor, KNOWN_ODOO_MAJORS, probeServerVersion, serverMajor, transportForMajor } from '../../agent/odoo/version.ts';
import { loadConfig } from '../../agent/config.ts';
import { assertNoSecret, rejection } from '../support/errors.ts';
import { heldReply } from '../support/held-reply.ts';

const URL = 'https://erp.example.test';
const KEY = 'version-probe-secret-5c5c';
const connection = { url: URL, db: 'prod', login: 'plansync-agent', apiKey: KEY, timeoutMs: 2000 };

nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
test.after.each(() => {
  nock.cleanAll();
});

/** Odoo's `common.exp_version()` for a major, as `/web/webclient/version_info` wraps it. */
const versionInfo = (version: string, info: unknown[]) => ({
  jsonrpc: '2.0',
  id: null,
  result: { server_version: version, server_version_info: info, server_serie: version.replace(/\+e$/, ''), protocol_version: 1 },
});
const envelope = (body: unknown) => isDeepStrictEqual(body, { jsonrpc: '2.0', method: 'call', params: {} });
/** The probe: no API key, no database header, a JSON-RPC envelope without params. */
const probe = () => nock(URL, { badheaders: ['authorization', 'x-odoo-database'] }).post('/web/webclient/version_info', envelope);

// ---- the pure decision ----

test('transportForMajor: jsonrpc for 16, 17 and 18, json2 for 19 and 20', () => {
  assert.is(transportForMajor(16), 'jsonrpc');
  assert.is(transportForMajor(17), 'jsonrpc');
  assert.is(transportForMajor(18), 'jsonrpc');
  assert.is(transportForMajor(19), 'json2');
  assert.is(transportForMajor(20), 'json2');
});

test('transportForMajor: no transport for what is not a major (undefined, NaN, 0, negative, fractional, infinite)', () => {
  for (const garbage of [undefined, Number.NaN, 0, -19, 18.5, Number.POSITIVE_INFINITY])
    assert.is(transportForMajor(garbage), undefined, String(garbage));
});

test('serverMajor reads version_info[0] (also SaaS "saas~18"), else the version string; garbage gives undefined', () => {
  assert.is(serverMajor([17, 0, 0, 'final', 0, ''], '17.0'), 17);
  assert.is(serverMajor(['saas~18', 2, 0, 'final', 0, ''], 'saas~18.2'), 18);
  assert.is(serverMajor(undefined, '19.0+e'), 19);
  assert.is(serverMajor([], 'saas~17.4+e'), 17);
  assert.is(serverMajor(['master'], 'master'), undefined);
  assert.is(serverMajor({ 0: 19 }, ''), undefined);
  assert.is(serverMajor(null, 42), 42);
  assert.is(serverMajor([-1], 'x19'), undefined);
});

test('KNOWN_ODOO_MAJORS is 17, 18, 19 and isKnownMajor follows it', () => {
  assert.equal([...KNOWN_ODOO_MAJORS], [17, 18, 19]);
  assert.ok(isKnownMajor(18));
  assert.not.ok(isKnownMajor(16));
  assert.not.ok(isKnownMajor(20));
  assert.not.ok(isKnownMajor(undefined));
});

// ---- the probe ----

for (const [version, info, transport] of [
  ['17.0', [17, 0, 0, 'final', 0, ''], 'jsonrpc'],
  ['18.0+e', [18, 0, 0, 'final', 0, 'e'], 'jsonrpc'],
  ['19.0', [19, 0, 0, 'final', 0, ''], 'json2'],
] as const) {
  test(`probe: Odoo ${version} answers /web/webclient/version_info without a key; auto picks ${transport}`, async () => {
    const scope = probe().reply(200, versionInfo(version, [...info]));
    const resolution = await resolveTransport({ ...connection, transport: 'auto' });
    assert.ok(scope.isDone());
    assert.is(resolution.name, transport);
    assert.is(resolution.transport.name, transport);
    assert.is(resolution.source, 'auto');
    assert.equal(resolution.server, { version, major: info[0], versionInfo: [...info] });
    await resolution.transport.close();
  });
}

test('probe: a server without version_info (404) is asked GET /web/version', async () => {
  const scope = probe()
    .reply(404, { error: 'not found' })
    .get('/web/version')
    .reply(200, { version_info: [20, 0, 0, 'final', 0, ''], version: '20.0' });
  const server = await probeServerVersion(connection);
  assert.ok(scope.isDone());
  assert.equal(server, { version: '20.0', major: 20, versionInfo: [20, 0, 0, 'final', 0, ''] });
});

test('probe: an unreachable server is a transient error that names the route, never the key', async () => {
  const scope = probe().replyWithError(Object.assign(new Error('connect ECONNREFUSED 203.0.113.9:443'), { code: 'ECONNREFUSED' }));
  const error = await rejection(probeServerVersion(connection));
  assert.ok(scope.isDone());
  assert.is(error.kind, 'transient');
  assert.is(error.code, 'ERR_NETWORK');
  assertNoSecret(error, KEY);
});

test('probe: a 503 is transient; a 200 that is not Odoo and a 404 on both routes are protocol (config) errors', async () => {
  let scope = probe().reply(503, { error: 'maintenance' });
  assert.is((await rejection(probeServerVersion(connection))).kind, 'transient');
  assert.ok(scope.isDone());
  scope = probe().reply(200, { hello: 'world' });
  let error = await rejection(probeServerVersion(connection));
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.is(error.kind, 'config');
  assert.ok(scope.isDone());
  scope = probe().reply(404, { error: 'no' }).get('/web/version').reply(404, { error: 'no' });
  error = await rejection(probeServerVersion(connection));
  assert.is(error.code, 'ERR_ODOO_PROTOCOL');
  assert.match(error.message, /neither \/web\/webclient\/version_info nor \/web\/version/);
  assert.ok(scope.isDone());
});

test("probe: the timeout is the connection's (odoo.timeout_seconds) and a late server is a transient ERR_TIMEOUT", async () => {
  const held = heldReply([200, versionInfo('19.0', [19, 0, 0, 'final', 0, ''])]);
  const scope = probe().reply(held.reply);
  const error = await rejection(probeServerVersion({ ...connection, timeoutMs: 100 }));
  held.release();
  assert.is(error.code, 'ERR_TIMEOUT');
  assert.is(error.kind, 'transient');
  assert.match(error.message, /timed out after 100 ms/);
  assert.ok(held.seen(), 'the server saw the probe and had not replied');
  assert.ok(scope.isDone());
});

test('auto against a version that names no major is a config error telling to set the transport', async () => {
  const scope = probe().reply(200, versionInfo('master', ['master']));
  const error = await rejection(resolveTransport({ ...connection, transport: 'auto' }));
  assert.ok(scope.isDone());
  assert.is(error.kind, 'config');
  assert.match(error.message, /"master" names no major version: set odoo\.transport \/ PLANSYNC_TRANSPORT/);
});

// ---- explicit configuration wins ----

test('a configured transport is used as is: no probe, no request at all', async () => {
  for (const name of ['jsonrpc', 'json2', 'xmlrpc'] as const) {
    let probed = 0;
    const resolution = await resolveTransport(
      { ...connection, transport: name },
      { probe: () => Promise.reject(new Error(`probed ${++probed}`)) },
    );
    assert.is(resolution.name, name);
    assert.is(resolution.source, 'configured');
    assert.is(resolution.server, undefined);
    assert.is(probed, 0);
    await resolution.transport.close();
  }
  // And the lazy transport of the commands: a configured jsonrpc goes straight to /jsonrpc.
  const scope = nock(URL)
    .post(
      '/jsonrpc',
      (body: { params?: { service?: string; method?: string } }) =>
        body.params?.service === 'common' && body.params.method === 'authenticate',
    )
    .reply(200, { jsonrpc: '2.0', id: 1, result: 7 });
  const reported: Resolution[] = [];
  const odoo = connectOdoo(
    { ...connection, transport: 'jsonrpc' },
    { onResolved: (r) => reported.push(r), probe: () => Promise.reject(new Error('no probe')) },
  );
  assert.is(odoo.name, 'jsonrpc');
  assert.is(await odoo.uid(), 7);
  assert.ok(scope.isDone());
  assert.equal(reported.map(describeResolution), ['transport jsonrpc (configured)']);
  await odoo.close();
});

test('PLANSYNC_TRANSPORT unset means auto; a value wins; a bad one names the variable', () => {
  const env = { ODOO_URL: URL, ODOO_DB: 'prod', ODOO_LOGIN: 'plansync-agent', ODOO_API_KEY: KEY };
  assert.is(loadConfig({ env }).odoo.transport, 'auto');
  assert.is(loadConfig({ env: { ...env, PLANSYNC_TRANSPORT: 'xmlrpc' } }).odoo.transport, 'xmlrpc');
  assert.throws(() => loadConfig({ env: { ...env, PLANSYNC_TRANSPORT: 'json3' } }), /PLANSYNC_TRANSPORT: .*\(got "json3"\)/);
});

// ---- the commands' transport ----

test('connectOdoo (auto) probes once at the first call, logs "odoo server 19.0, transport json2 (auto)" once, then speaks JSON-2', async () => {
  const probed = probe()
    .once()
    .reply(200, versionInfo('19.0', [19, 0, 0, 'final', 0, '']));
  const scope = nock(URL)
    .post('/json/2/res.users/context_get')
    .matchHeader('authorization', `bearer ${KEY}`)
    .reply(200, { uid: 12, lang: 'en_US' })
    .post('/json/2/plansync.outbox/ack', (body) => isDeepStrictEqual(body, { lease: 'L', event_ids: [1] }))
    .reply(200, [1], { 'Content-Length': '3' });
  const lines: string[] = [];
  const odoo = connectOdoo({ ...connection, transport: 'auto' }, { onResolved: (r) => lines.push(describeResolution(r)) });
  assert.is(odoo.name, 'auto');
  assert.is(await odoo.uid(), 12);
  assert.equal(await odoo.call('plansync.outbox', 'ack', ['L', [1]], {}, ['lease', 'event_ids']), [1]);
  assert.is(odoo.name, 'json2');
  assert.equal(await odoo.version(), { server_version: '19.0', server_version_info: [19, 0, 0, 'final', 0, ''] });
  assert.ok(probed.isDone());
  assert.ok(scope.isDone());
  assert.equal(lines, ['odoo server 19.0, transport json2 (auto)']);
  assert.not.ok(lines.join().includes(KEY));
  await odoo.close();
});

test('connectOdoo (auto): a failed probe (Odoo down) is asked again at the next call, then logged once', async () => {
  const probed = probe()
    .replyWithError(Object.assign(new Error('connect ECONNREFUSED 203.0.113.9:443'), { code: 'ECONNREFUSED' }))
    .post('/web/webclient/version_info', envelope)
    .reply(200, versionInfo('17.0', [17, 0, 0, 'final', 0, '']));
  const scope = nock(URL)
    .post('/jsonrpc', (body: { params?: { method?: string } }) => body.params?.method === 'authenticate')
    .reply(200, { jsonrpc: '2.0', id: 1, result: 3 });
  const lines: string[] = [];
  const odoo = createTransport('auto', connection);
  const logged = connectOdoo({ ...connection, transport: 'auto' }, { onResolved: (r) => lines.push(describeResolution(r)) });
  assert.is(odoo.name, 'auto');
  await odoo.close();
  assert.is((await rejection(logged.uid())).kind, 'transient');
  assert.equal(lines, []);
  assert.is(await logged.uid(), 3);
  assert.ok(probed.isDone());
  assert.ok(scope.isDone());
  assert.equal(lines, ['odoo server 17.0, transport jsonrpc (auto)']);
  await logged.close();
});

test('connectOdoo refuses a bad URL at once (ConfigError), auto or configured', () => {
  assert.throws(() => connectOdoo({ ...connection, url: 'ftp://erp', transport: 'auto' }), /odoo\.url must be an http\(s\) URL/);
  assert.throws(() => connectOdoo({ ...connection, url: 'ftp://erp', transport: 'json2' }), /odoo\.url must be an http\(s\) URL/);
});

test.run();
