/**
 * `plansync reconcile [--endpoint CODE ...] [--warehouse CODE ...] [--json]`: Odoo against the WMS's
 * balances (each WMS endpoint's `GET <url>/balances?warehouse=CODE`, sent to Odoo as one complete
 * balance message per warehouse) and against what each channel was last sent (this agent's ledger).
 * Odoo compares: differences within the endpoint's tolerance are counted, beyond it they become
 * discrepancies a person settles in Odoo (Inventory > PlanSync > Discrepancies). Nothing here changes
 * stock.
 *
 * Exit code 0 when every endpoint was reconciled (discrepancies are people's to settle), 1 when a
 * WMS, a channel or Odoo failed midway (run it again: a balance already applied is a duplicate, an
 * open discrepancy is updated, never doubled), 2 for a configuration error.
 */
import { reconcileEndpoints, type EndpointReconcile } from '../pipeline/reconcile.ts';
import { commandConfig, type CommandIO } from './io.ts';
import { openSession } from './session.ts';

export interface ReconcileCommand extends CommandIO {
  readonly endpoints?: readonly string[] | undefined;
  readonly warehouses?: readonly string[] | undefined;
  readonly signal?: AbortSignal;
}

export const reportLines = (reports: readonly EndpointReconcile[]): string[] => {
  const lines: string[] = [];
  const counts = (c: { within_tolerance: number; opened: number; updated: number; resolved: number }) =>
    `within tolerance ${c.within_tolerance}, discrepancies opened ${c.opened}, updated ${c.updated}, resolved ${c.resolved}`;
  for (const r of reports) {
    if ('error' in r) {
      lines.push(`${r.endpoint} (${r.kind}): failed: ${r.error}`);
    } else if (r.kind === 'wms') {
      lines.push(`${r.endpoint} (wms): ${r.warehouses.length} warehouse(s) reconciled: ${counts(r.counts)}`);
      for (const w of r.warehouses)
        lines.push(
          `  ${w.warehouse}: ${w.balances} balances, ${w.status}${w.status === 'exception' || w.status === 'duplicate' ? `: ${w.detail}` : ''}; ${counts(w.counts)}`,
        );
      for (const f of r.failed) lines.push(`  ${f.warehouse}: failed: ${f.error}`);
    } else {
      lines.push(
        `${r.endpoint} (channel): ${r.counts.checked} figures compared with what was last sent: ${counts(r.counts)}${r.neverSent ? `; ${r.neverSent} never sent by this agent (plansync snapshot --endpoint ${r.endpoint} sends them)` : ''}`,
      );
    }
  }
  if (reports.some((r) => !('error' in r) && r.counts.opened + r.counts.updated > 0))
    lines.push('Settle the discrepancies in Odoo: Inventory > PlanSync > Discrepancies.');
  return lines;
};

export const runReconcile = async (command: ReconcileCommand): Promise<number> => {
  const out = command.out ?? ((line: string) => console.log(line));
  const err = command.err ?? ((line: string) => console.error(line));
  const usage = (message: string) => {
    err(`plansync reconcile: ${message}`);
    return 2;
  };
  const config = commandConfig(command, err);
  if (!config) return 2;
  const session = await openSession(config, 'plansync reconcile', err);
  if (!session) return 1;
  try {
    const candidates = session.hb.endpoints.filter((e) => e.kind === 'wms' || e.kind === 'channel');
    let chosen = candidates;
    if (command.endpoints && command.endpoints.length > 0) {
      const unknown = command.endpoints.filter((c) => !candidates.some((e) => e.code === c));
      if (unknown.length > 0)
        return usage(
          `--endpoint ${unknown.join(', ')}: not an active WMS or channel endpoint (${candidates.map((e) => e.code).join(', ') || 'none'})`,
        );
      chosen = candidates.filter((e) => command.endpoints?.includes(e.code));
    }
    if (chosen.length === 0) return usage('no active WMS or channel endpoint in Odoo: nothing to reconcile');
    const warehouses = command.warehouses && command.warehouses.length > 0 ? command.warehouses : false;
    if (warehouses) {
      const known = new Set(chosen.flatMap((e) => e.warehouses ?? []));
      const unknown = warehouses.filter((w) => !known.has(w));
      if (unknown.length > 0)
        return usage(
          `--warehouse ${unknown.join(', ')}: not a warehouse of ${chosen.map((e) => e.code).join(', ')} (${[...known].join(', ') || 'none'})`,
        );
    }
    const reports = await reconcileEndpoints({ odoo: session.odoo, state: session.state, config }, chosen, warehouses, command.signal);
    if (command.json) out(JSON.stringify({ endpoints: reports }, null, 2));
    else for (const line of reportLines(reports)) out(line);
    return reports.every((r) => !('error' in r) && (r.kind !== 'wms' || r.failed.length === 0)) ? 0 : 1;
  } finally {
    await session.close();
  }
};
