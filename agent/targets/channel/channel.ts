/**
 * Sales-channel targets (eCommerce, marketplace, B2B portal; docs/channels.md): the quantity each
 * channel may sell, in the channel's SKU and unit, as the addon computed it with the endpoint's
 * availability definition and allocation rules.
 *
 * One request per batch, `POST <url>` with body
 * `{"endpoint": code, "mode": "delta"|"snapshot", "inventory": [item, …]}` where an item is
 * `{"event_id", "sku", "odoo_sku", "warehouse", "quantity", "unit", "definition": {"id", "version"}, "computed_at"}`,
 * signed and retried exactly like the webhook target (same answers, same idempotency header).
 * A channel takes `stock.level` events only: any other type is refused for good (parked in Odoo,
 * where the admin unsubscribes it).
 *
 * What was delivered is remembered per product × warehouse (`SentLedger`), so that `plansync
 * reconcile` can compare what each channel was last told with what Odoo computes now.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Envelope } from '../../../shared-types/index.ts';
import type { StateStore } from '../../state/store.ts';
import { mergeOutcomes, type DeliveryOutcome, type Target } from '../target.ts';
import { WebhookTarget, type WebhookOptions } from '../webhook/webhook.ts';

/** The keys of a `stock.level` payload a channel needs. */
const LevelFields = z.object({
  product: z.object({ id: z.number().int(), sku: z.string().min(1) }),
  warehouse: z.object({ id: z.number().int(), code: z.string().min(1) }),
  uom: z.object({ name: z.string() }),
  available: z.number().finite(),
  definition: z.object({ id: z.number().int().optional(), version: z.number().int() }),
  channel: z.union([z.object({ sku: z.string().min(1), uom: z.string(), quantity: z.number().finite() }), z.literal(false)]).optional(),
  computed_at: z.string(),
});
type LevelFields = z.infer<typeof LevelFields>;

export interface ChannelItem {
  readonly event_id: number | false;
  /** The channel's SKU (its mapping in Odoo), else Odoo's. */
  readonly sku: string;
  readonly odoo_sku: string;
  readonly warehouse: string;
  /** What the channel may sell, in `unit`: whole units, never negative. */
  readonly quantity: number;
  readonly unit: string;
  readonly definition: { readonly id: number | false; readonly version: number };
  readonly computed_at: string;
}

export type ItemResult =
  { readonly ok: true; readonly item: ChannelItem; readonly level: LevelFields } | { readonly ok: false; readonly reason: string };

/** The channel item of a `stock.level` payload, or why it cannot be one (names the field and the value). */
export const channelItem = (payload: unknown, eventId: number | false): ItemResult => {
  const parsed = LevelFields.safeParse(payload);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, reason: `stock.level payload: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}` };
  }
  const level = parsed.data;
  const mapped = level.channel || undefined;
  return {
    ok: true,
    level,
    item: {
      event_id: eventId,
      sku: mapped?.sku ?? level.product.sku,
      odoo_sku: level.product.sku,
      warehouse: level.warehouse.code,
      // A channel sells whole units and never a negative stock.
      quantity: Math.max(0, Math.floor((mapped ? mapped.quantity : level.available) + 1e-9)),
      unit: mapped ? mapped.uom : level.uom.name,
      definition: { id: level.definition.id ?? false, version: level.definition.version },
      computed_at: level.computed_at,
    },
  };
};

/** What a channel was last sent for one product × warehouse. */
export interface SentRecord {
  /** The payload's `available`, in the product's unit. */
  readonly available: number;
  /** The item's quantity, in the channel's unit. */
  readonly quantity: number;
  readonly unit: string;
  readonly version: number;
  readonly event_id: number | false;
  /** When the channel confirmed it (ISO time). */
  readonly at: string;
}

/** Last-sent figures per channel, product and warehouse, kept in the agent's state store. */
export class SentLedger {
  constructor(private readonly state: Pick<StateStore, 'getCheckpoint' | 'setCheckpoint'>) {}

  static key(endpoint: string, warehouse: string, sku: string): string {
    return `sent:${endpoint}:${warehouse}:${sku}`;
  }

  get(endpoint: string, warehouse: string, sku: string): Promise<SentRecord | undefined> {
    return this.state.getCheckpoint<SentRecord>(SentLedger.key(endpoint, warehouse, sku));
  }

  async record(
    endpoint: string,
    entries: ReadonlyArray<{ readonly item: ChannelItem; readonly level: LevelFields }>,
    at = new Date().toISOString(),
  ): Promise<void> {
    for (const { item, level } of entries) {
      const record: SentRecord = {
        available: level.available,
        quantity: item.quantity,
        unit: item.unit,
        version: item.definition.version,
        event_id: item.event_id,
        at,
      };
      await this.state.setCheckpoint(SentLedger.key(endpoint, item.warehouse, item.odoo_sku), record);
    }
  }
}

export interface ChannelOptions extends Omit<WebhookOptions, 'body' | 'key'> {
  /** Where deliveries are remembered (omit: nothing is remembered, as in a dry run). */
  readonly ledger?: SentLedger;
}

const digest = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 32);

export class ChannelTarget implements Target {
  readonly code: string;
  private readonly delta: WebhookTarget;
  private readonly options: ChannelOptions;
  private snapshots = 0;

  constructor(options: ChannelOptions) {
    this.code = options.code;
    this.options = options;
    this.delta = new WebhookTarget({ ...options, body: (events) => this.body('delta', events) });
  }

  private body(mode: 'delta' | 'snapshot', events: readonly Envelope[]): unknown {
    return {
      endpoint: this.code,
      mode,
      inventory: events.map((e) => {
        const result = channelItem(e.payload, mode === 'delta' ? e.id : false);
        if (!result.ok) throw new Error(result.reason); // filtered out before sending
        return result.item;
      }),
    };
  }

  async deliver(events: readonly Envelope[], signal?: AbortSignal): Promise<DeliveryOutcome> {
    const rejected: Array<{ id: number; reason: string }> = [];
    const items = new Map<number, { item: ChannelItem; level: LevelFields }>();
    const sendable: Envelope[] = [];
    for (const event of events) {
      if (event.type !== 'stock.level') {
        rejected.push({
          id: event.id,
          reason: `a channel takes stock.level events only, got ${event.type}: unsubscribe ${event.type} from endpoint ${this.code} in Odoo`,
        });
        continue;
      }
      const result = channelItem(event.payload, event.id);
      if (!result.ok) {
        rejected.push({ id: event.id, reason: result.reason });
        continue;
      }
      items.set(event.id, result);
      sendable.push(event);
    }
    const outcome = sendable.length > 0 ? await this.delta.deliver(sendable, signal) : { delivered: [], rejected: [], failed: [] };
    if (this.options.ledger && outcome.delivered.length > 0) {
      await this.options.ledger.record(
        this.code,
        outcome.delivered.flatMap((id) => items.get(id) ?? []),
      );
    }
    return mergeOutcomes([outcome, { delivered: [], rejected, failed: [] }]);
  }

  /**
   * Send a full snapshot page (`plansync snapshot`): payloads of `availability_snapshot`, in batches of
   * `batchSize`. Items that are not valid `stock.level` payloads are returned as refused, never sent.
   */
  async publish(
    payloads: readonly unknown[],
    batchSize: number,
    signal?: AbortSignal,
  ): Promise<{ sent: number; refused: Array<{ index: number; reason: string }>; failed: string[] }> {
    this.snapshots += 1;
    const run = `${Date.now()}-${process.pid}-${this.snapshots}`;
    const refused: Array<{ index: number; reason: string }> = [];
    const pseudo: Envelope[] = [];
    const items = new Map<number, { item: ChannelItem; level: LevelFields }>();
    payloads.forEach((payload, index) => {
      const result = channelItem(payload, false);
      if (!result.ok) {
        refused.push({ index, reason: result.reason });
        return;
      }
      items.set(index + 1, result);
      pseudo.push({ id: index + 1, type: 'stock.level', payload } as unknown as Envelope);
    });
    const target = new WebhookTarget({
      ...this.options,
      body: (events) => this.body('snapshot', events),
      key: (events) => `snapshot-${digest(`${run}:${events.map((e) => e.id).join(',')}`)}`,
    });
    let sent = 0;
    const failed: string[] = [];
    try {
      for (let start = 0; start < pseudo.length; start += batchSize) {
        const outcome = await target.deliver(pseudo.slice(start, start + batchSize), signal);
        sent += outcome.delivered.length;
        for (const r of outcome.rejected) refused.push({ index: r.id - 1, reason: r.reason });
        for (const f of outcome.failed) failed.push(f.error.message);
        if (this.options.ledger && outcome.delivered.length > 0)
          await this.options.ledger.record(
            this.code,
            outcome.delivered.flatMap((id) => items.get(id) ?? []),
          );
        if (outcome.failed.length > 0) break;
      }
    } finally {
      target.close();
    }
    return { sent, refused, failed };
  }

  close(): void {
    this.delta.close();
  }
}
