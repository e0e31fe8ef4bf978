/**
 * An Odoo transport that calls the stand-in's model directly (no HTTP), with fault injection:
 * tests of the pipeline use it to make Odoo fail exactly where they want.
 */
import { OdooError } from '../../agent/errors.ts';
import type { OdooTransport } from '../../agent/odoo/port.ts';
import { OdooException, type StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';

export type Fault = (model: string, method: string) => Error | undefined;

export class InProcessTransport implements OdooTransport {
  readonly name = 'jsonrpc' as const;
  readonly calls: Array<{ model: string; method: string }> = [];
  fault: Fault | undefined;

  constructor(
    private readonly odoo: StandinOdoo,
    private readonly user: StandinUser,
  ) {}

  call<T>(model: string, method: string, args: readonly unknown[], kwargs: Readonly<Record<string, unknown>> = {}): Promise<T> {
    this.calls.push({ model, method });
    const injected = this.fault?.(model, method);
    if (injected) return Promise.reject(injected);
    try {
      // A JSON round trip, as over the wire: no shared objects between the agent and the model.
      const result = this.odoo.execute(this.user, model, method, JSON.parse(JSON.stringify(args)) as unknown[], kwargs);
      return Promise.resolve(JSON.parse(JSON.stringify(result)) as T);
    } catch (error) {
      if (error instanceof OdooException) {
        const access = error.odooName.endsWith('AccessError');
        return Promise.reject(
          new OdooError(access ? 'ERR_ODOO_ACCESS' : 'ERR_ODOO_VALIDATION', access ? 'config' : 'record', error.message, {
            odooName: error.odooName,
          }),
        );
      }
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  version() {
    return Promise.resolve({ server_version: '17.0-standin', server_version_info: [17, 0] });
  }

  uid() {
    return Promise.resolve(this.user.id);
  }

  close() {
    return Promise.resolve();
  }
}

export const networkDown = (): OdooError => new OdooError('ERR_NETWORK', 'transient', 'connect ECONNREFUSED 127.0.0.1:8069');
