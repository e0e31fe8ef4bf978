/**
 * The contract suite against a real Odoo (run by `npm run test:odoo` on each version present): over
 * JSON-RPC and XML-RPC on every version, and over JSON-2 from Odoo 19 on (where the server offers it;
 * on 17 and 18 JSON-2 is tested on the stand-in and with nock).
 */
import { OdooAdmin, liveTier, realHarness } from '../support/odoo-real.ts';
import { registerInventoryContractSuite } from './inventory.ts';
import { registerPlanningContractSuite } from './planning.ts';
import { registerContractSuite } from './suite.ts';

const tier = liveTier();
if ('reason' in tier) {
  console.log(`contract suite on real Odoo: not run: ${tier.reason}`);
} else {
  const admin = new OdooAdmin(tier);
  const major = await admin.serverMajor();
  const transports = major >= 19 ? (['json2', 'jsonrpc', 'xmlrpc'] as const) : (['jsonrpc', 'xmlrpc'] as const);
  if (major < 19)
    console.log(`contract suite on real Odoo ${major}: JSON-2 not run (Odoo 19+ only; covered on the stand-in and by nock tests)`);
  const harness = realHarness(tier, admin);
  for (const transport of transports) {
    registerContractSuite(harness, transport);
    registerInventoryContractSuite(harness, transport);
    registerPlanningContractSuite(harness, transport);
  }
}
