/**
 * Forward messages to Odoo in calls of at most 500, retrying transient errors: `receive` is idempotent
 * on (endpoint, message_id), so a retry after a lost answer (or after losing a race with a concurrent
 * duplicate) answers `duplicate` and changes nothing.
 */
import { OdooError } from '../errors.ts';
import { retryPolicy, withRetry, type RetryEvent, type RetryPolicy } from '../retry.ts';
import { MAX_RECEIVE, type ReceivedMessage, type WmsOdoo, type WmsResult, type WmsStatus } from './types.ts';

export interface ForwardOptions {
  /** Retries of one `receive` call. Default: 3 retries from 200 ms, capped at 2 s. */
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly onRetry?: (event: RetryEvent) => void;
}

export const FORWARD_RETRY = retryPolicy({ limit: 3, backoffBaseMs: 200, backoffLimitMs: 2000 });

/** One result per message, in order; throws what retrying could not fix (nothing is lost: the caller did not answer or checkpoint). */
export const forward = async (
  odoo: WmsOdoo,
  endpoint: string,
  messages: readonly ReceivedMessage[],
  options: ForwardOptions = {},
): Promise<WmsResult[]> => {
  const results: WmsResult[] = [];
  for (let start = 0; start < messages.length; start += MAX_RECEIVE) {
    const chunk = messages.slice(start, start + MAX_RECEIVE);
    const answer = await withRetry(() => odoo.wmsReceive(endpoint, chunk), options.retry ?? FORWARD_RETRY, {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onRetry ? { onRetry: options.onRetry } : {}),
    });
    const misplaced = chunk.findIndex((message, index) => answer[index]?.message_id.trim() !== message.message_id.trim());
    if (answer.length !== chunk.length || misplaced >= 0) {
      throw new OdooError(
        'ERR_ODOO_PROTOCOL',
        'config',
        `plansync.wms.message.receive answered ${answer.length} results for ${chunk.length} messages${misplaced >= 0 ? ` (result ${start + misplaced} is not for message ${JSON.stringify(chunk[misplaced]?.message_id)})` : ''}`,
      );
    }
    results.push(...answer);
  }
  return results;
};

export const emptyStatuses = (): Record<WmsStatus, number> => ({ applied: 0, duplicate: 0, exception: 0 });

export const tally = (results: readonly WmsResult[], into: Record<WmsStatus, number> = emptyStatuses()): Record<WmsStatus, number> => {
  for (const result of results) into[result.status] += 1;
  return into;
};

/** `message_id: code` of the exceptions among `results`, the first 20, for a log line (no message content). */
export const exceptionsOf = (results: readonly WmsResult[]): string[] =>
  results
    .filter((r) => r.status === 'exception')
    .slice(0, 20)
    .map((r) => `${r.message_id}: ${r.code === false ? 'exception' : r.code}`);
