/**
 * The contract harness over the in-process stand-in: admin operations are direct calls on the model.
 */
import { GROUPS, StandinOdoo, type StandinUser } from '../../agent/standin/model.ts';
import { makeMove } from '../../agent/standin/planning.ts';
import { serveStandin, type StandinServer } from '../../agent/standin/server.ts';
import type { ContractHarness } from '../contract/suite.ts';

export interface StandinHarness extends ContractHarness {
  readonly odoo: StandinOdoo;
  readonly server: StandinServer;
  readonly integrationUser: StandinUser;
  close(): Promise<void>;
}

export const startStandinHarness = async (): Promise<StandinHarness> => {
  const odoo = new StandinOdoo();
  const other = odoo.addCompany('Other Company');
  const integrationUser = odoo.addUser('plansync-agent', [GROUPS.integration]);
  const planner = odoo.addUser('planner', [GROUPS.user]);
  const warehouse = odoo.addWarehouse('WH', 'Main warehouse');
  const server = await serveStandin(odoo);
  let n = 0;
  const connection = (user: StandinUser) => ({
    url: server.url,
    db: odoo.database.name,
    login: user.login,
    apiKey: user.apiKey,
    timeoutMs: 10_000,
  });
  return {
    label: 'the stand-in',
    odoo,
    server,
    integrationUser,
    integration: () => connection(integrationUser),
    planner: () => connection(planner),
    createEndpoint: (eventTypes = ['product.changed']) =>
      Promise.resolve(odoo.addEndpoint({ code: `CT-${++n}`, eventTypes: new Set(eventTypes) }).code),
    createForeignEndpoint: () =>
      Promise.resolve(odoo.addEndpoint({ code: `CT-FOREIGN-${++n}`, company: other, eventTypes: new Set(['product.changed']) }).code),
    createProducts: (count, prefix) =>
      Promise.resolve(Array.from({ length: count }, (_, i) => odoo.addProduct({ name: `${prefix} ${i}`, sku: `${prefix}-${i}` }).id)),
    renameProducts: (ids, name) => {
      for (const id of ids) odoo.changeProduct(id, { name });
      return Promise.resolve();
    },
    setMaxAttempts: (value) => {
      odoo.settings.max_attempts = value;
      return Promise.resolve();
    },
    deactivateEndpoint: (code) => {
      for (const e of odoo.endpoints.values()) if (e.code === code) e.active = false;
      return Promise.resolve();
    },
    states: (code) => Promise.resolve(odoo.countByState(code)),
    warehouse: () => Promise.resolve({ id: warehouse.id, code: warehouse.code }),
    createVendorProducts: (count, prefix, terms) => {
      const vendor = odoo.planning.addVendor(`Vendor ${prefix}`, `V-${prefix}`);
      const products = Array.from({ length: count }, (_, i) => {
        const product = odoo.addProduct({ name: `${prefix} ${i}`, sku: `${prefix}-${i}` });
        odoo.planning.addVendorTerms({ vendorId: vendor.id, productId: product.id, minQty: terms.minQty, price: terms.price, delay: 5 });
        return { id: product.id, sku: `${prefix}-${i}` };
      });
      return Promise.resolve({ products, vendor: { ref: vendor.ref || '', name: vendor.name } });
    },
    makeDeliveries: (productIds, quantities) => {
      productIds.forEach((productId, i) =>
        makeMove(odoo, { productId, warehouseId: warehouse.id, quantity: quantities[i] ?? 1, order: `S-${productId}` }),
      );
      return Promise.resolve();
    },
    close: () => server.close(),
  };
};
