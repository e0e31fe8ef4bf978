/**
 * Inventory truth in the stand-in (docs/contract.md): `plansync.endpoint.availability_snapshot` and
 * `plansync.discrepancy.report_channel`. As the addon: argument validation naming the argument and
 * the value, integration group only, items ordered by (warehouse id, product id), pages by offset.
 * Simplified: no allocation rules, units or locations (see StandinOdoo.stockLevel); discrepancies
 * are kept in `odoo.discrepancies` with the addon's one-open-per-key rule; WMS messages are not
 * modelled (the real-Odoo tier covers them).
 */
import type { AvailabilitySnapshot, ReconcileCounts } from '../../shared-types/index.ts';
import { checkInt, checkStr, checkWarehouseCodes, repr, validationError } from './exceptions.ts';
import type { StandinOdoo, StandinUser } from './model.ts';

export interface StandinDiscrepancy {
  readonly id: number;
  readonly kind: 'channel';
  readonly endpoint: string;
  readonly sku: string;
  readonly warehouse: string;
  odooQty: number;
  otherQty: number;
  state: 'open' | 'resolved';
}

export const availabilitySnapshot = (
  odoo: StandinOdoo,
  user: StandinUser,
  code: unknown,
  warehouses: unknown,
  offset: unknown,
  limit: unknown,
): AvailabilitySnapshot => {
  odoo.requireIntegration(user);
  checkStr('endpoint', code, 1, 64);
  checkWarehouseCodes(warehouses);
  checkInt('offset', offset, 0, 2 ** 31 - 1);
  checkInt('limit', limit, 1, 5000);
  const endpoint = odoo.endpointByCode(user, code);
  let chosen = odoo.endpointWarehouses(endpoint);
  if (warehouses !== false) {
    const wanted = warehouses;
    const unknown = wanted.filter((w) => !chosen.some((c) => c.code === w));
    if (unknown.length > 0) throw validationError(`warehouses: ${repr(unknown[0])} is not a warehouse of endpoint ${code}`);
    chosen = chosen.filter((w) => wanted.includes(w.code));
  }
  const products = [...odoo.products.values()].filter((p) => p.active && p.type === 'product').sort((a, b) => a.id - b.id);
  const total = chosen.length * products.length;
  const now = odoo.clock();
  const items: Array<Record<string, unknown>> = [];
  for (let i = offset; i < Math.min(total, offset + limit); i += 1) {
    const w = chosen[Math.floor(i / products.length)];
    const p = products[i % products.length];
    if (w && p) items.push(odoo.stockLevel(endpoint, p, w, now));
  }
  const next = offset + items.length;
  return { endpoint: code, items, offset, next_offset: next < total ? next : false, total };
};

export const reportChannel = (odoo: StandinOdoo, user: StandinUser, code: unknown, items: unknown): ReconcileCounts => {
  odoo.requireIntegration(user);
  checkStr('endpoint', code, 1, 64);
  if (!Array.isArray(items) || items.length > 5000)
    throw validationError(`items must be a list of at most 5000 objects, got ${repr(items).slice(0, 200)}`);
  const endpoint = odoo.endpointByCode(user, code);
  if (endpoint.kind !== 'channel') throw validationError(`endpoint ${code} is of kind ${endpoint.kind}, not channel`);
  const counts: ReconcileCounts = { checked: 0, within_tolerance: 0, opened: 0, updated: 0, resolved: 0 };
  const now = odoo.clock();
  // Every item is checked before any discrepancy changes: a refused call changes nothing (one transaction in Odoo).
  const checked = items.map((raw: unknown, index) => {
    const item = raw as { sku?: unknown; warehouse?: unknown; sent?: unknown };
    if (typeof item?.sku !== 'string' || typeof item.warehouse !== 'string' || typeof item.sent !== 'number') {
      throw validationError(`items[${index}] must have sku, warehouse and sent, got ${repr(raw)}`);
    }
    const product = [...odoo.products.values()].find((p) => odoo.skuOf(p) === item.sku);
    const warehouse = odoo.endpointWarehouses(endpoint).find((w) => w.code === item.warehouse);
    if (!product || !warehouse)
      throw validationError(`items[${index}]: unknown sku ${repr(item.sku)} or warehouse ${repr(item.warehouse)}`);
    return { item: item as { sku: string; warehouse: string; sent: number }, product, warehouse };
  });
  checked.forEach(({ item, product, warehouse }) => {
    counts.checked += 1;
    const current = odoo.stockLevel(endpoint, product, warehouse, now).available as number;
    const open = odoo.discrepancies.find(
      (d) => d.state === 'open' && d.endpoint === code && d.sku === item.sku && d.warehouse === item.warehouse,
    );
    if (Math.abs(current - item.sent) <= endpoint.toleranceQty) {
      counts.within_tolerance += 1;
      if (open) {
        open.state = 'resolved';
        counts.resolved += 1;
      }
    } else if (open) {
      open.odooQty = current;
      open.otherQty = item.sent;
      counts.updated += 1;
    } else {
      odoo.discrepancies.push({
        id: odoo.discrepancies.length + 1,
        kind: 'channel',
        endpoint: code,
        sku: item.sku,
        warehouse: item.warehouse,
        odooQty: current,
        otherQty: item.sent,
        state: 'open',
      });
      counts.opened += 1;
    }
  });
  return counts;
};
