/**
 * The planning loop's canonical model: outbound payloads (demand, open sale and purchase lines,
 * slipped dates, proposal decisions) and inbound lines (forecasts, proposals), with the results of
 * `enqueue_history` and `import_batch`. docs/events.md and docs/planning.md describe them.
 */
import { z } from 'zod';

const orFalse = <T extends z.ZodType>(schema: T) => z.union([schema, z.literal(false)]);
const id = z.number().int().positive();
const qty = z.number().finite();
/** A calendar date `YYYY-MM-DD` that exists (`2026-02-30` does not: Date.parse would roll it over to March). */
export const isCalendarDate = (s: string): boolean => {
  const time = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === s;
};
export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD')
  .refine(isCalendarDate, 'a real calendar date');
const isoTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'a UTC time YYYY-MM-DDTHH:MM:SSZ');
const Ref = z.object({ id, name: z.string() });
const ProductRef = z.object({ id, sku: z.string().min(1) });
const WarehouseRef = z.object({ id, code: z.string().min(1) });
const PartnerRef = z.object({ id, name: z.string(), ref: orFalse(z.string()) });

// ---- outbound ----

export const DemandLine = z.object({
  id,
  product: ProductRef,
  warehouse: WarehouseRef,
  date: IsoDate,
  quantity: qty,
  uom: Ref,
  kind: z.enum(['delivery', 'return']),
  order: orFalse(z.string()),
  sale_line_id: orFalse(id),
  customer: orFalse(z.object({ id, ref: orFalse(z.string()) })),
  done_at: isoTime,
});

export const SaleOpenLine = z.object({
  id,
  order: z.string(),
  order_id: id,
  customer: PartnerRef,
  product: ProductRef,
  warehouse: orFalse(WarehouseRef),
  ordered: qty,
  delivered: qty,
  open_quantity: qty.nonnegative(),
  uom: Ref,
  commitment_date: orFalse(IsoDate),
  date_order: orFalse(isoTime),
  state: z.string(),
});

export const PurchaseOpenLine = z.object({
  id,
  order: z.string(),
  order_id: id,
  vendor: PartnerRef,
  product: ProductRef,
  warehouse: orFalse(WarehouseRef),
  ordered: qty,
  received: qty,
  open_quantity: qty.nonnegative(),
  uom: Ref,
  promised_date: orFalse(IsoDate),
  first_promised_date: orFalse(IsoDate),
  slip_days: z.number().int(),
  price_unit: qty,
  currency: orFalse(z.string()),
  state: z.string(),
});

export const PurchaseDateSlipped = z.object({
  line_id: id,
  order: z.string(),
  vendor: PartnerRef,
  product: ProductRef,
  warehouse: orFalse(WarehouseRef),
  previous_date: IsoDate,
  promised_date: IsoDate,
  slip_days: z.number().int(),
  open_quantity: qty.nonnegative(),
});

export const ProposalState = z.enum(['new', 'exception', 'to_approve', 'approved', 'done', 'rejected', 'cancelled', 'superseded']);

export const ProposalFeedback = z.object({
  id,
  source: z.string(),
  external_id: z.string(),
  revision: z.number().int().positive(),
  run: orFalse(z.string()),
  kind: z.enum(['purchase', 'transfer', 'parameter']),
  product: orFalse(ProductRef),
  warehouse: orFalse(WarehouseRef),
  state: ProposalState,
  quantity: qty,
  uom: orFalse(Ref),
  decision: orFalse(z.enum(['approved', 'rejected', 'cancelled'])),
  decided_by: orFalse(z.string()),
  decided_at: orFalse(isoTime),
  rule: orFalse(z.string()),
  note: orFalse(z.string()),
  orders: z.array(z.object({ model: z.string(), id, name: z.string() })),
  executed_at: orFalse(isoTime),
});

export const PLANNING_PAYLOADS = {
  'demand.line': DemandLine,
  'sale.open_line': SaleOpenLine,
  'purchase.open_line': PurchaseOpenLine,
  'purchase.date_slipped': PurchaseDateSlipped,
  'proposal.decided': ProposalFeedback,
  'proposal.executed': ProposalFeedback,
} as const;

// ---- inbound ----

const externalId = z.string().trim().min(1).max(128);
const code = z.string().trim().min(1);
const optionalNumber = z.union([z.number().finite(), z.literal(false)]).optional();

export const ForecastLine = z
  .object({
    external_id: externalId,
    revision: z.number().int().min(1).default(1),
    sku: code,
    warehouse: code,
    period_start: IsoDate,
    granularity: z.enum(['week', 'month']),
    quantity: z.number().finite().nonnegative(),
    lower: optionalNumber,
    upper: optionalNumber,
  })
  .superRefine((line, ctx) => {
    if (typeof line.lower === 'number' && line.lower > line.quantity)
      ctx.addIssue({ code: 'custom', path: ['lower'], message: `must be at most quantity (${line.quantity})` });
    if (typeof line.upper === 'number' && line.upper < line.quantity)
      ctx.addIssue({ code: 'custom', path: ['upper'], message: `must be at least quantity (${line.quantity})` });
    const day = new Date(`${line.period_start}T00:00:00Z`);
    if (line.granularity === 'week' && day.getUTCDay() !== 1)
      ctx.addIssue({ code: 'custom', path: ['period_start'], message: 'a week starts on a Monday' });
    if (line.granularity === 'month' && day.getUTCDate() !== 1)
      ctx.addIssue({ code: 'custom', path: ['period_start'], message: 'a month starts on its 1st' });
  });
export type ForecastLine = z.infer<typeof ForecastLine>;

export const Explanation = z
  .object({
    forecast_over_lead_time: z.number().finite().optional(),
    safety_stock: z.number().finite().optional(),
    on_hand: z.number().finite().optional(),
    on_order: z.number().finite().optional(),
    lead_time_days: z.number().finite().nonnegative().optional(),
    service_level: z.number().min(0).max(1).optional(),
    reason: z.string().max(2000).optional(),
    /** The embedded planner's demand class of the series. */
    demand_class: z.enum(['smooth', 'erratic', 'intermittent', 'lumpy', 'none']).optional(),
    /** The forecasting method chosen (e.g. `ses`, `holt`, `holt_winters`, `croston`, `sba`, `tsb`, `floor`). */
    method: z.string().trim().min(1).max(64).optional(),
    /** What the planner should look at (e.g. `no_history`, `single_sale`, `outliers_capped`, `negative_clipped`, `stockout_weeks`). */
    flags: z.array(z.string().trim().min(1).max(64)).max(10).optional(),
  })
  .strict();

export const ProposalLine = z
  .object({
    external_id: externalId,
    revision: z.number().int().min(1).default(1),
    kind: z.enum(['purchase', 'transfer', 'parameter']),
    sku: code,
    warehouse: code,
    vendor: z.union([code, z.literal(false)]).optional(),
    source_warehouse: z.union([code, z.literal(false)]).optional(),
    quantity: z.number().finite().nonnegative().optional(),
    uom: z.union([code, z.literal(false)]).optional(),
    order_by: z.union([IsoDate, z.literal(false)]).optional(),
    need_by: z.union([IsoDate, z.literal(false)]).optional(),
    value: optionalNumber,
    parameter: z
      .union([
        z
          .object({
            min_qty: z.number().finite().nonnegative().optional(),
            max_qty: z.number().finite().nonnegative().optional(),
            safety_stock: z.number().finite().nonnegative().optional(),
          })
          .strict(),
        z.literal(false),
      ])
      .optional(),
    explanation: Explanation.optional(),
  })
  .superRefine((line, ctx) => {
    if (line.kind !== 'parameter' && !(typeof line.quantity === 'number' && line.quantity > 0)) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: `a ${line.kind} proposal needs a quantity > 0` });
    }
    if (line.kind === 'transfer' && !line.source_warehouse)
      ctx.addIssue({ code: 'custom', path: ['source_warehouse'], message: 'a transfer proposal needs a source warehouse' });
    if (line.kind === 'parameter') {
      const p = line.parameter;
      if (!p || (p.min_qty === undefined && p.max_qty === undefined && p.safety_stock === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['parameter'], message: 'a parameter proposal needs min_qty, max_qty or safety_stock' });
      } else if (p.min_qty !== undefined && p.max_qty !== undefined && p.max_qty < p.min_qty) {
        ctx.addIssue({ code: 'custom', path: ['parameter', 'max_qty'], message: `must be at least min_qty (${p.min_qty})` });
      }
    }
  });
export type ProposalLine = z.infer<typeof ProposalLine>;

/** What `import_batch` imports. */
export const ImportKind = z.enum(['forecast', 'proposal']);
export type ImportKind = z.infer<typeof ImportKind>;

export const ImportStatus = z.enum(['created', 'unchanged', 'superseded', 'exception']);
export type ImportStatus = z.infer<typeof ImportStatus>;

export const ImportResult = z.object({
  run_id: id,
  results: z.array(z.object({ external_id: z.string(), status: ImportStatus, id: z.union([id, z.literal(false)]), reason: z.string() })),
});
export type ImportResult = z.infer<typeof ImportResult>;

export const HistoryResult = z.object({
  enqueued: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  cursor: z.number().int().nonnegative(),
  done: z.boolean(),
  remaining: z.number().int().nonnegative(),
});
export type HistoryResult = z.infer<typeof HistoryResult>;

export const HISTORY_KINDS = [
  'demand.line',
  'product.changed',
  'uom.changed',
  'warehouse.changed',
  'location.changed',
  'vendor_terms.changed',
  'sale.open_line',
  'purchase.open_line',
] as const;
export type HistoryKind = (typeof HISTORY_KINDS)[number];

// ---- the planning platform over HTTP (docs/planning.md) ----

export const RunsPage = z.object({
  runs: z.array(
    z.object({
      ref: z.string().min(1).max(128),
      kind: z.enum(['forecast', 'proposal']),
      generated_at: z.union([isoTime, z.literal(false)]).optional(),
      lines: z.number().int().nonnegative().optional(),
    }),
  ),
  cursor: z.string(),
});
export type RunsPage = z.infer<typeof RunsPage>;

export const LinesPage = z.object({ lines: z.array(z.unknown()), next: z.union([z.number().int().nonnegative(), z.literal(false)]) });
export type LinesPage = z.infer<typeof LinesPage>;

/** What the agent posts to `<url>/runs/<ref>/result` once a run is imported (docs/planning.md). */
export const RunResult = z.object({
  kind: ImportKind,
  counts: z.object({
    created: z.number().int().nonnegative(),
    unchanged: z.number().int().nonnegative(),
    superseded: z.number().int().nonnegative(),
    exception: z.number().int().nonnegative(),
  }),
  exceptions: z.array(z.object({ external_id: z.string(), reason: z.string() })),
});
export type RunResult = z.infer<typeof RunResult>;
