/**
 * Reconciliation of WMS and channel endpoints, shared by `plansync reconcile` and the daemon's
 * schedule: each WMS's balances per warehouse go to Odoo as one complete balance message; each
 * channel's last-sent ledger is compared through `report_channel`. Odoo records the differences.
 */
import type { EndpointConfig } from '../../shared-types/index.ts';
import { secretFor, secretVariable, type AgentConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import type { PlanSyncOdoo } from '../odoo/client.ts';
import type { StateStore } from '../state/store.ts';
import { SentLedger } from '../targets/channel/channel.ts';
import { effectiveEndpoint } from '../targets/index.ts';
import { fetchBalances } from '../wms/balances.ts';
import { forward } from '../wms/forward.ts';
import { WmsOdooClient } from '../wms/odoo.ts';
import { reconcileChannel, reconcileWms, type ChannelReconcileReport, type WmsReconcileReport } from './inventory.ts';

export type EndpointReconcile =
  WmsReconcileReport | ChannelReconcileReport | { readonly endpoint: string; readonly kind: 'wms' | 'channel'; readonly error: string };

/** Reconcile the given WMS and channel endpoints (the daemon's schedule and the command share it). */
export const reconcileEndpoints = async (
  deps: { readonly odoo: PlanSyncOdoo; readonly state: StateStore; readonly config: Pick<AgentConfig, 'secrets' | 'endpoints'> },
  endpoints: readonly EndpointConfig[],
  warehouses: readonly string[] | false,
  signal?: AbortSignal,
): Promise<EndpointReconcile[]> => {
  const reports: EndpointReconcile[] = [];
  const wms = new WmsOdooClient(deps.odoo.transport);
  const ledger = new SentLedger(deps.state);
  for (const endpoint of endpoints) {
    const kind = endpoint.kind === 'wms' ? 'wms' : 'channel';
    const own = endpoint.warehouses ?? [];
    const chosen = warehouses ? warehouses.filter((w) => own.length === 0 || own.includes(w)) : own;
    try {
      if (kind === 'wms') {
        const settings = effectiveEndpoint(endpoint, deps.config);
        const secret = secretFor(deps.config, endpoint.code);
        if (!settings.url || !/^https?:/.test(settings.url)) throw new Error(`no http(s) URL for WMS endpoint ${endpoint.code}`);
        if (!secret) throw new Error(`no signing secret for ${endpoint.code}: set ${secretVariable(endpoint.code)}`);
        const url = settings.url;
        reports.push(
          await reconcileWms(
            {
              fetchBalances: (warehouse, s) =>
                fetchBalances(url, secret, warehouse, {
                  endpoint: endpoint.code,
                  timeoutMs: settings.timeoutMs,
                  ...(s ? { signal: s } : {}),
                }),
              receive: async (code, messages) =>
                (await forward(wms, code, messages as Parameters<typeof forward>[2])).map((r) => ({
                  ...r,
                  discrepancies: r.discrepancies ? { checked: 0, ...r.discrepancies } : false,
                })),
            },
            endpoint.code,
            chosen,
            signal,
            describeError,
          ),
        );
      } else {
        reports.push(await reconcileChannel(deps.odoo, ledger, endpoint, warehouses ? chosen : false, signal));
      }
    } catch (error) {
      if (signal?.aborted) throw error;
      reports.push({ endpoint: endpoint.code, kind, error: describeError(error) });
    }
  }
  return reports;
};
