import http from 'node:http';
import type { AddressInfo } from 'node:net';
import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TargetError } from '../../agent/errors.ts';
import type { DeliveryOutcome } from '../../agent/targets/target.ts';
import { verify } from '../../agent/targets/webhook/signature.ts';
import { WebhookTarget, idempotencyKey, type WebhookOptions } from '../../agent/targets/webhook/webhook.ts';
import { validateEnvelope, type Envelope } from '../../shared-types/index.ts';
import { heldReply } from '../support/held-reply.ts';

const ORIGIN = 'https://hooks.example.test';
const PATH = '/plansync/wms';
const SECRET = 'whsec-wms-3c9f11aa';
const NOW = 1_790_000_000;

nock.disableNetConnect();
// uvu runs every suite in one process: keep loopback open for the suites that serve real HTTP on it.
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));

const targets: WebhookTarget[] = [];
test.after.each(() => {
  nock.cleanAll();
  for (const target of targets.splice(0)) target.close();
});

/** A valid `product.deleted` envelope (shared-types EnvelopeBase) for event `id`. */
const envelope = (id: number): Envelope => ({
  id,
  type: 'product.deleted',
  endpoint: 'WMS',
  aggregate: { model: 'product.product', id: 100 + id, key: `FURN-${String(id).padStart(4, '0')}` },
  company: { id: 1, name: 'My Company' },
  occurred_at: '2026-11-30T08:09:59Z',
  sequence: 1000 + id,
  schema: 1,
  coalesced: 1,
  attempt: 1,
  payload: { id: 100 + id, key: `FURN-${String(id).padStart(4, '0')}` },
});
const batch = (...ids: number[]): Envelope[] => ids.map(envelope);

const target = (options: Partial<WebhookOptions> = {}): WebhookTarget => {
  const created = new WebhookTarget({
    code: 'WMS',
    url: `${ORIGIN}${PATH}`,
    secret: SECRET,
    now: () => NOW,
    timeoutMs: 2000,
    retryLimit: 2,
    backoffLimitMs: 20,
    noiseMs: 0,
    ...options,
  });
  targets.push(created);
  return created;
};

/** A JSON reply with its Content-Length (nock issue 3001: keep-alive replies need one). */
const json = (status: number, value: unknown, headers: Record<string, string> = {}): [number, string, Record<string, string>] => {
  const text = JSON.stringify(value);
  return [status, text, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers }];
};

interface Seen {
  /** The raw body as received, byte for byte. */
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly ids: number[];
}

/** Every request the scope receives, with its raw body (nock's `request` event gives it unparsed). */
const capture = (scope: nock.Scope): Seen[] => {
  const seen: Seen[] = [];
  scope.on('request', (req: { headers: Record<string, string> }, _interceptor: unknown, body: string) => {
    const parsed = JSON.parse(body) as { events: Array<{ id: number }> };
    seen.push({ body, headers: { ...req.headers }, ids: parsed.events.map((e) => e.id) });
  });
  return seen;
};

const sorted = (ids: readonly number[]) => [...ids].sort((a, b) => a - b);

const onlyFailure = (outcome: DeliveryOutcome, ids: number[]): TargetError => {
  assert.equal(outcome.delivered, []);
  assert.equal(outcome.rejected, []);
  assert.is(outcome.failed.length, 1);
  const failure = outcome.failed[0];
  assert.equal(failure?.ids, ids);
  assert.instance(failure?.error, TargetError);
  return failure?.error as TargetError;
};

test('the test factory builds valid envelopes', () => {
  for (const event of batch(1, 2, 3)) assert.ok(validateEnvelope(event).ok);
});

// ---- idempotency key ----

test('idempotencyKey is the event id for one event and batch-<32 hex> for several, stable for the same ids', () => {
  assert.is(idempotencyKey(batch(42)), '42');
  const key = idempotencyKey(batch(1, 2, 3));
  assert.match(key, /^batch-[0-9a-f]{32}$/);
  assert.is(idempotencyKey(batch(1, 2, 3)), key);
  assert.is(idempotencyKey([{ id: 1 }, { id: 2 }, { id: 3 }]), key, 'only the ids count');
  assert.is.not(idempotencyKey(batch(1, 2, 4)), key);
  assert.is.not(idempotencyKey(batch(1, 2)), key);
});

// ---- the request ----

test('one event: POST with JSON {endpoint, events}, idempotency-key = the event id, x-plansync-events, a signature verify accepts over the raw body', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .reply(...json(200, { ok: true }));
  const seen = capture(scope);
  const events = batch(7);
  const outcome = await target().deliver(events);
  assert.ok(scope.isDone());
  assert.equal(outcome, { delivered: [7], rejected: [], failed: [] });

  assert.is(seen.length, 1);
  const [request] = seen as [Seen];
  assert.is(request.body, JSON.stringify({ endpoint: 'WMS', events }));
  assert.equal(JSON.parse(request.body), { endpoint: 'WMS', events });
  assert.is(request.headers['content-type'], 'application/json');
  assert.is(request.headers['idempotency-key'], '7');
  assert.is(request.headers['x-plansync-events'], '1');
  assert.is(request.headers['user-agent'], 'plansync-agent');
  const signature = request.headers['x-plansync-signature'];
  assert.equal(verify(SECRET, signature, request.body, NOW), { ok: true, timestamp: NOW });
  assert.not.ok(verify('another-secret', signature, request.body, NOW).ok);
});

test('several events: idempotency-key batch-<hex> stable across deliveries of the same ids, x-plansync-events counts them, 2xx delivers all', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .times(2)
    .reply(...json(202, {}));
  const seen = capture(scope);
  const webhook = target();
  const first = await webhook.deliver(batch(1, 2, 3));
  const second = await webhook.deliver(batch(1, 2, 3));
  assert.ok(scope.isDone());
  assert.equal(first, { delivered: [1, 2, 3], rejected: [], failed: [] });
  assert.equal(second, first);
  assert.is(seen.length, 2);
  for (const request of seen) {
    assert.match(request.headers['idempotency-key'] ?? '', /^batch-[0-9a-f]{32}$/);
    assert.is(request.headers['idempotency-key'], idempotencyKey(batch(1, 2, 3)));
    assert.is(request.headers['x-plansync-events'], '3');
    assert.equal(request.ids, [1, 2, 3]);
    assert.ok(verify(SECRET, request.headers['x-plansync-signature'], request.body, NOW).ok);
  }
});

// ---- answers ----

test('2xx with {"rejected": [...]} rejects exactly those events of the batch (unknown ids ignored, missing reason defaulted)', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .reply(
      ...json(200, {
        rejected: [
          { id: 2, reason: 'sku FURN-0002 unknown in the WMS' },
          { id: 99, reason: 'not in this batch' },
          { id: 3 },
          { id: '4', reason: 'id is not a number' },
        ],
      }),
    );
  const outcome = await target().deliver(batch(1, 2, 3, 4));
  assert.ok(scope.isDone());
  assert.equal(outcome, {
    delivered: [1, 4],
    rejected: [
      { id: 2, reason: 'sku FURN-0002 unknown in the WMS' },
      { id: 3, reason: 'rejected by the endpoint' },
    ],
    failed: [],
  });
});

test('2xx whose body is not JSON still delivers the batch', async () => {
  const scope = nock(ORIGIN).post(PATH).reply(200, 'OK', { 'content-type': 'text/plain', 'content-length': '2' });
  assert.equal(await target().deliver(batch(1, 2)), { delivered: [1, 2], rejected: [], failed: [] });
  assert.ok(scope.isDone());
});

test('a 422 on a batch is bisected until the refused event stands alone: 3 rejected with HTTP 422 and the reason, 1, 2, 4 delivered, 5 requests', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .times(5)
    .reply((_uri, body) => {
      const ids = (body as { events: Array<{ id: number }> }).events.map((e) => e.id);
      return ids.includes(3) ? json(422, { error: 'event 3: unit of measure missing' }) : json(200, {});
    });
  const seen = capture(scope);
  const outcome = await target().deliver(batch(1, 2, 3, 4));
  assert.ok(scope.isDone());
  assert.equal(sorted(outcome.delivered), [1, 2, 4]);
  assert.equal(outcome.failed, []);
  assert.is(outcome.rejected.length, 1);
  assert.is(outcome.rejected[0]?.id, 3);
  assert.match(outcome.rejected[0]?.reason ?? '', 'HTTP 422');
  assert.match(outcome.rejected[0]?.reason ?? '', 'event 3: unit of measure missing');
  // [1,2,3,4] → 422; halves [1,2] → 200 and [3,4] → 422; halves [3] → 422 (parked) and [4] → 200
  assert.equal(
    seen.map((r) => r.ids),
    [[1, 2, 3, 4], [1, 2], [3, 4], [3], [4]],
  );
  for (const request of seen) assert.is(request.headers['idempotency-key'], idempotencyKey(request.ids.map((id) => ({ id }))));
});

test('503 then 200: delivered after a retry of the same request (same body and idempotency key)', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .reply(...json(503, { error: 'maintenance' }))
    .post(PATH)
    .reply(...json(200, {}));
  const seen = capture(scope);
  const outcome = await target({ retryLimit: 2, backoffLimitMs: 20, noiseMs: 0 }).deliver(batch(1, 2));
  assert.ok(scope.isDone());
  assert.equal(outcome, { delivered: [1, 2], rejected: [], failed: [] });
  assert.is(seen.length, 2);
  assert.is(seen[1]?.body, seen[0]?.body);
  assert.is(seen[1]?.headers['idempotency-key'], seen[0]?.headers['idempotency-key']);
});

test('503 every time: retried up to retryLimit, then a transient failure of the whole batch with status 503', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .times(3)
    .reply(...json(503, { error: 'maintenance' }));
  const seen = capture(scope);
  const error = onlyFailure(await target({ retryLimit: 2 }).deliver(batch(1, 2)), [1, 2]);
  assert.ok(scope.isDone());
  assert.is(seen.length, 3);
  assert.is(error.kind, 'transient');
  assert.is(error.code, 'ERR_TARGET_UNAVAILABLE');
  assert.is(error.status, 503);
  assert.is(error.retryAfter, undefined);
  assert.match(error.message, 'HTTP 503');
});

test('503 with Retry-After: 7 (longer than maxRetryAfterMs) is not waited for: a transient failure with retryAfter 7', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .reply(...json(503, { error: 'maintenance' }, { 'retry-after': '7' }));
  const delays: { attempt: number; delayMs: number; retryAfterMs: number | undefined }[] = [];
  const error = onlyFailure(
    await target({ retryLimit: 2, maxRetryAfterMs: 1000, onRetryDelay: (event) => delays.push(event) }).deliver(batch(1, 2)),
    [1, 2],
  );
  assert.ok(scope.isDone(), 'one request, not retried');
  assert.equal(
    delays,
    [{ attempt: 1, delayMs: 0, retryAfterMs: 7000 }],
    'the 7 s Retry-After was seen and not waited for (delay 0 = no retry)',
  );
  assert.is(error.kind, 'transient');
  assert.is(error.status, 503);
  assert.is(error.retryAfter, 7);
});

for (const status of [401, 404]) {
  test(`${status}: a config failure of the whole batch, not retried, not bisected, never parked`, async () => {
    const scope = nock(ORIGIN)
      .post(PATH)
      .reply(...json(status, { error: 'no such hook or bad signature' }));
    const seen = capture(scope);
    const error = onlyFailure(await target().deliver(batch(1, 2, 3)), [1, 2, 3]);
    assert.ok(scope.isDone());
    assert.is(seen.length, 1);
    assert.is(error.kind, 'config');
    assert.is(error.status, status);
    assert.match(error.message, `HTTP ${status}`);
  });
}

test('a network error (ECONNREFUSED), retried, ends as a transient ERR_NETWORK failure', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .times(2)
    // an Error, not a plain object: nock 14 never emits a plain-object error (nock issue 2789), the request would hang
    .replyWithError(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' }));
  const error = onlyFailure(await target({ retryLimit: 1 }).deliver(batch(1, 2)), [1, 2]);
  assert.ok(scope.isDone(), 'the network error was retried');
  assert.is(error.kind, 'transient');
  assert.is(error.code, 'ERR_NETWORK');
  assert.match(error.message, 'ECONNREFUSED');
});

test('a reply slower than timeoutMs is a transient ERR_TIMEOUT failure, reported without waiting for the reply', async () => {
  // The endpoint holds its reply back until the test ends: the failure can only come from the timeout.
  const held = heldReply(json(200, {}));
  const scope = nock(ORIGIN).post(PATH).reply(held.reply);
  const error = onlyFailure(await target({ timeoutMs: 50, retryLimit: 0 }).deliver(batch(1)), [1]);
  held.release();
  assert.ok(held.seen(), 'the endpoint got the request and had not replied');
  assert.ok(scope.isDone());
  assert.is(error.kind, 'transient');
  assert.is(error.code, 'ERR_TIMEOUT');
});

test('an aborted delivery ends at once, as a transient failure, and is not retried (the worker aborts at 90% of the lease)', async () => {
  // A loopback endpoint that never answers; the abort comes once the request has arrived.
  const requests: http.IncomingMessage[] = [];
  const server = http.createServer((req) => requests.push(req));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const controller = new AbortController();
    const delivery = target({ url: `http://127.0.0.1:${port}/hook`, timeoutMs: 600_000, retryLimit: 3 }).deliver(
      batch(1, 2),
      controller.signal,
    );
    while (requests.length === 0) await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    const error = onlyFailure(await delivery, [1, 2]);
    assert.is(error.kind, 'transient');
    assert.is(requests.length, 1, 'no retry after the abort');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('deliver([]) sends nothing and reports nothing', async () => {
  const scope = nock(ORIGIN)
    .post(PATH)
    .reply(...json(200, {}));
  assert.equal(await target().deliver([]), { delivered: [], rejected: [], failed: [] });
  assert.not.ok(scope.isDone());
  assert.is(scope.pendingMocks().length, 1);
});

test.run();
