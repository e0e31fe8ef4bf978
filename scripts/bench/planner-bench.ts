/**
 * `npm run bench:planner [-- --quick] [-- --seed N]`: the embedded planner's figures in one run
 * (docs/planner.md):
 * 1. speed: `plan` over 10,000 products × 5 warehouses × 156 weeks (classification, selection,
 *    safety stock, proposals and 13 weekly forecast lines each), items/s and peak RSS;
 * 2. forecast accuracy: mean MASE per demand class on the 13 held-out final weeks of synthetic series,
 *    the planner's chosen method against the naive and the seasonal naive forecasts;
 * 3. the simulator at the same fill rate (95 %): each policy's knob found by bisection, then its
 *    average inventory value, against Odoo min/max rules as a typical user sets them.
 * `--quick`: a smoke run on small sizes (seconds). Figures go to stdout as tables, then one line
 * `FIGURES {json}`.
 */
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import { clean, forecastSeries, maseScale, plan, type DemandClass, type SeriesView } from '../../agent/planner/index.ts';
import { calibrate, KNOBS, makeWorld, plannerPolicy, simulate, snapshotItems, type Knob, type SimResult } from '../sim/index.ts';

const { values: args } = parseArgs({ options: { quick: { type: 'boolean', default: false }, seed: { type: 'string', default: '2026' } } });
const quick = args.quick;
const seed = Number(args.seed);
const SIZES = quick
  ? { products: 1_000, warehouses: 5, weeks: 156, accuracySeries: 200, simSkus: 60, bisections: 6 }
  : { products: 10_000, warehouses: 5, weeks: 156, accuracySeries: 2_000, simSkus: 300, bisections: 12 };

const mb = (kb: number): number => Math.round(kb / 1024);
const pct = (x: number): string => `${(100 * x).toFixed(1)} %`;
const money = (x: number): string => Math.round(x).toLocaleString('en-US');
const table = (head: string[], rows: (string | number)[][]): string =>
  [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

console.log(`# Embedded planner benchmark${quick ? ' (--quick)' : ''}`);
console.log(
  `node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${Math.round(totalmem() / 2 ** 30)} GiB, seed ${seed}\n`,
);

// ---- 1. speed ----

const speed = (() => {
  let t = performance.now();
  const items = snapshotItems(seed, SIZES.products, SIZES.warehouses, SIZES.weeks);
  const generate = (performance.now() - t) / 1000;
  const meta = { as_of: '2026-12-02', history_start: '2023-12-04', weeks: SIZES.weeks };
  const load = loadavg()[0]!;
  const runs: { label: string; seconds: number; cpu: number; proposals: number; forecasts: number }[] = [];
  for (const [label, horizonWeeks] of [
    ['first (cold)', 13],
    ['second (warm)', 13],
    ['without forecast lines', 0],
  ] as const) {
    t = performance.now();
    const cpu = process.cpuUsage();
    const result = plan(meta, items, { runRef: 'BENCH', horizonWeeks });
    const used = process.cpuUsage(cpu);
    runs.push({
      label,
      seconds: (performance.now() - t) / 1000,
      cpu: (used.user + used.system) / 1e6,
      proposals: result.proposals.length,
      forecasts: result.forecasts.length,
    });
  }
  return { items: items.length, generate, runs, load, peakRssMb: mb(process.resourceUsage().maxRSS) };
})();

console.log(
  `## Speed: ${SIZES.products.toLocaleString('en-US')} products × ${SIZES.warehouses} warehouses × ${SIZES.weeks} weeks (one thread)\n`,
);
console.log(
  table(
    ['run', 'items', 'wall s', 'CPU s', 'items/s (wall)', 'proposals', 'forecast lines'],
    speed.runs.map((r) => [
      r.label,
      speed.items,
      r.seconds.toFixed(2),
      r.cpu.toFixed(2),
      Math.round(speed.items / r.seconds),
      r.proposals,
      r.forecasts,
    ]),
  ),
);
console.log(
  `\npeak RSS of the process so far (the input snapshot included): ${speed.peakRssMb} MB; generating the snapshot took ${speed.generate.toFixed(1)} s; load average before the runs: ${speed.load.toFixed(2)} (the machine's 2 cores are shared: wall time well above CPU time means other work ran; CPU time includes V8's GC helper threads)\n`,
);

// ---- 2. forecast accuracy ----

const HOLDOUT = 13;
const accuracy = (() => {
  const world = makeWorld({ seed: seed + 1, skus: SIZES.accuracySeries, historyWeeks: 156 + HOLDOUT, warmupWeeks: 0, simWeeks: 0 });
  const options = { stockoutDays: 4, lowSalesShare: 0.5, outlierK: 10, backtestWeeks: 26, minTrainWeeks: 13 };
  const groups = new Map<DemandClass, { n: number; chosen: number; naive: number; seasonal: number; methods: Map<string, number> }>();
  for (const sku of world.skus) {
    const weekly: number[] = [];
    for (let w = 0; w < 156 + HOLDOUT; w++) {
      let s = 0;
      for (let d = 0; d < 7; d++) s += sku.demand[w * 7 + d]!;
      weekly.push(s);
    }
    const train = weekly.slice(0, 156);
    const test = weekly.slice(156);
    const f = forecastSeries(train, [], world.vendors[sku.vendor]!.leadDays / 7, HOLDOUT, options);
    const series: SeriesView = clean(train, [], options);
    const scale = maseScale(series);
    let chosen = 0;
    let naive = 0;
    let seasonal = 0;
    for (let j = 0; j < HOLDOUT; j++) {
      chosen += Math.abs(test[j]! - f.path[j]!);
      naive += Math.abs(test[j]! - train[155]!);
      seasonal += Math.abs(test[j]! - train[156 + j - 52]!);
    }
    const g = groups.get(f.demandClass) ?? { n: 0, chosen: 0, naive: 0, seasonal: 0, methods: new Map<string, number>() };
    g.n++;
    g.chosen += chosen / HOLDOUT / scale;
    g.naive += naive / HOLDOUT / scale;
    g.seasonal += seasonal / HOLDOUT / scale;
    g.methods.set(f.method, (g.methods.get(f.method) ?? 0) + 1);
    groups.set(f.demandClass, g);
  }
  return groups;
})();

console.log(
  `## Forecast accuracy: mean MASE on the last ${HOLDOUT} weeks held out (${SIZES.accuracySeries} synthetic series, 156 weeks to fit)\n`,
);
const accuracyRows: (string | number)[][] = [];
const accuracyFigures: Record<string, { series: number; chosen: number; naive: number; seasonal_naive: number }> = {};
for (const k of ['smooth', 'erratic', 'intermittent', 'lumpy', 'none'] as const) {
  const g = accuracy.get(k);
  if (!g) continue;
  const methods = [...g.methods.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([m, c]) => `${m} ${c}`)
    .join(', ');
  accuracyRows.push([k, g.n, (g.chosen / g.n).toFixed(3), (g.naive / g.n).toFixed(3), (g.seasonal / g.n).toFixed(3), methods]);
  accuracyFigures[k] = { series: g.n, chosen: g.chosen / g.n, naive: g.naive / g.n, seasonal_naive: g.seasonal / g.n };
}
console.log(table(['class', 'series', 'chosen method', 'naive', 'seasonal naive', 'methods chosen'], accuracyRows));
console.log('');

// ---- 3. simulator ----

const TARGET = 0.95;
const world = makeWorld({ seed: seed + 2, skus: SIZES.simSkus });
const kinds: Record<string, number> = {};
for (const s of world.skus) kinds[s.kind] = (kinds[s.kind] ?? 0) + 1;
const policies: [string, Knob][] = [
  ['planner', KNOBS.planner],
  ['planner, safety over L only', { ...KNOBS.planner, make: (z) => plannerPolicy(z, { safetyPeriod: 'lead_time' }) }],
  ['minmax (set once)', KNOBS.minmax],
  ['minmax (reset quarterly)', KNOBS['minmax-quarterly']],
  ['ddmrp', KNOBS.ddmrp],
];
const simStarted = performance.now();
const calibrated = policies.map(([name, knob]) => {
  const t = performance.now();
  const c = calibrate(world, knob, TARGET, SIZES.bisections);
  return { name, knob, c, seconds: (performance.now() - t) / 1000 };
});
const nominal: SimResult = simulate(world, plannerPolicy(1.6448536269514722));
const baseline = calibrated.find((p) => p.name === 'minmax (set once)')!.c.result.averageInventoryValue;
const baselineQ = calibrated.find((p) => p.name === 'minmax (reset quarterly)')!.c.result.averageInventoryValue;

console.log(
  `## Simulator at ${pct(TARGET)} fill rate: ${SIZES.simSkus} SKUs (${Object.entries(kinds)
    .map(([k, n]) => `${n} ${k}`)
    .join(
      ', ',
    )}), ${world.vendors.length} vendors, 156 weeks of history, ${world.config.warmupWeeks} weeks warm-up, ${world.config.simWeeks} weeks measured, weekly review, lost sales\n`,
);
console.log(
  table(
    [
      'policy',
      'knob',
      'fill rate',
      'avg inventory value',
      'vs min/max',
      'vs min/max quarterly',
      'orders',
      'stockout days',
      'fill smooth / seasonal / intermittent / lumpy',
      'runs',
    ],
    calibrated.map(({ name, knob, c }) => [
      name,
      `${knob.name} ${c.knob.toFixed(3)}${c.reached ? '' : ' (target not reached)'}`,
      pct(c.result.fillRate),
      money(c.result.averageInventoryValue),
      `${(100 * (c.result.averageInventoryValue / baseline - 1)).toFixed(1)} %`,
      `${(100 * (c.result.averageInventoryValue / baselineQ - 1)).toFixed(1)} %`,
      c.result.orders,
      c.result.stockoutDays,
      [c.result.byKind.smooth, c.result.byKind.seasonal, c.result.byKind.intermittent, c.result.byKind.lumpy].map(pct).join(' / '),
      c.runs,
    ]),
  ),
);
console.log(
  `\nplanner at its nominal service level 95 % (z 1.645, not calibrated): fill rate ${pct(nominal.fillRate)}, avg inventory value ${money(nominal.averageInventoryValue)}, orders ${nominal.orders}, stockout days ${nominal.stockoutDays}`,
);
console.log(`simulations took ${((performance.now() - simStarted) / 1000).toFixed(1)} s\n`);

console.log(
  `FIGURES ${JSON.stringify({
    quick,
    seed,
    speed: {
      items: speed.items,
      runs: speed.runs.map((r) => ({ run: r.label, wall_s: Number(r.seconds.toFixed(3)), cpu_s: Number(r.cpu.toFixed(3)) })),
      items_per_second: Math.round(speed.items / speed.runs[0]!.seconds),
      peak_rss_mb: speed.peakRssMb,
      load: speed.load,
    },
    accuracy: accuracyFigures,
    simulator: Object.fromEntries(
      calibrated.map(({ name, c }) => [
        name,
        {
          knob: c.knob,
          fill_rate: c.result.fillRate,
          avg_inventory_value: c.result.averageInventoryValue,
          vs_minmax: c.result.averageInventoryValue / baseline - 1,
          orders: c.result.orders,
          stockout_days: c.result.stockoutDays,
        },
      ]),
    ),
    planner_nominal: { fill_rate: nominal.fillRate, avg_inventory_value: nominal.averageInventoryValue },
  })}`,
);
