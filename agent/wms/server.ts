/**
 * The WMS receiver: `POST /wms/<endpoint code>/messages` with `{"messages": [...]}` or one message
 * object, signed as webhooks are (`X-PlanSync-Signature` over the raw body), answered
 * `200 {"results": [...]}` with Odoo's result for each message, in order.
 *
 * | what                                                   | answer                  |
 * |--------------------------------------------------------|-------------------------|
 * | another path or method                                  | 404 / 405               |
 * | a body over `maxBodyBytes`                              | 413                     |
 * | signature missing, malformed, wrong or out of window;   | 401, the same answer    |
 * | an endpoint code `secretFor` does not know or without a | for all (codes cannot   |
 * | secret (verified against a random secret nobody holds)  | be probed)              |
 * | not JSON; not a list of objects; a message without a    | 400 naming the field    |
 * | usable `message_id` (nothing of the request is sent)    | and the value           |
 * | Odoo unreachable or busy after retries; closing         | 503 with `Retry-After`  |
 * | Odoo refused the call (configuration, access, protocol) | 500                     |
 *
 * A message with a `message_id` but other bad fields is forwarded: Odoo parks it as an exception.
 * Idempotent on (endpoint, message_id): Odoo answers a repeat `duplicate`; a cache of the answers of
 * the last minutes answers repeats without calling Odoo.
 *
 * node:http and no framework: one route, a raw body to verify before parsing, and a size limit are
 * all it needs. Plain HTTP: put a TLS proxy in front when the WMS is not on the same network.
 * Logs never hold a body or the signature header.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, describeError, kindOf, type PlanSyncError } from '../errors.ts';
import type { RetryPolicy } from '../retry.ts';
import { SIGNATURE_HEADER, verify } from '../targets/webhook/signature.ts';
import type { Logger } from '../telemetry/log.ts';
import { exceptionsOf, forward, tally } from './forward.ts';
import type { WmsMetrics } from './metrics.ts';
import { RecentAnswers } from './recent.ts';
import { checkMessage, readMessages, type ReceivedMessage, type WmsOdoo, type WmsResult } from './types.ts';

export interface WmsServerOptions {
  readonly odoo: WmsOdoo;
  /** The signing secret of a WMS endpoint code; undefined when no such WMS endpoint exists (answered 401, as a bad signature). */
  readonly secretFor: (code: string) => string | undefined;
  readonly logger: Logger;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Replay window of signatures in seconds. Default 300. */
  readonly toleranceSeconds?: number;
  /** Largest body in bytes. Default 5 MiB. */
  readonly maxBodyBytes?: number;
  /** Answers kept to answer repeats without Odoo; 0 disables. Default 10000. */
  readonly cacheSize?: number;
  /** How long an answer is kept, in ms. Default 600000 (10 minutes). */
  readonly cacheTtlMs?: number;
  /** Retries of one `receive` call. Default: 3 from 200 ms, capped at 2 s. */
  readonly retry?: RetryPolicy;
  /** `Retry-After` of a 503 when Odoo did not ask for one, in seconds. Default 30. */
  readonly retryAfterSeconds?: number;
  /** Time to receive a whole request, in ms. Default 60000. */
  readonly requestTimeoutMs?: number;
  readonly metrics?: WmsMetrics;
  /** Clock in seconds (signature window). */
  readonly now?: () => number;
}

export const DEFAULT_MAX_BODY = 5 * 1024 * 1024;
/** Strict: a body that is not UTF-8 is refused as such (never decoded with U+FFFD into other text). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ROUTE = /^\/wms\/([^/]+)\/messages\/?$/;

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Every option checked once: a bad value throws ConfigError quoting the key and the value. */
const checkOptions = (options: WmsServerOptions): void => {
  const integer = (key: keyof WmsServerOptions, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const value = options[key];
    if (value === undefined && key !== 'port') return;
    if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
      throw new ConfigError(`wms receiver: ${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
  };
  integer('port', 0, 65535);
  integer('toleranceSeconds', 1);
  integer('maxBodyBytes', 1);
  integer('cacheSize', 0);
  integer('cacheTtlMs', 0);
  integer('retryAfterSeconds', 0);
  integer('requestTimeoutMs', 1);
  if (options.host !== undefined && (typeof options.host !== 'string' || options.host === '')) {
    throw new ConfigError(`wms receiver: host must be a host name or address, got ${JSON.stringify(options.host)}`);
  }
};

class TooLarge extends Error {}

export class WmsServer {
  private readonly options: WmsServerOptions;
  private readonly server: http.Server;
  private readonly recent: RecentAnswers;
  private readonly maxBody: number;
  private inFlight = 0;
  private closing = false;
  /** Verifies requests to unknown endpoints: a secret nobody holds, so they fail as bad signatures do. */
  private readonly decoy = randomBytes(32).toString('hex');

  constructor(options: WmsServerOptions) {
    checkOptions(options);
    this.options = options;
    this.maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
    this.recent = new RecentAnswers(options.cacheSize ?? 10_000, options.cacheTtlMs ?? 600_000);
    this.server = http.createServer({ requestTimeout: options.requestTimeoutMs ?? 60_000 }, (req, res) => {
      this.inFlight += 1;
      void this.handle(req)
        .catch((error: unknown): Reply => {
          this.options.logger.error({ err: describeError(error) }, 'WMS receiver: unexpected error');
          return { status: 500, body: { error: 'internal error' } };
        })
        .then((reply) => this.send(res, reply))
        .catch((error: unknown) => this.options.logger.error({ err: describeError(error) }, 'WMS receiver: could not answer'))
        .finally(() => {
          this.inFlight -= 1;
        });
    });
  }

  /** Start listening; resolves with the address (the port chosen when `port` is 0). */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host ?? '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /** Requests being handled now. */
  get pending(): number {
    return this.inFlight;
  }

  /**
   * Stop accepting, let the requests in flight finish (their answers close their connections), then
   * resolve; connections still open after `graceMs` are cut.
   */
  async close(graceMs = 10_000): Promise<void> {
    this.closing = true;
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => this.server.closeAllConnections(), graceMs);
    try {
      await closed;
    } finally {
      clearTimeout(timer);
    }
  }

  private send(res: http.ServerResponse, reply: Reply): void {
    const text = JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(text)),
      ...(this.closing || reply.status === 413 ? { connection: 'close' } : {}),
      ...reply.headers,
    });
    res.end(text);
  }

  private refuse(endpoint: string, reason: string, reply: Reply): Reply {
    this.options.metrics?.refused.inc({ endpoint, reason });
    return reply;
  }

  private unavailable(endpoint: string, seconds: number, error: string): Reply {
    return this.refuse(endpoint, 'unavailable', {
      status: 503,
      body: { error },
      headers: { 'retry-after': String(Math.max(1, Math.ceil(seconds))) },
    });
  }

  private async handle(req: http.IncomingMessage): Promise<Reply> {
    const { logger } = this.options;
    const remote = req.socket.remoteAddress ?? '';
    const path = new URL(req.url ?? '/', 'http://receiver').pathname;
    const match = ROUTE.exec(path);
    if (!match?.[1])
      return this.refuse('(unknown)', 'not_found', { status: 404, body: { error: 'not found: POST /wms/<endpoint>/messages' } });
    let code: string;
    try {
      code = decodeURIComponent(match[1]);
    } catch {
      return this.refuse('(unknown)', 'not_found', { status: 404, body: { error: 'unknown endpoint' } });
    }
    if (req.method !== 'POST')
      return this.refuse('(unknown)', 'method', {
        status: 405,
        body: { error: `method ${req.method ?? ''} not allowed: use POST` },
        headers: { allow: 'POST' },
      });
    if (this.closing) return this.unavailable('(unknown)', 5, 'the receiver is shutting down: retry later');
    // An unknown endpoint (or one without a secret) is verified against a random secret nobody holds:
    // it reads the body and answers the same 401 as a bad signature, so endpoint codes cannot be probed.
    const known = this.options.secretFor(code);
    const secret = known || this.decoy;
    if (known === undefined)
      logger.warn({ endpoint: code.slice(0, 64), remote }, 'WMS request refused: unknown endpoint (answered as a bad signature)');
    else if (!known)
      logger.error(
        { endpoint: code },
        'WMS receiver: the endpoint has no signing secret (PLANSYNC_SECRET_<CODE>): every request is refused as a bad signature',
      );
    const label = known ? code : '(unknown)';

    const declared = Number(req.headers['content-length'] ?? 0);
    let raw: Buffer;
    try {
      if (declared > this.maxBody) throw new TooLarge();
      raw = await this.readBody(req);
    } catch (error) {
      if (!(error instanceof TooLarge)) throw error;
      logger.warn(
        { endpoint: code.slice(0, 64), remote, bytes: declared || `> ${this.maxBody}`, limit: this.maxBody },
        'WMS request refused: body too large',
      );
      return this.refuse(label, 'too_large', {
        status: 413,
        body: { error: `body over ${this.maxBody} bytes: send fewer messages per request` },
      });
    }
    const bytes = raw.length;

    const now = Math.floor(this.options.now?.() ?? Date.now() / 1000);
    const header = req.headers[SIGNATURE_HEADER];
    const check = verify(secret, Array.isArray(header) ? header[0] : header, raw, now, this.options.toleranceSeconds ?? 300);
    if (!check.ok || !known) {
      const reason = check.ok ? 'signature mismatch' : check.reason;
      if (known) logger.warn({ endpoint: code, remote, reason, bytes }, 'WMS request refused: bad signature');
      return this.refuse(label, known === undefined ? 'unknown_endpoint' : known ? 'signature' : 'config', {
        status: 401,
        body: { error: `signature refused: ${reason}` },
      });
    }

    // The signature covers the bytes as received; only then is the body decoded, strictly.
    let text: string;
    try {
      text = UTF8.decode(raw);
    } catch {
      const reason = 'body: not UTF-8 (send JSON encoded as UTF-8)';
      logger.warn({ endpoint: code, remote, reason, bytes }, 'WMS request refused: bad encoding');
      return this.refuse(code, 'bad_json', { status: 400, body: { error: reason } });
    }
    let body: unknown;
    try {
      body = JSON.parse(text) as unknown;
    } catch (error) {
      const reason = `body: not JSON (${(error as Error).message.slice(0, 120)})`;
      logger.warn({ endpoint: code, remote, reason, bytes }, 'WMS request refused: bad JSON');
      return this.refuse(code, 'bad_json', { status: 400, body: { error: reason } });
    }
    const read = readMessages(body);
    if (!read.ok) {
      logger.warn({ endpoint: code, remote, reason: read.reason, bytes }, 'WMS request refused: bad body');
      return this.refuse(code, 'bad_body', { status: 400, body: { error: read.reason } });
    }
    return this.receive(code, remote, read.messages);
  }

  private readBody(req: http.IncomingMessage): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const onData = (chunk: Buffer): void => {
        size += chunk.length;
        if (size > this.maxBody) {
          req.off('data', onData);
          req.resume(); // discard the rest; the 413 closes the connection
          reject(new TooLarge());
          return;
        }
        chunks.push(chunk);
      };
      req.on('data', onData);
      req.once('end', () => resolve(Buffer.concat(chunks)));
      req.once('error', reject);
    });
  }

  /** Answer repeats from the cache, forward the rest, answer every message in order. */
  private async receive(code: string, remote: string, messages: readonly ReceivedMessage[]): Promise<Reply> {
    const { logger, metrics } = this.options;
    metrics?.received.inc({ endpoint: code, source: 'http' }, messages.length);
    const results: Array<WmsResult | undefined> = messages.map((m) => this.recent.get(code, m.message_id));
    const cached = results.filter((r) => r !== undefined).length;
    if (cached > 0) metrics?.cached.inc({ endpoint: code }, cached);
    const toSend = messages.filter((_, index) => results[index] === undefined);
    for (const message of toSend) {
      const issue = checkMessage(message);
      if (issue)
        logger.warn(
          { endpoint: code, message_id: message.message_id, issue },
          'WMS message invalid: forwarded for Odoo to park as an exception',
        );
    }
    let answered: WmsResult[] = [];
    if (toSend.length > 0) {
      try {
        answered = await forward(this.options.odoo, code, toSend, {
          ...(this.options.retry ? { retry: this.options.retry } : {}),
          onRetry: ({ attempt, delayMs, error }) =>
            logger.warn(
              { endpoint: code, attempt, retry_in_ms: delayMs, err: describeError(error) },
              'WMS messages: Odoo call failed, retrying',
            ),
        });
      } catch (error) {
        return this.failed(code, error);
      }
    }
    let next = 0;
    const all = results.map((result, index) => {
      if (result) return result;
      const fresh = answered[next++] as WmsResult;
      this.recent.set(code, (messages[index] as ReceivedMessage).message_id, fresh);
      return fresh;
    });
    const counts = tally(answered);
    for (const [status, n] of Object.entries(counts)) if (n > 0) metrics?.results.inc({ endpoint: code, status }, n);
    logger.info({ endpoint: code, remote, messages: messages.length, cached, ...counts }, 'WMS messages received');
    if (counts.exception > 0)
      logger.warn({ endpoint: code, exceptions: exceptionsOf(answered) }, 'WMS messages parked as exceptions in Odoo');
    return { status: 200, body: { results: all } };
  }

  private failed(code: string, error: unknown): Reply {
    const { logger } = this.options;
    if (kindOf(error) === 'transient') {
      const seconds = (error as Partial<PlanSyncError>).retryAfter ?? this.options.retryAfterSeconds ?? 30;
      logger.error(
        { endpoint: code, err: describeError(error), retry_after_s: seconds },
        'WMS messages not forwarded: Odoo unavailable (the WMS retries)',
      );
      return this.unavailable(code, seconds, 'Odoo is unavailable: retry later');
    }
    logger.error({ endpoint: code, err: describeError(error) }, 'WMS messages not forwarded: Odoo refused the call (configuration)');
    return this.refuse(code, 'config', { status: 500, body: { error: 'the receiver could not forward the messages: see the agent log' } });
  }
}
