/**
 * `plan`: the embedded planner over the items of a planning snapshot (docs/planner.md). Pure and
 * synchronous: no I/O, no clock (the snapshot's `as_of` is the planning date).
 *
 * Per product × warehouse: forecast the weekly demand (forecast.ts), safety stock from the service
 * level (safety.ts), reorder point and order-up-to (policy.ts), a purchase or transfer proposal when
 * the inventory position is at or below the reorder point, a parameter proposal when the warehouse's
 * reordering rule is off the plan, and weekly forecast lines.
 */
import type { ForecastLine, ProposalLine, SnapshotItem } from '../../shared-types/index.ts';
import type { DemandClass } from './classify.ts';
import { forecastSeries, newWorkspace, type Flag, type SeriesForecast } from './forecast.ts';
import { describe, type MethodName } from './methods.ts';
import { resolveOptions, type PlanOptions, type ResolvedOptions } from './options.ts';
import { ceilTo, reviewPolicy, roundOrder, ruleDiffers } from './policy.ts';
import { leadTimeOf, safetyStock, sumOver, zScore, type LeadTime } from './safety.ts';

export interface SnapshotMeta {
  /** The planning date (YYYY-MM-DD). */
  readonly as_of: string;
  /** Monday of the first history week. */
  readonly history_start: string;
  readonly weeks: number;
}

/** What the planner decided for one product × warehouse (also when it proposes nothing). */
export interface ItemPlan {
  readonly sku: string;
  readonly warehouse: string;
  readonly demandClass: DemandClass;
  readonly adi: number;
  readonly cv2: number;
  readonly method: MethodName;
  /** The chosen parameters, e.g. `α=0.2`. */
  readonly params: string;
  /** Backtest MASE of the chosen method (false without a backtest) and of the naive forecast. */
  readonly mase: number | false;
  readonly naiveMase: number | false;
  readonly weeksOfHistory: number;
  readonly stockoutWeeks: number;
  /** Forecast per week over the lead time, and over the whole lead time. */
  readonly forecastPerWeek: number;
  readonly forecastOverLeadTime: number;
  /** The weekly forecasts from as_of's week on (the current week first). */
  readonly forecast: readonly number[];
  readonly sigmaWeek: number;
  readonly leadTimeDays: number;
  readonly leadTimeSdDays: number;
  readonly serviceLevel: number;
  readonly z: number;
  readonly safetyStock: number;
  readonly reorderPoint: number;
  readonly orderUpTo: number;
  readonly inventoryPosition: number;
  /** The proposal's quantity (rounded), 0 when none. */
  readonly orderQuantity: number;
  readonly flags: readonly Flag[];
}

export interface PlanResult {
  readonly proposals: ProposalLine[];
  readonly forecasts: ForecastLine[];
  readonly items: ItemPlan[];
}

const DAY_MS = 86_400_000;
const Z80 = 1.2815515655446004;

const dayNumber = (iso: string): number => {
  const t = Date.parse(`${iso}T00:00:00Z`);
  if (Number.isNaN(t)) throw new RangeError(`not a date YYYY-MM-DD: ${JSON.stringify(iso)}`);
  return Math.round(t / DAY_MS);
};
const isoOf = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
/** Monday on or before the day (1970-01-01 was a Thursday: day 0 → weekday 3 counting from Monday). */
const mondayOf = (day: number): number => day - ((((day + 3) % 7) + 7) % 7);

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
/** A number for people: 1234, 116.8, 0.14 (no trailing zeros). */
const fmt = (x: number): string => {
  const a = Math.abs(x);
  return String(Number(x.toFixed(a >= 1000 ? 0 : a >= 10 ? 1 : 2)));
};
const finiteOr = (x: number, fallback: number): number => (Number.isFinite(x) ? x : fallback);

const MAX_ID = 128;
/** FNV-1a, 32 bits, hex: shortens an external id that would pass 128 characters. */
const fnv = (s: string): string => {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
};
/** `${runRef}/${sku}@${warehouse}/${suffix}`; when longer than 128 characters, its middle becomes a hash. */
export const externalId = (runRef: string, sku: string, warehouse: string, suffix: string): string => {
  const id = `${runRef}/${sku}@${warehouse}/${suffix}`;
  if (id.length <= MAX_ID) return id;
  const tail = `~${fnv(id)}/${suffix}`;
  return `${id.slice(0, MAX_ID - tail.length)}${tail}`;
};

const METHOD_LABEL: Record<MethodName, string> = {
  ses: 'simple exponential smoothing',
  holt: 'damped Holt',
  holt_winters: 'Holt–Winters with a 52-week season',
  croston: 'Croston',
  sba: 'SBA (Syntetos–Boylan)',
  tsb: 'TSB (Teunter–Syntetos–Babai)',
  naive: 'the naive forecast',
  seasonal_naive: 'the seasonal naive forecast',
  floor: 'the mean of the window',
};
const LEAD_SOURCE: Record<LeadTime['source'], string> = {
  measured: 'measured on receipts',
  terms: 'vendor terms',
  transfer: 'resupply route',
  default: 'default: no vendor terms',
};

interface ReasonInput {
  readonly f: SeriesForecast;
  readonly item: SnapshotItem;
  readonly options: ResolvedOptions;
  readonly lead: LeadTime;
  readonly plan: ItemPlan;
  readonly raw: number;
  readonly rounding: string;
}

/** The explanation a planner reads on the proposal. */
const reasonOf = ({ f, item, options, lead, plan, raw, rounding }: ReasonInput): string => {
  const parts: string[] = [];
  parts.push(
    f.demandClass === 'none'
      ? 'No demand class (no demand in the history).'
      : `${f.demandClass[0]!.toUpperCase()}${f.demandClass.slice(1)} demand (ADI ${fmt(f.adi)}, CV² ${fmt(f.cv2)}).`,
  );
  const params = describe(f.candidate);
  const method = `${METHOD_LABEL[f.method]}${params ? ` (${params})` : ''}`;
  if (f.backtested)
    parts.push(
      `Forecast by ${method}, chosen on a backtest of the last ${options.backtestWeeks} weeks: MASE ${fmt(f.mase)} (naive ${fmt(f.naiveMase)}).`,
    );
  else if (f.method === 'floor')
    parts.push(`Forecast: ${method}${f.flags.includes('single_sale') ? ', a single sale in the history' : ''}.`);
  else parts.push(`Forecast by ${method}: too little history for a backtest.`);
  parts.push(
    `${f.weeksOfHistory} weeks of history since the first sale${f.stockoutWeeks > 0 ? `, ${f.stockoutWeeks} stockout weeks left out` : ''}.`,
  );
  parts.push(
    `Forecast ${fmt(plan.forecastPerWeek)}/week, ${fmt(plan.forecastOverLeadTime)} over the lead time of ${fmt(lead.days)} days (${LEAD_SOURCE[lead.source]}${lead.sdDays > 0 ? `, σ ${fmt(lead.sdDays)} days` : ''}).`,
  );
  parts.push(
    `Safety stock ${fmt(plan.safetyStock)} for ${Math.round(plan.serviceLevel * 10_000) / 100}% service (z ${plan.z.toFixed(2)}, forecast error σ ${fmt(plan.sigmaWeek)}/week).`,
  );
  parts.push(
    `Reorder point ${fmt(plan.reorderPoint)}, order-up-to ${fmt(plan.orderUpTo)} (review every ${fmt(options.reviewWeeks)} week${options.reviewWeeks === 1 ? '' : 's'}).`,
  );
  if (raw > 0) {
    const position = `Position ${fmt(plan.inventoryPosition)} (on hand ${fmt(item.on_hand)} + incoming ${fmt(item.incoming)} − outgoing ${fmt(item.outgoing)}) is at or below the reorder point`;
    if (item.reorder_rule !== false) {
      parts.push(
        `${position}; the reordering rule (min ${fmt(item.reorder_rule.min_qty)}, max ${fmt(item.reorder_rule.max_qty)}) orders it, so no order is proposed beside it.`,
      );
    } else {
      parts.push(`${position}: order ${fmt(raw)}${rounding}.`);
    }
  }
  if (f.flags.length > 0) parts.push(`Check: ${f.flags.join(', ')}.`);
  return parts.join(' ').slice(0, 2000);
};

/** Plans every item; see the module's comment. Throws a ConfigError on a bad option, a RangeError on a bad date. */
export const plan = (meta: SnapshotMeta, items: readonly SnapshotItem[], planOptions: PlanOptions): PlanResult => {
  const options = resolveOptions(planOptions);
  const historyStart = dayNumber(meta.history_start);
  const asOf = dayNumber(meta.as_of);
  const asOfWeekStart = mondayOf(asOf);
  const asOfWeek = Math.floor((asOfWeekStart - historyStart) / 7);
  const H = options.horizonWeeks;
  const R = options.reviewWeeks;
  const periods: string[] = [];
  for (let k = 1; k <= H; k++) periods.push(isoOf(asOfWeekStart + 7 * k));
  const ws = newWorkspace();
  const forecastOptions = {
    stockoutDays: options.stockoutDays,
    lowSalesShare: options.lowSalesShare,
    outlierK: options.outlierK,
    backtestWeeks: options.backtestWeeks,
    minTrainWeeks: options.minTrainWeeks,
  };
  const proposals: ProposalLine[] = [];
  const forecasts: ForecastLine[] = [];
  const planned: ItemPlan[] = [];

  for (const item of items) {
    const lead = leadTimeOf(item, options.minLeadTimeSamples, options.defaultLeadTimeDays);
    const L = lead.days / 7;
    const sdL = lead.sdDays / 7;
    const n = item.demand.length;
    // Path index 0 is the week after the history; `at` is as_of's week (normally 0).
    const at = Math.max(0, asOfWeek - n);
    const pathWeeks = at + Math.max(H + 1, Math.ceil(L + R) + 1);
    const f = forecastSeries(item.demand, item.stockout_days, L, pathWeeks, forecastOptions, ws);
    const flags = f.flags;
    if (lead.source === 'terms') flags.push('lead_time_from_terms');
    if (lead.source === 'default') flags.push('lead_time_default');

    const z = zScore(item.service_level);
    let overLead = sumOver(f.path, at, L);
    let overLeadAndReview = sumOver(f.path, at, L + R);
    let perWeek = L > 0 ? overLead / L : (f.path[at] ?? 0);
    let sigma = finiteOr(f.sigmaWeek, 0);
    let ss = safetyStock(z, options.safetyPeriod === 'lead_time' ? L : L + R, sigma, perWeek, sdL);
    let policy = reviewPolicy({
      overLead,
      overLeadAndReview,
      safetyStock: ss,
      onHand: finiteOr(item.on_hand, 0),
      incoming: finiteOr(item.incoming, 0),
      outgoing: finiteOr(item.outgoing, 0),
    });
    if (
      ![overLead, overLeadAndReview, perWeek, sigma, ss, policy.reorderPoint, policy.orderUpTo, policy.position, policy.raw].every(
        Number.isFinite,
      )
    ) {
      // Beyond what a double holds (absurd quantities): plan nothing rather than plan on infinities.
      flags.push('numeric_guard');
      overLead = 0;
      overLeadAndReview = 0;
      perWeek = 0;
      sigma = 0;
      ss = 0;
      policy = { reorderPoint: 0, orderUpTo: 0, position: 0, raw: 0 };
      f.path.fill(0);
    }

    const transfer = item.resupply_from !== false;
    const vendor = transfer ? false : item.vendor;
    let quantity = 0;
    let rounding = '';
    if (policy.raw > 0) {
      const r = vendor ? roundOrder(policy.raw, vendor.min_qty, vendor.multiple) : roundOrder(policy.raw, 0, false);
      quantity = r.quantity;
      if (r.toMinimum) flags.push('rounded_to_min_qty');
      if (r.toMultiple) flags.push('rounded_to_multiple');
      if (vendor && (r.toMinimum || r.toMultiple)) {
        const why = [
          r.toMinimum ? `vendor minimum ${fmt(vendor.min_qty)}` : '',
          r.toMultiple && vendor.multiple !== false ? `multiple of ${fmt(vendor.multiple)}` : '',
        ]
          .filter(Boolean)
          .join(', ');
        rounding = `, rounded up to ${fmt(quantity)} (${why})`;
      } else if (quantity !== policy.raw) {
        rounding = `, rounded up to ${fmt(quantity)}`;
      }
      if (!transfer && !vendor) flags.push('no_vendor');
    }

    const forecast: number[] = [];
    for (let j = at; j < pathWeeks; j++) forecast.push(round3(f.path[j]!));
    const itemPlan: ItemPlan = {
      sku: item.sku,
      warehouse: item.warehouse,
      demandClass: f.demandClass,
      adi: f.adi,
      cv2: f.cv2,
      method: f.method,
      params: describe(f.candidate),
      mase: Number.isFinite(f.mase) ? f.mase : false,
      naiveMase: Number.isFinite(f.naiveMase) ? f.naiveMase : false,
      weeksOfHistory: f.weeksOfHistory,
      stockoutWeeks: f.stockoutWeeks,
      forecastPerWeek: perWeek,
      forecastOverLeadTime: overLead,
      forecast,
      sigmaWeek: sigma,
      leadTimeDays: lead.days,
      leadTimeSdDays: lead.sdDays,
      serviceLevel: item.service_level,
      z,
      safetyStock: ss,
      reorderPoint: policy.reorderPoint,
      orderUpTo: policy.orderUpTo,
      inventoryPosition: policy.position,
      orderQuantity: quantity,
      flags,
    };
    planned.push(itemPlan);

    const ruleMin = ceilTo(policy.reorderPoint, 1);
    const ruleMax = Math.max(ruleMin, ceilTo(policy.orderUpTo, 1));
    // A reordering rule orders this item in Odoo: the planner proposes its min and max, never an
    // order of its own beside the rule's (that would order twice).
    const ruled = item.reorder_rule !== false;
    if (ruled && quantity > 0) flags.push('ordered_by_reorder_rule');
    const parameter = item.reorder_rule !== false && ruleDiffers(item.reorder_rule, ruleMin, ruleMax, options.parameterTolerance);
    if ((quantity > 0 && !ruled) || parameter) {
      const explanation = {
        forecast_over_lead_time: round3(overLead),
        safety_stock: round3(ss),
        on_hand: item.on_hand,
        on_order: item.incoming,
        lead_time_days: round3(lead.days),
        service_level: item.service_level,
        reason: reasonOf({ f, item, options, lead, plan: itemPlan, raw: policy.raw, rounding }),
        demand_class: f.demandClass,
        method: f.method,
        ...(flags.length > 0 ? { flags: flags.slice(0, 10) } : {}),
      };
      if (quantity > 0 && !ruled) {
        const kind = transfer ? 'transfer' : 'purchase';
        const price = vendor ? vendor.price : item.unit_cost;
        proposals.push({
          external_id: externalId(options.runRef, item.sku, item.warehouse, kind),
          revision: 1,
          kind,
          sku: item.sku,
          warehouse: item.warehouse,
          ...(transfer && item.resupply_from
            ? { source_warehouse: item.resupply_from.warehouse }
            : { vendor: vendor ? vendor.code : false }),
          quantity,
          order_by: meta.as_of,
          need_by: isoOf(asOf + Math.round(lead.days)),
          value: round3(finiteOr(quantity * price, 0)),
          explanation,
        });
      }
      if (parameter) {
        proposals.push({
          external_id: externalId(options.runRef, item.sku, item.warehouse, 'parameter'),
          revision: 1,
          kind: 'parameter',
          sku: item.sku,
          warehouse: item.warehouse,
          parameter: { min_qty: ruleMin, max_qty: ruleMax },
          explanation,
        });
      }
    }

    for (let k = 1; k <= H; k++) {
      const q = round3(f.path[at + k]!);
      const spread = Z80 * sigma;
      forecasts.push({
        external_id: externalId(options.runRef, item.sku, item.warehouse, periods[k - 1]!),
        revision: 1,
        sku: item.sku,
        warehouse: item.warehouse,
        period_start: periods[k - 1]!,
        granularity: 'week',
        quantity: q,
        lower: Math.min(q, round3(Math.max(0, q - spread))),
        upper: Math.max(q, round3(q + spread)),
      });
    }
  }
  return { proposals, forecasts, items: planned };
};
