/**
 * The WMS poller (agent/wms/poller.ts) against a fake WMS on loopback: pages read until next_cursor is
 * null, every message forwarded in order, the cursor checkpointed only after Odoo answered, a poll
 * that failed midway resumed without applying anything twice, and a message without message_id parked
 * rather than lost.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, TargetError, type PlanSyncError } from '../../agent/errors.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { openStateStore, type StateStore } from '../../agent/state/store.ts';
import { createLogger } from '../../agent/telemetry/log.ts';
import { WmsPoller, type WmsPollerOptions } from '../../agent/wms/poller.ts';
import { FakeWms } from '../support/fake-wms.ts';
import { FakeWmsOdoo, balance, confirmation, odooDenied, odooDown } from '../support/wms-odoo.ts';

const SECRET = 'wms-poll-secret-77e2';
const NOW = 1_790_000_000;

interface World {
  wms: FakeWms;
  odoo: FakeWmsOdoo;
  state: StateStore;
  poller: WmsPoller;
  logs: string[];
}

const test = suite('WMS poller');
const cleanups: Array<() => Promise<void> | void> = [];
test.after.each(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

const world = async (options: Partial<WmsPollerOptions> = {}): Promise<World> => {
  const wms = new FakeWms({ secret: SECRET, now: () => NOW });
  const url = await wms.start();
  const odoo = new FakeWmsOdoo();
  const state = await openStateStore({ url: 'memory://', database: 'db-uuid', receiptTtlMs: 60_000 });
  const logs: string[] = [];
  const poller = new WmsPoller({
    code: 'WMS',
    url: `${url}/`,
    secret: SECRET,
    odoo,
    state,
    logger: createLogger('info', { write: (line: string) => void logs.push(line) }),
    pageSize: 2,
    retryLimit: 0,
    odooRetry: retryPolicy({ limit: 1, backoffBaseMs: 1, backoffLimitMs: 1 }),
    now: () => NOW,
    ...options,
  });
  cleanups.push(
    () => poller.close(),
    () => wms.close(),
    () => state.close(),
  );
  return { wms, odoo, state, poller, logs };
};

const pagesAsked = (wms: FakeWms): string[] => wms.requests.filter((r) => r.path === '/api/messages').map((r) => r.query.after ?? '?');

test('reads pages until next_cursor is null, forwards every message in order and checkpoints the cursor after the last', async () => {
  const { wms, odoo, state, poller } = await world();
  wms.messages.push(confirmation('m1'), balance('m2'), confirmation('m3'));
  const report = await poller.poll();
  assert.equal(pagesAsked(wms), ['', 'm2', 'm3']);
  assert.ok(wms.requests.every((r) => r.signed && r.query.limit === '2'));
  assert.equal(
    odoo.calls.map((c) => c.messages.map((m) => m.message_id)),
    [['m1', 'm2'], ['m3']],
  );
  assert.is(await state.getCheckpoint<string>('wms:WMS:cursor'), 'm3');
  assert.equal(
    { items: report.items, lines: report.lines, pages: report.pages, cursor: report.cursor },
    { items: 2, lines: 3, pages: 3, cursor: 'm3' },
  );
  assert.equal(report.statuses, { applied: 3, duplicate: 0, exception: 0 });
  assert.equal(report.counts, { created: 3, unchanged: 0, superseded: 0, exception: 0 });
  // Nothing new: one empty page, nothing forwarded.
  const idle = await poller.poll();
  assert.equal(pagesAsked(wms).slice(3), ['m3']);
  assert.is(idle.lines, 0);
  assert.is(odoo.calls.length, 2);
  wms.messages.push(confirmation('m4'));
  await poller.poll();
  assert.equal(odoo.sent, ['m1', 'm2', 'm3', 'm4']);
});

test('Odoo failing on the second page: the poll throws, the cursor stays after the first, the next poll resumes there', async () => {
  const { wms, odoo, state, poller } = await world();
  wms.messages.push(confirmation('m1'), confirmation('m2'), confirmation('m3'), confirmation('m4'));
  const realReceive = odoo.wmsReceive.bind(odoo);
  let call = 0;
  odoo.wmsReceive = (endpoint, messages) => (++call === 2 ? Promise.reject(odooDenied()) : realReceive(endpoint, messages));
  const error = (await poller.poll().catch((e: unknown) => e)) as PlanSyncError;
  assert.is(error.code, 'ERR_ODOO_ACCESS');
  assert.is(await state.getCheckpoint<string>('wms:WMS:cursor'), 'm2');
  await poller.poll();
  assert.equal(odoo.applied, ['WMS/m1', 'WMS/m2', 'WMS/m3', 'WMS/m4']);
  assert.equal(odoo.sent, ['m1', 'm2', 'm3', 'm4']);
  assert.is(await state.getCheckpoint<string>('wms:WMS:cursor'), 'm4');
});

test('an answer lost after Odoo applied: the retry answers duplicate and nothing is applied twice', async () => {
  const { wms, odoo, poller } = await world();
  wms.messages.push(confirmation('m1'));
  odoo.lostAnswers.push(odooDown());
  const report = await poller.poll();
  assert.equal(odoo.sent, ['m1', 'm1']);
  assert.equal(odoo.applied, ['WMS/m1']);
  assert.equal(report.statuses, { applied: 0, duplicate: 1, exception: 0 });
});

test('a crash between Odoo and the checkpoint re-sends the page, answered duplicate', async () => {
  const { wms, odoo, state, poller } = await world();
  wms.messages.push(confirmation('m1'), confirmation('m2'));
  const realSet = state.setCheckpoint.bind(state);
  state.setCheckpoint = () => Promise.reject(new Error('disk full'));
  await poller.poll().catch(() => undefined);
  state.setCheckpoint = realSet;
  const report = await poller.poll();
  assert.equal(report.statuses, { applied: 0, duplicate: 2, exception: 0 });
  assert.equal(odoo.applied, ['WMS/m1', 'WMS/m2']);
  assert.is(await state.getCheckpoint<string>('wms:WMS:cursor'), 'm2');
});

test('a message without a usable message_id is forwarded wrapped under a stable id, so Odoo parks it', async () => {
  const { wms, odoo, poller, logs } = await world();
  wms.messages.push(confirmation('m1'), { type: 'balance', warehouse: 'WH' }, 'junk');
  const report = await poller.poll();
  const [wrapped, junk] = odoo.calls.flatMap((c) => c.messages).slice(1);
  assert.match(wrapped?.message_id ?? '', /^unidentified:[0-9a-f]{16}:1$/);
  assert.equal(wrapped?.received, { type: 'balance', warehouse: 'WH' });
  assert.is(wrapped?.invalid, 'message_id: expected a non-blank string of at most 128 characters (got missing)');
  assert.match(junk?.message_id ?? '', /^unidentified:[0-9a-f]{16}:0$/);
  assert.is(junk?.received, 'junk');
  assert.equal(report.statuses, { applied: 1, duplicate: 0, exception: 2 });
  assert.ok(logs.some((l) => l.includes('parked as exceptions')));
  // The same page read again gives the same ids: duplicates, not new exceptions.
  const { wms: wms2, odoo: odoo2, poller: again } = await world();
  wms2.messages.push(confirmation('m1'), { type: 'balance', warehouse: 'WH' }, 'junk');
  await again.poll();
  assert.equal(odoo2.sent, odoo.sent);
});

test('a WMS that answers null on a last page that is not empty: the cursor stays, the page comes back duplicate', async () => {
  const { wms, odoo, state, poller } = await world();
  wms.nullOnLastPage = true;
  wms.messages.push(confirmation('m1'), confirmation('m2'), confirmation('m3'));
  await poller.poll();
  assert.is(await state.getCheckpoint<string>('wms:WMS:cursor'), 'm2');
  const second = await poller.poll();
  assert.equal(second.statuses, { applied: 0, duplicate: 1, exception: 0 });
  assert.equal(odoo.applied, ['WMS/m1', 'WMS/m2', 'WMS/m3']);
});

test('the WMS refusing the signature is a configuration error; a WMS down is transient; neither moves the cursor', async () => {
  const { wms, state, poller } = await world();
  wms.messages.push(confirmation('m1'));
  const { poller: wrong } = await world({ secret: 'not-the-secret' });
  const refused = (await wrong.poll().catch((e: unknown) => e)) as TargetError;
  assert.instance(refused, TargetError);
  assert.is(refused.kind, 'config');
  assert.match(refused.message, 'HTTP 401');
  wms.failures.push(503);
  const down = (await poller.poll().catch((e: unknown) => e)) as TargetError;
  assert.is(down.kind, 'transient');
  assert.is(await state.getCheckpoint<string>('wms:WMS:cursor'), undefined);
});

test('a page of another shape is a configuration error naming the field, and nothing is forwarded', async () => {
  const { wms, odoo, poller } = await world();
  wms.answers.push({ messages: [confirmation('m1')], next_cursor: 7 });
  const error = (await poller.poll().catch((e: unknown) => e)) as TargetError;
  assert.is(error.kind, 'config');
  assert.match(error.message, 'GET /messages answered an unexpected shape: next_cursor');
  assert.match(error.message, '(got 7)');
  assert.is(odoo.calls.length, 0);
});

test('bad options fail at construction quoting the key and the value', async () => {
  const { odoo, state } = await world();
  const base = { code: 'WMS', url: 'http://127.0.0.1:1', secret: SECRET, odoo, state, logger: createLogger('silent') };
  assert.throws(
    () => new WmsPoller({ ...base, pageSize: 501 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('pageSize') && e.message.includes('501'),
  );
  assert.throws(
    () => new WmsPoller({ ...base, maxPages: 0 }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('maxPages'),
  );
  assert.throws(
    () => new WmsPoller({ ...base, secret: '' }),
    (e: unknown) => e instanceof ConfigError && e.message.includes('PLANSYNC_SECRET_'),
  );
});

test.run();
