/**
 * Which target serves an endpoint, from what Odoo says of it and the agent's local overrides.
 */
import type { EndpointConfig } from '../../shared-types/index.ts';
import { overrideFor, secretFor, secretVariable, type AgentConfig } from '../config.ts';
import type { Target } from './target.ts';
import { WebhookTarget, type WebhookOptions } from './webhook/webhook.ts';

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
  };
};

export type TargetChoice = { readonly ok: true; readonly target: Target } | { readonly ok: false; readonly reason: string };

export interface TargetFactoryOptions {
  /** Extra options for webhook targets (tests shorten retries). */
  readonly webhook?: Partial<Pick<WebhookOptions, 'retryLimit' | 'backoffLimitMs' | 'noiseMs' | 'maxRetryAfterMs' | 'userAgent'>>;
}

/** Build the target of an endpoint, or say exactly why this agent cannot serve it. */
export const createTarget = (endpoint: EffectiveEndpoint, config: Pick<AgentConfig, 'secrets'>, options: TargetFactoryOptions = {}): TargetChoice => {
  if (!endpoint.enabled) return { ok: false, reason: `disabled in this agent's config (endpoints.${endpoint.code}.enabled = false)` };
  if (endpoint.kind !== 'webhook') {
    return { ok: false, reason: `kind "${endpoint.kind}" has no target in this version of the agent (only "webhook"); its events stay pending in Odoo` };
  }
  if (!endpoint.url) return { ok: false, reason: `no URL: set it on the endpoint in Odoo or PLANSYNC_ENDPOINT_URL_${secretVariable(endpoint.code).slice('PLANSYNC_SECRET_'.length)}` };
  const secret = secretFor(config, endpoint.code);
  if (!secret) return { ok: false, reason: `no signing secret: set ${secretVariable(endpoint.code)} (or ${secretVariable(endpoint.code)}_FILE) in the agent's environment` };
  return {
    ok: true,
    target: new WebhookTarget({ code: endpoint.code, url: endpoint.url, secret, timeoutMs: endpoint.timeoutMs, ...options.webhook }),
  };
};
