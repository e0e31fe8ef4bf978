/**
 * `plansync.wms.message.receive` over any Odoo transport, its answer validated: a server that answers
 * something else is reported, never trusted.
 */
import { formatIssues } from '../../shared-types/index.ts';
import { OdooError } from '../errors.ts';
import type { OdooTransport } from '../odoo/port.ts';
import { WmsResults, type ReceivedMessage, type WmsOdoo, type WmsResult } from './types.ts';

export class WmsOdooClient implements WmsOdoo {
  private readonly transport: Pick<OdooTransport, 'call'>;

  constructor(transport: Pick<OdooTransport, 'call'>) {
    this.transport = transport;
  }

  async wmsReceive(endpoint: string, messages: readonly ReceivedMessage[]): Promise<WmsResult[]> {
    const raw = await this.transport.call<unknown>('plansync.wms.message', 'receive', [endpoint, messages], {}, ['endpoint', 'messages']);
    const parsed = WmsResults.safeParse(raw);
    if (!parsed.success) {
      throw new OdooError(
        'ERR_ODOO_PROTOCOL',
        'config',
        `plansync.wms.message.receive answered an unexpected shape: ${formatIssues(parsed.error, raw)}; is the PlanSync addon up to date?`,
      );
    }
    return parsed.data;
  }
}
