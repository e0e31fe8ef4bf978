/**
 * The PlanSync contract (docs/contract.md) as typed methods over any Odoo transport.
 * Results are validated: a server that answers something else is reported, never trusted.
 */
import { z } from 'zod';
import { OdooError } from '../errors.ts';
import type { OdooTransport } from './port.ts';
import { ClaimResult, HeartbeatResult, formatIssues, type HeartbeatStats } from '../../shared-types/index.ts';

const IntResult = z.number().int().nonnegative();

export class PlanSyncOdoo {
  readonly transport: OdooTransport;

  constructor(transport: OdooTransport) {
    this.transport = transport;
  }

  private async call<S extends z.ZodType>(schema: S, model: string, method: string, args: readonly unknown[], argNames: readonly string[]): Promise<z.infer<S>> {
    const raw = await this.transport.call<unknown>(model, method, args, {}, argNames);
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      throw new OdooError('ERR_ODOO_PROTOCOL', 'config', `${model}.${method} answered an unexpected shape: ${formatIssues(parsed.error, raw)}; is the PlanSync addon up to date?`);
    }
    return parsed.data;
  }

  /** Claim up to `limit` events of an endpoint under a lease of `leaseSeconds`. */
  claim(endpoint: string, limit: number, leaseSeconds: number, consumer: string): Promise<ClaimResult> {
    return this.call(ClaimResult, 'plansync.outbox', 'claim', [endpoint, limit, leaseSeconds, consumer], ['endpoint', 'limit', 'lease_seconds', 'consumer']);
  }

  /** Acknowledge delivered events; resolves to how many Odoo accepted under this lease. */
  ack(lease: string, eventIds: readonly number[]): Promise<number> {
    return this.call(IntResult, 'plansync.outbox', 'ack', [lease, eventIds], ['lease', 'event_ids']);
  }

  /**
   * Release events: back to pending after `retryAfter` seconds (0: Odoo's backoff), or straight to the
   * dead letters when `final` (the endpoint refused them for good).
   */
  nack(lease: string, eventIds: readonly number[], error: string, retryAfter: number, final = false): Promise<number> {
    return this.call(IntResult, 'plansync.outbox', 'nack', [lease, eventIds, error.slice(0, 4000), Math.max(0, Math.ceil(retryAfter)), final], [
      'lease',
      'event_ids',
      'error',
      'retry_after',
      'final',
    ]);
  }

  /** Report this agent's health; returns the configuration admins keep in Odoo. */
  heartbeat(consumer: string, stats: HeartbeatStats): Promise<HeartbeatResult> {
    return this.call(HeartbeatResult, 'plansync.agent', 'heartbeat', [consumer, stats], ['consumer', 'stats']);
  }

  close(): Promise<void> {
    return this.transport.close();
  }
}
