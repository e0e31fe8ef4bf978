/**
 * Receipts written to the SQLite state store (the embedded default), per batch of a delivery:
 * keyv's own fallback (one statement, one transaction per receipt) against one upsert per batch
 * (agent/state/store.ts `withBatchedWrites`), side by side in one run, alternating, on the same disk.
 * Prints wall time and the agent's CPU per receipt, and the machine's load.
 *
 *   npx tsx scripts/bench/receipts-bench.ts [batches=40] [batch=250]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { withBatchedWrites } from '../../agent/state/store.ts';

const batches = Number(process.argv[2] ?? 40);
const size = Number(process.argv[3] ?? 250);
const dir = mkdtempSync(join(tmpdir(), 'plansync-receipts-bench-'));
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

const open = (name: string, batched: boolean) => {
  const store = new KeyvSqlite({ uri: `sqlite://${join(dir, `${name}.sqlite`)}`, busyTimeout: 10_000 });
  return new Keyv({ store: batched ? withBatchedWrites(store) : store, namespace: 'plansync' });
};

const totals = { each: { wall: 0, cpu: 0 }, batched: { wall: 0, cpu: 0 } };
const stores = { each: open('each', false), batched: open('batched', true) };
await stores.each.get('warm-up');
await stores.batched.get('warm-up');
const loadBefore = load();
for (let b = 0; b < batches; b++) {
  const entries = Array.from({ length: size }, (_, i) => ({
    key: `receipt:db:BENCH:${b * size + i}`,
    value: { deliveredAt: new Date().toISOString(), sequence: b * size + i, consumer: 'bench:1', expiresAt: Date.now() + 86_400_000 },
    ttl: 86_400_000,
  }));
  for (const mode of b % 2 === 0 ? (['each', 'batched'] as const) : (['batched', 'each'] as const)) {
    const cpu = process.cpuUsage();
    const started = process.hrtime.bigint();
    await stores[mode].setMany(entries);
    totals[mode].wall += Number(process.hrtime.bigint() - started) / 1e3;
    const used = process.cpuUsage(cpu);
    totals[mode].cpu += used.user + used.system;
  }
}
const n = batches * size;
for (const mode of ['each', 'batched'] as const) {
  console.log(
    `FIGURE ${JSON.stringify({ figure: 'sqlite receipts', mode: mode === 'each' ? 'one statement per receipt (keyv fallback)' : 'one statement per batch', receipts: n, batch: size, wallMicrosPerReceipt: +(totals[mode].wall / n).toFixed(1), cpuMicrosPerReceipt: +(totals[mode].cpu / n).toFixed(1), receiptsPerSecond: Math.round(n / (totals[mode].wall / 1e6)), load: `${loadBefore} -> ${load()}` })}`,
  );
}
console.log(
  `ratio: one statement per batch is ${(totals.each.wall / totals.batched.wall).toFixed(1)}x faster in wall time, ${(totals.each.cpu / totals.batched.cpu).toFixed(1)}x less CPU`,
);
await stores.each.disconnect();
await stores.batched.disconnect();
rmSync(dir, { recursive: true, force: true });
