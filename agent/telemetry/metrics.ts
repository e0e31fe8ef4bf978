/**
 * Prometheus metrics (prom-client) and a /healthz route, served on loopback when metrics_port is set.
 */
import http from 'node:http';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { scrub } from './redact.ts';

/** What /healthz answers: 200 when ok, else 503; `failed` names each check that failed and why. */
export interface Health {
  readonly ok: boolean;
  readonly failed?: ReadonlyArray<{ readonly check: string; readonly reason: string }>;
  readonly detail?: unknown;
}

export class AgentMetrics {
  readonly registry = new Registry();
  readonly delivered = new Counter({
    name: 'plansync_events_delivered_total',
    help: 'Events delivered and acknowledged',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly failed = new Counter({
    name: 'plansync_events_failed_total',
    help: 'Events released for a later attempt',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly parked = new Counter({
    name: 'plansync_events_parked_total',
    help: 'Events parked as dead letters',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly claimSeconds = new Histogram({
    name: 'plansync_claim_seconds',
    help: 'Duration of outbox claims',
    labelNames: ['endpoint'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly deliverySeconds = new Histogram({
    name: 'plansync_delivery_seconds',
    help: 'Duration of one delivery request, retries included',
    labelNames: ['endpoint'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  });
  readonly backlog = new Gauge({
    name: 'plansync_backlog_events',
    help: 'Pending events in Odoo, as of the last heartbeat',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly lag = new Gauge({
    name: 'plansync_lag_seconds',
    help: 'Age of the oldest pending event, as of the last heartbeat',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });
  readonly dead = new Gauge({
    name: 'plansync_dead_letters',
    help: 'Dead letters in Odoo, as of the last heartbeat',
    labelNames: ['endpoint'],
    registers: [this.registry],
  });

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
  }

  /** Serve /metrics and /healthz on 127.0.0.1:port; `healthy` decides the /healthz status. */
  serve(port: number, healthy: () => Health): Promise<http.Server> {
    const server = http.createServer((req, res) => {
      if (req.url === '/metrics') {
        this.registry
          .metrics()
          .then((body) => {
            res.writeHead(200, { 'content-type': this.registry.contentType });
            res.end(scrub(body));
          })
          .catch((error: unknown) => {
            res.writeHead(500).end(scrub(String(error)));
          });
        return;
      }
      if (req.url === '/healthz') {
        const health = healthy();
        res.writeHead(health.ok ? 200 : 503, { 'content-type': 'application/json' }).end(scrub(JSON.stringify(health)));
        return;
      }
      res.writeHead(404).end();
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve(server));
    });
  }
}
