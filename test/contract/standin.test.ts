/**
 * The contract suite against the in-process stand-in, over JSON-RPC, XML-RPC and JSON-2.
 */
import { startStandinHarness } from '../support/standin-harness.ts';
import { registerInventoryContractSuite } from './inventory.ts';
import { registerPlanningContractSuite } from './planning.ts';
import { registerContractSuite } from './suite.ts';

const harness = await startStandinHarness();
const transports = ['jsonrpc', 'xmlrpc', 'json2'] as const;
// uvu runs the suites one after the other: the last one closes the server.
for (const transport of transports) {
  registerContractSuite(harness, transport);
  registerInventoryContractSuite(harness, transport);
  registerPlanningContractSuite(harness, transport, transport === transports.at(-1) ? { finally: () => harness.close() } : {});
}
