/**
 * The WMS poller: pulls messages from a WMS that does not push them.
 *
 * `GET <url>/messages?after=<cursor>&limit=<n>` (signed over an empty body) answers
 * `{"messages": [...], "next_cursor": string|null}`; each page is forwarded to Odoo
 * (`plansync.wms.message.receive`), then the cursor is checkpointed (state store, `wms:<code>:cursor`)
 * only after Odoo answered, so a poll that fails midway resumes at the first page Odoo has not
 * answered (Odoo answers a re-sent message `duplicate`). Pages repeat until `next_cursor` is null.
 *
 * `next_cursor` is the position after the page; null says there is nothing after it. A page that
 * came with a null cursor keeps the checkpoint where it was: the next poll reads that page again and
 * Odoo answers its messages `duplicate` (a WMS that answers an empty page with null costs one empty
 * request per poll and reads nothing twice).
 *
 * A message of a page without a usable `message_id` cannot be refused as the receiver does: it is
 * forwarded wrapped, `{"message_id": "unidentified:<digest of the page cursor>:<index>", "received":
 * <the message>, "invalid": <why>}`, so that Odoo parks it as an `invalid` exception a person sees.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ConfigError, describeError } from '../errors.ts';
import type { RetryPolicy } from '../retry.ts';
import type { StateStore } from '../state/store.ts';
import type { Logger } from '../telemetry/log.ts';
import type { InboundSource, PollReport } from '../targets/target.ts';
import { emptyStatuses, exceptionsOf, forward, tally } from './forward.ts';
import { WmsHttp } from './http.ts';
import type { WmsMetrics } from './metrics.ts';
import { MAX_RECEIVE, checkMessage, messageIdIssue, type ReceivedMessage, type WmsOdoo, type WmsStatus } from './types.ts';

export interface WmsPollerOptions {
  readonly code: string;
  /** The WMS's base URL. */
  readonly url: string;
  readonly secret: string;
  readonly odoo: WmsOdoo;
  readonly state: Pick<StateStore, 'getCheckpoint' | 'setCheckpoint'>;
  readonly logger: Logger;
  /** Messages per page (`limit`), 1 to 500. Default 100. */
  readonly pageSize?: number;
  /** Pages per poll, at most (a WMS that never stops listing cannot hold the agent). Default 100. */
  readonly maxPages?: number;
  /** Per-request timeout in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** got retries of one GET (5xx, 429, network). Default 2. */
  readonly retryLimit?: number;
  /** Cap of one HTTP backoff in ms. Default 5000. */
  readonly backoffLimitMs?: number;
  /** Retries of one `receive` call. Default: 3 from 200 ms, capped at 2 s. */
  readonly odooRetry?: RetryPolicy;
  readonly metrics?: WmsMetrics;
  /** Clock for signatures (seconds). */
  readonly now?: () => number;
}

/** A poll's report: PollReport's counts say applied as `created`, duplicate as `unchanged`. */
export interface WmsPollReport extends PollReport {
  /** Pages read (empty ones included). */
  readonly pages: number;
  readonly statuses: Readonly<Record<WmsStatus, number>>;
  /** The checkpointed cursor after the poll. */
  readonly cursor: string;
}

const MessagesPage = z.object({ messages: z.array(z.unknown()), next_cursor: z.union([z.string(), z.null()]) });

export class WmsPoller implements InboundSource {
  readonly code: string;
  private readonly options: WmsPollerOptions;
  private readonly http: WmsHttp;

  constructor(options: WmsPollerOptions) {
    const pageSize = options.pageSize ?? 100;
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_RECEIVE) {
      throw new ConfigError(
        `wms poller ${options.code}: pageSize must be an integer from 1 to ${MAX_RECEIVE}, got ${JSON.stringify(options.pageSize)}`,
      );
    }
    if (options.maxPages !== undefined && (!Number.isInteger(options.maxPages) || options.maxPages < 1)) {
      throw new ConfigError(`wms poller ${options.code}: maxPages must be an integer >= 1, got ${JSON.stringify(options.maxPages)}`);
    }
    if (!options.secret) throw new ConfigError(`wms poller ${options.code}: no signing secret (PLANSYNC_SECRET_<CODE>)`);
    this.code = options.code;
    this.options = options;
    this.http = new WmsHttp(options);
  }

  get checkpointName(): string {
    return `wms:${this.code}:cursor`;
  }

  /** Forward every message after the checkpoint; throws when it could not finish (the next poll resumes). */
  async poll(signal?: AbortSignal): Promise<WmsPollReport> {
    const { logger, metrics, state } = this.options;
    const statuses = emptyStatuses();
    let cursor = (await state.getCheckpoint<string>(this.checkpointName)) ?? '';
    let pages = 0;
    let items = 0;
    let lines = 0;
    const limit = String(this.options.pageSize ?? 100);
    while (pages < (this.options.maxPages ?? 100) && !signal?.aborted) {
      const page = await this.http.get(MessagesPage, '/messages', { after: cursor, limit }, signal);
      pages += 1;
      if (page.messages.length > 0) {
        const messages = page.messages.map((raw, index) => this.identify(raw, cursor, index));
        metrics?.received.inc({ endpoint: this.code, source: 'poll' }, messages.length);
        const results = await forward(this.options.odoo, this.code, messages, {
          ...(this.options.odooRetry ? { retry: this.options.odooRetry } : {}),
          ...(signal ? { signal } : {}),
          onRetry: ({ attempt, delayMs, error }) =>
            logger.warn(
              { endpoint: this.code, attempt, retry_in_ms: delayMs, err: describeError(error) },
              'WMS messages: Odoo call failed, retrying',
            ),
        });
        const counts = tally(results);
        for (const [status, n] of Object.entries(counts)) if (n > 0) metrics?.results.inc({ endpoint: this.code, status }, n);
        tally(results, statuses);
        items += 1;
        lines += messages.length;
        if (counts.exception > 0)
          logger.warn({ endpoint: this.code, exceptions: exceptionsOf(results) }, 'WMS messages parked as exceptions in Odoo');
      }
      const next = page.next_cursor;
      if (next === null || next === cursor) break;
      cursor = next;
      await state.setCheckpoint(this.checkpointName, cursor);
    }
    if (lines > 0) logger.info({ endpoint: this.code, pages, messages: lines, ...statuses }, 'WMS messages polled');
    return {
      items,
      lines,
      counts: { created: statuses.applied, unchanged: statuses.duplicate, superseded: 0, exception: statuses.exception },
      pages,
      statuses,
      cursor,
    };
  }

  /** A message as forwarded: as it came, or wrapped when it has no usable `message_id`. */
  private identify(raw: unknown, cursor: string, index: number): ReceivedMessage {
    const isObject = raw !== null && typeof raw === 'object' && !Array.isArray(raw);
    const issue = isObject
      ? messageIdIssue((raw as { message_id?: unknown }).message_id, 'message_id')
      : `message: expected an object (got ${JSON.stringify(raw)?.slice(0, 80)})`;
    if (!issue) {
      const found = checkMessage(raw);
      if (found)
        this.options.logger.warn(
          { endpoint: this.code, message_id: (raw as ReceivedMessage).message_id, issue: found },
          'WMS message invalid: forwarded for Odoo to park as an exception',
        );
      return raw as ReceivedMessage;
    }
    const digest = createHash('sha256').update(`${this.code}\u0000${cursor}`).digest('hex').slice(0, 16);
    const messageId = `unidentified:${digest}:${index}`;
    this.options.logger.warn(
      { endpoint: this.code, message_id: messageId, issue },
      'WMS message without a usable message_id: forwarded wrapped for Odoo to park',
    );
    return { message_id: messageId, received: raw, invalid: issue };
  }

  close(): void {
    this.http.close();
  }
}
