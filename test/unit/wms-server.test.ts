/**
 * The WMS receiver (agent/wms/server.ts) on loopback: signed messages forwarded to Odoo and answered
 * in order; repeats answered from the cache; every refusal (404, 405, 413, 401, 400; an unknown endpoint is a 401 like a bad signature) changes nothing
 * in Odoo and is logged without the body or the signature; Odoo down is a 503 with Retry-After, a
 * configuration error a 500; requests in flight finish on close.
 */
import net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Registry } from 'prom-client';
import { ConfigError } from '../../agent/errors.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { sign } from '../../agent/targets/webhook/signature.ts';
import { createLogger } from '../../agent/telemetry/log.ts';
import { WmsMetrics } from '../../agent/wms/metrics.ts';
import { WmsServer, type WmsServerOptions } from '../../agent/wms/server.ts';
import type { WmsResult } from '../../agent/wms/types.ts';
import { postMessages, type PostOptions } from '../support/fake-wms.ts';
import { FakeWmsOdoo, balance, confirmation, odooBusy, odooDenied, odooDown } from '../support/wms-odoo.ts';

const SECRET = 'wms-secret-51c0a7';
const NOW = 1_790_000_000;

interface World {
  odoo: FakeWmsOdoo;
  server: WmsServer;
  url: string;
  logs: string[];
  metrics: WmsMetrics;
  registry: Registry;
  post: (body: unknown, options?: Partial<PostOptions>) => ReturnType<typeof postMessages>;
}

const test = suite('WMS receiver');
const servers: WmsServer[] = [];
test.after.each(async () => {
  for (const server of servers.splice(0)) await server.close(100);
});

const world = async (options: Partial<WmsServerOptions> = {}): Promise<World> => {
  const odoo = new FakeWmsOdoo();
  const logs: string[] = [];
  const registry = new Registry();
  const metrics = new WmsMetrics(registry);
  const server = new WmsServer({
    odoo,
    secretFor: (code) => (code === 'WMS' ? SECRET : code === 'NOSECRET' ? '' : undefined),
    logger: createLogger('info', { write: (line: string) => void logs.push(line) }),
    port: 0,
    retry: retryPolicy({ limit: 2, backoffBaseMs: 1, backoffLimitMs: 1 }),
    metrics,
    now: () => NOW,
    ...options,
  });
  servers.push(server);
  const { port } = await server.listen();
  const url = `http://127.0.0.1:${port}/wms/WMS/messages`;
  return {
    odoo,
    server,
    url,
    logs,
    metrics,
    registry,
    post: (body, more = {}) => postMessages(url, body, { secret: SECRET, timestamp: NOW, ...more }),
  };
};

const results = (body: unknown): WmsResult[] => (body as { results: WmsResult[] }).results;
const counter = async (registry: Registry, name: string, labels: Record<string, string>): Promise<number> => {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
};

test('signed messages are forwarded in order and answered with one result each', async () => {
  const { odoo, post, registry } = await world();
  const answer = await post({ messages: [confirmation('r1'), balance('b1')] });
  assert.is(answer.status, 200);
  assert.equal(
    results(answer.body).map((r) => [r.message_id, r.status]),
    [
      ['r1', 'applied'],
      ['b1', 'applied'],
    ],
  );
  assert.equal(odoo.calls, [{ endpoint: 'WMS', messages: [confirmation('r1'), balance('b1')] }]);
  const one = await post(confirmation('r2'));
  assert.equal(
    results(one.body).map((r) => r.message_id),
    ['r2'],
  );
  assert.is(await counter(registry, 'plansync_wms_messages_received_total', { endpoint: 'WMS', source: 'http' }), 3);
  assert.is(await counter(registry, 'plansync_wms_results_total', { endpoint: 'WMS', status: 'applied' }), 3);
});

test('a repeat is answered duplicate from the cache without calling Odoo; new messages of the same request still go', async () => {
  const { odoo, post, registry } = await world();
  await post({ messages: [confirmation('r1')] });
  const again = await post({ messages: [confirmation('r1'), confirmation('r2')] });
  assert.equal(
    results(again.body).map((r) => [r.message_id, r.status]),
    [
      ['r1', 'duplicate'],
      ['r2', 'applied'],
    ],
  );
  assert.equal(odoo.sent, ['r1', 'r2']);
  assert.is(results(again.body)[0]?.record_id, 1);
  const only = await post({ messages: [confirmation('r1')] });
  assert.is(results(only.body)[0]?.status, 'duplicate');
  assert.is(odoo.calls.length, 2);
  assert.is(await counter(registry, 'plansync_wms_cached_total', { endpoint: 'WMS' }), 2);
});

test('without the cache, Odoo is the authority: a repeat reaches it and comes back duplicate, applied once', async () => {
  const { odoo, post } = await world({ cacheSize: 0 });
  await post({ messages: [confirmation('r1')] });
  const again = await post({ messages: [confirmation('r1')] });
  assert.is(results(again.body)[0]?.status, 'duplicate');
  assert.equal(odoo.sent, ['r1', 'r1']);
  assert.equal(odoo.applied, ['WMS/r1']);
});

test('a message with a message_id but bad fields is forwarded as it came, for Odoo to park', async () => {
  const { odoo, post, logs } = await world();
  const bad = { ...confirmation('r1'), lines: [{ sku: 'CH-0', quantity: 'four' }] };
  const answer = await post({ messages: [bad] });
  assert.is(answer.status, 200);
  assert.equal(odoo.calls[0]?.messages, [bad]);
  assert.equal([results(answer.body)[0]?.status, results(answer.body)[0]?.code], ['exception', 'invalid']);
  assert.ok(logs.some((l) => l.includes('forwarded for Odoo to park') && l.includes('lines.0.quantity')));
});

test('400 naming the field and the value, and nothing forwarded, for a message without message_id, bad JSON or another shape', async () => {
  const { odoo, post, registry } = await world();
  const missing = await post({ messages: [confirmation('r1'), { type: 'balance' }] });
  assert.is(missing.status, 400);
  assert.equal(missing.body, { error: 'messages[1].message_id: expected a non-blank string of at most 128 characters (got missing)' });
  const notJson = await post('{"messages": [');
  assert.is(notJson.status, 400);
  assert.match((notJson.body as { error: string }).error, /^body: not JSON/);
  const notList = await post({ messages: { message_id: 'x' } });
  assert.equal(notList.body, { error: 'messages: expected a list of message objects (got {"message_id":"x"})' });
  assert.is(odoo.calls.length, 0);
  assert.is(await counter(registry, 'plansync_wms_requests_refused_total', { endpoint: 'WMS', reason: 'bad_body' }), 2);
  assert.is(await counter(registry, 'plansync_wms_requests_refused_total', { endpoint: 'WMS', reason: 'bad_json' }), 1);
});

test('401 for a missing, wrong or old signature; logged with endpoint, remote, reason and size, never the body or the header', async () => {
  const { odoo, post, logs, url } = await world();
  const body = { messages: [confirmation('secret-looking-r1')] };
  const none = await post(body, { secret: false });
  const wrong = await post(body, { secret: 'not-the-secret' });
  const old = await post(body, { timestamp: NOW - 301 });
  const edge = await post(body, { timestamp: NOW - 300 });
  assert.equal([none.status, wrong.status, old.status, edge.status], [401, 401, 401, 200]);
  assert.equal(none.body, { error: 'signature refused: missing signature' });
  assert.equal(wrong.body, { error: 'signature refused: signature mismatch' });
  assert.equal(old.body, { error: 'signature refused: timestamp outside the 300 s window' });
  assert.equal(odoo.calls.length, 1);
  // The signature must cover this very body: a valid header over another body is refused.
  const header = sign(SECRET, NOW, JSON.stringify({ messages: [] }));
  const swapped = await postMessages(url, body, { secret: false, headers: { 'x-plansync-signature': header } });
  assert.is(swapped.status, 401);
  const refusals = logs.filter((l) => l.includes('bad signature')).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.is(refusals.length, 4);
  assert.equal(
    Object.keys(refusals[1] ?? {})
      .filter((k) => ['endpoint', 'remote', 'reason', 'bytes'].includes(k))
      .sort(),
    ['bytes', 'endpoint', 'reason', 'remote'],
  );
  assert.is(refusals[1]?.remote, '127.0.0.1');
  assert.is(refusals[1]?.bytes, Buffer.byteLength(JSON.stringify(body)));
  const all = logs.join('\n');
  assert.not.match(all, 'secret-looking-r1');
  assert.not.match(all, header.split('v1=')[1] ?? 'unreachable');
  assert.not.match(all, SECRET);
});

test('a shorter replay window is honoured', async () => {
  const { post } = await world({ toleranceSeconds: 10 });
  assert.is((await post(confirmation('r1'), { timestamp: NOW - 11 })).status, 401);
  assert.is((await post(confirmation('r1'), { timestamp: NOW + 10 })).status, 200);
});

test('an unknown endpoint, an endpoint without a secret and a bad signature get the same 401: codes cannot be probed without a secret', async () => {
  const { odoo, url, post, logs, registry } = await world();
  const wrong = await post(confirmation('r1'), { secret: 'not-the-secret' });
  assert.is(wrong.status, 401);
  // Signed with the right secret of another endpoint, or with any secret: an unknown code answers as a wrong signature does.
  const unknown = await postMessages(url.replace('/WMS/', '/SHOP/'), confirmation('r1'), { secret: SECRET, timestamp: NOW });
  const unknownWrong = await postMessages(url.replace('/WMS/', '/SHOP/'), confirmation('r1'), { secret: 'not-the-secret', timestamp: NOW });
  const unset = await postMessages(url.replace('/WMS/', '/NOSECRET/'), confirmation('r1'), { secret: SECRET, timestamp: NOW });
  for (const answer of [unknown, unknownWrong, unset]) {
    assert.is(answer.status, wrong.status);
    assert.equal(answer.body, wrong.body);
  }
  assert.equal(wrong.body, { error: 'signature refused: signature mismatch' });
  // Unsigned: the same answer for a known and an unknown code.
  const unsignedKnown = await postMessages(url, confirmation('r1'), { secret: false, timestamp: NOW });
  const unsignedUnknown = await postMessages(url.replace('/WMS/', '/SHOP/'), confirmation('r1'), { secret: false, timestamp: NOW });
  assert.is(unsignedUnknown.status, unsignedKnown.status);
  assert.equal(unsignedUnknown.body, unsignedKnown.body);
  assert.is(odoo.calls.length, 0);
  assert.ok(
    logs.some((l) => l.includes('unknown endpoint') && l.includes('"remote":"127.0.0.1"')),
    'the operator still sees the unknown code in the log',
  );
  assert.ok(
    logs.some((l) => l.includes('no signing secret') && l.includes('NOSECRET')),
    'and the endpoint without a secret',
  );
  assert.is(await counter(registry, 'plansync_wms_requests_refused_total', { endpoint: '(unknown)', reason: 'unknown_endpoint' }), 3);
});

test('404 for another path, 405 for another method', async () => {
  const { odoo, url } = await world();
  assert.is((await postMessages(url.replace('/messages', '/other'), confirmation('r1'), { secret: SECRET, timestamp: NOW })).status, 404);
  const get = await postMessages(url, '', { secret: SECRET, timestamp: NOW, method: 'GET' });
  assert.is(get.status, 405);
  assert.is(get.headers.allow, 'POST');
  assert.is(odoo.calls.length, 0);
});

test('413 for a body over the limit, declared or streamed, before anything is verified or forwarded', async () => {
  const { odoo, post, logs } = await world({ maxBodyBytes: 1024 });
  const big = { messages: [{ ...confirmation('r1'), note: 'x'.repeat(2000) }] };
  const declared = await post(big);
  assert.is(declared.status, 413);
  assert.is(declared.headers.connection, 'close');
  const streamed = await post(big, { chunked: true });
  assert.is(streamed.status, 413);
  const fits = await post({ messages: [confirmation('r2')] });
  assert.is(fits.status, 200);
  assert.equal(odoo.sent, ['r2']);
  assert.ok(logs.some((l) => l.includes('body too large') && l.includes('"limit":1024')));
});

test('Odoo unreachable after retries: 503 with Retry-After, and the WMS retry goes through', async () => {
  const { odoo, post, registry } = await world({ retryAfterSeconds: 12 });
  odoo.faults.push(odooDown(), odooDown(), odooDown());
  const down = await post({ messages: [confirmation('r1')] });
  assert.is(down.status, 503);
  assert.is(down.headers['retry-after'], '12');
  assert.is(odoo.calls.length, 3);
  assert.equal(odoo.applied, []);
  const retry = await post({ messages: [confirmation('r1')] });
  assert.is(results(retry.body)[0]?.status, 'applied');
  assert.is(await counter(registry, 'plansync_wms_requests_refused_total', { endpoint: 'WMS', reason: 'unavailable' }), 1);
});

test('a concurrent duplicate that loses the race is retried and answered duplicate', async () => {
  const { odoo, post } = await world({ cacheSize: 0 });
  await post({ messages: [confirmation('r1')] });
  odoo.faults.push(odooBusy());
  const again = await post({ messages: [confirmation('r1')] });
  assert.is(again.status, 200);
  assert.is(results(again.body)[0]?.status, 'duplicate');
  assert.equal(odoo.applied, ['WMS/r1']);
});

test('Odoo refusing the call (access, configuration) is a 500 and nothing is cached', async () => {
  const { odoo, post } = await world();
  odoo.faults.push(odooDenied());
  const denied = await post({ messages: [confirmation('r1')] });
  assert.is(denied.status, 500);
  assert.is(odoo.calls.length, 1);
  const later = await post({ messages: [confirmation('r1')] });
  assert.is(results(later.body)[0]?.status, 'applied');
});

test('close stops accepting and lets a request in flight finish', async () => {
  const { odoo, server, post, url } = await world();
  let release = (): void => {};
  odoo.gate = new Promise<void>((resolve) => (release = resolve));
  const inFlight = post({ messages: [confirmation('r1')] });
  // Held in Odoo until released: the request is in flight for as long as the test needs.
  while (odoo.calls.length === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.is(server.pending, 1);
  const closed = server.close(5000);
  let closeDone = false;
  void closed.then(() => (closeDone = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.not.ok(closeDone, 'close waits for the request in flight');
  release();
  const answer = await inFlight;
  await closed;
  assert.is(answer.status, 200);
  assert.is(answer.headers.connection, 'close');
  assert.equal(odoo.applied, ['WMS/r1']);
  const port = Number(new URL(url).port);
  const refused = await new Promise<string>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
  assert.is(refused, 'ECONNREFUSED');
});

test('bad options fail at start-up quoting the key and the value', () => {
  const base = { odoo: new FakeWmsOdoo(), secretFor: () => SECRET, logger: createLogger('silent'), port: 0 };
  assert.throws(
    () => new WmsServer({ ...base, maxBodyBytes: 0 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('maxBodyBytes') && e.message.includes('got 0'),
  );
  assert.throws(
    () => new WmsServer({ ...base, port: 70000 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('port') && e.message.includes('70000'),
  );
  assert.throws(
    () => new WmsServer({ ...base, toleranceSeconds: 1.5 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('toleranceSeconds'),
  );
});

test.run();
