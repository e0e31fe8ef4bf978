/**
 * A planning snapshot made from a synthetic world (what `plansync.run.planning_snapshot` would answer
 * for it): each product's weekly demand split over warehouses with some noise, a few stockout weeks
 * with low sales, vendor terms, measured lead times for most items, reordering rules for a fifth,
 * resupply from the first warehouse for some. For the speed benchmark and tests.
 */
import type { SnapshotItem } from '../../shared-types/index.ts';
import { keyed } from './rng.ts';
import { makeWorld } from './world.ts';

export const snapshotItems = (seed: number, products: number, warehouses: number, weeks: number): SnapshotItem[] => {
  const world = makeWorld({ seed, skus: products, historyWeeks: weeks, warmupWeeks: 0, simWeeks: 0 });
  const shares = [0.34, 0.24, 0.18, 0.14, 0.1].slice(0, warehouses);
  const items: SnapshotItem[] = [];
  for (const sku of world.skus) {
    const r = keyed(seed, 9, sku.index);
    const weekly = new Float64Array(weeks);
    for (let d = 0; d < weeks * 7; d++) weekly[Math.floor(d / 7)]! += sku.demand[d]!;
    const vendor = world.vendors[sku.vendor]!;
    shares.forEach((share, w) => {
      const demand: number[] = [];
      const stockout: number[] = [];
      for (let t = 0; t < weeks; t++) {
        const out = r() < 0.03 ? 4 + Math.floor(r() * 4) : 0;
        demand.push(out > 0 ? Math.round(weekly[t]! * share * r() * 0.3) : Math.round(weekly[t]! * share * (0.8 + 0.4 * r())));
        stockout.push(out);
      }
      const mean = sku.meanDaily * 7 * share || 1;
      items.push({
        product_id: sku.index + 1,
        sku: sku.sku,
        warehouse_id: w + 1,
        warehouse: `WH${w + 1}`,
        company_id: 1,
        uom: 'Units',
        category: sku.kind,
        service_level: [0.9, 0.95, 0.98][sku.index % 3]!,
        unit_cost: sku.unitCost,
        demand,
        stockout_days: stockout,
        on_hand: Math.round(mean * 4 * r()),
        reserved: 0,
        incoming: r() < 0.3 ? Math.round(mean * 2) : 0,
        outgoing: Math.round(mean * 0.2 * r()),
        vendor: {
          code: vendor.code,
          partner_id: sku.vendor + 1,
          lead_time_days: vendor.leadDays,
          min_qty: sku.minQty,
          multiple: sku.multiple,
          price: sku.unitCost,
          currency: 'EUR',
        },
        lead_time:
          r() < 0.7
            ? {
                samples: 3 + Math.floor(r() * 20),
                mean_days: vendor.leadDays * (0.9 + 0.3 * r()),
                std_days: vendor.leadDays * vendor.noise,
                mean_delay_days: 1,
              }
            : false,
        reorder_rule: r() < 0.2 ? { id: items.length + 1, min_qty: Math.round(mean), max_qty: Math.round(mean * 2), multiple: 1 } : false,
        resupply_from: w > 0 && r() < 0.3 ? { warehouse: 'WH1', lead_time_days: 2 } : false,
      });
    });
  }
  return items;
};
