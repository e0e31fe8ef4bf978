/**
 * Signed GETs to a WMS (`<url>/messages`, `<url>/balances`): the webhook signature over an empty body,
 * got with a timeout and retries of 408/425/429/5xx and network errors, answers parsed as JSON.
 * 401/403/404 and other 4xx are configuration trouble (wrong URL or secret): not retried.
 */
import http from 'node:http';
import https from 'node:https';
import got, { HTTPError, RequestError, type Got } from 'got';
import type { z } from 'zod';
import { formatIssues } from '../../shared-types/index.ts';
import { TargetError } from '../errors.ts';
import { sign } from '../targets/webhook/signature.ts';

export interface WmsHttpOptions {
  /** The endpoint code, for messages. */
  readonly code: string;
  /** The WMS's base URL. */
  readonly url: string;
  readonly secret: string;
  /** Per-request timeout in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** got retries of one GET. Default 2. */
  readonly retryLimit?: number;
  /** Cap of one backoff in ms. Default 5000. */
  readonly backoffLimitMs?: number;
  /** Clock for signatures (seconds). */
  readonly now?: () => number;
}

const RETRY_STATUS = [408, 425, 429, 500, 502, 503, 504];

/** `https://wms.example/api/` → `https://wms.example/api`. */
const base = (url: string): string => url.replace(/\/+$/, '');

export class WmsHttp {
  private readonly options: WmsHttpOptions;
  private readonly client: Got;
  private readonly agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

  constructor(options: WmsHttpOptions) {
    this.options = options;
    this.client = got.extend({
      agent: this.agents,
      timeout: { request: options.timeoutMs ?? 30_000 },
      retry: {
        limit: options.retryLimit ?? 2,
        methods: ['GET'],
        statusCodes: RETRY_STATUS,
        backoffLimit: options.backoffLimitMs ?? 5000,
        noise: 50,
      },
      headers: { 'user-agent': 'plansync-agent' },
      responseType: 'text',
    });
  }

  /** GET `<url><path>?<search>`, signed; the answer validated by `schema`. */
  async get<S extends z.ZodType>(schema: S, path: string, search: Record<string, string>, signal?: AbortSignal): Promise<z.infer<S>> {
    const { code } = this.options;
    const timestamp = Math.floor(this.options.now?.() ?? Date.now() / 1000);
    let text: string;
    try {
      const response = await this.client.get(`${base(this.options.url)}${path}`, {
        searchParams: search,
        headers: { 'x-plansync-signature': sign(this.options.secret, timestamp, '') },
        ...(signal ? { signal } : {}),
      });
      text = response.body;
    } catch (error) {
      if (error instanceof HTTPError) {
        const status = error.response.statusCode;
        const excerpt = String(error.response.body ?? '')
          .replace(/\s+/g, ' ')
          .slice(0, 200);
        const kind = RETRY_STATUS.includes(status) ? 'transient' : 'config';
        const hint = status === 401 || status === 403 ? ' (check PLANSYNC_SECRET_<CODE>)' : '';
        throw new TargetError(
          'ERR_TARGET_UNAVAILABLE',
          kind,
          `${code}: GET ${path}: HTTP ${status}${excerpt ? `: ${excerpt}` : ''}${hint}`,
          { status, cause: error },
        );
      }
      const networkCode = error instanceof RequestError ? error.code : undefined;
      const timeout = networkCode === 'ETIMEDOUT' || (error instanceof Error && error.name === 'TimeoutError');
      throw new TargetError(
        timeout ? 'ERR_TIMEOUT' : 'ERR_NETWORK',
        'transient',
        `${code}: GET ${path}: ${timeout ? 'timed out' : `network error (${networkCode ?? (error as Error).message})`}`,
        { cause: error },
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text) as unknown;
    } catch {
      throw new TargetError('ERR_TARGET_REJECTED', 'config', `${code}: GET ${path} answered a body that is not JSON`);
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success)
      throw new TargetError(
        'ERR_TARGET_REJECTED',
        'config',
        `${code}: GET ${path} answered an unexpected shape: ${formatIssues(parsed.error, raw)}`,
      );
    return parsed.data;
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}
