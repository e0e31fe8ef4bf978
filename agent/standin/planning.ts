/**
 * The planning loop in the stand-in: `plansync.run.import_batch` and `plansync.outbox.enqueue_history`
 * (docs/contract.md) over in-memory vendors, units, done customer moves, runs, forecasts, proposals
 * and exceptions, and the rendering of `demand.line`, `vendor_terms.changed` and `uom.changed` at claim.
 *
 * What it decides as the addon does: argument validation (messages name the argument and quote the
 * value), idempotency on (source, external id, revision), superseding by revision and by a newer run,
 * `stale_run`, and the exception codes invalid, duplicate_line, unknown_sku, unknown_warehouse,
 * unknown_source_warehouse, unknown_vendor, vendor_without_terms, unknown_uom, uom_incompatible and
 * out_of_bounds. What it does not model: approval rules (every proposal is `to_approve`), purchase
 * packagings (only the vendor's minimum rounds a quantity up), routes (no `no_route`), time zones
 * (a move's day is its UTC day).
 */
import {
  formatIssues,
  ForecastLine,
  HISTORY_KINDS,
  isCalendarDate,
  ProposalLine,
  type HistoryKind,
  type ImportStatus,
} from '../../shared-types/index.ts';
import { checkInt, checkStr, isInt, repr, validationError } from './exceptions.ts';
import type { OutboxRow, StandinOdoo, StandinUser } from './model.ts';

export interface StandinVendor {
  readonly id: number;
  readonly name: string;
  readonly ref: string | false;
}

export interface StandinVendorTerms {
  readonly id: number;
  readonly vendorId: number;
  readonly productId: number;
  readonly minQty: number;
  readonly price: number;
  readonly delay: number;
  readonly sequence: number;
}

export interface StandinUom {
  readonly id: number;
  readonly name: string;
  readonly category: string;
  /** A quantity in this unit × ratio = the quantity in the category's reference unit. */
  readonly ratio: number;
}

export interface StandinMove {
  readonly id: number;
  readonly productId: number;
  readonly warehouseId: number;
  readonly company: number;
  /** Positive, in the product's unit. */
  readonly quantity: number;
  readonly kind: 'delivery' | 'return';
  readonly doneAt: number;
  readonly order: string | false;
  readonly saleLineId: number | false;
  readonly customer: { readonly id: number; readonly ref: string | false } | false;
}

export interface StandinRun {
  readonly id: number;
  readonly source: string;
  readonly ref: string;
  readonly kind: 'forecast' | 'proposal';
  readonly generatedAt: number;
}

export type RecordState = 'active' | 'to_approve' | 'superseded';

/** A forecast or a proposal as imported. */
export interface StandinPlanned {
  readonly id: number;
  readonly runId: number;
  readonly source: string;
  readonly externalId: string;
  readonly revision: number;
  readonly kind: 'forecast' | 'purchase' | 'transfer' | 'parameter';
  readonly productId: number;
  readonly warehouseId: number;
  readonly quantity: number;
  readonly vendorId: number | false;
  readonly value: number;
  readonly note: string;
  /** A proposal's explanation as imported (false for forecasts and proposals without one). */
  readonly explanation: Readonly<Record<string, unknown>> | false;
  readonly needBy: string | false;
  readonly sourceWarehouse: string | false;
  state: RecordState;
}

export interface StandinPlanningException {
  readonly id: number;
  readonly runId: number;
  readonly source: string;
  readonly externalId: string;
  readonly revision: number;
  readonly reason: string;
  readonly line: unknown;
}

const UNITS: readonly StandinUom[] = [
  { id: 1, name: 'Units', category: 'Unit', ratio: 1 },
  { id: 2, name: 'Dozens', category: 'Unit', ratio: 12 },
  { id: 3, name: 'kg', category: 'Weight', ratio: 1 },
];

/** The product's unit in the stand-in: every product counts in Units. */
export const PRODUCT_UOM = UNITS[0] as StandinUom;

export class PlanningData {
  readonly vendors = new Map<number, StandinVendor>();
  readonly vendorTerms = new Map<number, StandinVendorTerms>();
  readonly uoms = new Map<number, StandinUom>(UNITS.map((u) => [u.id, u]));
  readonly moves = new Map<number, StandinMove>();
  readonly runs = new Map<number, StandinRun>();
  readonly forecasts = new Map<number, StandinPlanned>();
  readonly proposals = new Map<number, StandinPlanned>();
  readonly exceptions = new Map<number, StandinPlanningException>();
  /** The sanity limits of the settings (out_of_bounds). */
  readonly limits = { maxQuantity: 1_000_000, maxValue: 10_000_000 };

  constructor(private readonly newId: () => number) {}

  addVendor(name: string, ref: string | false): StandinVendor {
    const vendor = { id: this.newId(), name, ref };
    this.vendors.set(vendor.id, vendor);
    return vendor;
  }

  addVendorTerms(values: Omit<StandinVendorTerms, 'id' | 'sequence'> & { sequence?: number }): StandinVendorTerms {
    const terms = { sequence: 1, ...values, id: this.newId() };
    this.vendorTerms.set(terms.id, terms);
    return terms;
  }
}

/** A done customer move as the stand-in's helpers take it. */
interface MoveValues {
  readonly productId: number;
  readonly warehouseId: number;
  readonly quantity: number;
  readonly kind?: 'delivery' | 'return';
  readonly doneAt?: number;
  readonly order?: string | false;
  readonly customer?: StandinMove['customer'];
}

/** Store a done customer move (nothing captured, no stock figure changed). */
export const recordMove = (odoo: StandinOdoo, company: number, values: MoveValues): StandinMove => {
  const move: StandinMove = {
    id: odoo.newId(),
    productId: values.productId,
    warehouseId: values.warehouseId,
    company,
    quantity: values.quantity,
    kind: values.kind ?? 'delivery',
    doneAt: values.doneAt ?? odoo.now(),
    order: values.order ?? false,
    saleLineId: false,
    customer: values.customer ?? false,
  };
  odoo.planning.moves.set(move.id, move);
  return move;
};

/**
 * A done customer move (a delivery, or a return from the customer), as validating a picking makes it:
 * the stock figures change and `demand.line` and `stock.level` are captured.
 */
export const makeMove = (odoo: StandinOdoo, values: MoveValues): StandinMove => {
  const warehouse = odoo.warehouses.get(values.warehouseId);
  if (!warehouse) throw new Error(`no warehouse ${values.warehouseId}`);
  if (!odoo.products.get(values.productId)) throw new Error(`no product ${values.productId}`);
  const move = recordMove(odoo, warehouse.company, values);
  const kind = move.kind;
  const figures = odoo.figures(values.productId, values.warehouseId);
  figures.on_hand += kind === 'delivery' ? -values.quantity : values.quantity;
  odoo.capture('demand.line', 'stock.move', move.id, move.warehouseId, move.company);
  odoo.capture('stock.level', 'product.product', values.productId, values.warehouseId, move.company);
  return move;
};

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

// ---- rendering at claim ----

export const renderPlanning = (odoo: StandinOdoo, row: OutboxRow): { payload: Record<string, unknown>; key: string } | undefined => {
  const { planning } = odoo;
  switch (row.type) {
    case 'demand.line': {
      const move = planning.moves.get(row.resId);
      const product = move && odoo.products.get(move.productId);
      const warehouse = move && odoo.warehouses.get(move.warehouseId);
      if (!move || !product || !warehouse) throw new Error(`record stock.move(${row.resId}) no longer exists`);
      const date = iso(move.doneAt).slice(0, 10);
      const sku = odoo.skuOf(product);
      return {
        key: `${sku}@${warehouse.code}@${date}`,
        payload: {
          id: move.id,
          product: { id: product.id, sku },
          warehouse: { id: warehouse.id, code: warehouse.code },
          date,
          quantity: move.kind === 'delivery' ? move.quantity : -move.quantity,
          uom: { id: PRODUCT_UOM.id, name: PRODUCT_UOM.name },
          kind: move.kind,
          order: move.order,
          sale_line_id: move.saleLineId,
          customer: move.customer,
          done_at: iso(move.doneAt),
        },
      };
    }
    case 'vendor_terms.changed': {
      const terms = planning.vendorTerms.get(row.resId);
      const vendor = terms && planning.vendors.get(terms.vendorId);
      const product = terms && odoo.products.get(terms.productId);
      if (!terms || !vendor || !product) throw new Error(`record product.supplierinfo(${row.resId}) no longer exists`);
      const sku = odoo.skuOf(product);
      return {
        key: `${vendor.ref || vendor.id}:${sku}`,
        payload: {
          id: terms.id,
          vendor: { id: vendor.id, name: vendor.name, ref: vendor.ref },
          product_template_id: product.id,
          product: { id: product.id, sku },
          vendor_product_code: false,
          vendor_product_name: false,
          min_qty: terms.minQty,
          price: terms.price,
          currency: 'USD',
          lead_time_days: terms.delay,
          date_start: false,
          date_end: false,
          sequence: terms.sequence,
          company: false,
        },
      };
    }
    case 'uom.changed': {
      const uom = planning.uoms.get(row.resId);
      if (!uom) throw new Error(`record uom.uom(${row.resId}) no longer exists`);
      const reference = UNITS.find((u) => u.category === uom.category && u.ratio === 1);
      return {
        key: uom.name,
        payload: {
          id: uom.id,
          name: uom.name,
          category: { id: reference?.id ?? uom.id, name: uom.category },
          uom_type: uom.ratio === 1 ? 'reference' : uom.ratio > 1 ? 'bigger' : 'smaller',
          ratio_to_reference: uom.ratio,
          rounding: 0.01,
          active: true,
        },
      };
    }
    default:
      return undefined;
  }
};

// ---- plansync.outbox.enqueue_history ----

interface Scanned {
  readonly id: number;
  readonly model: string;
  readonly warehouseId: number;
  readonly company: number | false;
}

const scan = (odoo: StandinOdoo, kind: HistoryKind, since: string | false): Scanned[] => {
  const { planning } = odoo;
  switch (kind) {
    case 'demand.line': {
      const from = since === false ? -Infinity : Date.parse(`${since}T00:00:00Z`);
      return [...planning.moves.values()]
        .filter((m) => m.doneAt >= from)
        .map((m) => ({ id: m.id, model: 'stock.move', warehouseId: m.warehouseId, company: m.company }));
    }
    case 'product.changed':
      return [...odoo.products.values()].map((p) => ({ id: p.id, model: 'product.product', warehouseId: 0, company: false }));
    case 'warehouse.changed':
      return [...odoo.warehouses.values()].map((w) => ({ id: w.id, model: 'stock.warehouse', warehouseId: 0, company: w.company }));
    case 'uom.changed':
      return [...planning.uoms.values()].map((u) => ({ id: u.id, model: 'uom.uom', warehouseId: 0, company: false }));
    case 'vendor_terms.changed':
      return [...planning.vendorTerms.values()].map((t) => ({ id: t.id, model: 'product.supplierinfo', warehouseId: 0, company: false }));
    default:
      // location.changed, sale.open_line, purchase.open_line: the stand-in has no such records.
      return [];
  }
};

export const enqueueHistory = (
  odoo: StandinOdoo,
  user: StandinUser,
  endpointCode: unknown,
  kind: unknown,
  since: unknown,
  cursor: unknown,
  limit: unknown,
): { enqueued: number; skipped: number; cursor: number; done: boolean; remaining: number } => {
  odoo.requireIntegration(user);
  checkStr('endpoint', endpointCode, 1, 64);
  if (typeof kind !== 'string' || !(HISTORY_KINDS as readonly string[]).includes(kind))
    throw validationError(`kind must be one of ${HISTORY_KINDS.join(', ')}, got ${repr(kind)}`);
  if (since !== false && !(typeof since === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(since) && isCalendarDate(since)))
    throw validationError(`since must be a date YYYY-MM-DD or False, got ${repr(since)}`);
  checkInt('cursor', cursor, 0, 2 ** 31 - 1);
  checkInt('limit', limit, 1, 50_000);
  const endpoint = odoo.endpointByCode(user, endpointCode);
  if (!endpoint.eventTypes.has(kind)) throw validationError(`endpoint ${JSON.stringify(endpointCode)} does not subscribe to ${kind}`);
  const type = kind as HistoryKind;
  const candidates = scan(odoo, type, since)
    .filter((r) => r.id > cursor && odoo.subscribes(endpoint, type, r.warehouseId, r.company))
    .sort((a, b) => a.id - b.id);
  const page = candidates.slice(0, limit);
  const rows = [...odoo.outbox.values()].filter((r) => r.endpointId === endpoint.id && r.type === type);
  // demand.line is an immutable fact: any row of that move counts; a state type only while pending or claimed.
  const present = new Set(
    rows.filter((r) => type === 'demand.line' || r.state === 'pending' || r.state === 'claimed').map((r) => `${r.model}|${r.resId}`),
  );
  let enqueued = 0;
  for (const record of page) {
    if (present.has(`${record.model}|${record.id}`)) continue;
    odoo.addRow(endpoint, type, record.model, record.id, record.warehouseId, record.company);
    enqueued += 1;
  }
  const remaining = candidates.length - page.length;
  return { enqueued, skipped: page.length - enqueued, cursor: page.at(-1)?.id ?? cursor, done: remaining === 0, remaining };
};

// ---- plansync.run.import_batch ----

/** The reason codes of docs/contract.md (import_batch). */
const REASON_CODES = new Set([
  'invalid',
  'duplicate_line',
  'stale_run',
  'unknown_sku',
  'unknown_warehouse',
  'unknown_source_warehouse',
  'unknown_vendor',
  'vendor_without_terms',
  'unknown_uom',
  'uom_incompatible',
  'no_route',
  'out_of_bounds',
]);

interface LineResult {
  external_id: string;
  status: ImportStatus;
  id: number | false;
  reason: string;
}

const ROW_KIND = { forecast: 'forecast', proposal: 'proposal' } as const;

export const importBatch = (
  odoo: StandinOdoo,
  user: StandinUser,
  source: unknown,
  externalRef: unknown,
  kind: unknown,
  lines: unknown,
  generatedAt: unknown,
  rejected: unknown = false,
): { run_id: number; results: LineResult[] } => {
  odoo.requireIntegration(user);
  checkStr('source', source, 1, 64);
  checkStr('external_ref', externalRef, 1, 128);
  if (kind !== 'forecast' && kind !== 'proposal') throw validationError(`kind must be forecast or proposal, got ${repr(kind)}`);
  if (!Array.isArray(lines)) throw validationError(`lines must be a list of 1 to 5000 lines, got ${repr(lines)}`);
  if (lines.length < 1 || lines.length > 5000) throw validationError(`lines must be a list of 1 to 5000 lines, got ${lines.length} lines`);
  lines.forEach((line, index) => {
    if (line === null || typeof line !== 'object' || Array.isArray(line))
      throw validationError(`lines[${index}] must be an object, got ${repr(line)}`);
  });
  const refusals = new Map<number, string>();
  if (rejected !== false) {
    if (!Array.isArray(rejected)) throw validationError(`rejected must be false or a list, got ${repr(rejected)}`);
    rejected.forEach((item: unknown, position) => {
      const r = item as { index?: unknown; code?: unknown; message?: unknown } | null;
      if (
        !r ||
        !isInt(r.index) ||
        r.index < 0 ||
        r.index >= lines.length ||
        typeof r.code !== 'string' ||
        typeof r.message !== 'string' ||
        r.message.length > 2000
      ) {
        throw validationError(
          `rejected[${position}] must be {index: 0 to ${lines.length - 1}, code: a string, message: a string of at most 2000 characters}, got ${repr(item)}`,
        );
      }
      refusals.set(r.index, `${REASON_CODES.has(r.code) ? r.code : 'invalid'}: ${r.message}`);
    });
  }
  // a real calendar time, as the addon's datetime() takes it (Date.parse would roll 2026-02-30 over to March)
  const realTime = (value: string): boolean =>
    Number(value.slice(0, 4)) >= 1 &&
    isCalendarDate(value.slice(0, 10)) &&
    Number(value.slice(11, 13)) < 24 &&
    Number(value.slice(14, 16)) < 60 &&
    Number(value.slice(17, 19)) < 60;
  if (generatedAt !== false && !(typeof generatedAt === 'string' && ISO_UTC.test(generatedAt) && realTime(generatedAt))) {
    throw validationError(`generated_at must be an ISO 8601 UTC time (YYYY-MM-DDTHH:MM:SSZ) or False, got ${repr(generatedAt)}`);
  }
  const { planning } = odoo;
  const now = odoo.now();
  let run = [...planning.runs.values()].find((r) => r.source === source && r.ref === externalRef && r.kind === kind);
  if (!run) {
    run = {
      id: odoo.newId(),
      source,
      ref: externalRef,
      kind: ROW_KIND[kind],
      generatedAt: generatedAt === false ? now : Date.parse(generatedAt),
    };
    planning.runs.set(run.id, run);
  }
  const current = run;
  const newest = Math.max(...[...planning.runs.values()].filter((r) => r.source === source && r.kind === kind).map((r) => r.generatedAt));
  const stale = newest > current.generatedAt;
  const table = kind === 'forecast' ? planning.forecasts : planning.proposals;
  const firstAt = new Map<string, number>();

  const exception = (externalId: string, revision: number, line: unknown, reason: string): LineResult => {
    // The same refusal of the same line again is the same exception record: importing twice changes nothing.
    const same = [...planning.exceptions.values()].find(
      (e) => e.source === source && e.externalId === externalId && e.revision === revision && e.reason === reason && e.runId === current.id,
    );
    const record = same ?? { id: odoo.newId(), runId: current.id, source, externalId, revision, reason, line };
    planning.exceptions.set(record.id, record);
    return { external_id: externalId, status: 'exception', id: record.id, reason };
  };

  const results = (lines as Array<Record<string, unknown>>).map((raw, index): LineResult => {
    const externalId = typeof raw.external_id === 'string' ? raw.external_id.trim() : '';
    const rawRevision = isInt(raw.revision) && raw.revision >= 1 ? raw.revision : 1;
    const refusal = refusals.get(index);
    if (refusal) return exception(externalId, rawRevision, raw, refusal); // refused by the caller: its reason stands
    if (externalId) {
      const first = firstAt.get(externalId);
      if (first !== undefined)
        return exception(
          externalId,
          rawRevision,
          raw,
          `duplicate_line: external_id ${JSON.stringify(externalId)} is also line ${first + 1} of this batch`,
        );
      firstAt.set(externalId, index);
    }
    const parsed = (kind === 'forecast' ? ForecastLine : ProposalLine).safeParse(raw);
    if (!parsed.success) return exception(externalId, rawRevision, raw, `invalid: ${formatIssues(parsed.error, raw)}`);
    const line = parsed.data;
    const revisions = [...table.values()].filter((r) => r.source === source && r.externalId === line.external_id);
    const same = revisions.find((r) => r.revision === line.revision);
    if (same) return { external_id: line.external_id, status: 'unchanged', id: same.id, reason: '' };
    const higher = revisions.filter((r) => r.revision > line.revision).sort((a, b) => b.revision - a.revision)[0];
    if (higher)
      return {
        external_id: line.external_id,
        status: 'superseded',
        id: higher.id,
        reason: `revision ${higher.revision} of ${JSON.stringify(line.external_id)} was imported already`,
      };
    if (stale) {
      return exception(
        line.external_id,
        line.revision,
        raw,
        `stale_run: run ${JSON.stringify(current.ref)} was generated at ${iso(current.generatedAt)}, before the newest run of source ${JSON.stringify(source)} (${iso(newest)})`,
      );
    }
    const product = [...odoo.products.values()].find((p) => p.active && p.sku === line.sku);
    if (!product)
      return exception(
        line.external_id,
        line.revision,
        raw,
        `unknown_sku: no product has the Internal Reference sku ${JSON.stringify(line.sku)}`,
      );
    const warehouseByCode = (code: string) =>
      [...odoo.warehouses.values()].find((w) => w.code === code && user.companies.includes(w.company));
    const warehouse = warehouseByCode(line.warehouse);
    if (!warehouse)
      return exception(
        line.external_id,
        line.revision,
        raw,
        `unknown_warehouse: no warehouse has the code warehouse ${JSON.stringify(line.warehouse)}`,
      );

    let quantity = line.quantity ?? 0;
    let vendorId: number | false = false;
    let value = 0;
    let note = '';
    if ('kind' in line) {
      if (line.kind === 'transfer' && line.source_warehouse && !warehouseByCode(line.source_warehouse)) {
        return exception(
          line.external_id,
          line.revision,
          raw,
          `unknown_source_warehouse: no warehouse has the code source_warehouse ${JSON.stringify(line.source_warehouse)}`,
        );
      }
      if (line.uom) {
        const uom = [...planning.uoms.values()].find((u) => u.name === line.uom);
        if (!uom)
          return exception(
            line.external_id,
            line.revision,
            raw,
            `unknown_uom: no unit of measure is named uom ${JSON.stringify(line.uom)}`,
          );
        if (uom.category !== PRODUCT_UOM.category) {
          return exception(
            line.external_id,
            line.revision,
            raw,
            `uom_incompatible: uom ${JSON.stringify(line.uom)} (${uom.category}) cannot be converted to the unit of sku ${JSON.stringify(line.sku)} (${PRODUCT_UOM.name}, ${PRODUCT_UOM.category})`,
          );
        }
        quantity = (quantity * uom.ratio) / PRODUCT_UOM.ratio;
      }
      let price = 0;
      if (line.kind === 'purchase') {
        const termsOf = (vendor: number) =>
          [...planning.vendorTerms.values()]
            .filter((t) => t.vendorId === vendor && t.productId === product.id)
            .sort((a, b) => a.sequence - b.sequence)[0];
        let terms;
        if (line.vendor) {
          const name = line.vendor;
          const vendor =
            [...planning.vendors.values()].find((v) => v.ref === name) ?? [...planning.vendors.values()].find((v) => v.name === name);
          if (!vendor)
            return exception(
              line.external_id,
              line.revision,
              raw,
              `unknown_vendor: no vendor has the Reference or the name vendor ${JSON.stringify(name)}`,
            );
          terms = termsOf(vendor.id);
          if (!terms)
            return exception(
              line.external_id,
              line.revision,
              raw,
              `vendor_without_terms: vendor ${JSON.stringify(name)} has no terms for sku ${JSON.stringify(line.sku)}`,
            );
        } else {
          terms = [...planning.vendorTerms.values()].filter((t) => t.productId === product.id).sort((a, b) => a.sequence - b.sequence)[0];
          if (!terms)
            return exception(
              line.external_id,
              line.revision,
              raw,
              `vendor_without_terms: sku ${JSON.stringify(line.sku)} has no vendor (vendor false asks for the product's first vendor)`,
            );
        }
        vendorId = terms.vendorId;
        price = terms.price;
        if (quantity < terms.minQty) {
          note = `quantity rounded up from ${quantity} to the vendor's minimum ${terms.minQty}`;
          quantity = terms.minQty;
        }
      }
      value = typeof line.value === 'number' ? line.value : quantity * price;
    }
    if (quantity > planning.limits.maxQuantity) {
      return exception(
        line.external_id,
        line.revision,
        raw,
        `out_of_bounds: quantity ${quantity} is above the limit ${planning.limits.maxQuantity} of the settings`,
      );
    }
    if (value > planning.limits.maxValue)
      return exception(
        line.external_id,
        line.revision,
        raw,
        `out_of_bounds: value ${value} is above the limit ${planning.limits.maxValue} of the settings`,
      );

    const record: StandinPlanned = {
      id: odoo.newId(),
      runId: current.id,
      source,
      externalId: line.external_id,
      revision: line.revision,
      kind: 'kind' in line ? line.kind : 'forecast',
      productId: product.id,
      warehouseId: warehouse.id,
      quantity,
      vendorId,
      value,
      note,
      explanation: 'kind' in line && line.explanation ? { ...line.explanation } : false,
      needBy: 'kind' in line ? (line.need_by ?? false) : false,
      sourceWarehouse: 'kind' in line ? (line.source_warehouse ?? false) : false,
      state: kind === 'forecast' ? 'active' : 'to_approve',
    };
    // A new revision supersedes the older ones; a newer run supersedes the open proposals of older runs
    // of the same source for the same product, warehouse and proposal kind.
    for (const older of revisions) older.state = 'superseded';
    if (kind === 'proposal') {
      for (const other of planning.proposals.values()) {
        const otherRun = planning.runs.get(other.runId);
        if (
          other.state === 'to_approve' &&
          other.source === source &&
          otherRun &&
          otherRun.generatedAt < current.generatedAt &&
          other.productId === product.id &&
          other.warehouseId === warehouse.id &&
          other.kind === record.kind
        ) {
          other.state = 'superseded';
        }
      }
    }
    table.set(record.id, record);
    return { external_id: line.external_id, status: 'created', id: record.id, reason: note };
  });
  return { run_id: current.id, results };
};
