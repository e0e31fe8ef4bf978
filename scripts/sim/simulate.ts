/**
 * Replays a world day by day under a replenishment policy (docs/planner.md, "Simulator").
 *
 * Each day: receipts due that day arrive, then the day's demand is served from stock (what cannot be
 * served is lost), then the day's stock is recorded. Every Monday, before the day's demand, the policy
 * reviews every SKU from what a real system would know: the weekly sales (not the demand: a week out
 * of stock sells less than it was asked), the days out of stock per week, stock on hand and on order,
 * and the lead times of the receipts so far. Orders arrive after the actual lead time of an order of
 * that SKU placed that day (the same for every policy).
 *
 * Measured from `world.measureStart`: fill rate (units shipped from stock / units demanded), average
 * inventory value (end-of-day stock × unit cost, averaged over the days), orders placed, stockout days
 * (SKU-days that end with nothing on hand).
 */
import { actualLeadDays, historicLeadTimes, type Sku, type SkuKind, type World } from './world.ts';

export interface ReviewState {
  readonly world: World;
  /** Today (a Monday) and the index of the week that starts today. */
  readonly day: number;
  readonly week: number;
  readonly onHand: Float64Array;
  /** Ordered and not received yet. */
  readonly onOrder: Float64Array;
  /** Weekly sales per SKU, weeks 0 … week − 1 (the history's weeks are its unconstrained demand). */
  readonly sales: readonly Float64Array[];
  /** Days per week that ended with nothing on hand, per SKU. */
  readonly stockoutDays: readonly Uint8Array[];
  /** Lead times in days of the receipts so far, per vendor (the history's first). */
  readonly leadTimes: readonly number[][];
}

export interface Policy {
  readonly name: string;
  /** Writes into `orders` the quantity to order today for each SKU (0: none). */
  review(state: ReviewState, orders: Float64Array): void;
}

export interface KindMetrics {
  demanded: number;
  shipped: number;
}

export interface SimResult {
  readonly policy: string;
  readonly fillRate: number;
  readonly averageInventoryValue: number;
  readonly orders: number;
  readonly stockoutDays: number;
  readonly lostUnits: number;
  readonly demanded: number;
  readonly shipped: number;
  /** Fill rate per SKU kind. */
  readonly byKind: Readonly<Record<SkuKind, number>>;
  /** The lowest end-of-day stock of any SKU (a policy can never make it negative). */
  readonly minOnHand: number;
}

interface Receipt {
  readonly day: number;
  readonly sku: number;
  readonly qty: number;
  readonly placed: number;
}

/** Initial stock at the start of the simulation: the mean demand of the lead time and two weeks. */
export const initialStock = (world: World, sku: Sku): number => Math.round(sku.meanDaily * (world.vendors[sku.vendor]!.leadDays + 14));

export const simulate = (world: World, policy: Policy): SimResult => {
  const { skus, days, simStart, measureStart } = world;
  const n = skus.length;
  const totalWeeks = days / 7;
  const onHand = new Float64Array(n);
  const onOrder = new Float64Array(n);
  const sales = skus.map(() => new Float64Array(totalWeeks));
  const stockoutDays = skus.map(() => new Uint8Array(totalWeeks));
  const leadTimes = world.vendors.map((_, v) => historicLeadTimes(world, v));
  for (const sku of skus) {
    for (let d = 0; d < simStart; d++) sales[sku.index]![Math.floor(d / 7)]! += sku.demand[d]!;
    onHand[sku.index] = initialStock(world, sku);
  }
  // Receipts by arrival day.
  const arrivals = new Map<number, Receipt[]>();
  const orders = new Float64Array(n);
  const byKind: Record<SkuKind, KindMetrics> = {
    smooth: { demanded: 0, shipped: 0 },
    seasonal: { demanded: 0, shipped: 0 },
    intermittent: { demanded: 0, shipped: 0 },
    lumpy: { demanded: 0, shipped: 0 },
  };
  let demanded = 0;
  let shipped = 0;
  let inventoryValue = 0;
  let placed = 0;
  let stockouts = 0;
  let minOnHand = Number.POSITIVE_INFINITY;

  for (let day = simStart; day < days; day++) {
    const measuring = day >= measureStart;
    for (const r of arrivals.get(day) ?? []) {
      onHand[r.sku]! += r.qty;
      onOrder[r.sku]! -= r.qty;
      leadTimes[skus[r.sku]!.vendor]!.push(day - r.placed);
    }
    arrivals.delete(day);
    const week = Math.floor(day / 7);
    if (day % 7 === 0) {
      orders.fill(0);
      policy.review({ world, day, week, onHand, onOrder, sales, stockoutDays, leadTimes }, orders);
      for (let i = 0; i < n; i++) {
        const q = orders[i]!;
        if (!(q > 0)) continue;
        const sku = skus[i]!;
        const arrival = day + actualLeadDays(world, sku, day);
        const list = arrivals.get(arrival);
        const receipt = { day: arrival, sku: i, qty: q, placed: day };
        if (list) list.push(receipt);
        else arrivals.set(arrival, [receipt]);
        onOrder[i]! += q;
        if (measuring) placed++;
      }
    }
    for (let i = 0; i < n; i++) {
      const sku = skus[i]!;
      const want = sku.demand[day]!;
      const ship = Math.min(want, onHand[i]!);
      onHand[i]! -= ship;
      sales[i]![week]! += ship;
      const end = onHand[i]!;
      if (end <= 0) stockoutDays[i]![week]!++;
      if (end < minOnHand) minOnHand = end;
      if (measuring) {
        demanded += want;
        shipped += ship;
        byKind[sku.kind].demanded += want;
        byKind[sku.kind].shipped += ship;
        inventoryValue += end * sku.unitCost;
        if (end <= 0) stockouts++;
      }
    }
  }
  const measuredDays = days - measureStart;
  const rate = (m: KindMetrics): number => (m.demanded > 0 ? m.shipped / m.demanded : 1);
  return {
    policy: policy.name,
    fillRate: demanded > 0 ? shipped / demanded : 1,
    averageInventoryValue: inventoryValue / measuredDays,
    orders: placed,
    stockoutDays: stockouts,
    lostUnits: demanded - shipped,
    demanded,
    shipped,
    byKind: {
      smooth: rate(byKind.smooth),
      seasonal: rate(byKind.seasonal),
      intermittent: rate(byKind.intermittent),
      lumpy: rate(byKind.lumpy),
    },
    minOnHand: Number.isFinite(minOnHand) ? minOnHand : 0,
  };
};
