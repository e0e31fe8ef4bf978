/**
 * The PlanSync contract (docs/contract.md) as typed methods over any Odoo transport.
 * Results are validated: a server that answers something else is reported, never trusted.
 */
import { z } from 'zod';
import { OdooError } from '../errors.ts';
import type { OdooTransport } from './port.ts';
import {
  AvailabilitySnapshot,
  ReconcileCounts,
  type ChannelSent,
  ClaimResult,
  HeartbeatResult,
  HistoryResult,
  ImportResult,
  PlanningSnapshot,
  formatIssues,
  type HeartbeatStats,
  type HistoryKind,
  type ImportKind,
} from '../../shared-types/index.ts';

const IntResult = z.number().int().nonnegative();

/**
 * The API keys of the integration user with their expiry, as the addon's heartbeat reports them
 * (optional: an addon that predates it leaves it out). `expires` false: the key never expires.
 */
export const ApiKeyExpiry = z.object({
  name: z.string(),
  expires: z.union([
    z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/, 'a UTC time YYYY-MM-DDTHH:MM:SSZ'),
    z.literal(false),
  ]),
});
export type ApiKeyExpiry = z.infer<typeof ApiKeyExpiry>;

/** The heartbeat's reply as the agent validates it: the shared contract plus the optional `api_keys`. */
export const HeartbeatReply = HeartbeatResult.extend({ api_keys: z.array(ApiKeyExpiry).optional() });
export type HeartbeatReply = z.infer<typeof HeartbeatReply>;

/** The parameters of `plansync.outbox.nack`, in order (docs/contract.md). */
export const NACK_PARAMS = ['lease', 'event_ids', 'error', 'retry_after', 'final', 'blocked', 'released'] as const;

/** How a nack releases its events (see `PlanSyncOdoo.nack`). */
export type NackHow = 'retry' | 'final' | 'blocked' | 'released';

export class PlanSyncOdoo {
  readonly transport: OdooTransport;

  constructor(transport: OdooTransport) {
    this.transport = transport;
  }

  private async call<S extends z.ZodType>(
    schema: S,
    model: string,
    method: string,
    args: readonly unknown[],
    argNames: readonly string[],
  ): Promise<z.infer<S>> {
    const raw = await this.transport.call<unknown>(model, method, args, {}, argNames);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new OdooError(
        'ERR_ODOO_PROTOCOL',
        'config',
        `${model}.${method} answered an unexpected shape: ${formatIssues(parsed.error, raw)}; is the PlanSync addon up to date?`,
      );
    }
    return parsed.data;
  }

  /** Claim up to `limit` events of an endpoint under a lease of `leaseSeconds`. */
  claim(endpoint: string, limit: number, leaseSeconds: number, consumer: string): Promise<ClaimResult> {
    return this.call(
      ClaimResult,
      'plansync.outbox',
      'claim',
      [endpoint, limit, leaseSeconds, consumer],
      ['endpoint', 'limit', 'lease_seconds', 'consumer'],
    );
  }

  /** Acknowledge delivered events; resolves to how many Odoo accepted under this lease. */
  ack(lease: string, eventIds: readonly number[]): Promise<number> {
    return this.call(IntResult, 'plansync.outbox', 'ack', [lease, eventIds], ['lease', 'event_ids']);
  }

  /**
   * Release events: back to pending after `retryAfter` seconds (0: Odoo's backoff), or, by `how`:
   * - `final`: straight to the dead letters (the endpoint refused them for good);
   * - `blocked`: the endpoint refused the agent's credentials or configuration (401, 403, 404, a `config`
   *   error), not the events: Odoo gives the claim's attempt back, never parks them, and marks the endpoint
   *   blocked until an ack;
   * - `released`: the agent never tried them (stopping, or the lease ran short before their turn): Odoo
   *   gives the claim's attempt back.
   */
  nack(lease: string, eventIds: readonly number[], error: string, retryAfter: number, how: NackHow = 'retry'): Promise<number> {
    const args: unknown[] = [lease, eventIds, error.slice(0, 4000), Math.max(0, Math.ceil(retryAfter)), how === 'final'];
    // `blocked` and `released` are sent only when true, so that every other release is the same call as before.
    if (how === 'blocked') args.push(true);
    if (how === 'released') args.push(false, true);
    return this.call(IntResult, 'plansync.outbox', 'nack', args, NACK_PARAMS);
  }

  /** Report this agent's health; returns the configuration admins keep in Odoo. */
  heartbeat(consumer: string, stats: HeartbeatStats): Promise<HeartbeatReply> {
    return this.call(HeartbeatReply, 'plansync.agent', 'heartbeat', [consumer, stats], ['consumer', 'stats']);
  }

  /**
   * Import one batch of a planning run (`plansync.run.import_batch`): one result per line, in order.
   * Idempotent on (source, external id, revision): safe to retry.
   */
  importBatch(
    source: string,
    externalRef: string,
    kind: ImportKind,
    lines: readonly unknown[],
    generatedAt: string | false = false,
    rejected: ReadonlyArray<{ readonly index: number; readonly code: string; readonly message: string }> = [],
  ): Promise<ImportResult> {
    // `rejected` is sent only when there is something to say, so that an addon without it still answers.
    const args =
      rejected.length > 0 ? [source, externalRef, kind, lines, generatedAt, rejected] : [source, externalRef, kind, lines, generatedAt];
    return this.call(ImportResult, 'plansync.run', 'import_batch', args, [
      'source',
      'external_ref',
      'kind',
      'lines',
      'generated_at',
      'rejected',
    ]);
  }

  /**
   * Put one page of history (or current state) of `kind` into the outbox of `endpoint`
   * (`plansync.outbox.enqueue_history`); pass the answer's `cursor` back for the next page.
   * Calling again with the same arguments enqueues nothing new: safe to retry.
   */
  enqueueHistory(endpoint: string, kind: HistoryKind, since: string | false, cursor: number, limit: number): Promise<HistoryResult> {
    return this.call(
      HistoryResult,
      'plansync.outbox',
      'enqueue_history',
      [endpoint, kind, since, cursor, limit],
      ['endpoint', 'kind', 'since', 'cursor', 'limit'],
    );
  }

  /**
   * One page of the embedded planner's input (`plansync.run.planning_snapshot`): product × warehouse
   * items with `weeks` of weekly demand history and their supply state; `warehouses` false: all.
   * Read-only: safe to retry.
   */
  planningSnapshot(warehouses: readonly string[] | false, weeks: number, offset: number, limit: number): Promise<PlanningSnapshot> {
    return this.call(
      PlanningSnapshot,
      'plansync.run',
      'planning_snapshot',
      [warehouses, weeks, offset, limit],
      ['warehouses', 'weeks', 'offset', 'limit'],
    );
  }

  /**
   * One page of an endpoint's availability (`plansync.endpoint.availability_snapshot`): the
   * `stock.level` payload of every storable product × warehouse, computed by the endpoint's
   * definition; `warehouses` false: the endpoint's. Read-only: safe to retry.
   */
  availabilitySnapshot(
    endpoint: string,
    warehouses: readonly string[] | false,
    offset: number,
    limit: number,
  ): Promise<AvailabilitySnapshot> {
    return this.call(
      AvailabilitySnapshot,
      'plansync.endpoint',
      'availability_snapshot',
      [endpoint, warehouses, offset, limit],
      ['endpoint', 'warehouses', 'offset', 'limit'],
    );
  }

  /**
   * Compare what a channel was last sent with what Odoo computes for it now
   * (`plansync.discrepancy.report_channel`); differences beyond the endpoint's tolerance become
   * discrepancies. Safe to retry: an open discrepancy is updated, never doubled.
   */
  reportChannel(endpoint: string, items: readonly ChannelSent[]): Promise<ReconcileCounts> {
    return this.call(ReconcileCounts, 'plansync.discrepancy', 'report_channel', [endpoint, items], ['endpoint', 'items']);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
