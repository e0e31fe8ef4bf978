import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError } from '../../agent/errors.ts';
import { openStateStore, type Receipt, type StateStore, type StoreOptions } from '../../agent/state/store.ts';

const DB = '6f1c2d3e-0000-4000-8000-00000000a001';
const OTHER_DB = '6f1c2d3e-0000-4000-8000-00000000b002';
const DAY = 86_400_000;

const dir = mkdtempSync(join(tmpdir(), 'plansync-state-'));
const sqliteUrl = (name: string) => `sqlite://${join(dir, name, 'x', 'state.sqlite')}`;

const opened: StateStore[] = [];
const open = async (options: StoreOptions): Promise<StateStore> => {
  const store = await openStateStore(options);
  opened.push(store);
  return store;
};
const closeAll = async () => {
  for (const store of opened.splice(0)) await store.close();
};

test.after.each(closeAll);
test.after(() => {
  rmSync(dir, { recursive: true, force: true });
});

const receipt = (id: number): Receipt => ({
  deliveredAt: `2026-11-30T08:10:${String(id % 60).padStart(2, '0')}Z`,
  sequence: 1000 + id,
  consumer: 'host-a:4242',
});
const entries = (...ids: number[]) => ids.map((id) => ({ id, receipt: receipt(id) }));

let counter = 0;
/** A fresh URL per test: memory:// is per store anyway; sqlite gets its own file in a directory that does not exist yet. */
const backends: ReadonlyArray<[string, () => string]> = [
  ['memory://', () => 'memory://'],
  ['sqlite://', () => sqliteUrl(`t${++counter}`)],
];

for (const [backend, url] of backends) {
  test(`${backend}: receipts of a batch round-trip; ids without a receipt are absent`, async () => {
    const store = await open({ url: url(), database: DB, receiptTtlMs: DAY });
    assert.equal(await store.receipts('WMS', []), new Map());
    await store.putReceipts('WMS', entries(1, 2, 3));
    await store.putReceipts('WMS', []);
    const found = await store.receipts('WMS', [1, 2, 3, 4]);
    assert.equal(
      [...found.entries()].sort(([a], [b]) => a - b),
      [
        [1, receipt(1)],
        [2, receipt(2)],
        [3, receipt(3)],
      ],
    );
    assert.not.ok(found.has(4));
  });

  test(`${backend}: a receipt of one endpoint is not seen by another endpoint`, async () => {
    const store = await open({ url: url(), database: DB, receiptTtlMs: DAY });
    await store.putReceipts('WMS', entries(1, 2));
    assert.is((await store.receipts('PLANNING', [1, 2])).size, 0);
    assert.is((await store.receipts('WMS', [1, 2])).size, 2);
  });

  test(`${backend}: a receipt past its TTL is gone (injected clock)`, async () => {
    let now = Date.UTC(2026, 11, 7, 12, 0, 0);
    const store = await open({ url: url(), database: DB, receiptTtlMs: DAY, clock: () => now });
    await store.putReceipts('WMS', entries(1, 2));
    now += DAY - 1;
    const kept = await store.receipts('WMS', [1, 2]);
    assert.is(kept.size, 2, 'present before the TTL');
    assert.not.ok('expiresAt' in (kept.get(1) ?? {}), 'the expiry stays inside the store');
    now += 1;
    assert.is((await store.receipts('WMS', [1, 2])).size, 0, 'gone at the TTL');
  });

  test(`${backend}: checkpoints round-trip, per name`, async () => {
    const store = await open({ url: url(), database: DB, receiptTtlMs: DAY });
    assert.is(await store.getCheckpoint('products'), undefined);
    await store.setCheckpoint('products', { cursor: '2026-11-30T08:00:00Z', ids: [4, 5] });
    await store.setCheckpoint('stock', 17);
    assert.equal(await store.getCheckpoint('products'), { cursor: '2026-11-30T08:00:00Z', ids: [4, 5] });
    assert.is(await store.getCheckpoint('stock'), 17);
    await store.setCheckpoint('stock', 18);
    assert.is(await store.getCheckpoint('stock'), 18);
  });
}

test('sqlite://: the directory of the file is created', async () => {
  const url = sqliteUrl('created');
  assert.not.ok(existsSync(join(dir, 'created', 'x')));
  await open({ url, database: DB, receiptTtlMs: DAY });
  assert.ok(existsSync(join(dir, 'created', 'x')));
});

test('sqlite://: receipts and checkpoints of another database UUID are not seen in the same file', async () => {
  const url = sqliteUrl('shared');
  const first = await open({ url, database: DB, receiptTtlMs: DAY });
  const second = await open({ url, database: OTHER_DB, receiptTtlMs: DAY });
  await first.putReceipts('WMS', entries(1, 2));
  await first.setCheckpoint('products', 'cursor-a');
  assert.is((await second.receipts('WMS', [1, 2])).size, 0);
  assert.is(await second.getCheckpoint('products'), undefined);
  // the same database UUID sees them through another connection to the file
  const again = await open({ url, database: DB, receiptTtlMs: DAY });
  assert.is((await again.receipts('WMS', [1, 2])).size, 2);
});

test('sqlite://: reopening the same file after close sees the earlier receipts and checkpoints (persistence across restarts)', async () => {
  const url = sqliteUrl('restart');
  const before = await openStateStore({ url, database: DB, receiptTtlMs: DAY });
  await before.putReceipts('WMS', entries(7, 8));
  await before.setCheckpoint('stock', { page: 3 });
  await before.close();
  const after = await open({ url, database: DB, receiptTtlMs: DAY });
  assert.equal(
    await after.receipts('WMS', [7, 8, 9]),
    new Map([
      [7, receipt(7)],
      [8, receipt(8)],
    ]),
  );
  assert.equal(await after.getCheckpoint('stock'), { page: 3 });
});

test('memory://: nothing survives a reopen (each store is its own)', async () => {
  const before = await open({ url: 'memory://', database: DB, receiptTtlMs: DAY });
  await before.putReceipts('WMS', entries(1));
  const after = await open({ url: 'memory://', database: DB, receiptTtlMs: DAY });
  assert.is((await after.receipts('WMS', [1])).size, 0);
});

test('an unknown scheme is a ConfigError that quotes the URL', async () => {
  for (const url of ['mysql://db.example.test/plansync', 'state.sqlite']) {
    try {
      await openStateStore({ url, database: DB, receiptTtlMs: DAY });
      assert.unreachable(`${url} was accepted`);
    } catch (error) {
      assert.instance(error, ConfigError);
      assert.match((error as ConfigError).message, JSON.stringify(url));
    }
  }
});

test.run();

test('sqlite://: a batch of receipts is one statement (one transaction), and it upserts', async () => {
  const { default: KeyvSqlite } = await import('@keyv/sqlite');
  const { default: Keyv } = await import('keyv');
  const { withBatchedWrites } = await import('../../agent/state/store.ts');
  const path = join(mkdtempSync(join(tmpdir(), 'plansync-batched-')), 'batched.sqlite');
  const sqlite = new KeyvSqlite({ uri: `sqlite://${path}` });
  const statements: string[] = [];
  const query = sqlite.query.bind(sqlite) as (sql: string, ...parameters: unknown[]) => Promise<unknown>;
  sqlite.query = async (sql: string, ...parameters: unknown[]): Promise<unknown> => {
    statements.push(sql);
    return query(sql, ...parameters);
  };
  const keyv = new Keyv({ store: withBatchedWrites(sqlite) });
  await keyv.get('warm-up'); // the table exists before counting
  statements.length = 0;
  const batch = Array.from({ length: 250 }, (_, i) => ({ key: `r${i}`, value: { n: i, quote: `it's "${i}"` } }));
  await keyv.setMany(batch);
  assert.is(statements.length, 1, `250 receipts took ${statements.length} statements`);
  assert.match(statements[0] ?? '', /ON CONFLICT\(key\) DO UPDATE/);
  await keyv.setMany([{ key: 'r7', value: { n: 700, quote: 'again' } }]);
  assert.equal(await keyv.getMany(['r0', 'r7', 'r249', 'r250']), [
    { n: 0, quote: `it's "0"` },
    { n: 700, quote: 'again' },
    { n: 249, quote: `it's "249"` },
    undefined,
  ]);
  await keyv.disconnect();
});
