/**
 * The policies the simulator compares (docs/planner.md, "Simulator"), each with one scale knob that
 * the calibration turns until the aggregate fill rate reaches the target:
 * - `planner`: the embedded planner, re-planned every week through the same `plan` as production
 *   (knob: the service level, given as its z);
 * - `minmax`: Odoo reordering rules as a typical user sets them once from last year's sales:
 *   min = average demand over the vendor's lead time, max = 2 × min (knob: a multiplier on both);
 *   `minmax-quarterly` recomputes them every 13 weeks;
 * - `ddmrp`: a buffer as OCA's ddmrp computes it (knob: a red zone adjustment factor).
 * Every policy reviews weekly and rounds its orders up to the vendor's minimum and multiple.
 */
import { erf } from 'simple-statistics';
import { plan, roundOrder, type PlanOptions } from '../../agent/planner/index.ts';
import type { SnapshotItem } from '../../shared-types/index.ts';
import type { Policy, ReviewState } from './simulate.ts';
import type { Sku } from './world.ts';

const DAY_MS = 86_400_000;
/** Day 0 of every world: a Monday. */
const EPOCH = Date.UTC(2020, 0, 6);
export const dateOf = (day: number): string => new Date(EPOCH + day * DAY_MS).toISOString().slice(0, 10);

/** Φ(z), for the planner's service level from its knob. */
export const serviceLevelOf = (z: number): number => Math.min(0.9999, Math.max(0.5, 0.5 * (1 + erf(z / Math.SQRT2))));

const round = (sku: Sku, q: number): number => roundOrder(q, sku.minQty, sku.multiple).quantity;

const meanOfLast = (a: Float64Array, end: number, weeks: number): number => {
  const from = Math.max(0, end - weeks);
  let sum = 0;
  for (let w = from; w < end; w++) sum += a[w]!;
  return end > from ? sum / (end - from) : 0;
};

const HISTORY_WEEKS = 156;

/** The embedded planner: a snapshot of every SKU each Monday, `plan` on it, its proposals ordered. */
export const plannerPolicy = (z: number, options: Omit<PlanOptions, 'runRef' | 'horizonWeeks'> = {}): Policy => {
  const serviceLevel = serviceLevelOf(z);
  return {
    name: 'planner',
    review(state: ReviewState, orders: Float64Array): void {
      const { world, day, week } = state;
      const from = Math.max(0, week - HISTORY_WEEKS);
      const measured = state.leadTimes.map((list) => {
        const recent = list.slice(-50);
        const mean = recent.reduce((s, v) => s + v, 0) / Math.max(1, recent.length);
        const variance = recent.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, recent.length - 1);
        return { samples: recent.length, mean_days: mean, std_days: Math.sqrt(variance), mean_delay_days: 0 };
      });
      const items: SnapshotItem[] = world.skus.map((sku) => {
        const vendor = world.vendors[sku.vendor]!;
        return {
          product_id: sku.index + 1,
          sku: sku.sku,
          warehouse_id: 1,
          warehouse: 'SIM',
          company_id: 1,
          uom: 'Units',
          category: sku.kind,
          service_level: serviceLevel,
          unit_cost: sku.unitCost,
          demand: Array.from(state.sales[sku.index]!.subarray(from, week)),
          stockout_days: Array.from(state.stockoutDays[sku.index]!.subarray(from, week)),
          on_hand: state.onHand[sku.index]!,
          reserved: 0,
          incoming: state.onOrder[sku.index]!,
          outgoing: 0,
          vendor: {
            code: vendor.code,
            partner_id: sku.vendor + 1,
            lead_time_days: vendor.leadDays,
            min_qty: sku.minQty,
            multiple: sku.multiple,
            price: sku.unitCost,
            currency: 'EUR',
          },
          lead_time: measured[sku.vendor]!,
          reorder_rule: false,
          resupply_from: false,
        };
      });
      const result = plan({ as_of: dateOf(day), history_start: dateOf(from * 7), weeks: week - from }, items, {
        runRef: 'SIM',
        horizonWeeks: 0,
        ...options,
      });
      result.items.forEach((p, i) => {
        orders[i] = p.orderQuantity;
      });
    },
  };
};

/**
 * Odoo's reordering rule: when the forecast quantity (on hand + incoming − outgoing) is below min,
 * order up to max. min = mean daily sales of the last 52 weeks × the vendor's lead time × knob,
 * max = 2 × min; set at the first review (refreshWeeks false) or every refreshWeeks weeks.
 */
export const minMaxPolicy = (multiplier: number, refreshWeeks: number | false = false): Policy => {
  let min: Float64Array | undefined;
  let max: Float64Array | undefined;
  let setAt = 0;
  return {
    name: refreshWeeks === false ? 'minmax' : 'minmax-quarterly',
    review(state: ReviewState, orders: Float64Array): void {
      const { world, week } = state;
      if (!min || !max || (refreshWeeks !== false && week - setAt >= refreshWeeks)) {
        min = new Float64Array(world.skus.length);
        max = new Float64Array(world.skus.length);
        setAt = week;
        for (const sku of world.skus) {
          const daily = meanOfLast(state.sales[sku.index]!, week, 52) / 7;
          min[sku.index] = daily * world.vendors[sku.vendor]!.leadDays * multiplier;
          max[sku.index] = 2 * min[sku.index]!;
        }
      }
      for (const sku of world.skus) {
        const i = sku.index;
        const position = state.onHand[i]! + state.onOrder[i]!;
        if (position < min[i]!) orders[i] = round(sku, max[i]! - position);
      }
    },
  };
};

/** OCA ddmrp's lead time factor (stock.buffer.profile.lead.time: short 0.75, medium 0.5, long 0.25). */
const leadTimeFactor = (dlt: number): number => (dlt < 14 ? 0.75 : dlt <= 28 ? 0.5 : 0.25);
/** Variability factor by the coefficient of variation of weekly demand (low 0.25, medium 0.5, high 0.75). */
const variabilityFactor = (cv: number): number => (cv < 0.5 ? 0.25 : cv <= 1 ? 0.5 : 0.75);

/**
 * A DDMRP buffer recomputed every week: ADU over the past 120 days (OCA's default "Past (120 days)"),
 * DLT = the vendor's lead time; red = ADU·DLT·LTF·(1 + VF) × knob (a red zone adjustment factor),
 * yellow = ADU·DLT, green = max(ADU·order cycle (7 days), ADU·DLT·LTF, MOQ). Net flow position =
 * on hand + on order (no qualified demand: the simulation has no open sales); when it is at or below
 * the top of yellow, order up to the top of green.
 */
export const ddmrpPolicy = (redFactor: number): Policy => ({
  name: 'ddmrp',
  review(state: ReviewState, orders: Float64Array): void {
    const { world, week } = state;
    for (const sku of world.skus) {
      const i = sku.index;
      const weekly = state.sales[i]!;
      const adu = meanOfLast(weekly, week, 17) / 7;
      const dlt = world.vendors[sku.vendor]!.leadDays;
      const mean = meanOfLast(weekly, week, 52);
      let sq = 0;
      for (let w = Math.max(0, week - 52); w < week; w++) sq += (weekly[w]! - mean) ** 2;
      const cv = mean > 0 ? Math.sqrt(sq / 52) / mean : 0;
      const ltf = leadTimeFactor(dlt);
      const redBase = adu * dlt * ltf;
      const red = redBase * (1 + variabilityFactor(cv)) * redFactor;
      const yellow = adu * dlt;
      const green = Math.max(adu * 7, redBase, sku.minQty);
      const topOfYellow = red + yellow;
      const topOfGreen = topOfYellow + green;
      const netFlow = state.onHand[i]! + state.onOrder[i]!;
      if (netFlow <= topOfYellow && topOfGreen - netFlow > 1e-9) orders[i] = round(sku, topOfGreen - netFlow);
    }
  },
});

export type PolicyName = 'planner' | 'minmax' | 'minmax-quarterly' | 'ddmrp';

export interface Knob {
  readonly name: string;
  readonly lo: number;
  readonly hi: number;
  /** Bisect on a log scale (multipliers). */
  readonly log: boolean;
  readonly make: (value: number) => Policy;
}

/** Each policy's knob and its range. */
export const KNOBS: Readonly<Record<PolicyName, Knob>> = {
  planner: { name: 'z (service level)', lo: 0, hi: 3.719, log: false, make: (z) => plannerPolicy(z) },
  minmax: { name: 'min/max multiplier', lo: 0.25, hi: 40, log: true, make: (m) => minMaxPolicy(m) },
  'minmax-quarterly': { name: 'min/max multiplier', lo: 0.25, hi: 40, log: true, make: (m) => minMaxPolicy(m, 13) },
  ddmrp: { name: 'red zone factor', lo: 0.01, hi: 40, log: true, make: (f) => ddmrpPolicy(f) },
};
