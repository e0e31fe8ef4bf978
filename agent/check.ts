/**
 * `plansync check`: every precondition of `run`, one line each, and exactly what is wrong.
 * Exit code 0 when all pass, 1 when one fails, 2 when the configuration itself is wrong.
 */
import { redactUrl } from './telemetry/redact.ts';
import { loadConfig, type AgentConfig } from './config.ts';
import { ConfigError, describeError } from './errors.ts';
import { apiKeyLines, serverLines, type CheckLine } from './check-odoo.ts';
import { PlanSyncOdoo, type HeartbeatReply } from './odoo/client.ts';
import { connectOdoo } from './odoo/connect.ts';
import { serverMajor } from './odoo/version.ts';
import { AGENT_VERSION } from './runner.ts';
import { openStateStore } from './state/store.ts';
import { checkTimeoutFitsLease } from './pipeline/worker.ts';
import { createTarget, effectiveEndpoint } from './targets/index.ts';

/** Addon versions this agent speaks the contract of. */
export const SUPPORTED_ADDON = /^1[7-9]\.0\.1\.\d+\.\d+$/;

export type { CheckLine } from './check-odoo.ts';

export interface CheckOptions {
  readonly file?: string | undefined;
  readonly json?: boolean;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly out?: (line: string) => void;
  /** The clock API key expiry is measured against. Default: now. */
  readonly now?: () => Date;
}

const explainOdooError = (error: unknown, config: AgentConfig, transport: string = config.odoo.transport): string => {
  const e = error as { code?: string; odooName?: string; message?: string };
  const message = e.message ?? String(error);
  if (e.code === 'ERR_ODOO_AUTH')
    return `Odoo refused login ${JSON.stringify(config.odoo.login)} with this API key on database ${JSON.stringify(config.odoo.db)}: check ODOO_LOGIN, ODOO_DB and ODOO_API_KEY`;
  if (e.code === 'ERR_ODOO_ACCESS')
    return `the user ${JSON.stringify(config.odoo.login)} is not allowed to call PlanSync: add it to the group PlanSync / Integration (${message})`;
  if (/plansync\.(agent|outbox)/.test(message) && /exist/i.test(message))
    return `the PlanSync addon is not installed in database ${JSON.stringify(config.odoo.db)}: install odoo_addon/plansync (README, "Installing the addon")`;
  if (e.code === 'ERR_NETWORK' || e.code === 'ERR_TIMEOUT') return `cannot reach ${redactUrl(config.odoo.url)}: ${message}`;
  if (e.code === 'ERR_ODOO_PROTOCOL') return `${redactUrl(config.odoo.url)} does not answer like Odoo on ${transport}: ${message}`;
  return describeError(error);
};

export const checkAll = async (options: CheckOptions): Promise<{ code: number; lines: CheckLine[] }> => {
  const lines: CheckLine[] = [];
  const add = (status: CheckLine['status'], what: string, detail: string) => lines.push({ status, what, detail });
  let config: AgentConfig;
  try {
    config = loadConfig({ file: options.file, ...(options.env ? { env: options.env } : {}) });
    add(
      'ok',
      'config',
      `${options.file ?? options.env?.PLANSYNC_CONFIG ?? process.env.PLANSYNC_CONFIG ?? '(no file)'} + environment; transport ${config.odoo.transport}; consumer ${config.consumer}`,
    );
  } catch (error) {
    add('fail', 'config', error instanceof ConfigError ? error.message : describeError(error));
    return { code: 2, lines };
  }
  let transport: ReturnType<typeof connectOdoo>;
  try {
    transport = connectOdoo(config.odoo);
  } catch (error) {
    add('fail', 'config', error instanceof ConfigError ? error.message : describeError(error));
    return { code: 2, lines };
  }
  const odoo = new PlanSyncOdoo(transport);
  try {
    try {
      const started = Date.now();
      // auto: the unauthenticated version probe; configured: the transport's own version call.
      const version = await transport.version();
      add('ok', 'Odoo reachable', `${redactUrl(config.odoo.url)}, server ${version.server_version} (${Date.now() - started} ms)`);
      const resolution = await transport.resolution();
      lines.push(
        ...serverLines(
          { version: version.server_version, major: serverMajor(version.server_version_info, version.server_version) },
          resolution,
        ),
      );
    } catch (error) {
      add('fail', 'Odoo reachable', explainOdooError(error, config, transport.name));
      return { code: 1, lines };
    }
    try {
      const uid = await transport.uid();
      add('ok', 'logged in', `${config.odoo.login} (uid ${uid}) on database ${config.odoo.db}`);
    } catch (error) {
      add('fail', 'logged in', explainOdooError(error, config, transport.name));
      return { code: 1, lines };
    }
    let hb: HeartbeatReply;
    try {
      hb = await odoo.heartbeat(config.consumer, {
        version: AGENT_VERSION,
        host: '',
        pid: process.pid,
        started_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        mode: 'check',
        endpoints: {},
      });
    } catch (error) {
      add('fail', 'PlanSync addon', explainOdooError(error, config, transport.name));
      return { code: 1, lines };
    }
    add(
      SUPPORTED_ADDON.test(hb.addon_version) ? 'ok' : 'fail',
      'PlanSync addon',
      `version ${hb.addon_version}${SUPPORTED_ADDON.test(hb.addon_version) ? '' : ` is not one this agent (${AGENT_VERSION}) speaks: expected ${SUPPORTED_ADDON.source}`}`,
    );
    lines.push(...apiKeyLines(hb.api_keys, (options.now ?? (() => new Date()))()));
    const groups = hb.user.groups;
    if (!groups.includes('plansync.group_plansync_integration'))
      add('fail', 'groups', `${config.odoo.login} is not in PlanSync / Integration`);
    else if (groups.some((g) => g !== 'plansync.group_plansync_integration')) {
      add(
        'warn',
        'groups',
        `${config.odoo.login} is also in ${groups.filter((g) => g !== 'plansync.group_plansync_integration').join(', ')}: the integration user needs PlanSync / Integration only (least privilege)`,
      );
    } else add('ok', 'groups', 'PlanSync / Integration only (least privilege)');
    try {
      const state = await openStateStore({ url: config.state, database: hb.database.uuid, receiptTtlMs: config.receiptTtlMs });
      const probe = { at: Date.now() };
      await state.setCheckpoint('check', probe);
      const back = await state.getCheckpoint<typeof probe>('check');
      await state.close();
      if (back?.at !== probe.at) throw new Error('wrote a value and read back another');
      add('ok', 'state store', config.state.replace(/\/\/[^@/]*@/, '//***@'));
    } catch (error) {
      add('fail', 'state store', `${config.state.replace(/\/\/[^@/]*@/, '//***@')}: ${describeError(error)}`);
    }
    if (hb.endpoints.length === 0)
      add(
        'warn',
        'endpoints',
        `no active endpoint in the companies of ${config.odoo.login}: create one in Inventory > Configuration > PlanSync > Endpoints`,
      );
    for (const endpoint of hb.endpoints) {
      const settings = effectiveEndpoint(endpoint, config);
      const created = createTarget(settings, config);
      if (created.ok) created.target.close();
      // The request timeout must fit the lease (docs/webhook.md): the daemon refuses to serve the endpoint otherwise.
      let choice: { ok: true } | { ok: false; reason: string } = created;
      if (created.ok) {
        try {
          checkTimeoutFitsLease(endpoint.code, settings.timeoutMs, config.leaseSeconds ?? hb.settings.lease_seconds);
        } catch (error) {
          choice = { ok: false, reason: (error as Error).message };
        }
      }
      const paused = endpoint.blocked_since ? `; paused since ${endpoint.blocked_since}: ${endpoint.blocked_reason ?? ''}` : '';
      const backlog = `${endpoint.pending ?? 0} pending, ${endpoint.dead ?? 0} dead, lag ${Math.round(endpoint.lag_seconds ?? 0)} s${paused}`;
      add(
        choice.ok && !paused ? 'ok' : choice.ok ? 'warn' : endpoint.kind === 'webhook' || endpoint.kind === 'planning' ? 'fail' : 'warn',
        `endpoint ${endpoint.code}`,
        choice.ok ? `${endpoint.kind} → ${String(settings.url)}; ${backlog}` : `${choice.reason}; ${backlog}`,
      );
    }
    // Inventory truth: the WMS receiver and the reconciliation schedule (docs/inventory.md).
    const wmsEndpoints = hb.endpoints.filter((e) => e.kind === 'wms');
    const wmsCodes = wmsEndpoints.map((e) => e.code);
    const reconcilable = hb.endpoints.filter((e) => e.kind === 'wms' || e.kind === 'channel').map((e) => e.code);
    if (wmsCodes.length > 0) {
      const polled = wmsEndpoints.filter((e) => effectiveEndpoint(e, config).wmsPollSeconds > 0).map((e) => e.code);
      if (config.wms.port > 0)
        add(
          'ok',
          'WMS receiver',
          `POST http://${config.wms.host}:${config.wms.port}/wms/<code>/messages for ${wmsCodes.join(', ')}${polled.length ? `; polling ${polled.join(', ')}` : ''}`,
        );
      else if (polled.length > 0) add('ok', 'WMS receiver', `off; polling ${polled.join(', ')}`);
      else
        add(
          'warn',
          'WMS receiver',
          `off and no polling: WMS endpoint ${wmsCodes.join(', ')} cannot send confirmations or balances (set wms.port / PLANSYNC_WMS_PORT, or endpoints.<CODE>.wms_poll_seconds)`,
        );
    }
    if (reconcilable.length > 0) {
      add(
        'ok',
        'reconciliation',
        config.reconcile.everyHours > 0
          ? `the daemon reconciles ${reconcilable.join(', ')} every ${config.reconcile.everyHours} h`
          : 'off in the daemon (reconcile.every_hours 0); plansync reconcile runs it by hand',
      );
    }
    // The embedded planner: would the daemon plan, and can this user read the planning snapshot?
    const planning = hb.endpoints.filter((e) => e.kind === 'planning').map((e) => e.code);
    const { planner } = config;
    if (planner.enabled === false)
      add('ok', 'embedded planner', 'off (planner.enabled false / PLANSYNC_PLANNER=off); plansync plan still runs it by hand');
    else if (planner.enabled === 'auto' && planning.length > 0)
      add(
        'ok',
        'embedded planner',
        `not scheduled: planning endpoint ${planning.join(', ')} is active (plansync plan still runs it by hand)`,
      );
    else {
      try {
        const page = await odoo.planningSnapshot(planner.warehouses, 1, 0, 1);
        add(
          'ok',
          'embedded planner',
          `the daemon plans every ${planner.everyHours} h ${planner.warehouses ? `warehouses ${planner.warehouses.join(', ')}` : 'every warehouse'}: ${page.total} product × warehouse items today`,
        );
      } catch (error) {
        add('fail', 'embedded planner', `planning_snapshot: ${explainOdooError(error, config, transport.name)}`);
      }
    }
  } finally {
    await odoo.close().catch(() => undefined);
  }
  return { code: lines.some((l) => l.status === 'fail') ? 1 : 0, lines };
};

export const runCheck = async (options: CheckOptions): Promise<number> => {
  const out = options.out ?? ((line: string) => console.log(line));
  const { code, lines } = await checkAll(options);
  if (options.json) out(JSON.stringify({ ok: code === 0, checks: lines }, null, 2));
  else {
    const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
    for (const l of lines) out(`${mark[l.status]} ${l.what.padEnd(18)} ${l.detail}`);
    out(code === 0 ? 'all checks passed' : 'some checks failed: see ✗ above');
  }
  return code;
};
