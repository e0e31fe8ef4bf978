/**
 * WMS → Odoo messages (docs/contract.md section 3): confirmations and balances, the results of
 * `plansync.wms.message.receive`, and the Odoo port the receiver and the poller forward through.
 *
 * The agent refuses only what it cannot forward: a body that is not a list of objects, or a message
 * without a usable `message_id` (the idempotency key). A message with a `message_id` whose other
 * fields are wrong is still forwarded as it came: Odoo parks it as an `invalid` exception that a
 * person sees and replays (`checkMessage` says what the agent found, for the log).
 */
import { z } from 'zod';
import { formatIssues } from '../../shared-types/index.ts';

/** Most messages per `receive` call (the contract's limit). */
export const MAX_RECEIVE = 500;
/** Longest `message_id` the agent forwards. */
export const MAX_MESSAGE_ID = 128; // as the addon (plansync.wms.message.message_id)

/** An ISO 8601 time with its offset (`2026-11-30T08:00:00Z`, `…+01:00`). */
export const IsoTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/, 'an ISO time with its offset')
  .refine((s) => !Number.isNaN(Date.parse(s)), 'a real time');
const text = z.string().min(1);
const quantity = z.number().finite().nonnegative();
export const MessageId = z
  .string()
  .max(MAX_MESSAGE_ID)
  .refine((s) => s.trim() !== '', 'a non-blank string');

export const WmsLot = z.object({ name: text, quantity });

export const ConfirmationLine = z.object({ sku: text, quantity, uom: text.optional(), lots: z.array(WmsLot).optional() });

export const ConfirmationMessage = z.object({
  message_id: MessageId,
  type: z.enum(['receipt_confirmed', 'shipment_confirmed']),
  picking: text,
  occurred_at: IsoTime,
  lines: z.array(ConfirmationLine).min(1),
});
export type ConfirmationMessage = z.infer<typeof ConfirmationMessage>;

export const BalanceLine = z.object({ sku: text, location: text, quantity, uom: text.optional() });
export type BalanceLine = z.infer<typeof BalanceLine>;

export const BalanceMessage = z.object({
  message_id: MessageId,
  type: z.literal('balance'),
  warehouse: text,
  as_of: IsoTime,
  complete: z.boolean(),
  balances: z.array(BalanceLine),
});
export type BalanceMessage = z.infer<typeof BalanceMessage>;

export const WmsMessage = z.discriminatedUnion('type', [ConfirmationMessage, BalanceMessage]);
export type WmsMessage = z.infer<typeof WmsMessage>;

/** What the agent forwards: any object with a usable `message_id`, valid or not (Odoo judges the rest). */
export type ReceivedMessage = { readonly message_id: string } & Readonly<Record<string, unknown>>;

const count = z.number().int().nonnegative();
export const Discrepancies = z.object({ opened: count, updated: count, resolved: count, within_tolerance: count });

export const WmsStatus = z.enum(['applied', 'duplicate', 'exception']);
export type WmsStatus = z.infer<typeof WmsStatus>;

export const WmsResult = z.object({
  message_id: z.string(),
  status: WmsStatus,
  /** The exception's reason code (unknown_sku, invalid, ...), false otherwise. */
  code: z.union([z.string().min(1), z.literal(false)]),
  detail: z.string(),
  /** The plansync.wms.message record (the first one, for a duplicate). */
  record_id: z.number().int().positive(),
  /** Balance messages only. */
  discrepancies: z.union([Discrepancies, z.literal(false)]),
});
export type WmsResult = z.infer<typeof WmsResult>;

export const WmsResults = z.array(WmsResult);

/** The Odoo side of WMS messages: `plansync.wms.message.receive`, one result per message, in order. */
export interface WmsOdoo {
  wmsReceive(endpoint: string, messages: readonly ReceivedMessage[]): Promise<WmsResult[]>;
}

export type BodyCheck = { readonly ok: true; readonly messages: ReceivedMessage[] } | { readonly ok: false; readonly reason: string };

const quote = (value: unknown): string => (value === undefined ? 'missing' : (JSON.stringify(value) ?? typeof value).slice(0, 80));
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** The `message_id` rule, as a refusal naming `field` and the value, or undefined when usable. */
export const messageIdIssue = (value: unknown, field: string): string | undefined =>
  MessageId.safeParse(value).success
    ? undefined
    : `${field}: expected a non-blank string of at most ${MAX_MESSAGE_ID} characters (got ${quote(value)})`;

/**
 * A received body → its messages: `{"messages": [...]}` or one message object. Refuses (naming the
 * field and the value) a body of another shape, an element that is not an object, and a message
 * without a usable `message_id`; every other field is left for Odoo to judge.
 */
export const readMessages = (body: unknown): BodyCheck => {
  if (!isObject(body))
    return {
      ok: false,
      reason: `body: expected {"messages": [...]} or one message object (got ${Array.isArray(body) ? 'a list' : quote(body)})`,
    };
  const single = !('messages' in body);
  const list: unknown = single ? [body] : body.messages;
  if (!Array.isArray(list)) return { ok: false, reason: `messages: expected a list of message objects (got ${quote(list)})` };
  const messages: ReceivedMessage[] = [];
  for (const [index, raw] of list.entries()) {
    const field = single ? 'message_id' : `messages[${index}]`;
    if (!isObject(raw)) return { ok: false, reason: `${field}: expected a message object (got ${quote(raw)})` };
    const issue = messageIdIssue(raw.message_id, single ? 'message_id' : `messages[${index}].message_id`);
    if (issue) return { ok: false, reason: issue };
    messages.push(raw as ReceivedMessage);
  }
  return { ok: true, messages };
};

/** What the agent's schema finds wrong with a message (`field: rule (got value)`), or undefined when valid. */
export const checkMessage = (raw: unknown): string | undefined => {
  const parsed = WmsMessage.safeParse(raw);
  return parsed.success ? undefined : formatIssues(parsed.error, raw);
};
