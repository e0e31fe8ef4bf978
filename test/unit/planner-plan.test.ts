import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../agent/errors.ts';
import { externalId, plan, type ItemPlan } from '../../agent/planner/index.ts';
import { ForecastLine, ProposalLine, type SnapshotItem } from '../../shared-types/index.ts';

// 2026-12-02 is a Wednesday: its week starts on Monday 2026-11-30; 156 weeks of history end the Sunday before.
const META = { as_of: '2026-12-02', history_start: '2023-12-04', weeks: 156 };

const item = (over: Partial<SnapshotItem> = {}): SnapshotItem => ({
  product_id: 1,
  sku: 'SKU-1',
  warehouse_id: 1,
  warehouse: 'WH',
  company_id: 1,
  uom: 'Units',
  category: 'All',
  service_level: 0.95,
  unit_cost: 4,
  demand: Array.from({ length: 156 }, () => 10),
  stockout_days: Array.from({ length: 156 }, () => 0),
  on_hand: 20,
  reserved: 0,
  incoming: 5,
  outgoing: 3,
  vendor: { code: 'ACME', partner_id: 7, lead_time_days: 21, min_qty: 30, multiple: 12, price: 5, currency: 'EUR' },
  lead_time: { samples: 8, mean_days: 14, std_days: 7, mean_delay_days: 1 },
  reorder_rule: false,
  resupply_from: false,
  ...over,
});

const close = (actual: number | undefined, expected: number, message: string, eps = 1e-3): void => {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= eps, `${message}: ${actual} ≠ ${expected}`);
};

const only = (items: SnapshotItem[], options: Parameters<typeof plan>[2] = { runRef: 'RUN-1' }) => {
  const result = plan(META, items, options);
  for (const p of result.proposals) ProposalLine.parse(p);
  for (const f of result.forecasts) ForecastLine.parse(f);
  return result;
};

test('a steady item below its reorder point: SS from the lead-time spread, ROP, S, rounding to the vendor minimum and multiple', () => {
  const { proposals, items } = only([item()]);
  const plan1 = items[0] as ItemPlan;
  assert.is(plan1.demandClass, 'smooth');
  assert.is(plan1.forecastPerWeek, 10);
  // L = 14/7 = 2 weeks, σL = 7/7 = 1 week, σd = 0 (every week 10, every method exact):
  // SS = 1.6449 × √(2·0² + 10²·1²) = 16.449; ROP = 10·2 + 16.449 = 36.449; S = ROP + 10·1 = 46.449
  close(plan1.safetyStock, 16.449, 'safety stock');
  close(plan1.reorderPoint, 36.449, 'reorder point');
  close(plan1.orderUpTo, 46.449, 'order-up-to');
  // IP = 20 + 5 − 3 = 22 ≤ 36.449: S − IP = 24.449 → vendor minimum 30 → multiple of 12: 36
  assert.is(plan1.inventoryPosition, 22);
  assert.is(plan1.orderQuantity, 36);
  assert.is(proposals.length, 1);
  const p = proposals[0]!;
  assert.equal(
    { id: p.external_id, kind: p.kind, vendor: p.vendor, quantity: p.quantity, order_by: p.order_by, need_by: p.need_by, value: p.value },
    {
      id: 'RUN-1/SKU-1@WH/purchase',
      kind: 'purchase',
      vendor: 'ACME',
      quantity: 36,
      order_by: '2026-12-02',
      need_by: '2026-12-16',
      value: 180,
    },
  );
  const e = p.explanation!;
  close(e.forecast_over_lead_time, 20, 'forecast over the lead time');
  close(e.safety_stock, 16.449, 'explained safety stock');
  assert.equal([e.on_hand, e.on_order, e.lead_time_days, e.service_level, e.demand_class], [20, 5, 14, 0.95, 'smooth']);
  assert.equal(e.flags, ['rounded_to_min_qty', 'rounded_to_multiple']);
  assert.match(e.reason ?? '', /order 24\.4, rounded up to 36 \(vendor minimum 30, multiple of 12\)/);
  assert.match(e.reason ?? '', /156 weeks of history/);
});

test("fewer than 3 measured receipts: the vendor terms' lead time, no spread, flagged", () => {
  const { items, proposals } = only([
    item({
      lead_time: { samples: 2, mean_days: 30, std_days: 20, mean_delay_days: 0 },
      vendor: { code: 'ACME', partner_id: 7, lead_time_days: 21, min_qty: 0, multiple: false, price: 5, currency: 'EUR' },
    }),
  ]);
  const p = items[0]!;
  assert.is(p.leadTimeDays, 21);
  assert.is(p.safetyStock, 0, 'σd = 0 and σL = 0');
  close(p.reorderPoint, 30, 'd·L = 10 × 3');
  // IP 22 ≤ 30: order S − IP = 40 − 22 = 18, whole units
  assert.is(p.orderQuantity, 18);
  assert.ok(p.flags.includes('lead_time_from_terms'));
  assert.is(proposals[0]!.need_by, '2026-12-23');
  const none = only([item({ vendor: false, lead_time: false })]).items[0]!;
  assert.is(none.leadTimeDays, 14, 'neither: the default lead time');
  assert.ok(none.flags.includes('lead_time_default'));
});

test("a warehouse resupplied by another: a transfer at the route's lead time, valued at cost", () => {
  // L = 1 week, no spread: ROP = 10, S = 20; IP 22 > 10: nothing to order.
  assert.equal(only([item({ resupply_from: { warehouse: 'CENTRAL', lead_time_days: 7 } })]).proposals, []);
  const { proposals } = only([item({ on_hand: 0, incoming: 0, outgoing: 0, resupply_from: { warehouse: 'CENTRAL', lead_time_days: 7 } })]);
  const p = proposals[0]!;
  assert.is(p.kind, 'transfer');
  assert.is(p.external_id, 'RUN-1/SKU-1@WH/transfer');
  assert.is(p.source_warehouse, 'CENTRAL');
  assert.is(p.vendor, undefined);
  assert.is(p.quantity, 20, "S − IP = 20 − 0, not rounded to the vendor's minimum or multiple");
  assert.is(p.value, 80, '20 × unit cost 4');
  assert.is(p.need_by, '2026-12-09');
});

test('no vendor: a purchase with vendor false (the addon parks it as an exception) and the flag', () => {
  const { proposals } = only([item({ vendor: false })]);
  assert.is(proposals[0]!.vendor, false);
  assert.ok(proposals[0]!.explanation!.flags!.includes('no_vendor'));
});

test('nothing ordered above the reorder point; a parameter proposal when the rule is off by more than 10 %', () => {
  const high = { on_hand: 200, incoming: 0, outgoing: 0 };
  assert.equal(only([item(high)]).proposals, []);
  // ROP 36.449 → 37, S 46.449 → 47 (rounded up): a rule 20/40 is off; 36/46 is within 10 %.
  const off = only([item({ ...high, reorder_rule: { id: 3, min_qty: 20, max_qty: 40, multiple: 1 } })]).proposals;
  assert.is(off.length, 1);
  assert.equal(
    { id: off[0]!.external_id, kind: off[0]!.kind, parameter: off[0]!.parameter },
    { id: 'RUN-1/SKU-1@WH/parameter', kind: 'parameter', parameter: { min_qty: 37, max_qty: 47 } },
  );
  assert.equal(only([item({ ...high, reorder_rule: { id: 3, min_qty: 36, max_qty: 46, multiple: 1 } })]).proposals, []);
});

test('a reordering rule orders the item in Odoo: below the reorder point the planner proposes min and max, never an order beside the rule', () => {
  const low = { on_hand: 0, incoming: 0, outgoing: 0 };
  const alone = only([item(low)]).proposals;
  assert.equal(
    alone.map((p) => p.kind),
    ['purchase'],
    'without a rule: a purchase',
  );
  const ruled = only([item({ ...low, reorder_rule: { id: 3, min_qty: 5, max_qty: 10, multiple: 1 } })]).proposals;
  assert.equal(
    ruled.map((p) => p.kind),
    ['parameter'],
    'with a rule that is off: only its new min and max',
  );
  assert.ok(ruled[0]!.explanation!.flags!.includes('ordered_by_reorder_rule'));
  assert.match(ruled[0]!.explanation!.reason ?? '', /reordering rule \(min 5, max 10\) orders it/);
  const rop = only([item(low)]).items[0]!;
  const fine = { id: 3, min_qty: Math.ceil(rop.reorderPoint), max_qty: Math.ceil(rop.orderUpTo), multiple: 1 };
  assert.equal(only([item({ ...low, reorder_rule: fine })]).proposals, [], 'with a rule that is right: nothing to propose');
});

test("weekly forecast lines: the Mondays after as_of's week, one id per week", () => {
  const { forecasts } = only([item()], { runRef: 'RUN-1', horizonWeeks: 3 });
  assert.equal(
    forecasts.map((f) => [f.external_id, f.period_start, f.granularity, f.quantity]),
    [
      ['RUN-1/SKU-1@WH/2026-12-07', '2026-12-07', 'week', 10],
      ['RUN-1/SKU-1@WH/2026-12-14', '2026-12-14', 'week', 10],
      ['RUN-1/SKU-1@WH/2026-12-21', '2026-12-21', 'week', 10],
    ],
  );
  assert.equal(only([item()], { runRef: 'RUN-1', horizonWeeks: 0 }).forecasts, []);
});

test('no history, a single sale, only zeros: a floor method, flags, finite numbers, no crash', () => {
  const empty = only([item({ demand: [], stockout_days: [], on_hand: 0, incoming: 0, outgoing: 0 })]);
  const e = empty.items[0]!;
  assert.equal([e.demandClass, e.method, e.forecastPerWeek, e.safetyStock], ['none', 'floor', 0, 0]);
  assert.ok(e.flags.includes('no_history'));
  assert.equal(empty.proposals, [], 'nothing to order for a product that never sold');
  const backorder = only([item({ demand: [], stockout_days: [], on_hand: 0, incoming: 0, outgoing: 4 })]).proposals;
  assert.is(backorder[0]!.quantity, 36, 'open sales beyond stock are still covered: 4 → minimum 30 → multiple of 12');

  const single = only([item({ demand: Array.from({ length: 156 }, (_, i) => (i === 150 ? 78 : 0)), on_hand: 0, incoming: 0, outgoing: 0 })])
    .items[0]!;
  assert.is(single.method, 'floor');
  assert.ok(single.flags.includes('single_sale'));
  close(single.forecastPerWeek, 0.5, '78 over 156 weeks');
  assert.is(single.mase, false);

  const zeros = only([item({ demand: Array.from({ length: 156 }, () => 0) })]).items[0]!;
  assert.equal([zeros.demandClass, zeros.method, zeros.forecastPerWeek], ['none', 'floor', 0]);
  assert.ok(zeros.flags.includes('no_demand'));
});

test('stockout weeks are left out of the forecast and said so', () => {
  const demand = Array.from({ length: 156 }, () => 10);
  const stockout = Array.from({ length: 156 }, () => 0);
  for (const w of [150, 151, 152, 153]) {
    demand[w] = 0;
    stockout[w] = 7;
  }
  const { items, proposals } = only([item({ demand, stockout_days: stockout })]);
  assert.is(items[0]!.forecastPerWeek, 10, 'four weeks at 0 while out of stock are not four weeks of zero demand');
  assert.is(items[0]!.stockoutWeeks, 4);
  assert.ok(items[0]!.flags.includes('stockout_weeks'));
  assert.match(proposals[0]!.explanation!.reason ?? '', /4 stockout weeks left out/);
  // Counted as zeros, the same weeks drag the forecast down.
  const naive = only([item({ demand, stockout_days: Array.from({ length: 156 }, () => 0) })]).items[0]!;
  assert.ok(naive.forecastPerWeek < 10);
});

test('safetyPeriod: by default the safety stock covers L + R (periodic review), with lead_time only L', () => {
  // Noisy weekly demand, vendor terms' lead time (σL = 0): SS = z·σd·√L, or z·σd·√(L + R).
  const demand = Array.from({ length: 156 }, (_, i) => [8, 12, 10, 9, 11, 14, 6][i % 7]!);
  const base = item({ demand, lead_time: false });
  const lead = only([base], { runRef: 'RUN-1', safetyPeriod: 'lead_time' }).items[0]!;
  const both = only([base], { runRef: 'RUN-1', safetyPeriod: 'lead_time_and_review' }).items[0]!;
  assert.is(only([base]).items[0]!.safetyStock, both.safetyStock, 'L + R is the default (weekly review)');
  assert.ok(lead.safetyStock > 0);
  close(both.safetyStock / lead.safetyStock, Math.sqrt((3 + 1) / 3), 'L = 21 days = 3 weeks, R = 1 week', 1e-9);
  close(both.reorderPoint - lead.reorderPoint, both.safetyStock - lead.safetyStock, 'only the safety stock changes', 1e-9);
});

test('options are checked once, naming the key and the value', () => {
  assert.throws(
    () => plan(META, [], { runRef: 'R', horizonWeeks: -1 }),
    (e: unknown) => e instanceof ConfigError && /horizonWeeks.*-1/.test(e.message),
  );
  assert.throws(
    () => plan(META, [], { runRef: 'R', stockoutDays: 9 }),
    (e: unknown) => e instanceof ConfigError && /stockoutDays.*9/.test(e.message),
  );
  assert.throws(() => plan(META, [], { runRef: '' }), /runRef/);
  assert.throws(() => plan(META, [], { runRef: 'R', safetyPeriod: 'forever' as 'lead_time' }), /safetyPeriod.*"forever"/);
});

test('an external id longer than 128 characters keeps its kind and becomes unique by a hash', () => {
  const long = 'S'.repeat(120);
  const a = externalId('RUN', long, 'WH1', 'purchase');
  const b = externalId('RUN', long, 'WH2', 'purchase');
  assert.ok(a.length <= 128 && b.length <= 128);
  assert.ok(a.endsWith('/purchase'));
  assert.is.not(a, b);
  assert.is(externalId('RUN', 'A', 'B', 'transfer'), 'RUN/A@B/transfer');
});

const finiteEverywhere = (value: unknown, path = '$'): void => {
  if (typeof value === 'number') assert.ok(Number.isFinite(value), `${path} = ${value}`);
  else if (Array.isArray(value)) value.forEach((v, i) => finiteEverywhere(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) finiteEverywhere(v, `${path}.${k}`);
};

test('property: whatever the history, every number out is finite and every line valid', () => {
  const qty = fc.oneof(fc.double({ min: -1e9, max: 1e9, noNaN: true }), fc.integer({ min: -5, max: 50 }), fc.constant(0));
  const arbItem = fc.record({
    weeks: fc.array(fc.tuple(qty, fc.integer({ min: 0, max: 7 })), { maxLength: 170 }),
    onHand: fc.double({ min: -1e6, max: 1e9, noNaN: true }),
    incoming: fc.double({ min: 0, max: 1e9, noNaN: true }),
    outgoing: fc.double({ min: 0, max: 1e9, noNaN: true }),
    level: fc.double({ min: 0.5, max: 0.9999, noNaN: true }),
    vendor: fc.option(
      fc.record({
        lead: fc.double({ min: 0, max: 400, noNaN: true }),
        min: fc.double({ min: 0, max: 1e6, noNaN: true }),
        multiple: fc.option(fc.double({ min: 0.001, max: 1e4, noNaN: true }), { nil: false as const }),
        price: fc.double({ min: 0, max: 1e5, noNaN: true }),
      }),
      { nil: false as const },
    ),
    measured: fc.option(
      fc.record({
        samples: fc.integer({ min: 0, max: 50 }),
        mean: fc.double({ min: 0, max: 400, noNaN: true }),
        std: fc.double({ min: 0, max: 200, noNaN: true }),
      }),
      { nil: false as const },
    ),
    transfer: fc.option(fc.double({ min: 0, max: 60, noNaN: true }), { nil: false as const }),
    rule: fc.option(fc.tuple(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })), {
      nil: false as const,
    }),
  });
  fc.assert(
    fc.property(fc.array(arbItem, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 20 }), (arbitrary, horizon) => {
      const items = arbitrary.map((a, i) =>
        item({
          sku: `P${i}`,
          demand: a.weeks.map(([q]) => q),
          stockout_days: a.weeks.map(([, d]) => d),
          on_hand: a.onHand,
          incoming: a.incoming,
          outgoing: a.outgoing,
          service_level: a.level,
          vendor: a.vendor
            ? {
                code: 'V',
                partner_id: 1,
                lead_time_days: a.vendor.lead,
                min_qty: a.vendor.min,
                multiple: a.vendor.multiple,
                price: a.vendor.price,
                currency: 'EUR',
              }
            : false,
          lead_time: a.measured
            ? { samples: a.measured.samples, mean_days: a.measured.mean, std_days: a.measured.std, mean_delay_days: 0 }
            : false,
          resupply_from: a.transfer === false ? false : { warehouse: 'SRC', lead_time_days: a.transfer },
          reorder_rule: a.rule ? { id: 1, min_qty: a.rule[0], max_qty: Math.max(a.rule[0], a.rule[1]), multiple: 1 } : false,
        }),
      );
      const result = plan(META, items, { runRef: 'PROP', horizonWeeks: horizon });
      finiteEverywhere(result);
      for (const p of result.proposals) ProposalLine.parse(p);
      for (const f of result.forecasts) ForecastLine.parse(f);
      assert.is(result.items.length, items.length);
      assert.is(result.forecasts.length, items.length * horizon);
    }),
    { numRuns: 300 },
  );
});

test.run();
