/**
 * `plansync snapshot --endpoint CODE [--warehouse CODE ...] [--dry-run] [--json]`: send a channel the
 * full availability Odoo computes for it now (every storable product × warehouse, by the endpoint's
 * definition, allocation rules and SKU/unit mapping), beside the stream of changes. The channel sees
 * `"mode": "snapshot"`. What it confirmed is remembered as last sent, for `plansync reconcile`.
 *
 * Exit code 0 when every item was sent, 1 when the channel or Odoo failed midway (run it again: a
 * snapshot is a full picture, sending it twice is harmless), 2 for a configuration error.
 */
import { describeError } from '../errors.ts';
import { sendSnapshot } from '../pipeline/inventory.ts';
import { ChannelTarget } from '../targets/channel/channel.ts';
import { createTarget, effectiveEndpoint } from '../targets/index.ts';
import { createLogger } from '../telemetry/log.ts';
import { createProgress, formatRate } from '../telemetry/progress.ts';
import { commandConfig, type CommandIO } from './io.ts';
import { openSession } from './session.ts';

export interface SnapshotCommand extends CommandIO {
  readonly endpoint: string;
  readonly warehouses?: readonly string[] | undefined;
  readonly dryRun?: boolean | undefined;
  readonly signal?: AbortSignal;
}

const SHOWN = 10;

export const runSnapshot = async (command: SnapshotCommand): Promise<number> => {
  const out = command.out ?? ((line: string) => console.log(line));
  const err = command.err ?? ((line: string) => console.error(line));
  const usage = (message: string) => {
    err(`plansync snapshot: ${message}`);
    return 2;
  };
  const config = commandConfig(command, err);
  if (!config) return 2;
  const session = await openSession(config, 'plansync snapshot', err);
  if (!session) return 1;
  const progress = createProgress(command.progress);
  try {
    const endpoint = session.hb.endpoints.find((e) => e.code === command.endpoint);
    if (!endpoint)
      return usage(
        `endpoint ${JSON.stringify(command.endpoint)} is not an active endpoint of ${config.odoo.login}'s companies (${session.hb.endpoints.map((e) => e.code).join(', ') || 'none'})`,
      );
    if (endpoint.kind !== 'channel')
      return usage(`endpoint ${endpoint.code} is of kind ${endpoint.kind}: a snapshot is sent to sales-channel endpoints (kind channel)`);
    const known = endpoint.warehouses;
    const wanted = command.warehouses && command.warehouses.length > 0 ? command.warehouses : false;
    const unknown = wanted && known ? wanted.filter((w) => !known.includes(w)) : [];
    if (unknown.length > 0)
      return usage(`--warehouse ${unknown.join(', ')}: not a warehouse of endpoint ${endpoint.code} (${known?.join(', ') || 'none'})`);
    const settings = effectiveEndpoint(endpoint, config);
    let target: ChannelTarget | undefined;
    if (!command.dryRun) {
      const choice = createTarget(settings, config, {}, { odoo: session.odoo, state: session.state, logger: createLogger('silent') });
      if (!choice.ok) return usage(`endpoint ${endpoint.code} cannot be served by this agent: ${choice.reason}`);
      if (!(choice.target instanceof ChannelTarget)) return usage(`endpoint ${endpoint.code} has no channel target`);
      target = choice.target;
    }
    const bar = progress.bar(`${endpoint.code} snapshot`, 0, 'items');
    let report;
    try {
      report = await sendSnapshot(session.odoo, target, endpoint.code, {
        warehouses: wanted,
        batchSize: settings.batchSize,
        ...(command.signal ? { signal: command.signal } : {}),
        onProgress: (done, total) => bar.update(done, total),
      });
    } catch (error) {
      progress.stop();
      err(`plansync snapshot: ${describeError(error)}`);
      return /ValidationError|UserError/.test(describeError(error)) ? 2 : 1;
    } finally {
      target?.close();
    }
    progress.stop();
    if (command.json) out(JSON.stringify({ ...report, dry_run: Boolean(command.dryRun) }, null, 2));
    else {
      out(
        command.dryRun
          ? `${endpoint.code}: dry run: ${report.items} product × warehouse figures computed, nothing sent`
          : `${endpoint.code}: snapshot sent ${report.sent} of ${report.items} product × warehouse figures in ${report.seconds.toFixed(1)} s (${formatRate(report.sent / Math.max(report.seconds, 0.001))})`,
      );
      if (report.refused.length > 0) {
        out(`  refused (${Math.min(SHOWN, report.refused.length)} of ${report.refused.length}):`);
        for (const r of report.refused.slice(0, SHOWN)) out(`    ${r.sku}@${r.warehouse}: ${r.reason}`);
      }
      if (report.failed) out(`  stopped: ${report.failed}; run it again (a snapshot is a full picture: sending it twice is harmless)`);
    }
    return report.failed || report.refused.length > 0 ? 1 : 0;
  } finally {
    progress.stop();
    await session.close();
  }
};
