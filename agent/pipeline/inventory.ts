/**
 * Inventory truth (docs/inventory.md): a channel's full availability snapshot, and reconciliation of
 * Odoo against the WMS's balances and against what each channel was last sent. Used by
 * `plansync snapshot`, `plansync reconcile` and the daemon's reconciliation schedule.
 *
 * Reconciliation never changes stock: differences beyond the endpoint's tolerance become
 * `plansync.discrepancy` records in Odoo that a person accepts, ignores or investigates.
 */
import type { EndpointConfig, ReconcileCounts } from '../../shared-types/index.ts';
import type { PlanSyncOdoo } from '../odoo/client.ts';
import type { ChannelTarget, SentLedger } from '../targets/channel/channel.ts';

/** Items per `availability_snapshot` page. */
export const SNAPSHOT_PAGE = 1000;
/** Items per `report_channel` call. */
const REPORT_CHUNK = 500;

export const zeroCounts = (): ReconcileCounts => ({ checked: 0, within_tolerance: 0, opened: 0, updated: 0, resolved: 0 });
export const addCounts = (a: ReconcileCounts, b: ReconcileCounts): ReconcileCounts => ({
  checked: a.checked + b.checked,
  within_tolerance: a.within_tolerance + b.within_tolerance,
  opened: a.opened + b.opened,
  updated: a.updated + b.updated,
  resolved: a.resolved + b.resolved,
});

type SnapshotOdoo = Pick<PlanSyncOdoo, 'availabilitySnapshot'>;

/** Every page of an endpoint's availability snapshot, in order. */
export async function* snapshotPages(
  odoo: SnapshotOdoo,
  endpoint: string,
  warehouses: readonly string[] | false,
  signal?: AbortSignal,
): AsyncGenerator<{ items: readonly Record<string, unknown>[]; done: number; total: number }> {
  let offset = 0;
  let done = 0;
  for (;;) {
    signal?.throwIfAborted();
    const page = await odoo.availabilitySnapshot(endpoint, warehouses, offset, SNAPSHOT_PAGE);
    done += page.items.length;
    yield { items: page.items, done, total: page.total };
    if (page.next_offset === false || page.items.length === 0) return;
    offset = page.next_offset;
  }
}

export interface SnapshotReport {
  readonly endpoint: string;
  readonly items: number;
  readonly sent: number;
  readonly refused: ReadonlyArray<{ readonly sku: string; readonly warehouse: string; readonly reason: string }>;
  readonly failed: string;
  readonly seconds: number;
}

/** Send a channel every product × warehouse figure Odoo computes for it now (`dryRun`: count only). */
export const sendSnapshot = async (
  odoo: SnapshotOdoo,
  target: Pick<ChannelTarget, 'publish'> | undefined,
  endpoint: string,
  options: {
    warehouses: readonly string[] | false;
    batchSize: number;
    signal?: AbortSignal;
    onProgress?: (done: number, total: number) => void;
  },
): Promise<SnapshotReport> => {
  const started = Date.now();
  let items = 0;
  let sent = 0;
  const refused: Array<{ sku: string; warehouse: string; reason: string }> = [];
  let failed = '';
  for await (const page of snapshotPages(odoo, endpoint, options.warehouses, options.signal)) {
    items += page.items.length;
    if (target) {
      const result = await target.publish(page.items, options.batchSize, options.signal);
      sent += result.sent;
      for (const r of result.refused) {
        const item = page.items[r.index] as { product?: { sku?: string }; warehouse?: { code?: string } } | undefined;
        refused.push({ sku: item?.product?.sku ?? '?', warehouse: item?.warehouse?.code ?? '?', reason: r.reason });
      }
      if (result.failed.length > 0) {
        failed = result.failed[0] ?? 'failed';
        break;
      }
    }
    options.onProgress?.(page.done, page.total);
  }
  return { endpoint, items, sent, refused, failed, seconds: (Date.now() - started) / 1000 };
};

export interface ChannelReconcileReport {
  readonly endpoint: string;
  readonly kind: 'channel';
  /** Product × warehouse figures compared with what the channel was last sent. */
  readonly counts: ReconcileCounts;
  /** Figures this agent never sent the channel (`plansync snapshot` sends them). */
  readonly neverSent: number;
}

/** Compare what a channel was last sent (the ledger) with Odoo's current figures; Odoo records the differences. */
export const reconcileChannel = async (
  odoo: Pick<PlanSyncOdoo, 'availabilitySnapshot' | 'reportChannel'>,
  ledger: SentLedger,
  endpoint: EndpointConfig,
  warehouses: readonly string[] | false,
  signal?: AbortSignal,
): Promise<ChannelReconcileReport> => {
  let counts = zeroCounts();
  let neverSent = 0;
  let chunk: Array<{ sku: string; warehouse: string; sent: number; sent_at: string }> = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    counts = addCounts(counts, await odoo.reportChannel(endpoint.code, chunk));
    chunk = [];
  };
  for await (const page of snapshotPages(odoo, endpoint.code, warehouses, signal)) {
    for (const raw of page.items) {
      const item = raw as { product?: { sku?: string }; warehouse?: { code?: string } };
      const sku = item.product?.sku;
      const warehouse = item.warehouse?.code;
      if (!sku || !warehouse) continue;
      const sent = await ledger.get(endpoint.code, warehouse, sku);
      if (!sent) {
        neverSent += 1;
        continue;
      }
      chunk.push({ sku, warehouse, sent: sent.available, sent_at: sent.at.replace(/\.\d{3}Z$/, 'Z') });
      if (chunk.length >= REPORT_CHUNK) await flush();
    }
  }
  await flush();
  return { endpoint: endpoint.code, kind: 'channel', counts, neverSent };
};

/** The answer of `plansync.wms.message.receive` for one message, as far as reconciliation reads it. */
export interface WmsReceiveOutcome {
  readonly message_id: string;
  readonly status: string;
  readonly code: string | false;
  readonly detail: string;
  readonly discrepancies: ReconcileCounts | false;
}

export interface WmsReconcileDeps {
  /** The WMS's balances of one warehouse as one balance message (complete: true). */
  readonly fetchBalances: (
    warehouse: string,
    signal?: AbortSignal,
  ) => Promise<{ readonly message_id: string; readonly balances: readonly unknown[] } & Record<string, unknown>>;
  /** Send messages to Odoo (`plansync.wms.message.receive`). */
  readonly receive: (endpoint: string, messages: readonly unknown[]) => Promise<readonly WmsReceiveOutcome[]>;
}

export interface WmsReconcileReport {
  readonly endpoint: string;
  readonly kind: 'wms';
  readonly warehouses: ReadonlyArray<{
    readonly warehouse: string;
    readonly balances: number;
    readonly status: string;
    readonly detail: string;
    readonly counts: ReconcileCounts;
  }>;
  readonly counts: ReconcileCounts;
  /** Warehouses whose balances could not be fetched or applied, with why. */
  readonly failed: ReadonlyArray<{ readonly warehouse: string; readonly error: string }>;
}

/** Odoo against the WMS's balances, warehouse by warehouse: Odoo compares and records the differences. */
export const reconcileWms = async (
  deps: WmsReconcileDeps,
  endpoint: string,
  warehouses: readonly string[],
  signal?: AbortSignal,
  describe: (e: unknown) => string = String,
): Promise<WmsReconcileReport> => {
  let counts = zeroCounts();
  const rows: Array<WmsReconcileReport['warehouses'][number]> = [];
  const failed: Array<{ warehouse: string; error: string }> = [];
  for (const warehouse of warehouses) {
    signal?.throwIfAborted();
    try {
      const message = await deps.fetchBalances(warehouse, signal);
      const [outcome] = await deps.receive(endpoint, [message]);
      if (!outcome) throw new Error('Odoo answered no result for the balance message');
      const c = outcome.discrepancies || zeroCounts();
      counts = addCounts(counts, c);
      rows.push({ warehouse, balances: message.balances.length, status: outcome.status, detail: outcome.detail, counts: c });
    } catch (error) {
      if (signal?.aborted) throw error;
      failed.push({ warehouse, error: describe(error) });
    }
  }
  return { endpoint, kind: 'wms', warehouses: rows, counts, failed };
};
