/**
 * What the real-Odoo tier's tests need of a live Odoo 17, 18 or 19 (served by scripts/test-odoo.sh):
 * the credentials it wrote, an admin JSON-RPC client to make business changes the way users do,
 * and the contract harness over it.
 */
import { readFileSync } from 'node:fs';
import type { OdooConnection } from '../../agent/odoo/port.ts';
import type { ContractHarness } from '../contract/suite.ts';

export interface TierFile {
  readonly integration: { readonly login: string; readonly id: number; readonly api_key: string };
  readonly planner: { readonly login: string; readonly id: number; readonly api_key: string };
  readonly admin: { readonly login: string; readonly password: string };
  readonly company_id: number;
  readonly other_company_id: number;
}

export interface Tier {
  readonly url: string;
  readonly db: string;
  readonly file: TierFile;
}

/** The live tier, or the reason there is none (these suites only run inside `npm run test:odoo`). */
export const liveTier = (): Tier | { reason: string } => {
  const { ODOO_URL, ODOO_DB, PLANSYNC_TIER_FILE } = process.env;
  if (!ODOO_URL || !ODOO_DB || !PLANSYNC_TIER_FILE)
    return { reason: 'ODOO_URL, ODOO_DB and PLANSYNC_TIER_FILE are set by scripts/test-odoo.sh: run `npm run test:odoo`' };
  return { url: ODOO_URL, db: ODOO_DB, file: JSON.parse(readFileSync(PLANSYNC_TIER_FILE, 'utf8')) as TierFile };
};

/** JSON-RPC as the admin (password login): the business side of the tests. */
export class OdooAdmin {
  private uid: number | undefined;
  private id = 0;
  constructor(private readonly tier: Tier) {}

  private async rpc(service: string, method: string, args: unknown[]): Promise<unknown> {
    const response = await fetch(`${this.tier.url}/jsonrpc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: ++this.id }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { data?: { name?: string; message?: string } } };
    if (body.error)
      throw new Error(`${service}.${method}: ${body.error.data?.name ?? ''}: ${body.error.data?.message ?? JSON.stringify(body.error)}`);
    return body.result;
  }

  async call<T>(model: string, method: string, args: unknown[] = [], kwargs: Record<string, unknown> = {}): Promise<T> {
    this.uid ??= (await this.rpc('common', 'authenticate', [
      this.tier.db,
      this.tier.file.admin.login,
      this.tier.file.admin.password,
      {},
    ])) as number;
    if (!this.uid) throw new Error('admin login refused');
    return (await this.rpc('object', 'execute_kw', [
      this.tier.db,
      this.uid,
      this.tier.file.admin.password,
      model,
      method,
      args,
      kwargs,
    ])) as T;
  }

  private major: number | undefined;

  /** The server's major version (17, 18, 19). */
  async serverMajor(): Promise<number> {
    if (this.major === undefined) {
      const info = (await this.rpc('common', 'version', [])) as { server_version_info?: unknown[] };
      this.major = Number(info.server_version_info?.[0]);
    }
    return this.major;
  }

  /**
   * The values that make a product storable on this server: `detailed_type: 'product'` on 17,
   * `type: 'consu'` + `is_storable` from 18 (the one difference between the versions the tests see).
   */
  async storable(): Promise<Record<string, unknown>> {
    return (await this.serverMajor()) >= 18 ? { type: 'consu', is_storable: true } : { detailed_type: 'product' };
  }

  /**
   * The context that asks product quantities of one warehouse: `warehouse` on 17, `warehouse_id` from
   * 18 (18 ignores the old key without a word and counts every warehouse).
   */
  async warehouseContext(warehouseId: number): Promise<Record<string, number>> {
    return (await this.serverMajor()) >= 18 ? { warehouse_id: warehouseId } : { warehouse: warehouseId };
  }

  /** A move's description: stock.move has a required `name` up to 18 and none from 19. */
  async moveName(name: string): Promise<Record<string, unknown>> {
    return (await this.serverMajor()) >= 19 ? {} : { name };
  }

  ref = async (xmlid: string): Promise<number> => {
    const [module, name] = xmlid.split('.');
    const [row] = await this.call<Array<{ res_id: number }>>(
      'ir.model.data',
      'search_read',
      [
        [
          ['module', '=', module],
          ['name', '=', name],
        ],
      ],
      { fields: ['res_id'] },
    );
    if (!row) throw new Error(`no record ${xmlid}`);
    return row.res_id;
  };

  eventTypeIds = async (codes: readonly string[]): Promise<number[]> =>
    (await this.call<Array<{ id: number }>>('plansync.event.type', 'search_read', [[['code', 'in', codes]]], { fields: ['id'] })).map(
      (r) => r.id,
    );

  async createEndpoint(values: {
    code: string;
    url?: string;
    eventTypes: readonly string[];
    company?: number;
    kind?: string;
    batchSize?: number;
    warehouseIds?: number[];
  }): Promise<number> {
    return this.call<number>('plansync.endpoint', 'create', [
      {
        name: values.code,
        code: values.code,
        kind: values.kind ?? 'webhook',
        url: values.url ?? false,
        event_type_ids: [[6, 0, await this.eventTypeIds(values.eventTypes)]],
        warehouse_ids: [[6, 0, values.warehouseIds ?? []]],
        company_id: values.company ?? this.tier.file.company_id,
        batch_size: values.batchSize ?? 50,
      },
    ]);
  }

  async deactivateAllEndpoints(): Promise<void> {
    const ids = await this.call<number[]>('plansync.endpoint', 'search', [[['active', '=', true]]]);
    if (ids.length) await this.call('plansync.endpoint', 'write', [ids, { active: false }]);
  }

  async setParam(key: string, value: string): Promise<void> {
    await this.call('ir.config_parameter', 'set_param', [key, value]);
  }

  async states(code: string): Promise<Record<'pending' | 'claimed' | 'done' | 'dead', number>> {
    const groups = await this.call<Array<{ state: string; state_count?: number; __count?: number }>>(
      'plansync.outbox',
      'read_group',
      [[['endpoint_id.code', '=', code]], ['state'], ['state']],
      { lazy: false },
    );
    const counts = { pending: 0, claimed: 0, done: 0, dead: 0 };
    for (const g of groups) counts[g.state as keyof typeof counts] = g.__count ?? g.state_count ?? 0;
    return counts;
  }

  /** Storable products, one create call each (each its own transaction, as users make them). */
  async createProducts(count: number, prefix: string): Promise<number[]> {
    const ids: number[] = [];
    const storable = await this.storable();
    for (let i = 0; i < count; i++) {
      ids.push(
        await this.call<number>('product.product', 'create', [{ name: `${prefix} ${i}`, default_code: `${prefix}-${i}`, ...storable }]),
      );
    }
    return ids;
  }

  /** A receipt of `quantity` of each product into the warehouse's stock, confirmed and validated. */
  async receive(warehouseId: number, lines: ReadonlyArray<{ product: number; quantity: number }>): Promise<number> {
    const [warehouse] = await this.call<Array<{ in_type_id: [number, string]; lot_stock_id: [number, string] }>>(
      'stock.warehouse',
      'read',
      [[warehouseId], ['in_type_id', 'lot_stock_id']],
    );
    if (!warehouse) throw new Error(`no warehouse ${warehouseId}`);
    const supplier = await this.ref('stock.stock_location_suppliers');
    const receiptName = await this.moveName('receipt');
    const picking = await this.call<number>('stock.picking', 'create', [
      {
        picking_type_id: warehouse.in_type_id[0],
        location_id: supplier,
        location_dest_id: warehouse.lot_stock_id[0],
        move_ids: lines.map((l) => [
          0,
          0,
          {
            ...receiptName,
            product_id: l.product,
            product_uom_qty: l.quantity,
            location_id: supplier,
            location_dest_id: warehouse.lot_stock_id[0],
          },
        ]),
      },
    ]);
    await this.call('stock.picking', 'action_confirm', [[picking]]);
    return picking;
  }

  /** Validate a picking with its quantities as planned. */
  async validate(picking: number): Promise<void> {
    const moves = await this.call<Array<{ id: number; product_uom_qty: number }>>(
      'stock.move',
      'search_read',
      [[['picking_id', '=', picking]]],
      { fields: ['product_uom_qty'] },
    );
    for (const m of moves) await this.call('stock.move', 'write', [[m.id], { quantity: m.product_uom_qty, picked: true }]);
    const result = await this.call<unknown>('stock.picking', 'button_validate', [[picking]]);
    if (result && typeof result === 'object' && 'res_model' in result)
      throw new Error(`validation asked for a wizard: ${JSON.stringify(result)}`);
  }

  /**
   * A vendor (a company partner with a Reference) and its terms (product.supplierinfo) for each
   * product: minimum quantity, price, lead time.
   */
  async createVendorTerms(
    name: string,
    ref: string,
    productIds: readonly number[],
    terms: { minQty: number; price: number; delay?: number },
  ): Promise<number> {
    const vendor = await this.call<number>('res.partner', 'create', [{ name, ref, is_company: true, supplier_rank: 1 }]);
    const products = await this.call<Array<{ id: number; product_tmpl_id: [number, string] }>>('product.product', 'read', [
      productIds,
      ['product_tmpl_id'],
    ]);
    for (const product of products) {
      await this.call<number>('product.supplierinfo', 'create', [
        {
          partner_id: vendor,
          product_tmpl_id: product.product_tmpl_id[0],
          product_id: product.id,
          min_qty: terms.minQty,
          price: terms.price,
          delay: terms.delay ?? 5,
        },
      ]);
    }
    return vendor;
  }

  /**
   * Done customer deliveries from the warehouse's stock: a receipt puts the goods in first, then one
   * delivery order (the warehouse's outgoing type, stock → Partners/Customers) is confirmed, reserved
   * and validated with its quantities as planned.
   */
  async deliver(warehouseId: number, lines: ReadonlyArray<{ product: number; quantity: number }>): Promise<number> {
    await this.validate(await this.receive(warehouseId, lines));
    const [warehouse] = await this.call<Array<{ out_type_id: [number, string]; lot_stock_id: [number, string] }>>(
      'stock.warehouse',
      'read',
      [[warehouseId], ['out_type_id', 'lot_stock_id']],
    );
    if (!warehouse) throw new Error(`no warehouse ${warehouseId}`);
    const customers = await this.ref('stock.stock_location_customers');
    const stock = warehouse.lot_stock_id[0];
    const deliveryName = await this.moveName('delivery');
    const picking = await this.call<number>('stock.picking', 'create', [
      {
        picking_type_id: warehouse.out_type_id[0],
        location_id: stock,
        location_dest_id: customers,
        move_ids: lines.map((l) => [
          0,
          0,
          { ...deliveryName, product_id: l.product, product_uom_qty: l.quantity, location_id: stock, location_dest_id: customers },
        ]),
      },
    ]);
    await this.call('stock.picking', 'action_confirm', [[picking]]);
    await this.call('stock.picking', 'action_assign', [[picking]]);
    await this.validate(picking);
    return picking;
  }

  async mainWarehouse(): Promise<{ id: number; code: string }> {
    const [wh] = await this.call<Array<{ id: number; code: string }>>(
      'stock.warehouse',
      'search_read',
      [[['company_id', '=', this.tier.file.company_id]]],
      { fields: ['code'], limit: 1 },
    );
    if (!wh) throw new Error('no warehouse');
    return wh;
  }
}

export const connection = (tier: Tier, who: 'integration' | 'planner'): OdooConnection => ({
  url: tier.url,
  db: tier.db,
  login: tier.file[who].login,
  apiKey: tier.file[who].api_key,
  timeoutMs: 30_000,
});

export const realHarness = (tier: Tier, admin: OdooAdmin): ContractHarness => {
  let n = 0;
  // unique per harness: several suites of one process each make their own harness and endpoints
  const run = `${process.pid}-${Math.random().toString(36).slice(2, 7)}`;
  return {
    label: `Odoo ${process.env.PLANSYNC_TIER_ODOO ?? ''}`.trim(),
    integration: () => connection(tier, 'integration'),
    planner: () => connection(tier, 'planner'),
    createEndpoint: async (eventTypes = ['product.changed']) => {
      const code = `CT-${run}-${++n}`;
      await admin.createEndpoint({ code, eventTypes });
      return code;
    },
    createForeignEndpoint: async () => {
      const code = `CT-FOREIGN-${run}-${++n}`;
      await admin.createEndpoint({ code, eventTypes: ['product.changed'], company: tier.file.other_company_id });
      return code;
    },
    createProducts: (count, prefix) => admin.createProducts(count, `${prefix}-${run}`),
    renameProducts: async (ids, name) => {
      for (const id of ids) await admin.call('product.product', 'write', [[id], { name }]);
    },
    setMaxAttempts: (value) => admin.setParam('plansync.max_attempts', String(value)),
    deactivateEndpoint: async (code) => {
      const ids = await admin.call<number[]>('plansync.endpoint', 'search', [[['code', '=', code]]]);
      await admin.call('plansync.endpoint', 'write', [ids, { active: false }]);
    },
    states: (code) => admin.states(code),
    warehouse: () => admin.mainWarehouse(),
    createVendorProducts: async (count, prefix, terms) => {
      const tag = `${prefix}-${run}`;
      const ids = await admin.createProducts(count, tag);
      const vendor = { ref: `V-${tag}`, name: `Vendor ${tag}` };
      await admin.createVendorTerms(vendor.name, vendor.ref, ids, terms);
      return { products: ids.map((id, i) => ({ id, sku: `${tag}-${i}` })), vendor };
    },
    makeDeliveries: async (productIds, quantities) => {
      const warehouse = await admin.mainWarehouse();
      await admin.deliver(
        warehouse.id,
        productIds.map((product, i) => ({ product, quantity: quantities[i] ?? 1 })),
      );
    },
  };
};
