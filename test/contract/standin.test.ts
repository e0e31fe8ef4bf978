/**
 * The contract suite against the in-process stand-in, over JSON-RPC, XML-RPC and JSON-2.
 */
import { startStandinHarness } from '../support/standin-harness.ts';
import { registerContractSuite } from './suite.ts';

const harness = await startStandinHarness();
for (const transport of ['jsonrpc', 'xmlrpc', 'json2'] as const) registerContractSuite(harness, transport);
// uvu runs suites one after the other; close the server once the last has run.
process.once('beforeExit', () => void harness.close());
