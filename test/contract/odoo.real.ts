/**
 * The contract suite against a real Odoo 17 (run by `npm run test:odoo`), over JSON-RPC and XML-RPC.
 * JSON-2 exists from Odoo 19 on: against Odoo 17 it is tested on the stand-in and with nock only.
 */
import { OdooAdmin, liveTier, realHarness } from '../support/odoo-real.ts';
import { registerInventoryContractSuite } from './inventory.ts';
import { registerPlanningContractSuite } from './planning.ts';
import { registerContractSuite } from './suite.ts';

const tier = liveTier();
if ('reason' in tier) {
  console.log(`contract suite on real Odoo: not run: ${tier.reason}`);
} else {
  console.log('contract suite on real Odoo 17: JSON-2 not run (Odoo 19+ only; covered on the stand-in and by nock tests)');
  const harness = realHarness(tier, new OdooAdmin(tier));
  for (const transport of ['jsonrpc', 'xmlrpc'] as const) {
    registerContractSuite(harness, transport);
    registerInventoryContractSuite(harness, transport);
    registerPlanningContractSuite(harness, transport);
  }
}
