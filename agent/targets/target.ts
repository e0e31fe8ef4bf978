/**
 * The target port: what the pipeline needs of any destination (webhook, planning, WMS, channel).
 */
import type { Envelope, ImportStatus } from '../../shared-types/index.ts';
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

/** What one poll of an inbound source imported. */
export interface PollReport {
  /** Runs or files handled. */
  readonly items: number;
  /** Lines imported (sent or refused). */
  readonly lines: number;
  readonly counts: Readonly<Record<ImportStatus, number>>;
}

/**
 * The inbound port: where planning results come from (a platform's runs over HTTP, an inbox of
 * files). A poll imports what is waiting and checkpoints as it goes; it throws when it could not
 * finish (the next poll resumes without importing anything twice).
 */
export interface InboundSource {
  readonly code: string;
  poll(signal?: AbortSignal): Promise<PollReport>;
  /** Release sockets. */
  close?(): void;
}
