/**
 * A WMS's balances of one warehouse, for reconciliation: `GET <url>/balances?warehouse=<code>`
 * (signed over an empty body) answers `{"as_of": iso, "balances": [{"sku", "location", "quantity",
 * "uom"?}]}`, turned into one complete balance message for `plansync.wms.message.receive`.
 *
 * Its `message_id` is `reconcile:<endpoint>:<warehouse>:<as_of>`: the same snapshot sent twice is a
 * duplicate. Lines are passed as they came: Odoo parks the bad ones as exceptions and reconciles the rest.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { WmsHttp } from './http.ts';
import { BalanceLine, IsoTime, type ReceivedMessage } from './types.ts';

export interface BalancesOptions {
  /** The WMS endpoint's code (part of the message id). */
  readonly endpoint: string;
  /** Per-request timeout in ms. Default 30000. */
  readonly timeoutMs?: number;
  /** got retries of the GET (5xx, 429, network). Default 2. */
  readonly retryLimit?: number;
  /** Cap of one HTTP backoff in ms. Default 5000. */
  readonly backoffLimitMs?: number;
  /** Clock for the signature (seconds). */
  readonly now?: () => number;
  readonly signal?: AbortSignal;
}

/** A complete balance message; its lines are the WMS's, unchecked (see `invalidLines`). */
export interface BalanceSnapshot extends ReceivedMessage {
  readonly type: 'balance';
  readonly warehouse: string;
  readonly as_of: string;
  readonly complete: true;
  readonly balances: ReadonlyArray<Readonly<Record<string, unknown>>>;
}

const BalancesAnswer = z.object({ as_of: IsoTime, balances: z.array(z.record(z.string(), z.unknown())) });

/** Fetch the balances of `warehouseCode` and build the balance message; throws TargetError when the WMS fails or answers another shape. */
export const fetchBalances = async (
  url: string,
  secret: string,
  warehouseCode: string,
  options: BalancesOptions,
): Promise<BalanceSnapshot> => {
  if (typeof warehouseCode !== 'string' || warehouseCode.trim() === '')
    throw new ConfigError(`wms balances: warehouse must be a warehouse code, got ${JSON.stringify(warehouseCode)}`);
  if (!secret) throw new ConfigError(`wms balances ${options.endpoint}: no signing secret (PLANSYNC_SECRET_<CODE>)`);
  const client = new WmsHttp({ ...options, code: options.endpoint, url, secret });
  try {
    const answer = await client.get(BalancesAnswer, '/balances', { warehouse: warehouseCode }, options.signal);
    return {
      message_id: `reconcile:${options.endpoint}:${warehouseCode}:${answer.as_of}`,
      type: 'balance',
      warehouse: warehouseCode,
      as_of: answer.as_of,
      complete: true,
      balances: answer.balances,
    };
  } finally {
    client.close();
  }
};

/** Indexes of the lines the agent's schema refuses (Odoo parks them; the log says how many). */
export const invalidLines = (snapshot: Pick<BalanceSnapshot, 'balances'>): number[] =>
  snapshot.balances.flatMap((line, index) => (BalanceLine.safeParse(line).success ? [] : [index]));
