/**
 * A loopback HTTP endpoint that receives webhook deliveries and keeps a ledger of them: what
 * arrived, what arrived twice (same event id), what arrived out of order (a lower sequence after a
 * higher one for the same aggregate), what was refused. The demo prints from it; end-to-end tests
 * and benchmarks assert on it.
 *
 * Behaviour can be scripted: refuse some events (per-event `rejected` in a 2xx answer, as a real
 * endpoint does for content it cannot take), answer a status to the next N requests (503 with
 * Retry-After, 500, 401…).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnvelopeBase } from '../../shared-types/index.ts';
import { SIGNATURE_HEADER, verify } from '../targets/webhook/signature.ts';

export interface Received {
  readonly event: EnvelopeBase;
  /** When the sink received it (ms since epoch). */
  readonly at: number;
  readonly idempotencyKey: string;
}

export interface SinkOptions {
  /** Secret per endpoint code; a request with a bad signature is answered 401. */
  readonly secrets: Readonly<Record<string, string>>;
  /** Refuse an event for good (return the reason) or take it (return undefined). */
  readonly refuse?: (event: EnvelopeBase) => string | undefined;
  /** Called for every accepted batch (the demo prints it). */
  readonly onBatch?: (endpoint: string, events: readonly EnvelopeBase[]) => void;
  /** Called for every batch of channel items (the demo prints it). */
  readonly onInventory?: (endpoint: string, mode: string, items: ReadonlyArray<InventoryReceived['item']>) => void;
  readonly port?: number;
  readonly clock?: () => number;
}

/** One channel item received (channel targets send `{"endpoint", "mode", "inventory": [...]}`). */
export interface InventoryReceived {
  readonly endpoint: string;
  readonly mode: string;
  readonly item: {
    readonly event_id: number | false;
    readonly sku: string;
    readonly odoo_sku: string;
    readonly warehouse: string;
    readonly quantity: number;
    readonly unit: string;
    readonly definition: { readonly id: number | false; readonly version: number };
    readonly computed_at: string;
  };
  readonly at: number;
}

export class Sink {
  readonly received: Received[] = [];
  /** Channel items, in arrival order. */
  readonly inventory: InventoryReceived[] = [];
  readonly refused: Array<{ event: EnvelopeBase; reason: string }> = [];
  /** Requests answered with a scripted failure status. */
  failuresServed = 0;
  /** Requests refused for a bad signature. */
  unauthorized = 0;
  requests = 0;
  private readonly seen = new Set<string>();
  private readonly lastSequence = new Map<string, number>();
  duplicates = 0;
  outOfOrder = 0;
  private scripted: Array<{ status: number; headers: Record<string, string> }> = [];
  private server: http.Server | undefined;
  private readonly options: SinkOptions;
  url = '';

  constructor(options: SinkOptions) {
    this.options = options;
  }

  /** Answer the next `count` requests with `status` (and headers, e.g. Retry-After). */
  failNext(count: number, status: number, headers: Record<string, string> = {}): void {
    for (let i = 0; i < count; i++) this.scripted.push({ status, headers });
  }

  /** Latest state received per aggregate key (what the endpoint now believes). */
  latest(): Map<string, EnvelopeBase> {
    const latest = new Map<string, EnvelopeBase>();
    for (const { event } of this.received) {
      const key = `${event.endpoint}|${event.type.split('.')[0]}|${event.aggregate.key}`;
      const current = latest.get(key);
      if (!current || current.sequence < event.sequence) latest.set(key, event);
    }
    return latest;
  }

  async start(): Promise<string> {
    const clock = this.options.clock ?? Date.now;
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.requests += 1;
        const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
          const text = JSON.stringify(body);
          res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
          res.end(text);
        };
        const scripted = this.scripted.shift();
        if (scripted) {
          this.failuresServed += 1;
          return reply(scripted.status, { error: `scripted ${scripted.status}` }, scripted.headers);
        }
        const body = Buffer.concat(chunks).toString('utf8');
        let parsed: { endpoint?: string; events?: EnvelopeBase[]; mode?: string; inventory?: Array<InventoryReceived['item']> };
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          return reply(400, { error: 'body is not JSON' });
        }
        const endpoint = parsed.endpoint ?? '';
        const secret = this.options.secrets[endpoint];
        const header = req.headers[SIGNATURE_HEADER];
        const check = secret
          ? verify(secret, Array.isArray(header) ? header[0] : header, body, Math.floor(clock() / 1000))
          : { ok: false as const, reason: `no secret for endpoint ${endpoint}` };
        if (!check.ok) {
          this.unauthorized += 1;
          return reply(401, { error: check.reason });
        }
        if (Array.isArray(parsed.inventory)) {
          const at = clock();
          for (const item of parsed.inventory) this.inventory.push({ endpoint, mode: parsed.mode ?? '', item, at });
          this.options.onInventory?.(endpoint, parsed.mode ?? '', parsed.inventory);
          return reply(200, { accepted: parsed.inventory.length });
        }
        const events = Array.isArray(parsed.events) ? parsed.events : [];
        const rejected: Array<{ id: number; reason: string }> = [];
        const accepted: EnvelopeBase[] = [];
        const at = clock();
        for (const event of events) {
          const reason = this.options.refuse?.(event);
          if (reason) {
            rejected.push({ id: event.id, reason });
            this.refused.push({ event, reason });
            continue;
          }
          const idKey = `${event.endpoint}|${event.id}`;
          if (this.seen.has(idKey)) {
            this.duplicates += 1; // a receiver dedups on the id: counted, not applied again
            continue;
          }
          this.seen.add(idKey);
          const aggregate = `${event.endpoint}|${event.aggregate.model}|${event.aggregate.id}|${event.aggregate.key}`;
          const last = this.lastSequence.get(aggregate) ?? 0;
          if (event.sequence < last) {
            this.outOfOrder += 1; // a receiver drops an older state after a newer one
            continue;
          }
          this.lastSequence.set(aggregate, event.sequence);
          this.received.push({ event, at, idempotencyKey: String(req.headers['idempotency-key'] ?? '') });
          accepted.push(event);
        }
        if (accepted.length > 0) this.options.onBatch?.(endpoint, accepted);
        return reply(200, { accepted: accepted.length, rejected });
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(this.options.port ?? 0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/events`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
