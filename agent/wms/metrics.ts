/**
 * Counters of WMS inbound messages, registered on the agent's registry (AgentMetrics.registry).
 * Duplicates: `plansync_wms_results_total{status="duplicate"}` (answered by Odoo) plus
 * `plansync_wms_cached_total` (answered by the receiver's cache).
 */
import { Counter, type Registry } from 'prom-client';

export class WmsMetrics {
  readonly received: Counter<'endpoint' | 'source'>;
  readonly refused: Counter<'endpoint' | 'reason'>;
  readonly results: Counter<'endpoint' | 'status'>;
  readonly cached: Counter<'endpoint'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.received = new Counter({
      name: 'plansync_wms_messages_received_total',
      help: 'WMS messages received (source: http or poll)',
      labelNames: ['endpoint', 'source'],
      registers,
    });
    this.refused = new Counter({
      name: 'plansync_wms_requests_refused_total',
      help: 'WMS requests refused by the receiver, by reason',
      labelNames: ['endpoint', 'reason'],
      registers,
    });
    this.results = new Counter({
      name: 'plansync_wms_results_total',
      help: "Odoo's answers to WMS messages, by status",
      labelNames: ['endpoint', 'status'],
      registers,
    });
    this.cached = new Counter({
      name: 'plansync_wms_cached_total',
      help: 'Repeated WMS messages answered from the receiver cache',
      labelNames: ['endpoint'],
      registers,
    });
  }
}
