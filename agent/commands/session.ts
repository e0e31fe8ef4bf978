/** A one-shot command's session with Odoo: heartbeat (the endpoints as Odoo configures them) and the state store. */
import { redactUrl } from '../telemetry/redact.ts';
import type { HeartbeatResult } from '../../shared-types/index.ts';
import type { AgentConfig } from '../config.ts';
import { describeError } from '../errors.ts';
import { PlanSyncOdoo } from '../odoo/client.ts';
import { connectOdoo, logResolution } from '../odoo/connect.ts';
import { createLogger } from '../telemetry/log.ts';
import { AGENT_VERSION, connectionAdvice } from '../runner.ts';
import { openStateStore, type StateStore } from '../state/store.ts';

export interface Session {
  readonly odoo: PlanSyncOdoo;
  readonly hb: HeartbeatResult;
  readonly state: StateStore;
  close(): Promise<void>;
}

/** Connect, heartbeat and open the state store; on failure say why (prefixed with `name`) and resolve to undefined. */
export const openSession = async (config: AgentConfig, name: string, err: (line: string) => void): Promise<Session | undefined> => {
  const odoo = new PlanSyncOdoo(connectOdoo(config.odoo, { onResolved: logResolution(createLogger(config.logLevel)) }));
  try {
    const hb = await odoo.heartbeat(config.consumer, {
      version: AGENT_VERSION,
      host: '',
      pid: process.pid,
      started_at: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      mode: 'once',
      endpoints: {},
    });
    const state = await openStateStore({ url: config.state, database: hb.database.uuid, receiptTtlMs: config.receiptTtlMs });
    return {
      odoo,
      hb,
      state,
      close: async () => {
        await state.close().catch(() => undefined);
        await odoo.close().catch(() => undefined);
      },
    };
  } catch (error) {
    err(`${name}: ${describeError(error)}`);
    err(`${name}: ${connectionAdvice(error, redactUrl(config.odoo.url)).replace(/ \(retrying.*\)$/, '')}`);
    await odoo.close().catch(() => undefined);
    return undefined;
  }
};
