/**
 * Fuzz: the WMS receiver (agent/wms/server.ts) on loopback, fed hostile requests: bodies (any JSON,
 * any text, any bytes), signature headers, sizes, encodings, paths and endpoint codes, methods.
 * Each refusal has the status of its kind and a reason naming the field (`messages[3].message_id`,
 * `body`, `signature`), nothing reaches Odoo for a refused request, and a signed valid request is
 * still answered 200 afterwards (after every 5th input and at the end). Runs and seeds: test/support/fuzz.ts.
 */
import http from 'node:http';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { retryPolicy } from '../../agent/retry.ts';
import { sign } from '../../agent/targets/webhook/signature.ts';
import { createLogger } from '../../agent/telemetry/log.ts';
import { WmsServer } from '../../agent/wms/server.ts';
import { fuzz, hostileString, junk, printEdge } from '../support/fuzz.ts';
import { FakeWmsOdoo, balance, confirmation } from '../support/wms-odoo.ts';

const EDGE = 'wms';
const SECRET = 'wms-fuzz-secret-9d1e';
const NOW = 1_790_000_000;
const MAX_BODY = 4096;

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

/** One request with exactly these bytes and headers (no client-side checks). */
const request = (
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: Buffer; chunked?: boolean },
): Promise<Answer> =>
  new Promise((resolve, reject) => {
    const body = options.body ?? Buffer.alloc(0);
    const headers: Record<string, string> = { ...options.headers };
    if (!options.chunked && !('content-length' in headers)) headers['content-length'] = String(body.length);
    const req = http.request({ host: '127.0.0.1', port, path, method: options.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text) as unknown;
        } catch {
          // keep the text
        }
        resolve({ status: res.statusCode ?? 0, body: parsed, text });
      });
      res.on('error', reject);
    });
    // the server may answer (413) and close before the whole body is sent
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'EPIPE' || error.code === 'ECONNRESET' ? resolve({ status: -1, body: undefined, text: '' }) : reject(error),
    );
    if (options.chunked) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else req.end(body);
  });

/** Percent-encoding of any string, lone surrogates included (as their UTF-8 replacement). */
const encode = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0').toUpperCase()}`).join('');

const signed = (body: Buffer | string, timestamp = NOW, secret = SECRET): Record<string, string> => ({
  'content-type': 'application/json',
  'x-plansync-signature': sign(secret, timestamp, typeof body === 'string' ? body : body.toString('utf8')),
});

const test = suite('fuzz: WMS receiver');
const odoo = new FakeWmsOdoo();
const logs: string[] = [];
const server = new WmsServer({
  odoo,
  secretFor: (code) => (code === 'WMS' ? SECRET : code === 'NOSECRET' ? '' : undefined),
  logger: createLogger('info', { write: (line: string) => void logs.push(line) }),
  port: 0,
  maxBodyBytes: MAX_BODY,
  retry: retryPolicy({ limit: 0, backoffBaseMs: 1, backoffLimitMs: 1 }),
  now: () => NOW,
});
const { port } = await server.listen();
const PATH = '/wms/WMS/messages';
let healthy = 0;

let inputs = 0;
/** The receiver still works: a signed valid message is forwarded and answered 200 (checked after every 5th input and at the end). */
const assertHealthy = async (force = false): Promise<void> => {
  if (!force && ++inputs % 5 !== 0) return;
  const text = JSON.stringify(confirmation(`health-${++healthy}`));
  const answer = await request(port, PATH, { headers: signed(text), body: Buffer.from(text) });
  assert.is(answer.status, 200, `health request answered ${answer.status} ${answer.text}`);
};

const callsBefore = (): number => odoo.calls.length;

/** `field: ...` where field is body, messages, messages[i], messages[i].message_id or message_id. */
const FIELD_REASON = /^(body|messages|messages\[\d+\]|messages\[\d+\]\.message_id|message_id): /;

test.after(async () => {
  await server.close(100);
  printEdge(EDGE);
});

test('any signed JSON body: 200 with one result per message, or 400 naming the field; nothing forwarded on 400', async () => {
  const message = fc.oneof(
    junk(),
    fc.record(
      {
        message_id: fc.oneof(hostileString(), junk()),
        type: fc.oneof(fc.constantFrom('balance', 'receipt_confirmed', 'shipment_confirmed'), hostileString()),
        lines: junk(),
      },
      { requiredKeys: [] },
    ),
  );
  const body = fc.oneof(
    junk(),
    message,
    fc.record({ messages: fc.oneof(fc.array(message, { maxLength: 8 }), junk()) }),
    fc.array(message, { maxLength: 4 }),
  );
  await fuzz(
    EDGE,
    'any signed JSON body',
    body,
    async (value) => {
      const text = JSON.stringify(value) ?? 'null';
      const before = callsBefore();
      const answer = await request(port, PATH, { headers: signed(text), body: Buffer.from(text) });
      if (Buffer.byteLength(text) > MAX_BODY) {
        assert.ok(answer.status === 413 || answer.status === -1, `status ${answer.status} for ${Buffer.byteLength(text)} bytes`);
        assert.is(callsBefore(), before);
      } else if (answer.status === 200) {
        const results = (answer.body as { results: Array<{ message_id: string }> }).results;
        const list = (value as { messages?: unknown[] }).messages ?? [value];
        assert.is(results.length, list.length);
        assert.ok(results.every((r, i) => r.message_id === (list[i] as { message_id: string }).message_id));
      } else {
        assert.is(answer.status, 400, `status ${answer.status}: ${answer.text}`);
        const error = (answer.body as { error: string }).error;
        assert.match(error, FIELD_REASON);
        assert.ok(error.length < 400, `the reason quotes the value shortened: ${error.length} characters`);
        assert.is(callsBefore(), before, 'a refused request reached Odoo');
      }
      await assertHealthy();
    },
    { runs: 400 },
  );
});

test('any signed text or bytes: 400 "body: not JSON" (or 200 when it is JSON), nothing forwarded on refusal', async () => {
  const bytes = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }).map((s) => Buffer.from(s)),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    fc
      .constantFrom(
        '\ufeff{"message_id":"a"}',
        '{"messages": [',
        'NaN',
        '{"message_id": "x", "q": 1e400}',
        '{"message_id": "x"}{"message_id": "y"}',
        '\u0000',
      )
      .map((s) => Buffer.from(s)),
  );
  await fuzz(
    EDGE,
    'any signed text or bytes',
    bytes,
    async (body) => {
      const before = callsBefore();
      const answer = await request(port, PATH, { headers: signed(body), body });
      assert.ok([200, 400, 401].includes(answer.status), `status ${answer.status}: ${answer.text}`);
      if (answer.status === 400) assert.match((answer.body as { error: string }).error, FIELD_REASON);
      // 401: the body is not UTF-8, so the signature over its decoded text differs (a property below)
      if (answer.status !== 200) assert.is(callsBefore(), before);
      await assertHealthy();
    },
    { runs: 250 },
  );
});

test('hostile signature headers and clocks: 401 "signature refused: <why>", nothing forwarded', async () => {
  const text = JSON.stringify(confirmation('sig-1'));
  const header = fc.oneof(
    hostileString(),
    fc
      .record({
        t: fc.oneof(fc.integer(), hostileString()),
        v1: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), hostileString()),
      })
      .map(({ t, v1 }) => `t=${String(t)},v1=${v1}`),
    fc
      .integer({ min: -10_000_000, max: 10_000_000 })
      .filter((d) => Math.abs(d) > 300)
      .map((d) => sign(SECRET, NOW + d, text)),
    hostileString().map((secret) => sign(secret === SECRET ? `${secret}x` : secret, NOW, text)),
    hostileString().map((other) => sign(SECRET, NOW, `${text}${other || ' '}`)),
  );
  await fuzz(
    EDGE,
    'hostile signature headers',
    header,
    async (value) => {
      const before = callsBefore();
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      // a header value Node cannot send (control characters) is a request no WMS can make
      const sendable = /^[\t\x20-\x7e\x80-\xff]*$/.test(value) && value !== '';
      if (sendable) headers['x-plansync-signature'] = value;
      const answer = await request(port, PATH, { headers, body: Buffer.from(text) });
      if (sendable && value.length > 16_000) {
        // Node refuses headers over 16 KiB: a 431, or (Node 24, whose server answers and closes while the
        // client is still writing) a connection reset before the answer is read
        assert.ok([431, -1].includes(answer.status), `Node refuses headers over 16 KiB: status ${answer.status}`);
        return;
      }
      assert.is(answer.status, 401, `status ${answer.status}: ${answer.text}`);
      assert.match(
        (answer.body as { error: string }).error,
        /^signature refused: (missing signature|malformed signature|timestamp outside the 300 s window|signature mismatch)$/,
      );
      assert.is(callsBefore(), before);
      await assertHealthy();
    },
    { runs: 300 },
  );
});

test('sizes: a body over the limit is 413 whether declared or chunked, and nothing is forwarded', async () => {
  await fuzz(
    EDGE,
    'oversized bodies',
    fc.record({ extra: fc.integer({ min: 1, max: 3 * MAX_BODY }), chunked: fc.boolean() }),
    async ({ extra, chunked }) => {
      const text = JSON.stringify({ messages: [{ ...confirmation('big'), pad: 'p'.repeat(MAX_BODY + extra) }] });
      const before = callsBefore();
      const answer = await request(port, PATH, { headers: signed(text), body: Buffer.from(text), chunked });
      // -1: the receiver answered 413 and closed while the client was still sending
      assert.ok(answer.status === 413 || answer.status === -1, `status ${answer.status}: ${answer.text}`);
      if (answer.status === 413) assert.match((answer.body as { error: string }).error, /^body over 4096 bytes/);
      assert.is(callsBefore(), before);
      await assertHealthy();
    },
    { runs: 60 },
  );
});

test('paths, endpoint codes and methods: 404/405 or 401, never a call to Odoo, never the code echoed at length', async () => {
  const segment = fc.oneof(
    hostileString().map(encode),
    fc.constantFrom('%', '%zz', '%E0%A4%A', '..', '%2F', 'WMS%00', 'wms', 'WMS%20', 'NOSECRET'),
    fc.string({ maxLength: 30 }).map(encode),
  );
  const path = fc.oneof(
    segment.map((s) => `/wms/${s}/messages`),
    segment.map((s) => `/${s}`),
    fc.constantFrom('/', '/wms', '/wms//messages', '/wms/WMS', '/wms/WMS/messages/x', '/WMS/messages', '/wms/WMS/messages?x=1'),
  );
  await fuzz(
    EDGE,
    'paths, endpoint codes and methods',
    fc.record({ path, method: fc.constantFrom('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'), sign: fc.boolean() }),
    async ({ path: p, method, sign: withSignature }) => {
      const text = JSON.stringify(balance('path-1'));
      const before = callsBefore();
      const headers = withSignature ? signed(text) : { 'content-type': 'application/json' };
      const answer = await request(port, p, { method, headers, body: Buffer.from(text) });
      const wmsPath = p === PATH || p === `${PATH}?x=1`;
      if (wmsPath && method === 'POST') assert.is(answer.status, withSignature ? 200 : 401);
      else {
        // 431: Node's own limit on the request line and headers (16 KiB); -1: the same refusal on Node 24,
        // whose server answers and closes while the client is still writing (a reset before the answer)
        const refusedAsTooLong = p.length > 15_000 ? [431, -1] : [];
        assert.ok(
          [401, 404, 405, 500, ...refusedAsTooLong].includes(answer.status),
          `status ${answer.status} for ${method} ${p.slice(0, 200)}: ${answer.text}`,
        );
        // 500 only for the endpoint whose secret is not configured
        if (answer.status === 500) assert.match(p, /^\/wms\/NOSECRET\/messages/);
        assert.is(callsBefore(), before, `${method} ${p} reached Odoo`);
      }
      assert.ok(answer.text.length < 300, `answer of ${answer.text.length} characters`);
      await assertHealthy();
    },
    { runs: 300 },
  );
});

test('an unsigned request cannot tell a known endpoint from an unknown one', async () => {
  await fuzz(
    EDGE,
    'an unsigned request cannot tell a known endpoint from an unknown one',
    // "." and ".." are not codes but dot segments: /wms/./messages is the path /wms/messages (RFC 3986)
    fc.string({ minLength: 1, maxLength: 20 }).filter((code) => !['WMS', 'NOSECRET', '.', '..'].includes(code)),
    async (code) => {
      const text = JSON.stringify(balance('probe'));
      const unknown = await request(port, `/wms/${encode(code)}/messages`, {
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(text),
      });
      const knownAnswer = await request(port, PATH, { headers: { 'content-type': 'application/json' }, body: Buffer.from(text) });
      assert.is(
        unknown.status,
        knownAnswer.status,
        `unknown endpoint ${JSON.stringify(code)} answered ${unknown.status}, a known one ${knownAnswer.status}`,
      );
    },
    { runs: 50 },
  );
});

test('a correctly signed body that is not UTF-8 is refused as such, not as a signature mismatch', async () => {
  await fuzz(
    EDGE,
    'a correctly signed body that is not UTF-8 is refused as such, not as a signature mismatch',
    fc
      .string({ minLength: 1, maxLength: 20 })
      .map((s) => Buffer.concat([Buffer.from(`{"message_id": "${s.replace(/["\\]/g, '')}`), Buffer.from([0xe9, 0xff]), Buffer.from('"}')])),
    async (body) => {
      const header = `t=${NOW},v1=${(await import('node:crypto'))
        .createHmac('sha256', SECRET)
        .update(Buffer.concat([Buffer.from(`${NOW}.`), body]))
        .digest('hex')}`;
      const answer = await request(port, PATH, { headers: { 'content-type': 'application/json', 'x-plansync-signature': header }, body });
      assert.is(answer.status, 400, `status ${answer.status}: ${answer.text}`);
      assert.match((answer.body as { error: string }).error, /^body: /);
    },
    { runs: 30 },
  );
});

test('after every input: nothing in flight, Odoo received only what was accepted, logs hold no signature', async () => {
  await assertHealthy(true);
  assert.is(server.pending, 0);
  const forwarded = odoo.calls.flatMap((c) => c.messages.map((m) => m.message_id));
  assert.ok(forwarded.every((id) => typeof id === 'string' && id.trim() !== '' && id.length <= 128));
  assert.not.ok(
    logs.some((l) => /v1=[0-9a-f]{64}/.test(l)),
    'a signature reached the log',
  );
});

test.run();
