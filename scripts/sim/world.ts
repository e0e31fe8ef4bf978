/**
 * A seeded synthetic distributor (docs/planner.md, "Simulator"): vendors with nominal lead times and
 * their noise, SKUs with daily demand of four kinds, promotions, costs, minimum order quantities and
 * packs. Day 0 is a Monday; the first `historyWeeks` weeks are the history the policies start from,
 * then `warmupWeeks` weeks that are simulated but not measured, then `simWeeks` measured weeks.
 */
import { gamma, keyed, lognormal, normal, pick, poisson, uniform, type Random } from './rng.ts';

export type SkuKind = 'smooth' | 'seasonal' | 'intermittent' | 'lumpy';
export const SKU_KINDS: readonly SkuKind[] = ['smooth', 'seasonal', 'intermittent', 'lumpy'];

export interface WorldConfig {
  readonly seed: number;
  readonly skus: number;
  readonly vendors: number;
  readonly historyWeeks: number;
  readonly warmupWeeks: number;
  readonly simWeeks: number;
  /** Shares of the SKU kinds (normalised). */
  readonly mix: Readonly<Record<SkuKind, number>>;
  /** Share of smooth and seasonal SKUs with promotions (2 to 3 weeks a year at 1.8 to 3 times the demand). */
  readonly promoShare: number;
}

export const DEFAULT_WORLD: WorldConfig = {
  seed: 2026,
  skus: 400,
  vendors: 8,
  historyWeeks: 156,
  warmupWeeks: 13,
  simWeeks: 52,
  mix: { smooth: 0.3, seasonal: 0.15, intermittent: 0.35, lumpy: 0.2 },
  promoShare: 0.3,
};

export interface Vendor {
  readonly code: string;
  /** Nominal (promised) lead time in days: what the vendor terms say. */
  readonly leadDays: number;
  /** Spread of the actual lead time: lognormal factor with this σ. */
  readonly noise: number;
  /** Probability that an order is late by `lateDays` on top. */
  readonly lateProb: number;
  readonly lateDays: number;
}

export interface Sku {
  readonly index: number;
  readonly sku: string;
  readonly kind: SkuKind;
  readonly vendor: number;
  readonly unitCost: number;
  readonly minQty: number;
  readonly multiple: number | false;
  /** Daily demand over every day of the world. */
  readonly demand: Float64Array;
  /** Mean daily demand of the history (for sizing packs and the initial stock). */
  readonly meanDaily: number;
}

export interface World {
  readonly config: WorldConfig;
  readonly days: number;
  /** First simulated day (the end of the history) and first measured day. */
  readonly simStart: number;
  readonly measureStart: number;
  readonly vendors: readonly Vendor[];
  readonly skus: readonly Sku[];
}

// Distributors ship on weekdays: a profile over Monday … Sunday (mean 1).
const WEEKDAY = [1.25, 1.15, 1.1, 1.1, 1.2, 0.15, 0.05];

const makeVendor = (r: Random, i: number): Vendor => ({
  code: `V${String(i + 1).padStart(2, '0')}`,
  leadDays: pick(r, [5, 7, 10, 14, 21, 28, 42]),
  noise: uniform(r, 0.05, 0.35),
  lateProb: uniform(r, 0, 0.15),
  lateDays: Math.round(uniform(r, 3, 14)),
});

const kindOf = (r: Random, mix: WorldConfig['mix']): SkuKind => {
  const total = SKU_KINDS.reduce((s, k) => s + mix[k], 0);
  let u = r() * total;
  for (const k of SKU_KINDS) {
    u -= mix[k];
    if (u < 0) return k;
  }
  return 'smooth';
};

/** Daily demand of one SKU over `days` days. */
const dailyDemand = (r: Random, kind: SkuKind, days: number, promo: boolean): Float64Array => {
  const out = new Float64Array(days);
  if (kind === 'intermittent' || kind === 'lumpy') {
    const p = kind === 'intermittent' ? uniform(r, 0.02, 0.09) : uniform(r, 0.008, 0.04);
    const meanSize = kind === 'intermittent' ? uniform(r, 0, 3) : uniform(r, 4, 40);
    for (let d = 0; d < days; d++) {
      if (r() < (p * 7 * WEEKDAY[d % 7]!) / 7) {
        out[d] = kind === 'intermittent' ? 1 + poisson(r, meanSize) : Math.max(1, Math.round(lognormal(r, Math.log(meanSize), 1)));
      }
    }
    return out;
  }
  const base = lognormal(r, Math.log(6), 0.9);
  const trend = r() < 0.3 ? uniform(r, -0.25, 0.35) : 0;
  const amplitude = kind === 'seasonal' ? uniform(r, 0.3, 0.8) : 0;
  const phase = uniform(r, 0, 2 * Math.PI);
  // Over-dispersion: a gamma-distributed daily rate (negative binomial counts).
  const shape = uniform(r, 2, 8);
  const promoWeeks = new Set<number>();
  if (promo) {
    for (let y = 0; y * 52 < days / 7; y++) {
      const count = 2 + Math.floor(r() * 2);
      for (let k = 0; k < count; k++) promoWeeks.add(y * 52 + Math.floor(r() * 52));
    }
  }
  const uplift = uniform(r, 1.8, 3);
  for (let d = 0; d < days; d++) {
    const years = d / 365.25;
    let rate = base * WEEKDAY[d % 7]! * Math.max(0.1, 1 + trend * years) * (1 + amplitude * Math.sin(2 * Math.PI * years + phase));
    if (promoWeeks.has(Math.floor(d / 7))) rate *= uplift;
    out[d] = poisson(r, (rate * gamma(r, shape)) / shape);
  }
  return out;
};

const PACKS = [1, 2, 4, 6, 10, 12, 24, 48];

export const makeWorld = (config: Partial<WorldConfig> = {}): World => {
  const c: WorldConfig = { ...DEFAULT_WORLD, ...config, mix: { ...DEFAULT_WORLD.mix, ...config.mix } };
  const days = (c.historyWeeks + c.warmupWeeks + c.simWeeks) * 7;
  const r = keyed(c.seed, 1);
  const vendors = Array.from({ length: c.vendors }, (_, i) => makeVendor(r, i));
  const skus: Sku[] = [];
  for (let i = 0; i < c.skus; i++) {
    const s = keyed(c.seed, 2, i);
    const kind = kindOf(s, c.mix);
    const vendor = Math.floor(s() * c.vendors);
    const promo = (kind === 'smooth' || kind === 'seasonal') && s() < c.promoShare;
    const unitCost = Math.round(lognormal(s, Math.log(20), 1) * 100) / 100;
    const demand = dailyDemand(keyed(c.seed, 3, i), kind, days, promo);
    let sum = 0;
    for (let d = 0; d < c.historyWeeks * 7; d++) sum += demand[d]!;
    const meanDaily = sum / (c.historyWeeks * 7);
    // A pack of at most about a week of demand; a minimum order of about one to three weeks for a third.
    const weekly = meanDaily * 7;
    const fitting = PACKS.filter((p) => p <= Math.max(1, weekly));
    const multiple = s() < 0.5 ? pick(s, fitting) : false;
    const minQty = s() < 0.33 ? Math.max(1, Math.round(weekly * uniform(s, 1, 3))) : 0;
    skus.push({
      index: i,
      sku: `SIM-${String(i + 1).padStart(5, '0')}`,
      kind,
      vendor,
      unitCost,
      minQty,
      multiple: multiple === 1 ? false : multiple,
      demand,
      meanDaily,
    });
  }
  return { config: c, days, simStart: c.historyWeeks * 7, measureStart: (c.historyWeeks + c.warmupWeeks) * 7, vendors, skus };
};

/**
 * The actual lead time in days of an order of `sku` placed on `day`: the nominal one times a lognormal
 * factor, sometimes late on top; the same for every policy that orders that SKU on that day.
 */
export const actualLeadDays = (world: World, sku: Sku, day: number): number => {
  const v = world.vendors[sku.vendor]!;
  const r = keyed(world.config.seed, 4, sku.index, day);
  const late = r() < v.lateProb ? v.lateDays : 0;
  return Math.max(1, Math.round(v.leadDays * Math.exp(v.noise * normal(r) - (v.noise * v.noise) / 2) + late));
};

/** Lead times measured before the simulation starts (the receipts of the history), per vendor. */
export const historicLeadTimes = (world: World, vendor: number, count = 8): number[] => {
  const v = world.vendors[vendor]!;
  const r = keyed(world.config.seed, 5, vendor);
  return Array.from({ length: count }, () =>
    Math.max(1, Math.round(v.leadDays * Math.exp(v.noise * normal(r) - (v.noise * v.noise) / 2) + (r() < v.lateProb ? v.lateDays : 0))),
  );
};
