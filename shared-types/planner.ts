/**
 * The embedded planner's input: what `plansync.run.planning_snapshot` answers, one page of
 * product × warehouse items with their weekly demand history and supply state (docs/planner.md).
 *
 * Weeks are ISO weeks (Monday to Sunday) in the timezone of the warehouse's company. `demand[i]` is
 * the week starting `history_start + 7·i` days: done customer deliveries net of customer returns
 * (as `demand.line`), in the product's unit. `stockout_days[i]` counts the days of that week that
 * ended with nothing on hand in the warehouse: a week of zero sales while out of stock is not a week
 * of zero demand. The last bucket is the last complete week before `as_of`.
 */
import { z } from 'zod';
import { IsoDate } from './planning.ts';

const qty = z.number().finite();
const id = z.number().int().positive();
const orFalse = <T extends z.ZodType>(schema: T) => z.union([schema, z.literal(false)]);

export const SnapshotVendor = z.object({
  /** What a proposal's `vendor` names: the partner's Reference, else its name. */
  code: z.string().min(1),
  partner_id: id,
  /** Vendor terms (product.supplierinfo): delivery lead time in days. */
  lead_time_days: z.number().finite().nonnegative(),
  /** Minimum quantity in the product's unit (0: none). */
  min_qty: z.number().finite().nonnegative(),
  /** Order in multiples of this quantity (a purchase packaging), in the product's unit; false: none. */
  multiple: orFalse(z.number().finite().positive()),
  /** Price per product unit in the company's currency. */
  price: z.number().finite().nonnegative(),
  currency: z.string().min(1),
});
export type SnapshotVendor = z.infer<typeof SnapshotVendor>;

export const SnapshotLeadTime = z.object({
  /** Receipts measured (purchase confirmation → receipt done) in the history window. */
  samples: z.number().int().nonnegative(),
  mean_days: z.number().finite().nonnegative(),
  std_days: z.number().finite().nonnegative(),
  /** Mean of (actual − promised) receipt date in days: positive when the vendor is late. */
  mean_delay_days: z.number().finite(),
});
export type SnapshotLeadTime = z.infer<typeof SnapshotLeadTime>;

export const SnapshotItem = z.object({
  product_id: id,
  sku: z.string().min(1),
  warehouse_id: id,
  warehouse: z.string().min(1),
  company_id: id,
  /** The product's unit of measure (every quantity of the item is in it). */
  uom: z.string().min(1),
  category: z.string(),
  /** Target service level (cycle service level, 0.5 to 0.9999) of the product's category. */
  service_level: z.number().min(0.5).max(0.9999),
  /** Cost of one unit (standard price) in the company's currency. */
  unit_cost: z.number().finite().nonnegative(),
  demand: z.array(qty),
  stockout_days: z.array(z.number().int().min(0).max(7)),
  on_hand: qty,
  reserved: qty,
  /** Open purchase quantities not received yet (and incoming transfers). */
  incoming: qty,
  /** Open sale quantities not delivered yet (and outgoing transfers). */
  outgoing: qty,
  vendor: orFalse(SnapshotVendor),
  lead_time: orFalse(SnapshotLeadTime),
  /** The warehouse's active reordering rule for the product. */
  reorder_rule: orFalse(z.object({ id, min_qty: qty, max_qty: qty, multiple: qty })),
  /** A warehouse that resupplies this one (a resupply route between warehouses), and its lead time. */
  resupply_from: orFalse(z.object({ warehouse: z.string().min(1), lead_time_days: z.number().finite().nonnegative() })),
});
export type SnapshotItem = z.infer<typeof SnapshotItem>;

export const PlanningSnapshot = z.object({
  /** Today in the company's timezone (the planning date). */
  as_of: IsoDate,
  /** Monday of the first history week. */
  history_start: IsoDate,
  weeks: z.number().int().positive(),
  items: z.array(SnapshotItem),
  /** Offset of the next page, or false after the last one. */
  next: z.union([z.number().int().nonnegative(), z.literal(false)]),
  /** Items in all pages. */
  total: z.number().int().nonnegative(),
});
export type PlanningSnapshot = z.infer<typeof PlanningSnapshot>;
