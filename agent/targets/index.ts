/**
 * Which target serves an endpoint, from what Odoo says of it and the agent's local overrides.
 */
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { EndpointConfig } from '../../shared-types/index.ts';
import { overrideFor, secretFor, secretVariable, type AgentConfig } from '../config.ts';
import type { PlanSyncOdoo } from '../odoo/client.ts';
import type { RetryPolicy } from '../retry.ts';
import type { StateStore } from '../state/store.ts';
import type { Logger } from '../telemetry/log.ts';
import { ChannelTarget, SentLedger } from './channel/channel.ts';
import type { WmsMetrics } from '../wms/metrics.ts';
import { WmsPoller } from '../wms/poller.ts';
import type { WmsOdoo } from '../wms/types.ts';
import { FileExchangeTarget, FileInboxPoller } from './planning/file.ts';
import { PlanningHttpTarget, PlanningRunsPoller } from './planning/http.ts';
import type { InboundSource, Target } from './target.ts';
import { WebhookTarget, type WebhookOptions } from './webhook/webhook.ts';

/** Seconds between two polls of a planning endpoint's runs or inbox, by default. */
export const DEFAULT_RUNS_POLL_SECONDS = 300;

/** The settings one endpoint runs with: Odoo's, overridden by the agent's config. */
export interface EffectiveEndpoint {
  readonly code: string;
  readonly kind: EndpointConfig['kind'];
  readonly url: string | false;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly rateLimit: number;
  readonly timeoutMs: number;
  readonly enabled: boolean;
  /** Planning endpoints: seconds between two polls of the runs (HTTP) or the inbox (files). */
  readonly runsPollSeconds: number;
  /** WMS endpoints: seconds between two polls of the WMS's messages; 0: none. */
  readonly wmsPollSeconds: number;
}

export const effectiveEndpoint = (endpoint: EndpointConfig, config: Pick<AgentConfig, 'endpoints'>): EffectiveEndpoint => {
  const local = overrideFor(config, endpoint.code);
  return {
    code: endpoint.code,
    kind: endpoint.kind,
    url: local.url ?? endpoint.url,
    batchSize: local.batch_size ?? endpoint.batch_size,
    concurrency: local.concurrency ?? endpoint.concurrency,
    rateLimit: local.rate_limit ?? endpoint.rate_limit,
    timeoutMs: Math.round((local.timeout_seconds ?? endpoint.timeout_seconds) * 1000),
    enabled: local.enabled ?? true,
    runsPollSeconds: local.runs_poll_seconds ?? DEFAULT_RUNS_POLL_SECONDS,
    wmsPollSeconds: local.wms_poll_seconds ?? 0,
  };
};

export type TargetChoice =
  | {
      readonly ok: true;
      readonly target: Target;
      /** Where planning results come from (planning endpoints, when `inbound` deps were given). */ readonly inbound?: InboundSource;
    }
  | { readonly ok: false; readonly reason: string };

export interface TargetFactoryOptions {
  /** Extra options for webhook targets and the events of planning endpoints (tests shorten retries). */
  readonly webhook?: Partial<Pick<WebhookOptions, 'retryLimit' | 'backoffLimitMs' | 'noiseMs' | 'maxRetryAfterMs' | 'userAgent'>>;
  /** Extra options for the inbound side of planning endpoints. */
  readonly planning?: {
    readonly batchSize?: number;
    readonly retryLimit?: number;
    readonly backoffLimitMs?: number;
    readonly importRetry?: RetryPolicy;
  };
}

/** What the inbound side of a planning endpoint needs: Odoo to import into, a state store for checkpoints. */
export interface InboundDeps {
  readonly odoo: Pick<PlanSyncOdoo, 'importBatch'>;
  /** WMS endpoints that poll the WMS: where its messages go. */
  readonly wms?: WmsOdoo;
  readonly wmsMetrics?: WmsMetrics;
  readonly state: StateStore;
  readonly logger: Logger;
}

const isDirectory = (path: string): boolean => {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
};

/** Build the target of an endpoint (and, for a planning endpoint with `inbound` deps, its poller), or say exactly why this agent cannot serve it. */
export const createTarget = (
  endpoint: EffectiveEndpoint,
  config: Pick<AgentConfig, 'secrets'>,
  options: TargetFactoryOptions = {},
  inbound?: InboundDeps,
): TargetChoice => {
  if (!endpoint.enabled) return { ok: false, reason: `disabled in this agent's config (endpoints.${endpoint.code}.enabled = false)` };
  if (!['webhook', 'planning', 'channel', 'wms'].includes(endpoint.kind)) {
    return { ok: false, reason: `kind "${endpoint.kind}" has no target in this version of the agent; its events stay pending in Odoo` };
  }
  if (!endpoint.url)
    return {
      ok: false,
      reason: `no URL: set it on the endpoint in Odoo or PLANSYNC_ENDPOINT_URL_${secretVariable(endpoint.code).slice('PLANSYNC_SECRET_'.length)}`,
    };
  const planning = options.planning ?? {};
  if (endpoint.kind === 'planning' && endpoint.url.startsWith('file:')) {
    let dir: string;
    try {
      dir = fileURLToPath(endpoint.url);
    } catch (error) {
      return { ok: false, reason: `the URL ${JSON.stringify(endpoint.url)} is not a file:///directory URL (${(error as Error).message})` };
    }
    if (!isDirectory(dir))
      return {
        ok: false,
        reason: `the exchange directory ${dir} does not exist or is not a directory: create it (the agent writes out/ and reads in/ there)`,
      };
    return {
      ok: true,
      target: new FileExchangeTarget({ code: endpoint.code, dir }),
      ...(inbound
        ? { inbound: new FileInboxPoller({ code: endpoint.code, dir, odoo: inbound.odoo, logger: inbound.logger, ...pick(planning) }) }
        : {}),
    };
  }
  if (!/^https?:/.test(endpoint.url))
    return { ok: false, reason: `the URL ${JSON.stringify(endpoint.url)} is neither http(s):// nor (for planning) file:///` };
  const secret = secretFor(config, endpoint.code);
  if (!secret)
    return {
      ok: false,
      reason: `no signing secret: set ${secretVariable(endpoint.code)} (or ${secretVariable(endpoint.code)}_FILE) in the agent's environment`,
    };
  const webhook = { code: endpoint.code, url: endpoint.url, secret, timeoutMs: endpoint.timeoutMs, ...options.webhook };
  if (endpoint.kind === 'webhook') return { ok: true, target: new WebhookTarget(webhook) };
  if (endpoint.kind === 'wms') {
    const poll = endpoint.wmsPollSeconds > 0 && inbound?.wms;
    return {
      ok: true,
      target: new WebhookTarget(webhook),
      ...(poll && inbound.wms
        ? {
            inbound: new WmsPoller({
              code: endpoint.code,
              url: endpoint.url,
              secret,
              timeoutMs: endpoint.timeoutMs,
              odoo: inbound.wms,
              state: inbound.state,
              logger: inbound.logger,
              ...(inbound.wmsMetrics ? { metrics: inbound.wmsMetrics } : {}),
            }),
          }
        : {}),
    };
  }
  if (endpoint.kind === 'channel')
    return { ok: true, target: new ChannelTarget({ ...webhook, ...(inbound ? { ledger: new SentLedger(inbound.state) } : {}) }) };
  return {
    ok: true,
    target: new PlanningHttpTarget(webhook),
    ...(inbound
      ? {
          inbound: new PlanningRunsPoller({
            code: endpoint.code,
            url: endpoint.url,
            secret,
            timeoutMs: endpoint.timeoutMs,
            odoo: inbound.odoo,
            state: inbound.state,
            logger: inbound.logger,
            ...(planning.batchSize === undefined ? {} : { batchSize: planning.batchSize }),
            ...(planning.retryLimit === undefined ? {} : { retryLimit: planning.retryLimit }),
            ...(planning.backoffLimitMs === undefined ? {} : { backoffLimitMs: planning.backoffLimitMs }),
            ...(planning.importRetry ? { importRetry: planning.importRetry } : {}),
          }),
        }
      : {}),
  };
};

const pick = (planning: NonNullable<TargetFactoryOptions['planning']>): { batchSize?: number; retry?: RetryPolicy } => ({
  ...(planning.batchSize === undefined ? {} : { batchSize: planning.batchSize }),
  ...(planning.importRetry ? { retry: planning.importRetry } : {}),
});
