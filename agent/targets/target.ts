/**
 * The target port: what the pipeline needs of any destination (webhook, planning, WMS, channel).
 */
import type { Envelope } from '../../shared-types/index.ts';
import type { PlanSyncError } from '../errors.ts';

export interface DeliveryOutcome {
  /** Events the destination confirmed. */
  readonly delivered: readonly number[];
  /** Events the destination refused for good, with its reason: parked as dead letters. */
  readonly rejected: ReadonlyArray<{ readonly id: number; readonly reason: string }>;
  /** Events not delivered this time (transient or configuration trouble): released for a later attempt. */
  readonly failed: ReadonlyArray<{ readonly ids: readonly number[]; readonly error: PlanSyncError }>;
}

export interface Target {
  /** The endpoint code this target serves. */
  readonly code: string;
  /** Deliver one batch. Never throws for a delivery problem: it reports it in the outcome. */
  deliver(events: readonly Envelope[], signal?: AbortSignal): Promise<DeliveryOutcome>;
  close(): void;
}

export const mergeOutcomes = (outcomes: readonly DeliveryOutcome[]): DeliveryOutcome => ({
  delivered: outcomes.flatMap((o) => o.delivered),
  rejected: outcomes.flatMap((o) => o.rejected),
  failed: outcomes.flatMap((o) => o.failed),
});
