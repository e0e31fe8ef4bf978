/**
 * WMS balances for reconciliation (agent/wms/balances.ts) against a fake WMS on loopback: one signed
 * GET, one complete balance message whose id names the snapshot (sending it twice is a duplicate),
 * lines passed as they came, and a WMS answer of another shape refused naming the field.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, TargetError } from '../../agent/errors.ts';
import { fetchBalances, invalidLines } from '../../agent/wms/balances.ts';
import { forward } from '../../agent/wms/forward.ts';
import { checkMessage } from '../../agent/wms/types.ts';
import { FakeWms } from '../support/fake-wms.ts';
import { FakeWmsOdoo } from '../support/wms-odoo.ts';

const SECRET = 'wms-bal-secret-0d4e';
const NOW = 1_790_000_000;

const test = suite('WMS balances');
let wms: FakeWms;
test.before.each(async () => {
  wms = new FakeWms({ secret: SECRET, now: () => NOW });
  await wms.start();
});
test.after.each(() => wms.close());

const options = { endpoint: 'WMS', retryLimit: 0, now: () => NOW };

test('one signed GET of the warehouse becomes one complete balance message named after the snapshot', async () => {
  const lines = [
    { sku: 'CH-0', location: 'WH/Stock', quantity: 12 },
    { sku: 'TB-1', location: 'WH/Stock/Shelf 2', quantity: 0, uom: 'Units' },
  ];
  wms.balances.set('WH', { as_of: '2026-11-30T06:00:00Z', balances: lines });
  const message = await fetchBalances(`${wms.url}/`, SECRET, 'WH', options);
  assert.equal(message, {
    message_id: 'reconcile:WMS:WH:2026-11-30T06:00:00Z',
    type: 'balance',
    warehouse: 'WH',
    as_of: '2026-11-30T06:00:00Z',
    complete: true,
    balances: lines,
  });
  assert.is(checkMessage(message), undefined);
  assert.equal(wms.requests, [{ method: 'GET', path: '/api/balances', query: { warehouse: 'WH' }, signed: true }]);
});

test('the same snapshot sent twice is a duplicate in Odoo; a new snapshot is a new message', async () => {
  const odoo = new FakeWmsOdoo();
  wms.balances.set('WH', { as_of: '2026-11-30T06:00:00Z', balances: [] });
  const first = await forward(odoo, 'WMS', [await fetchBalances(wms.url, SECRET, 'WH', options)]);
  const second = await forward(odoo, 'WMS', [await fetchBalances(wms.url, SECRET, 'WH', options)]);
  wms.balances.set('WH', { as_of: '2026-11-30T07:00:00Z', balances: [] });
  const third = await forward(odoo, 'WMS', [await fetchBalances(wms.url, SECRET, 'WH', options)]);
  assert.equal([first[0]?.status, second[0]?.status, third[0]?.status], ['applied', 'duplicate', 'applied']);
});

test('bad lines are passed as they came (Odoo parks them) and counted by invalidLines', async () => {
  const lines = [
    { sku: 'CH-0', location: 'WH/Stock', quantity: 1 },
    { sku: 'CH-0', quantity: -3 },
    { sku: '', location: 'WH/Stock', quantity: 1 },
  ];
  wms.balances.set('WH', { as_of: '2026-11-30T06:00:00Z', balances: lines });
  const message = await fetchBalances(wms.url, SECRET, 'WH', options);
  assert.equal(message.balances, lines);
  assert.equal(invalidLines(message), [1, 2]);
});

test('an answer of another shape is refused naming the field and the value', async () => {
  wms.balances.set('WH', { as_of: 'this morning', balances: [] });
  const bad = (await fetchBalances(wms.url, SECRET, 'WH', options).catch((e: unknown) => e)) as TargetError;
  assert.instance(bad, TargetError);
  assert.is(bad.kind, 'config');
  assert.match(bad.message, 'as_of');
  assert.match(bad.message, '"this morning"');
  wms.balances.set('WH', { as_of: '2026-11-30T06:00:00Z', balances: [1] });
  const notObjects = (await fetchBalances(wms.url, SECRET, 'WH', options).catch((e: unknown) => e)) as TargetError;
  assert.match(notObjects.message, 'balances.0');
});

test('an unknown warehouse or a wrong secret is a configuration error; a WMS down is transient', async () => {
  const unknown = (await fetchBalances(wms.url, SECRET, 'XX', options).catch((e: unknown) => e)) as TargetError;
  assert.is(unknown.kind, 'config');
  assert.match(unknown.message, 'HTTP 404');
  wms.balances.set('WH', { as_of: '2026-11-30T06:00:00Z', balances: [] });
  const wrong = (await fetchBalances(wms.url, 'nope', 'WH', options).catch((e: unknown) => e)) as TargetError;
  assert.match(wrong.message, 'HTTP 401');
  wms.failures.push(502);
  const down = (await fetchBalances(wms.url, SECRET, 'WH', options).catch((e: unknown) => e)) as TargetError;
  assert.is(down.kind, 'transient');
});

test('a blank warehouse code or secret fails before any request', async () => {
  const blank = await fetchBalances(wms.url, SECRET, ' ', options).catch((e: unknown) => e);
  assert.instance(blank, ConfigError);
  assert.match((blank as Error).message, 'warehouse must be a warehouse code, got " "');
  assert.instance(await fetchBalances(wms.url, '', 'WH', options).catch((e: unknown) => e), ConfigError);
  assert.is(wms.requests.length, 0);
});

test.run();
