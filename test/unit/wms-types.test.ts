/**
 * WMS message intake (agent/wms/types.ts, forward.ts, recent.ts, odoo.ts): what the agent refuses
 * (no list of objects, no usable message_id) and what it forwards as it came (anything else, for Odoo
 * to judge); Odoo's answers validated; calls of at most 500 with transient retries; the answer cache.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OdooError } from '../../agent/errors.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { forward } from '../../agent/wms/forward.ts';
import { WmsOdooClient } from '../../agent/wms/odoo.ts';
import { RecentAnswers } from '../../agent/wms/recent.ts';
import { checkMessage, readMessages, type WmsResult } from '../../agent/wms/types.ts';
import { FakeWmsOdoo, balance, confirmation, odooBusy, odooDenied } from '../support/wms-odoo.ts';

const FAST = retryPolicy({ limit: 2, backoffBaseMs: 1, backoffLimitMs: 1 });
const refusal = (body: unknown): string => {
  const read = readMessages(body);
  assert.not.ok(read.ok, `expected a refusal of ${JSON.stringify(body)}`);
  return read.ok ? '' : read.reason;
};

test('a list under "messages" and one message object are both read, as they came', () => {
  const list = readMessages({ messages: [confirmation('a'), balance('b')] });
  assert.ok(list.ok);
  assert.equal(list.ok && list.messages.map((m) => m.message_id), ['a', 'b']);
  const one = readMessages(confirmation('c'));
  assert.equal(one.ok && one.messages, [confirmation('c')]);
  const empty = readMessages({ messages: [] });
  assert.equal(empty.ok && empty.messages, []);
});

test('refusals name the field and the value', () => {
  assert.is(
    refusal({ messages: [confirmation('a'), { type: 'balance' }] }),
    'messages[1].message_id: expected a non-blank string of at most 128 characters (got missing)',
  );
  assert.is(
    refusal({ messages: [{ message_id: 42 }] }),
    'messages[0].message_id: expected a non-blank string of at most 128 characters (got 42)',
  );
  assert.is(
    refusal({ messages: [{ message_id: '   ' }] }),
    'messages[0].message_id: expected a non-blank string of at most 128 characters (got "   ")',
  );
  assert.match(refusal({ messages: [{ message_id: 'x'.repeat(129) }] }), /^messages\[0\]\.message_id: .*at most 128/);
  assert.is(refusal({ messages: [confirmation('a'), 7] }), 'messages[1]: expected a message object (got 7)');
  assert.is(refusal({ messages: 'a' }), 'messages: expected a list of message objects (got "a")');
  assert.is(refusal([confirmation('a')]), 'body: expected {"messages": [...]} or one message object (got a list)');
  assert.is(refusal('hello'), 'body: expected {"messages": [...]} or one message object (got "hello")');
  assert.is(refusal({ type: 'balance' }), 'message_id: expected a non-blank string of at most 128 characters (got missing)');
});

test('property: any object with a usable message_id is forwarded unchanged, whatever its other fields', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim() !== ''),
      fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 5 }),
      (id, rest) => {
        const message = { ...rest, message_id: id };
        const read = readMessages({ messages: [message] });
        return read.ok && read.messages[0] === message;
      },
    ),
  );
});

test('property: a message without a usable message_id refuses the whole body, naming its index', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.string({ minLength: 1, maxLength: 10 }).filter((s) => s.trim() !== ''),
        { maxLength: 5 },
      ),
      fc.nat(5),
      fc.oneof(fc.constant(undefined), fc.constant(''), fc.integer(), fc.constant(null), fc.boolean()),
      (ids, at, bad) => {
        const messages: unknown[] = ids.map((id) => confirmation(id));
        const index = Math.min(at, messages.length);
        messages.splice(index, 0, bad === undefined ? { type: 'balance' } : { message_id: bad });
        const read = readMessages({ messages });
        return !read.ok && read.reason.startsWith(`messages[${index}].message_id: `);
      },
    ),
  );
});

test('checkMessage accepts both shapes of the contract and names the bad field of others', () => {
  assert.is(checkMessage(confirmation('a')), undefined);
  assert.is(checkMessage(balance('b')), undefined);
  assert.is(
    checkMessage({ ...confirmation('c'), lines: [{ sku: 'CH-0', quantity: 2, uom: 'Units', lots: [{ name: 'L1', quantity: 2 }] }] }),
    undefined,
  );
  assert.is(checkMessage({ ...balance('d'), as_of: '2026-11-30T07:00:00+01:00' }), undefined);
  assert.match(checkMessage({ ...confirmation('e'), lines: [{ sku: 'CH-0', quantity: -1 }] }) ?? '', 'lines.0.quantity');
  assert.match(checkMessage({ ...balance('f'), complete: 'yes' }) ?? '', 'complete');
  assert.match(checkMessage({ ...balance('g'), as_of: 'yesterday' }) ?? '', 'as_of');
  assert.match(checkMessage({ ...confirmation('h'), type: 'shipped' }) ?? '', 'type');
});

const result = (id: string, extra: Partial<WmsResult> = {}): WmsResult => ({
  message_id: id,
  status: 'applied',
  code: false,
  detail: 'applied',
  record_id: 1,
  discrepancies: false,
  ...extra,
});

test('WmsOdooClient calls plansync.wms.message.receive by position and names and refuses an answer of another shape', async () => {
  const calls: unknown[][] = [];
  let answer: unknown = [result('a', { discrepancies: { opened: 1, updated: 0, resolved: 0, within_tolerance: 2 } })];
  const client = new WmsOdooClient({
    call: <T>(model: string, method: string, args: readonly unknown[], _kwargs?: unknown, argNames?: readonly string[]) => {
      calls.push([model, method, args, argNames]);
      return Promise.resolve(answer as T);
    },
  });
  const got = await client.wmsReceive('WMS', [balance('a')]);
  assert.is(got[0]?.discrepancies && got[0].discrepancies.within_tolerance, 2);
  assert.equal(calls[0], ['plansync.wms.message', 'receive', ['WMS', [balance('a')]], ['endpoint', 'messages']]);
  answer = [{ ...result('a'), record_id: null }];
  const error = await client.wmsReceive('WMS', [balance('a')]).catch((e: unknown) => e);
  assert.instance(error, OdooError);
  assert.is((error as OdooError).code, 'ERR_ODOO_PROTOCOL');
  assert.is((error as OdooError).kind, 'config');
  assert.match((error as OdooError).message, '0.record_id');
});

test('forward sends calls of at most 500 messages and returns every result in order', async () => {
  const odoo = new FakeWmsOdoo();
  const messages = Array.from({ length: 1001 }, (_, i) => confirmation(`m${i}`));
  const results = await forward(odoo, 'WMS', messages, { retry: FAST });
  assert.equal(
    odoo.calls.map((c) => c.messages.length),
    [500, 500, 1],
  );
  assert.equal(
    results.map((r) => r.message_id),
    messages.map((m) => m.message_id),
  );
});

test('forward retries a transient error (a concurrent duplicate) and then answers duplicate; a config error is thrown at once', async () => {
  const odoo = new FakeWmsOdoo();
  await forward(odoo, 'WMS', [confirmation('a')], { retry: FAST });
  odoo.faults.push(odooBusy());
  const again = await forward(odoo, 'WMS', [confirmation('a')], { retry: FAST });
  assert.is(again[0]?.status, 'duplicate');
  assert.is(odoo.calls.length, 3);
  odoo.faults.push(odooDenied());
  const error = await forward(odoo, 'WMS', [confirmation('b')], { retry: FAST }).catch((e: unknown) => e);
  assert.is((error as OdooError).code, 'ERR_ODOO_ACCESS');
  assert.is(odoo.calls.length, 4);
  assert.equal(odoo.applied, ['WMS/a']);
});

test('forward refuses an answer that does not match the messages (count or order)', async () => {
  const short = { wmsReceive: () => Promise.resolve([result('a')]) };
  const error = await forward(short, 'WMS', [confirmation('a'), confirmation('b')], { retry: FAST }).catch((e: unknown) => e);
  assert.is((error as OdooError).code, 'ERR_ODOO_PROTOCOL');
  assert.match((error as OdooError).message, '1 results for 2 messages');
  const swapped = { wmsReceive: () => Promise.resolve([result('b'), result('a')]) };
  const error2 = await forward(swapped, 'WMS', [confirmation('a'), confirmation('b')], { retry: FAST }).catch((e: unknown) => e);
  assert.match((error2 as OdooError).message, 'result 0 is not for message "a"');
});

test('RecentAnswers keeps the first answer per (endpoint, message id), answers it as duplicate, evicts the least recently used and expires', () => {
  let now = 0;
  const recent = new RecentAnswers(2, 1000, () => now);
  recent.set('WMS', 'a', result('a', { record_id: 1 }));
  recent.set('WMS', 'a', result('a', { record_id: 9, status: 'duplicate' }));
  assert.equal(recent.get('WMS', 'a'), result('a', { record_id: 1, status: 'duplicate' }));
  assert.is(recent.get('OTHER', 'a'), undefined);
  recent.set('WMS', 'b', result('b'));
  recent.get('WMS', 'a'); // a is now the most recently used
  recent.set('WMS', 'c', result('c'));
  assert.ok(recent.get('WMS', 'a'));
  assert.is(recent.get('WMS', 'b'), undefined);
  now = 1000;
  assert.is(recent.get('WMS', 'c'), undefined);
  const off = new RecentAnswers(0, 1000);
  off.set('WMS', 'a', result('a'));
  assert.is(off.get('WMS', 'a'), undefined);
});

test.run();
