/**
 * Answers of the last minutes by (endpoint, message_id): a repeat is answered `duplicate` without
 * calling Odoo. A cache, not the guarantee: Odoo's unique (endpoint, message_id) is.
 */
import type { WmsResult } from './types.ts';

export class RecentAnswers {
  private readonly entries = new Map<string, { readonly result: WmsResult; readonly until: number }>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  /** `maxEntries` 0 disables the cache; `now` in ms. */
  constructor(maxEntries: number, ttlMs: number, now: () => number = Date.now) {
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  private static key(endpoint: string, messageId: string): string {
    return `${endpoint}\u0000${messageId}`;
  }

  /** The first answer to this message, as a duplicate, or undefined. */
  get(endpoint: string, messageId: string): WmsResult | undefined {
    const key = RecentAnswers.key(endpoint, messageId);
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.until <= this.now()) return undefined;
    this.entries.set(key, entry); // most recently used last
    return { ...entry.result, status: 'duplicate' };
  }

  set(endpoint: string, messageId: string, result: WmsResult): void {
    if (this.maxEntries <= 0) return;
    const key = RecentAnswers.key(endpoint, messageId);
    if (this.entries.has(key)) return; // keep the first answer, as Odoo does
    this.entries.set(key, { result, until: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
