/**
 * Inventory truth's half of the contract (docs/contract.md: `availability_snapshot`,
 * `report_channel`), run on the stand-in (standin.test.ts) and on a real Odoo 17 (odoo.real.ts).
 * Discrepancies, WMS messages and allocation rules are the addon's (its Odoo tests) and the real
 * tier's end to end (test/e2e/inventory.real.ts): the stand-in does not model them.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StockLevel } from '../../shared-types/index.ts';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { createTransport } from '../../agent/odoo/index.ts';
import type { TransportName } from '../../agent/odoo/port.ts';
import { hasNull, rejects, type ContractHarness } from './suite.ts';

export const registerInventoryContractSuite = (harness: ContractHarness, transport: TransportName): void => {
  const test = suite(`inventory contract on ${harness.label} over ${transport}`);
  const odoo = new PlanSyncOdoo(createTransport(transport, harness.integration()));
  const endpoints: string[] = [];

  test.after(async () => {
    for (const code of endpoints) await harness.deactivateEndpoint(code);
    await odoo.close();
  });

  test('availability_snapshot pages the stock.level payload of every storable product × warehouse, with the definition, no null', async () => {
    const code = await harness.createEndpoint(['stock.level']);
    endpoints.push(code);
    await harness.createVendorProducts(3, `ct-avail-${transport}-${process.pid}`, { minQty: 1, price: 1 });
    const first = await odoo.availabilitySnapshot(code, false, 0, 5000);
    assert.not.ok(hasNull(first), 'no null in the answer');
    assert.is(first.endpoint, code);
    assert.is(first.items.length, first.total);
    assert.ok(first.total >= 3, `the new products are in (${first.total})`);
    assert.is(first.next_offset, false);
    for (const item of first.items) {
      const parsed = StockLevel.safeParse(item);
      assert.ok(parsed.success, `a stock.level payload: ${parsed.success ? '' : parsed.error.message}`);
      if (parsed.success) {
        assert.is(parsed.data.definition.endpoint, code);
        assert.is(parsed.data.available, parsed.data[parsed.data.definition.basis], 'no allocation rule: the basis figure');
      }
    }
    const order = first.items.map((i) => [(i.warehouse as { id: number }).id, (i.product as { id: number }).id] as const);
    assert.equal(
      order,
      [...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]),
      'items in (warehouse, product) order',
    );
    const paged: unknown[] = [];
    let offset: number | false = 0;
    for (let calls = 0; offset !== false && calls < 4; calls++) {
      const page = await odoo.availabilitySnapshot(code, false, offset, 2);
      assert.is(page.total, first.total);
      assert.is(page.offset, offset);
      paged.push(...page.items.map((i) => `${(i.warehouse as { id: number }).id}|${(i.product as { id: number }).id}`));
      offset = page.next_offset;
    }
    assert.equal(
      paged,
      first.items.slice(0, paged.length).map((i) => `${(i.warehouse as { id: number }).id}|${(i.product as { id: number }).id}`),
      'pages of 2 follow the items of one page',
    );
    const warehouse = await harness.warehouse();
    const one = await odoo.availabilitySnapshot(code, [warehouse.code], 0, 5000);
    assert.ok(
      one.items.every((i) => (i.warehouse as { code: string }).code === warehouse.code),
      'only the warehouse asked for',
    );
  });

  test('availability_snapshot and report_channel refuse bad arguments by name and value; a planner cannot call them', async () => {
    const code = await harness.createEndpoint(['stock.level']);
    endpoints.push(code);
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['negative offset', () => odoo.availabilitySnapshot(code, false, -1, 10), /offset.*-1/],
      ['limit 0', () => odoo.availabilitySnapshot(code, false, 0, 0), /limit.*\b0\b/],
      ['limit 5001', () => odoo.availabilitySnapshot(code, false, 0, 5001), /limit.*5001/],
      ['unknown warehouse', () => odoo.availabilitySnapshot(code, ['NO-SUCH-WH'], 0, 10), /NO-SUCH-WH/],
      ['unknown endpoint', () => odoo.availabilitySnapshot('NO-SUCH-ENDPOINT', false, 0, 10), /NO-SUCH-ENDPOINT/],
      [
        'report_channel on an endpoint that is not a channel',
        () => odoo.reportChannel(code, []),
        new RegExp(`${code}.*webhook|channel.*${code}`),
      ],
    ];
    for (const [what, call, message] of cases) {
      const error = await rejects(call());
      assert.is(error.code, 'ERR_ODOO_VALIDATION', `${what}: ${error.code} ${error.message}`);
      assert.ok(message.test(error.message), `${what}: ${error.message}`);
    }
    const planner = new PlanSyncOdoo(createTransport(transport, harness.planner()));
    try {
      for (const call of [() => planner.availabilitySnapshot(code, false, 0, 10), () => planner.reportChannel(code, [])]) {
        const error = await rejects(call());
        assert.is(error.code, 'ERR_ODOO_ACCESS', `${error.code}: ${error.message}`);
      }
    } finally {
      await planner.close();
    }
  });

  test.run();
};
