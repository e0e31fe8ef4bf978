/**
 * The shared state adapters (Redis, PostgreSQL): what several agents rely on. They run when
 * PLANSYNC_TEST_REDIS / PLANSYNC_TEST_POSTGRES name a server (.ci/run starts both on loopback when
 * they are installed); otherwise each prints why it did not run.
 */
import { randomUUID } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { openStateStore, type Receipt } from '../../agent/state/store.ts';

const receipt = (id: number, consumer: string): Receipt => ({ deliveredAt: '2026-11-30T08:10:00Z', sequence: id, consumer });

for (const [name, variable] of [
  ['redis', 'PLANSYNC_TEST_REDIS'],
  ['postgres', 'PLANSYNC_TEST_POSTGRES'],
] as const) {
  const url = process.env[variable];
  if (!url) {
    console.log(`state store over ${name}: not run: set ${variable} to a ${name} URL (.ci/run does when ${name} is installed)`);
    continue;
  }
  const test = suite(`state store over ${name}`);

  test('two agents on one store: a receipt written by one is seen by the other', async () => {
    const database = randomUUID();
    const a = await openStateStore({ url, database, receiptTtlMs: 60_000 });
    const b = await openStateStore({ url, database, receiptTtlMs: 60_000 });
    try {
      await a.putReceipts(
        'WMS',
        [1, 2, 3].map((id) => ({ id, receipt: receipt(id, 'agent-a') })),
      );
      const seen = await b.receipts('WMS', [1, 2, 3, 4]);
      assert.equal([...seen.keys()].sort(), [1, 2, 3]);
      assert.is(seen.get(2)?.consumer, 'agent-a');
      assert.is((await b.receipts('PLANNING', [1, 2, 3])).size, 0, 'per endpoint');
      const other = await openStateStore({ url, database: randomUUID(), receiptTtlMs: 60_000 });
      assert.is((await other.receipts('WMS', [1, 2, 3])).size, 0, 'per Odoo database');
      await other.close();
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('receipts expire after their TTL (injected clock, shared by two agents); checkpoints round-trip', async () => {
    const database = randomUUID();
    let now = Date.UTC(2026, 10, 30, 8, 10);
    const clock = (): number => now;
    const store = await openStateStore({ url, database, receiptTtlMs: 300, clock });
    const other = await openStateStore({ url, database, receiptTtlMs: 300, clock });
    try {
      await store.putReceipts('WMS', [{ id: 7, receipt: receipt(7, 'x') }]);
      assert.is((await store.receipts('WMS', [7])).size, 1);
      now += 299;
      assert.is((await other.receipts('WMS', [7])).size, 1, 'kept until the TTL, seen by the other agent too');
      now += 1;
      assert.is((await store.receipts('WMS', [7])).size, 0, 'gone at the TTL');
      assert.is((await other.receipts('WMS', [7])).size, 0, 'gone for the other agent too');
      await store.setCheckpoint('backfill', { cursor: 42 });
      assert.equal(await store.getCheckpoint('backfill'), { cursor: 42 });
    } finally {
      await store.close();
      await other.close();
    }
  });

  test.run();
}
