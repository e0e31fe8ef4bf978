import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apiKeyLines, KEY_EXPIRY_WARN_DAYS, serverLines } from '../../agent/check-odoo.ts';
import { checkAll, type CheckLine } from '../../agent/check.ts';
import { HeartbeatReply } from '../../agent/odoo/client.ts';

const URL = 'https://erp.example.test';
const KEY = 'check-secret-key-9e9e';
const NOW = new Date('2026-03-01T12:00:00Z');

nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));
test.after.each(() => {
  nock.cleanAll();
});

const line = (lines: readonly CheckLine[], what: string): CheckLine | undefined => lines.find((l) => l.what === what);

// ---- server version and transport (pure) ----

test('serverLines: a known version is ok and names the known ones; the transport line says why', () => {
  const lines = serverLines({ version: '18.0', major: 18 }, { name: 'jsonrpc', source: 'auto' });
  assert.equal(lines, [
    { status: 'ok', what: 'Odoo version', detail: '18.0 (this agent knows 17, 18, 19)' },
    { status: 'ok', what: 'Odoo transport', detail: 'jsonrpc, auto: jsonrpc before Odoo 19' },
  ]);
  assert.equal(serverLines({ version: '19.0', major: 19 }, { name: 'json2', source: 'configured' })[1], {
    status: 'ok',
    what: 'Odoo transport',
    detail: 'json2, configured (odoo.transport / PLANSYNC_TRANSPORT)',
  });
});

test('serverLines: an unknown version (16, 20, no major) is a warn line naming it and the known versions', () => {
  const above = serverLines({ version: '20.0', major: 20 }, { name: 'json2', source: 'auto' });
  assert.is(above[0]?.status, 'warn');
  assert.match(
    above[0]?.detail ?? '',
    /^20\.0 is not a version this agent knows \(17, 18, 19\): it speaks json2 \(unconfigured: json2 above 19, jsonrpc below 17\)/,
  );
  const below = serverLines({ version: '16.0', major: 16 }, { name: 'xmlrpc', source: 'configured' });
  assert.is(below[0]?.status, 'warn');
  assert.match(below[0]?.detail ?? '', /^16\.0 is not a version this agent knows \(17, 18, 19\): it speaks the configured xmlrpc/);
  assert.is(serverLines({ version: 'master', major: undefined }, { name: 'jsonrpc', source: 'configured' })[0]?.status, 'warn');
});

test('serverLines: jsonrpc or xmlrpc configured against Odoo 19+ warns of the deprecation; not against 17/18', () => {
  for (const name of ['jsonrpc', 'xmlrpc'] as const) {
    const transport = line(serverLines({ version: '19.0', major: 19 }, { name, source: 'configured' }), 'Odoo transport');
    assert.is(transport?.status, 'warn', name);
    assert.match(transport?.detail ?? '', /deprecated from Odoo 19, removal announced for Odoo 22: use json2/);
    assert.is(line(serverLines({ version: '18.0', major: 18 }, { name, source: 'configured' }), 'Odoo transport')?.status, 'ok', name);
  }
  assert.is(line(serverLines({ version: '19.0', major: 19 }, { name: 'json2', source: 'configured' }), 'Odoo transport')?.status, 'ok');
});

// ---- API key expiry (pure, injected clock) ----

test('apiKeyLines: expired fails, within 14 days warns, later is ok, false never expires', () => {
  const lines = apiKeyLines(
    [
      { name: 'old', expires: '2026-02-28T12:00:00Z' },
      { name: 'now', expires: '2026-03-01T12:00:00Z' },
      { name: 'soon', expires: '2026-03-04T18:00:00Z' },
      { name: 'edge', expires: '2026-03-15T12:00:00Z' },
      { name: 'far', expires: '2026-03-15T12:00:01Z' },
      { name: 'forever', expires: false },
    ],
    NOW,
  );
  assert.equal(
    lines.map((l) => [l.what, l.status]),
    [
      ['API key "old"', 'fail'],
      ['API key "now"', 'fail'],
      ['API key "soon"', 'warn'],
      ['API key "edge"', 'warn'],
      ['API key "far"', 'ok'],
      ['API key "forever"', 'ok'],
    ],
  );
  assert.is(KEY_EXPIRY_WARN_DAYS, 14);
  assert.match(lines[0]?.detail ?? '', /^expired on 2026-02-28: create a new key/);
  assert.match(lines[2]?.detail ?? '', /^expires on 2026-03-04, in 3 days/);
  assert.match(lines[4]?.detail ?? '', /^expires on 2026-03-15 \(in 14 days\)/);
  assert.is(lines[5]?.detail, 'never expires');
});

test('apiKeyLines: the same keys read on another day give other lines (the clock is the one passed in)', () => {
  const keys = [{ name: 'k', expires: '2026-06-01T00:00:00Z' }] as const;
  assert.is(apiKeyLines(keys, new Date('2026-01-01T00:00:00Z'))[0]?.status, 'ok');
  assert.is(apiKeyLines(keys, new Date('2026-05-25T00:00:00Z'))[0]?.status, 'warn');
  assert.is(apiKeyLines(keys, new Date('2026-06-02T00:00:00Z'))[0]?.status, 'fail');
});

test('apiKeyLines: field absent says the addon does not report it; an empty list says no key is reported', () => {
  assert.equal(apiKeyLines(undefined, NOW), [{ status: 'ok', what: 'API keys', detail: 'the addon does not report API key expiry' }]);
  assert.is(apiKeyLines([], NOW)[0]?.status, 'ok');
});

// ---- the heartbeat reply's api_keys (zod) ----

const heartbeat = (extra: Record<string, unknown> = {}) => ({
  addon_version: '17.0.1.0.0',
  server_time: '2026-03-01T12:00:00Z',
  database: { name: 'prod', uuid: 'db-uuid-1' },
  user: { id: 7, login: 'plansync-agent', groups: ['plansync.group_plansync_integration'], companies: [1] },
  settings: { batch_size: 100, lease_seconds: 60, max_attempts: 8, heartbeat_seconds: 30, poll_seconds: 1 },
  endpoints: [],
  ...extra,
});

test('HeartbeatReply: api_keys is optional; given, each key has a name and a UTC time or false', () => {
  assert.ok(HeartbeatReply.safeParse(heartbeat()).success);
  const parsed = HeartbeatReply.parse(
    heartbeat({
      api_keys: [
        { name: 'agent', expires: '2026-04-01T00:00:00Z' },
        { name: 'old', expires: false },
      ],
    }),
  );
  assert.equal(parsed.api_keys, [
    { name: 'agent', expires: '2026-04-01T00:00:00Z' },
    { name: 'old', expires: false },
  ]);
  for (const bad of [{ name: 'a', expires: '2026-04-01 00:00:00' }, { name: 'a', expires: true }, { expires: false }, { name: 'a' }]) {
    const result = HeartbeatReply.safeParse(heartbeat({ api_keys: [bad] }));
    assert.not.ok(result.success, JSON.stringify(bad));
    assert.equal(result.error?.issues[0]?.path.slice(0, 2), ['api_keys', 0]);
  }
  assert.not.ok(HeartbeatReply.safeParse(heartbeat({ api_keys: 'none' })).success);
});

// ---- plansync check against a mocked Odoo ----

const env = (extra: Record<string, string> = {}) => ({
  ODOO_URL: URL,
  ODOO_DB: 'prod',
  ODOO_LOGIN: 'plansync-agent',
  ODOO_API_KEY: KEY,
  PLANSYNC_STATE: 'memory://',
  PLANSYNC_PLANNER: 'off',
  PLANSYNC_CONSUMER: 'check-test',
  ...extra,
});

interface RpcBody {
  readonly params?: { readonly service?: string; readonly method?: string; readonly args?: readonly unknown[] };
}
const rpc = (service: string, method: string) => (body: RpcBody) => body.params?.service === service && body.params.method === method;
const executeKw = (model: string, method: string) => (body: RpcBody) =>
  rpc('object', 'execute_kw')(body) && body.params?.args?.[3] === model && body.params.args[4] === method;
const ok = (result: unknown) => ({ jsonrpc: '2.0', id: 1, result });

test('check: jsonrpc configured against a mocked Odoo 19 says so and warns of the deprecation; no version probe', async () => {
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version'))
    .reply(200, ok({ server_version: '19.0', server_version_info: [19, 0, 0, 'final', 0, ''], server_serie: '19.0', protocol_version: 1 }))
    .post('/jsonrpc', rpc('common', 'authenticate'))
    .reply(200, ok(7))
    .post('/jsonrpc', executeKw('plansync.agent', 'heartbeat'))
    .reply(200, ok(heartbeat()));
  const { code, lines } = await checkAll({ env: env({ PLANSYNC_TRANSPORT: 'jsonrpc' }), now: () => NOW });
  assert.ok(scope.isDone());
  assert.is(code, 0, JSON.stringify(lines));
  assert.equal(line(lines, 'Odoo version'), { status: 'ok', what: 'Odoo version', detail: '19.0 (this agent knows 17, 18, 19)' });
  const transport = line(lines, 'Odoo transport');
  assert.is(transport?.status, 'warn');
  assert.is(
    transport?.detail,
    'jsonrpc, configured (odoo.transport / PLANSYNC_TRANSPORT): deprecated from Odoo 19, removal announced for Odoo 22: use json2',
  );
  assert.equal(line(lines, 'API keys'), { status: 'ok', what: 'API keys', detail: 'the addon does not report API key expiry' });
});

test('check: an endpoint whose request timeout is above half the lease fails, naming both values', async () => {
  const endpoint = {
    code: 'HOOK',
    name: 'Hook',
    kind: 'webhook',
    url: 'https://hook.example.test/in',
    event_types: ['product.changed'],
    company: 1,
    batch_size: 50,
    concurrency: 2,
    rate_limit: 0,
    timeout_seconds: 40,
  };
  const scope = nock(URL)
    .post('/jsonrpc', rpc('common', 'version'))
    .reply(200, ok({ server_version: '17.0', server_version_info: [17, 0, 0, 'final', 0, ''], server_serie: '17.0', protocol_version: 1 }))
    .post('/jsonrpc', rpc('common', 'authenticate'))
    .reply(200, ok(7))
    .post('/jsonrpc', executeKw('plansync.agent', 'heartbeat'))
    .reply(200, ok(heartbeat({ endpoints: [endpoint] })));
  const { code, lines } = await checkAll({
    env: env({ PLANSYNC_TRANSPORT: 'jsonrpc', PLANSYNC_SECRET_HOOK: 'hook-secret' }),
    now: () => NOW,
  });
  assert.ok(scope.isDone());
  assert.is(code, 1);
  const hook = line(lines, 'endpoint HOOK');
  assert.is(hook?.status, 'fail');
  assert.match(hook?.detail ?? '', /request timeout 40 s .* must be at most half of the lease 60 s/);
});

test('check: unconfigured against a mocked Odoo 20 probes, speaks json2, warns of the unknown version and reports key expiry', async () => {
  const probe = nock(URL, { badheaders: ['authorization'] })
    .post('/web/webclient/version_info')
    .reply(200, ok({ server_version: '20.0', server_version_info: [20, 0, 0, 'final', 0, ''], server_serie: '20.0', protocol_version: 1 }));
  const scope = nock(URL)
    .post('/json/2/res.users/context_get')
    .matchHeader('authorization', `bearer ${KEY}`)
    .reply(200, { uid: 7 })
    .post('/json/2/plansync.agent/heartbeat')
    .matchHeader('authorization', `bearer ${KEY}`)
    .reply(
      200,
      heartbeat({
        api_keys: [
          { name: 'plansync agent', expires: '2026-03-10T00:00:00Z' },
          { name: 'expired', expires: '2026-01-01T00:00:00Z' },
        ],
      }),
    );
  const { code, lines } = await checkAll({ env: env(), now: () => NOW });
  assert.ok(probe.isDone());
  assert.ok(scope.isDone());
  assert.match(line(lines, 'config')?.detail ?? '', /transport auto/);
  const version = line(lines, 'Odoo version');
  assert.is(version?.status, 'warn');
  assert.match(version?.detail ?? '', /^20\.0 is not a version this agent knows \(17, 18, 19\): it speaks json2/);
  assert.equal(line(lines, 'Odoo transport'), { status: 'ok', what: 'Odoo transport', detail: 'json2, auto: json2 from Odoo 19' });
  assert.is(line(lines, 'API key "plansync agent"')?.status, 'warn');
  assert.match(line(lines, 'API key "plansync agent"')?.detail ?? '', /expires on 2026-03-10, in 8 days/);
  assert.is(line(lines, 'API key "expired"')?.status, 'fail');
  assert.is(code, 1, 'an expired key fails the check');
  assert.not.ok(JSON.stringify(lines).includes(KEY));
});

test('check: an unreachable Odoo fails "Odoo reachable" at the probe and asks nothing else', async () => {
  const scope = nock(URL)
    .post('/web/webclient/version_info')
    .replyWithError(Object.assign(new Error('connect ECONNREFUSED 203.0.113.9:443'), { code: 'ECONNREFUSED' }));
  const { code, lines } = await checkAll({ env: env(), now: () => NOW });
  assert.ok(scope.isDone());
  assert.is(code, 1);
  assert.is(line(lines, 'Odoo reachable')?.status, 'fail');
  assert.match(line(lines, 'Odoo reachable')?.detail ?? '', /cannot reach https:\/\/erp\.example\.test/);
  assert.is(line(lines, 'Odoo transport'), undefined);
});

test.run();
