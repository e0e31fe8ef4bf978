/**
 * The fault suite's endpoint: a webhook receiver that behaves as docs/webhook.md tells a receiver to
 * (signature checked, deduplication on the event id, stale states dropped per aggregate), keeps a
 * ledger of every arrival, and can be told to fail on purpose.
 *
 * The ledger counts, per event id and per aggregate:
 * - arrivals: every event in every request that passed the signature check (raw, re-sends included);
 * - accepted: event ids applied for the first time;
 * - redelivered: arrivals of an id already applied (raw re-deliveries: the receiver drops them), split
 *   into `sameKey` (under an Idempotency-Key it arrived with before: the HTTP client retrying one
 *   request, or a later claim forming the same batch again) and `newKey` (in another batch);
 * - doubleEffects: arrivals of an id already applied whose content differs from what was applied. A
 *   receiver deduplicating on the id (as it must) would either apply a second, different state under
 *   one id or silently drop a change: the one way an at-least-once delivery can have a double effect
 *   at a correct receiver. Always 0 unless an event id is reused for other content;
 * - outOfOrder: arrivals whose sequence is lower than one already applied for the same aggregate
 *   (an older state after a newer one), re-sends included.
 *
 * An arrival is recorded when the request's body has been read, before any scripted delay: a hanging
 * endpoint here has applied the batch and is slow to answer (the worst case for the sender, which
 * cannot know).
 *
 * Fault modes, each applied to the next requests in arrival order:
 * - `failNext(n, status, headers)`: answer `status` (503, 429 with Retry-After, ...) without applying;
 * - `hangNext(n, ms)`: apply, then answer only after `ms` (past the agent's timeout);
 * - `refuse(predicate)`: a request holding an event for which `predicate` is true is answered 422
 *   (the content is refused for good); the agent splits the batch until the event stands alone.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { EnvelopeBase } from '../../shared-types/index.ts';
import { SIGNATURE_HEADER, verify } from '../../agent/targets/webhook/signature.ts';

export interface EndpointFigures {
  readonly requests: number;
  readonly arrivals: number;
  readonly accepted: number;
  readonly redelivered: number;
  readonly redeliveredSameKey: number;
  readonly redeliveredNewKey: number;
  readonly doubleEffects: number;
  readonly outOfOrder: number;
  readonly failuresServed: number;
  readonly hangsServed: number;
  readonly refusedRequests: number;
  readonly unauthorized: number;
}

interface Applied {
  readonly payload: unknown;
  readonly keys: Set<string>;
}

export class FaultEndpoint {
  private readonly secrets: Readonly<Record<string, string>>;
  private server: http.Server | undefined;
  private readonly applied = new Map<number, Applied>();
  private readonly lastSequence = new Map<string, number>();
  private scripted: Array<{ kind: 'fail'; status: number; headers: Record<string, string> } | { kind: 'hang'; ms: number }> = [];
  private refusing: ((event: EnvelopeBase) => boolean) | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  requests = 0;
  arrivals = 0;
  redeliveredSameKey = 0;
  redeliveredNewKey = 0;
  doubleEffects = 0;
  outOfOrder = 0;
  failuresServed = 0;
  hangsServed = 0;
  refusedRequests = 0;
  unauthorized = 0;
  /** The first double effects: what was applied and what came again under the same id. */
  readonly examples: unknown[] = [];
  /** Ids of the events seen in a request answered 422 (refused content). */
  readonly refusedIds = new Set<number>();
  url = '';

  /** Every accepted request is answered this long after it arrived (a slow endpoint); 0: at once. */
  latencyMs = 0;

  constructor(secrets: Readonly<Record<string, string>>) {
    this.secrets = secrets;
  }

  failNext(count: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++) this.scripted.push({ kind: 'fail', status, headers });
  }

  hangNext(count: number, ms: number): void {
    for (let i = 0; i < count; i++) this.scripted.push({ kind: 'hang', ms });
  }

  refuse(predicate: ((event: EnvelopeBase) => boolean) | undefined): void {
    this.refusing = predicate;
  }

  /** Scripted failures and hangs not yet served. */
  get scriptedLeft(): number {
    return this.scripted.length;
  }

  /** Event ids applied (each once). */
  acceptedIds(): ReadonlySet<number> {
    return new Set(this.applied.keys());
  }

  figures(): EndpointFigures {
    return {
      requests: this.requests,
      arrivals: this.arrivals,
      accepted: this.applied.size,
      redelivered: this.redeliveredSameKey + this.redeliveredNewKey,
      redeliveredSameKey: this.redeliveredSameKey,
      redeliveredNewKey: this.redeliveredNewKey,
      doubleEffects: this.doubleEffects,
      outOfOrder: this.outOfOrder,
      failuresServed: this.failuresServed,
      hangsServed: this.hangsServed,
      refusedRequests: this.refusedRequests,
      unauthorized: this.unauthorized,
    };
  }

  private record(events: readonly EnvelopeBase[], key: string): void {
    for (const event of events) {
      this.arrivals += 1;
      const aggregate = `${event.aggregate.model}|${event.aggregate.id}|${event.aggregate.key}`;
      const last = this.lastSequence.get(aggregate) ?? 0;
      if (event.sequence < last) this.outOfOrder += 1;
      const before = this.applied.get(event.id);
      if (before) {
        if (before.keys.has(key)) this.redeliveredSameKey += 1;
        else this.redeliveredNewKey += 1;
        before.keys.add(key);
        if (!isDeepStrictEqual(before.payload, event.payload)) {
          this.doubleEffects += 1;
          if (this.doubleEffects <= 3)
            this.examples.push({ id: event.id, sequence: event.sequence, applied: before.payload, now: event.payload });
        }
        continue;
      }
      if (event.sequence < last) continue; // a stale state is dropped, not applied
      this.applied.set(event.id, { payload: event.payload, keys: new Set([key]) });
      this.lastSequence.set(aggregate, event.sequence);
    }
  }

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests += 1;
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          if (res.destroyed) return;
          const text = JSON.stringify(body);
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
          res.end(text);
        };
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: { endpoint?: string; events?: EnvelopeBase[] };
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          return reply(400, { error: 'body is not JSON' });
        }
        const secret = this.secrets[parsed.endpoint ?? ''];
        const header = req.headers[SIGNATURE_HEADER];
        const check = secret
          ? verify(secret, Array.isArray(header) ? header[0] : header, body, Math.floor(Date.now() / 1000))
          : { ok: false as const, reason: 'unknown endpoint' };
        if (!check.ok) {
          this.unauthorized += 1;
          return reply(401, { error: check.reason });
        }
        const events = Array.isArray(parsed.events) ? parsed.events : [];
        const refusing = this.refusing;
        const refused = refusing ? events.filter((e) => refusing(e)) : [];
        if (refused.length > 0) {
          this.refusedRequests += 1;
          for (const e of refused) this.refusedIds.add(e.id);
          return reply(422, { error: `product ${refused[0]?.aggregate.key ?? ''} is refused for good` });
        }
        const scripted = this.scripted.shift();
        if (scripted?.kind === 'fail') {
          this.failuresServed += 1;
          return reply(scripted.status, { error: `scripted ${scripted.status}` }, scripted.headers);
        }
        this.record(events, String(req.headers['idempotency-key'] ?? ''));
        // a hang (scripted, answered after the timeout) or the endpoint's latency: applied now, answered later
        if (scripted?.kind === 'hang') this.hangsServed += 1;
        const delay = scripted?.kind === 'hang' ? scripted.ms : this.latencyMs;
        if (delay > 0) {
          const timer = setTimeout(() => {
            this.timers.delete(timer);
            reply(200, { accepted: events.length });
          }, delay);
          this.timers.add(timer);
          return;
        }
        reply(200, { accepted: events.length });
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
