/**
 * `plansync.run.planning_snapshot` in the stand-in (docs/contract.md): the embedded planner's input
 * from the stand-in's done customer moves, stock figures and vendor terms.
 *
 * As the addon: argument validation (messages name the argument and quote the value), the caller's
 * companies only, items ordered by (product id, warehouse id), pages by offset. Simplified: weeks are
 * UTC weeks; stock-out days are rebuilt from the current on hand and the customer moves only (the
 * stand-in has no receipts in its history); lead times are never measured (`lead_time` false: the
 * planner falls back to the vendor's terms); no reordering rules, packagings or resupply routes; the
 * service level is `settings.service_level` for every product.
 */
import type { PlanningSnapshot, SnapshotItem } from '../../shared-types/index.ts';
import { checkInt, checkWarehouseCodes, repr, validationError } from './exceptions.ts';
import type { StandinOdoo, StandinUser } from './model.ts';
import { PRODUCT_UOM, recordMove, type StandinMove } from './planning.ts';

const DAY = 86_400_000;

const isoDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** Midnight UTC of the Monday of the week of `ms`. */
export const mondayOf = (ms: number): number => {
  const midnight = Math.floor(ms / DAY) * DAY;
  const weekday = (new Date(midnight).getUTCDay() + 6) % 7; // Monday 0
  return midnight - weekday * DAY;
};

/**
 * A done customer move of the past, recorded without capture (history from before any endpoint
 * existed, as a database that installs PlanSync already has). It does not change the stock figures.
 */
export const addHistoryMove = (
  odoo: StandinOdoo,
  values: { productId: number; warehouseId: number; quantity: number; doneAt: number; kind?: 'delivery' | 'return' },
): StandinMove => {
  const warehouse = odoo.warehouses.get(values.warehouseId);
  if (!warehouse) throw new Error(`no warehouse ${values.warehouseId}`);
  return recordMove(odoo, warehouse.company, values);
};

export const planningSnapshot = (
  odoo: StandinOdoo,
  user: StandinUser,
  warehouses: unknown,
  weeks: unknown,
  offset: unknown,
  limit: unknown,
): PlanningSnapshot => {
  odoo.requireIntegration(user);
  checkWarehouseCodes(warehouses);
  checkInt('weeks', weeks, 1, 260);
  checkInt('offset', offset, 0, 2 ** 31 - 1);
  checkInt('limit', limit, 1, 5000);
  const mine = [...odoo.warehouses.values()].filter((w) => user.companies.includes(w.company));
  let chosen = mine;
  if (warehouses !== false) {
    const codes = warehouses;
    for (const code of codes)
      if (!mine.some((w) => w.code === code)) throw validationError(`warehouses: no warehouse with code ${repr(code)}`);
    chosen = mine.filter((w) => codes.includes(w.code));
  }
  const now = odoo.now();
  const thisMonday = mondayOf(now);
  const start = thisMonday - weeks * 7 * DAY;
  const moves = new Map<string, StandinMove[]>();
  for (const move of odoo.planning.moves.values()) {
    const key = `${move.productId}|${move.warehouseId}`;
    const list = moves.get(key);
    if (list) list.push(move);
    else moves.set(key, [move]);
  }
  const candidates: Array<{ productId: number; warehouseId: number }> = [];
  const products = [...odoo.products.values()].filter((p) => p.active && p.type === 'product' && p.sku).sort((a, b) => a.id - b.id);
  const sortedWarehouses = [...chosen].sort((a, b) => a.id - b.id);
  for (const p of products) {
    for (const w of sortedWarehouses) {
      const f = odoo.stock.get(`${p.id}|${w.id}`);
      const hasStock = f !== undefined && (f.on_hand !== 0 || f.incoming !== 0 || f.outgoing !== 0);
      const hasDemand = (moves.get(`${p.id}|${w.id}`) ?? []).some((m) => m.doneAt >= start && m.doneAt < thisMonday);
      if (hasStock || hasDemand) candidates.push({ productId: p.id, warehouseId: w.id });
    }
  }
  const page = candidates.slice(offset, offset + limit);
  const items: SnapshotItem[] = page.map(({ productId, warehouseId }) => {
    const product = odoo.products.get(productId)!;
    const warehouse = odoo.warehouses.get(warehouseId)!;
    const figures = odoo.figures(productId, warehouseId);
    const demand = new Array<number>(weeks).fill(0);
    // net customer flow per day after each day, to rebuild the on hand at the end of each day
    const days = weeks * 7;
    const netOut = new Array<number>(days).fill(0);
    let outAfterWindow = 0;
    for (const m of moves.get(`${productId}|${warehouseId}`) ?? []) {
      const signed = m.kind === 'delivery' ? m.quantity : -m.quantity;
      if (m.doneAt >= thisMonday) outAfterWindow += signed;
      if (m.doneAt < start || m.doneAt >= thisMonday) continue;
      const day = Math.floor((m.doneAt - start) / DAY);
      demand[Math.floor(day / 7)]! += signed;
      netOut[day]! += signed;
    }
    const stockoutDays = new Array<number>(weeks).fill(0);
    let onHand = figures.on_hand + outAfterWindow; // on hand at the end of the window's last day
    for (let day = days - 1; day >= 0; day--) {
      if (onHand <= 0) stockoutDays[Math.floor(day / 7)]! += 1;
      onHand += netOut[day]!; // the end of the day before
    }
    const terms = [...odoo.planning.vendorTerms.values()]
      .filter((t) => t.productId === productId)
      .sort((a, b) => a.sequence - b.sequence || a.id - b.id)[0];
    const vendor = terms ? odoo.planning.vendors.get(terms.vendorId) : undefined;
    return {
      product_id: productId,
      sku: product.sku as string,
      warehouse_id: warehouseId,
      warehouse: warehouse.code,
      company_id: warehouse.company,
      uom: PRODUCT_UOM.name,
      category: 'All',
      service_level: odoo.planningSettings.service_level,
      unit_cost: product.standard_price,
      demand: demand.map((q) => Math.round(q * 1000) / 1000),
      stockout_days: stockoutDays,
      on_hand: figures.on_hand,
      reserved: figures.reserved,
      incoming: figures.incoming,
      outgoing: figures.outgoing,
      vendor:
        terms && vendor
          ? {
              code: vendor.ref || vendor.name,
              partner_id: vendor.id,
              lead_time_days: terms.delay,
              min_qty: terms.minQty,
              multiple: false,
              price: terms.price,
              currency: 'EUR',
            }
          : false,
      lead_time: false,
      reorder_rule: false,
      resupply_from: false,
    };
  });
  const next = offset + page.length < candidates.length ? offset + page.length : false;
  return { as_of: isoDay(now), history_start: isoDay(start), weeks, items, next, total: candidates.length };
};
