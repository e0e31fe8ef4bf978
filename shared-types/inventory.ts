/**
 * Results of the inventory-truth methods (docs/contract.md, issue 4): the availability snapshot of an
 * endpoint and the channel reconciliation. The snapshot's items are `stock.level` payloads, checked
 * against `StockLevel` by whoever reads them.
 */
import { z } from 'zod';

const count = z.number().int().nonnegative();

export const AvailabilitySnapshot = z.object({
  endpoint: z.string().min(1),
  /** `stock.level` payloads, as the endpoint's events carry them. */
  items: z.array(z.record(z.string(), z.unknown())),
  offset: count,
  /** Offset of the next page, or false after the last one. */
  next_offset: z.union([count, z.literal(false)]),
  /** Items in all pages. */
  total: count,
});
export type AvailabilitySnapshot = z.infer<typeof AvailabilitySnapshot>;

/** What the agent last sent a channel for one product × warehouse (`plansync.discrepancy.report_channel`). */
export interface ChannelSent {
  readonly sku: string;
  readonly warehouse: string;
  /** The payload's `available` (product unit) as delivered. */
  readonly sent: number;
  readonly sent_at: string;
}

export const ReconcileCounts = z.object({
  checked: count,
  within_tolerance: count,
  opened: count,
  updated: count,
  resolved: count,
});
export type ReconcileCounts = z.infer<typeof ReconcileCounts>;
