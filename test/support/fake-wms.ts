/**
 * A fake WMS on loopback for tests and the demo: serves `GET /messages?after=&limit=` and
 * `GET /balances?warehouse=` from in-memory arrays, checks signatures, and keeps a ledger of the
 * requests. `postMessages` signs and posts a body to the agent's receiver, as a WMS would.
 *
 * It also takes Odoo's events as the WMS endpoint's target posts them (`POST /api`, signed over the
 * body) and keeps them in `events`.
 *
 * Cursors are positions (`m<n>`: after the n first messages, "" at the start); `next_cursor` is the
 * position after the page, null when the page is empty (`nullOnLastPage`: also on a last page that is not).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sign, verify } from '../../agent/targets/webhook/signature.ts';

export interface FakeWmsOptions {
  readonly secret: string;
  /** Clock in seconds, for the signature window. */
  readonly now?: () => number;
}

export interface WmsRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly signed: boolean;
}

export class FakeWms {
  /** Messages served by /messages, in order (anything: the tests put bad ones in too). */
  readonly messages: unknown[] = [];
  /** Answers of /balances by warehouse code. */
  readonly balances = new Map<string, unknown>();
  readonly requests: WmsRequest[] = [];
  /** Events posted by the agent's WMS target (`POST /api`), in arrival order. */
  readonly events: Array<{
    readonly type: string;
    readonly aggregate: { readonly key: string };
    readonly payload: Record<string, unknown>;
  }> = [];
  /** Statuses answered to the next requests instead of serving them, one per request. */
  readonly failures: number[] = [];
  /** Bodies answered (200) to the next signed requests instead of serving them, one per request. */
  readonly answers: unknown[] = [];
  nullOnLastPage = false;
  private readonly options: FakeWmsOptions;
  private readonly server: http.Server;
  private address = '';

  constructor(options: FakeWmsOptions) {
    this.options = options;
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => this.serve(req, res, Buffer.concat(chunks).toString('utf8')));
    });
  }

  /** Base URL once started. */
  get url(): string {
    return this.address;
  }

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.address = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api`;
    return this.address;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', 'http://wms');
    const query = Object.fromEntries(url.searchParams);
    const header = req.headers['x-plansync-signature'];
    const now = Math.floor(this.options.now?.() ?? Date.now() / 1000);
    const signed = verify(this.options.secret, Array.isArray(header) ? header[0] : header, req.method === 'POST' ? body : '', now).ok;
    this.requests.push({ method: req.method ?? '', path: url.pathname, query, signed });
    const reply = (status: number, value: unknown): void => {
      const text = JSON.stringify(value);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }).end(text);
    };
    const failure = this.failures.shift();
    if (failure) return reply(failure, { error: `injected ${failure}` });
    if (!signed) return reply(401, { error: 'bad signature' });
    if (req.method === 'POST' && url.pathname === '/api') {
      const parsed = JSON.parse(body) as { events?: FakeWms['events'] };
      this.events.push(...(parsed.events ?? []));
      return reply(200, { accepted: parsed.events?.length ?? 0 });
    }
    if (req.method !== 'GET') return reply(405, { error: 'GET only' });
    if (this.answers.length > 0) return reply(200, this.answers.shift());
    if (url.pathname === '/api/messages') {
      const after = query.after ?? '';
      const match = /^(?:m(\d+))?$/.exec(after);
      const limit = Number(query.limit ?? 100);
      if (!match || !Number.isInteger(limit) || limit < 1) return reply(400, { error: `bad cursor or limit: ${after} ${query.limit}` });
      const start = Number(match[1] ?? 0);
      const page = this.messages.slice(start, start + limit);
      const end = start + page.length;
      const last = end >= this.messages.length;
      const next = page.length === 0 || (this.nullOnLastPage && last) ? null : `m${end}`;
      return reply(200, { messages: page, next_cursor: next });
    }
    if (url.pathname === '/api/balances') {
      const found = this.balances.get(query.warehouse ?? '');
      return found === undefined ? reply(404, { error: `unknown warehouse ${query.warehouse}` }) : reply(200, found);
    }
    return reply(404, { error: 'not found' });
  }
}

export interface PostOptions {
  /** Sign with this secret; false: send no signature. */
  readonly secret: string | false;
  /** Signature timestamp (seconds). Default: now. */
  readonly timestamp?: number;
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Send the body in chunks without Content-Length. */
  readonly chunked?: boolean;
}

export interface PostAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: unknown;
}

/** Sign and send `body` (a value is sent as JSON, a string as it is) to the receiver's `url`. */
export const postMessages = (url: string, body: unknown, options: PostOptions): Promise<PostAnswer> => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.secret !== false)
    headers['x-plansync-signature'] = sign(options.secret, options.timestamp ?? Math.floor(Date.now() / 1000), text);
  if (!options.chunked) headers['content-length'] = String(Buffer.byteLength(text));
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown = raw;
        try {
          parsed = JSON.parse(raw) as unknown;
        } catch {
          // not JSON: keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.chunked) {
      const half = Math.floor(text.length / 2);
      req.write(text.slice(0, half));
      req.end(text.slice(half));
    } else {
      req.end(text);
    }
  });
};
