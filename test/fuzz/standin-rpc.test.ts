/**
 * Fuzz: the contract's RPC methods on the stand-in (agent/standin), one call in ten over JSON-RPC on
 * loopback and the others through the same dispatcher in process, with hostile arguments (test/support/fuzz-rpc.ts): each call is refused with a ValidationError naming
 * the argument, the stand-in's whole state is the same before and after, callers outside the
 * integration group get AccessError, and the server still answers afterwards. The real-Odoo twin of
 * this suite is test/fuzz/contract.real.ts: where they differ, the stand-in is wrong.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { GROUPS, OdooException, StandinOdoo } from '../../agent/standin/model.ts';
import { serveStandin } from '../../agent/standin/server.ts';
import { fuzz, junk, printEdge } from '../support/fuzz.ts';
import {
  describeCall,
  foreignAckNack,
  hostileCall,
  jsonRpc,
  METHODS,
  refusalIssue,
  type RpcAnswer,
  type RpcContext,
} from '../support/fuzz-rpc.ts';

const EDGE = 'stand-in rpc';
const NOW = Date.parse('2026-11-30T08:00:00Z');
const odoo = new StandinOdoo(() => NOW);
const other = odoo.addCompany('Other Company');
const integration = odoo.addUser('plansync-agent', [GROUPS.integration]);
const planner = odoo.addUser('planner', [GROUPS.user]);
const warehouse = odoo.addWarehouse('WH', 'Main warehouse');
odoo.addWarehouse('OTHER', 'Other warehouse', other);
odoo.addEndpoint({ code: 'FZ-HOOK' });
odoo.addEndpoint({ code: 'FZ-CHAN', kind: 'channel' });
odoo.addEndpoint({ code: 'FZ-FOREIGN', company: other });
const product = odoo.addProduct({ name: 'Fuzz product', sku: 'FZ-SKU' });
odoo.moveStock(product.id, warehouse.id, { on_hand: 5 });
const server = await serveStandin(odoo);
const ctx: RpcContext = { webhook: 'FZ-HOOK', wms: false, channel: 'FZ-CHAN', foreign: 'FZ-FOREIGN', warehouse: 'WH', sku: 'FZ-SKU' };
const specs = METHODS.filter((m) => !m.needsWms);

/** Everything the stand-in keeps, as text (Maps and Sets as arrays). */
const snapshot = (): string =>
  JSON.stringify(
    {
      outbox: odoo.outbox,
      agents: odoo.agents,
      claimedBy: odoo.claimedBy,
      discrepancies: odoo.discrepancies,
      planning: odoo.planning,
      endpoints: odoo.endpoints,
      stock: odoo.stock,
    },
    (_key, value: unknown) => (value instanceof Map ? [...value.entries()] : value instanceof Set ? [...value] : value),
  );

let calls = 0;
/**
 * One call: every 10th over JSON-RPC on loopback (the server's parsing and error serialisation), the
 * others in process through the same dispatcher (`execute`) with the arguments as JSON carries them.
 */
const call = async (user: typeof integration, model: string, method: string, args: unknown[]): Promise<RpcAnswer> => {
  if (++calls % 10 === 0) return jsonRpc(server.url, odoo.database.name, user.id, user.apiKey, model, method, args);
  try {
    const result = odoo.execute(user, model, method, JSON.parse(JSON.stringify(args)) as unknown[], {});
    return { ok: true, result: JSON.parse(JSON.stringify(result ?? null)) as unknown };
  } catch (error) {
    return {
      ok: false,
      name: error instanceof OdooException ? error.odooName : `uncaught ${(error as Error).name}`,
      message: (error as Error).message,
      status: 200,
    };
  }
};

const healthy = async (): Promise<void> => {
  const answer = await call(integration, 'plansync.agent', 'heartbeat', ['fuzz:health', { mode: 'check' }]);
  assert.ok(answer.ok, `heartbeat after the fuzz: ${JSON.stringify(answer)}`);
};

const test = suite('fuzz: contract methods on the stand-in');
test.after(async () => {
  await server.close();
  printEdge(EDGE);
});

test('one hostile argument: ValidationError naming it, nothing changed', async () => {
  await fuzz(
    EDGE,
    'one hostile argument',
    hostileCall(ctx, specs),
    async (hostile) => {
      const before = snapshot();
      const answer = await call(integration, hostile.model, hostile.method, hostile.args);
      const issue = refusalIssue(answer, hostile.names);
      assert.not.ok(issue, `${describeCall(hostile)}: ${issue}`);
      assert.ok(snapshot() === before, `${describeCall(hostile)} was refused but changed the stand-in`);
    },
    { runs: 2500 },
  );
  await healthy();
});

test('any arguments of the right count: a clean Odoo error or an answer, never a crash', async () => {
  const anyCall = fc
    .constantFrom(...specs)
    .chain((spec) =>
      fc
        .array(junk(), { minLength: spec.valid(ctx).length, maxLength: spec.valid(ctx).length })
        .map((args) => ({ model: spec.model, method: spec.method, args })),
    );
  await fuzz(
    EDGE,
    'any arguments',
    anyCall,
    async (spec) => {
      const { args } = spec;
      const before = snapshot();
      const answer = await call(integration, spec.model, spec.method, args);
      if (!answer.ok) {
        assert.is(
          answer.name,
          'odoo.exceptions.ValidationError',
          `${spec.model}.${spec.method}(${JSON.stringify(args).slice(0, 200)}): ${answer.name}: ${answer.message.slice(0, 200)}`,
        );
        assert.ok(snapshot() === before, `${spec.model}.${spec.method} refused but changed the stand-in`);
      }
    },
    { runs: 800 },
  );
  await healthy();
});

test('ack and nack of ids nobody holds under that lease (negative, huge, other leases): 0, nothing changed', async () => {
  // rows of the endpoint held under a lease the fuzz does not know
  odoo.addProduct({ name: 'held', sku: 'FZ-HELD' });
  const held = odoo.claim(integration, 'FZ-HOOK', 100, 3600, 'other-consumer');
  assert.ok(held.events.length > 0);
  await fuzz(
    EDGE,
    'ack and nack of ids nobody holds',
    foreignAckNack(),
    async (spec) => {
      const before = snapshot();
      const answer = await call(integration, spec.model, spec.method, spec.args);
      assert.equal(
        answer,
        { ok: true, result: 0 },
        `${spec.method}(${JSON.stringify(spec.args).slice(0, 200)}): ${JSON.stringify(answer).slice(0, 200)}`,
      );
      assert.ok(snapshot() === before);
    },
    { runs: 300 },
  );
});

test('a caller outside PlanSync / Integration: AccessError for every method, nothing changed', async () => {
  await fuzz(
    EDGE,
    'outside the integration group',
    fc.constantFrom(...specs.map((spec) => ({ model: spec.model, method: spec.method, args: spec.valid(ctx) }))),
    async (spec) => {
      const before = snapshot();
      const answer = await call(planner, spec.model, spec.method, spec.args);
      assert.ok(
        !answer.ok && answer.name === 'odoo.exceptions.AccessError',
        `${spec.model}.${spec.method} as a planner: ${JSON.stringify(answer).slice(0, 300)}`,
      );
      assert.ok(snapshot() === before);
    },
    { runs: 100 },
  );
  await healthy();
});

test.run();
