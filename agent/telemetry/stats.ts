/**
 * Per-endpoint counters that the heartbeat reports to Odoo and the CLI prints.
 */
import type { EndpointStats } from '../../shared-types/index.ts';

const WINDOW_MS = 60_000;

export class EndpointCounters {
  delivered = 0;
  failed = 0;
  parked = 0;
  lastError = '';
  lastDeliveryAt: string | false = false;
  private readonly recent: Array<{ at: number; count: number }> = [];

  constructor(private readonly clock: () => number = Date.now) {}

  recordDelivered(count: number): void {
    if (count <= 0) return;
    this.delivered += count;
    const now = this.clock();
    this.lastDeliveryAt = new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
    this.recent.push({ at: now, count });
    this.trim(now);
  }

  recordFailed(count: number, error: string): void {
    this.failed += count;
    this.lastError = error.slice(0, 500);
  }

  recordParked(count: number, reason: string): void {
    this.parked += count;
    this.lastError = reason.slice(0, 500);
  }

  /** Events delivered per minute over the last minute. */
  perMinute(): number {
    const now = this.clock();
    this.trim(now);
    return this.recent.reduce((sum, r) => sum + r.count, 0) * (60_000 / WINDOW_MS);
  }

  snapshot(): EndpointStats {
    return {
      delivered: this.delivered,
      failed: this.failed,
      parked: this.parked,
      per_minute: Math.round(this.perMinute() * 10) / 10,
      last_error: this.lastError,
      last_delivery_at: this.lastDeliveryAt,
    };
  }

  private trim(now: number): void {
    while (this.recent.length > 0 && (this.recent[0]?.at ?? now) < now - WINDOW_MS) this.recent.shift();
  }
}
