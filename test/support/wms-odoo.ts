/**
 * An in-memory `plansync.wms.message.receive` for the WMS tests: the idempotency rule of the contract
 * (a message_id seen before on the endpoint answers its first result as `duplicate`), `invalid`
 * exceptions for messages the schema refuses, and fault injection.
 */
import { OdooError } from '../../agent/errors.ts';
import { MAX_RECEIVE, checkMessage, type ReceivedMessage, type WmsOdoo, type WmsResult } from '../../agent/wms/types.ts';

export class FakeWmsOdoo implements WmsOdoo {
  /** Every call, with a copy of what it carried. */
  readonly calls: Array<{ endpoint: string; messages: ReceivedMessage[] }> = [];
  /** Message ids applied, in order, as `<endpoint>/<message_id>`. */
  readonly applied: string[] = [];
  /** Errors thrown by the next calls before anything is applied, one per call. */
  readonly faults: Error[] = [];
  /** Errors thrown by the next calls after applying (the answer is lost), one per call. */
  readonly lostAnswers: Error[] = [];
  /** When set, every call waits for this promise before answering (a test holds a request in flight). */
  gate: Promise<void> | undefined;
  private readonly first = new Map<string, WmsResult>();
  private nextId = 1;

  async wmsReceive(endpoint: string, messages: readonly ReceivedMessage[]): Promise<WmsResult[]> {
    this.calls.push({ endpoint, messages: JSON.parse(JSON.stringify(messages)) as ReceivedMessage[] });
    if (this.gate) await this.gate;
    const fault = this.faults.shift();
    if (fault) throw fault;
    if (messages.length > MAX_RECEIVE)
      throw new OdooError('ERR_ODOO_VALIDATION', 'record', `messages: at most ${MAX_RECEIVE} per call (got ${messages.length})`);
    const results = messages.map((message): WmsResult => {
      const key = `${endpoint}/${message.message_id}`;
      const seen = this.first.get(key);
      if (seen) return { ...seen, status: 'duplicate' };
      const issue = checkMessage(message);
      const result: WmsResult = issue
        ? {
            message_id: message.message_id,
            status: 'exception',
            code: 'invalid',
            detail: issue,
            record_id: this.nextId++,
            discrepancies: false,
          }
        : {
            message_id: message.message_id,
            status: 'applied',
            code: false,
            detail: 'applied',
            record_id: this.nextId++,
            discrepancies: message.type === 'balance' ? { opened: 0, updated: 0, resolved: 0, within_tolerance: 0 } : false,
          };
      if (result.status === 'applied') this.applied.push(key);
      this.first.set(key, result);
      return result;
    });
    const lost = this.lostAnswers.shift();
    if (lost) throw lost;
    return results;
  }

  /** Message ids of every call, flattened. */
  get sent(): string[] {
    return this.calls.flatMap((call) => call.messages.map((m) => m.message_id));
  }
}

export const odooDown = (): OdooError => new OdooError('ERR_NETWORK', 'transient', 'connect ECONNREFUSED 127.0.0.1:8069');
export const odooBusy = (): OdooError =>
  new OdooError('ERR_ODOO_CONCURRENCY', 'transient', 'could not serialize access due to concurrent update', {
    odooName: 'psycopg2.errors.SerializationFailure',
  });
export const odooDenied = (): OdooError =>
  new OdooError('ERR_ODOO_ACCESS', 'config', 'You are not allowed to access WMS messages', { odooName: 'odoo.exceptions.AccessError' });

/** A valid confirmation message. */
export const confirmation = (id: string, picking = 'WH/IN/00001') => ({
  message_id: id,
  type: 'receipt_confirmed',
  picking,
  occurred_at: '2026-11-30T08:00:00Z',
  lines: [{ sku: 'CH-0', quantity: 4 }],
});

/** A valid balance message. */
export const balance = (id: string, warehouse = 'WH') => ({
  message_id: id,
  type: 'balance',
  warehouse,
  as_of: '2026-11-30T06:00:00Z',
  complete: true,
  balances: [{ sku: 'CH-0', location: 'WH/Stock', quantity: 12 }],
});
