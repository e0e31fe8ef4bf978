import nock from 'nock';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { openStateStore, type StateStore } from '../../agent/state/store.ts';
import { ChannelTarget, SentLedger, channelItem, type ChannelItem } from '../../agent/targets/channel/channel.ts';
import { verify } from '../../agent/targets/webhook/signature.ts';
import type { Envelope } from '../../shared-types/index.ts';

const ORIGIN = 'https://shop.example.test';
const SECRET = 'whsec-shop-77aa';
const NOW = 1_790_000_000;

nock.disableNetConnect();
nock.enableNetConnect((host) => /^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(host));

const level = (sku: string, available: number, channel: false | { sku: string; uom: string; quantity: number } = false) => ({
  product: { id: 7, sku },
  warehouse: { id: 1, code: 'WH' },
  uom: { id: 1, name: 'Units' },
  on_hand: 40,
  reserved: 4,
  free: 36,
  incoming: 0,
  outgoing: 0,
  forecast: 40,
  basis_quantity: 36,
  available,
  definition: { id: 3, endpoint: 'SHOP', version: 4, basis: 'free', horizon_days: 0, included_location_ids: [], excluded_location_ids: [] },
  allocation: false,
  channel,
  computed_at: '2026-11-30T08:00:00Z',
});

const envelope = (id: number, type: string, payload: unknown): Envelope =>
  ({
    id,
    type,
    endpoint: 'SHOP',
    aggregate: { model: 'product.product', id: 7, key: 'SKU' },
    company: false,
    occurred_at: '2026-11-30T08:00:00Z',
    sequence: id,
    schema: 1,
    coalesced: 1,
    attempt: 1,
    payload,
  }) as unknown as Envelope;

let state: StateStore;
test.before.each(async () => {
  state = await openStateStore({ url: 'memory://', database: 'db', receiptTtlMs: 60_000 });
});
test.after.each(async () => {
  nock.cleanAll();
  await state.close();
});

const target = (ledger?: SentLedger) =>
  new ChannelTarget({
    code: 'SHOP',
    url: `${ORIGIN}/inventory`,
    secret: SECRET,
    now: () => NOW,
    retryLimit: 0,
    noiseMs: 0,
    ...(ledger ? { ledger } : {}),
  });

test("channelItem: the mapped SKU and unit when Odoo maps the product, Odoo's otherwise", () => {
  const mapped = channelItem(level('FURN-1', 24, { sku: 'AMZ-1', uom: 'Dozens', quantity: 2 }), 11);
  assert.ok(mapped.ok);
  if (mapped.ok)
    assert.equal(mapped.item, {
      event_id: 11,
      sku: 'AMZ-1',
      odoo_sku: 'FURN-1',
      warehouse: 'WH',
      quantity: 2,
      unit: 'Dozens',
      definition: { id: 3, version: 4 },
      computed_at: '2026-11-30T08:00:00Z',
    } satisfies ChannelItem);
  const plain = channelItem(level('FURN-1', 24), false);
  assert.ok(plain.ok && plain.item.sku === 'FURN-1' && plain.item.quantity === 24 && plain.item.unit === 'Units');
  const half = channelItem(level('FURN-1', 6.5), 2);
  assert.ok(half.ok && half.item.quantity === 6, 'whole units, rounded down');
  const negative = channelItem(level('FURN-1', -3), 3);
  assert.ok(negative.ok && negative.item.quantity === 0, 'never negative');
  const bad = channelItem({ ...level('FURN-1', 24), available: 'lots' }, 1);
  assert.ok(!bad.ok && /available/.test(bad.reason), 'names the field');
});

test('deliver: signed delta body in channel terms, other event types refused, the ledger remembers what the channel confirmed', async () => {
  const ledger = new SentLedger(state);
  let seen: { body: string; signature: string | undefined; key: string | undefined } | undefined;
  nock(ORIGIN)
    .post('/inventory')
    .reply(function (_uri, body) {
      seen = { body: JSON.stringify(body), signature: this.req.headers['x-plansync-signature'], key: this.req.headers['idempotency-key'] };
      return [200, '{}', { 'content-type': 'application/json', 'content-length': '2' }];
    });
  const t = target(ledger);
  const outcome = await t.deliver([
    envelope(1, 'stock.level', level('FURN-1', 24, { sku: 'AMZ-1', uom: 'Dozens', quantity: 2 })),
    envelope(2, 'product.changed', { id: 7 }),
    envelope(3, 'stock.level', level('FURN-2', 5)),
  ]);
  t.close();
  assert.equal(outcome.delivered, [1, 3]);
  assert.is(outcome.rejected.length, 1);
  assert.match(outcome.rejected[0]?.reason ?? '', /stock\.level events only, got product\.changed/);
  assert.ok(seen);
  const body = JSON.parse(seen?.body ?? '{}') as { mode: string; inventory: ChannelItem[] };
  assert.is(body.mode, 'delta');
  assert.equal(
    body.inventory.map((i) => [i.sku, i.quantity, i.unit, i.event_id]),
    [
      ['AMZ-1', 2, 'Dozens', 1],
      ['FURN-2', 5, 'Units', 3],
    ],
  );
  assert.ok(verify(SECRET, seen?.signature, seen?.body ?? '', NOW).ok, 'signed over the body');
  const sent = await ledger.get('SHOP', 'WH', 'FURN-1');
  assert.equal([sent?.available, sent?.quantity, sent?.unit, sent?.version, sent?.event_id], [24, 2, 'Dozens', 4, 1]);
});

test('deliver: a failed delivery is not remembered as sent', async () => {
  const ledger = new SentLedger(state);
  nock(ORIGIN).post('/inventory').reply(503, 'down');
  const t = target(ledger);
  const outcome = await t.deliver([envelope(1, 'stock.level', level('FURN-1', 24))]);
  t.close();
  assert.is(outcome.failed.length, 1);
  assert.is(await ledger.get('SHOP', 'WH', 'FURN-1'), undefined);
});

test('publish: a snapshot in batches, mode snapshot, keys distinct per run, invalid payloads refused and never sent', async () => {
  const ledger = new SentLedger(state);
  const bodies: Array<{ mode: string; inventory: ChannelItem[] }> = [];
  const keys: string[] = [];
  nock(ORIGIN)
    .post('/inventory')
    .times(4)
    .reply(function (_uri, body) {
      bodies.push(body as { mode: string; inventory: ChannelItem[] });
      keys.push(String(this.req.headers['idempotency-key']));
      return [200, '{}', { 'content-type': 'application/json', 'content-length': '2' }];
    });
  const t = target(ledger);
  const payloads = [level('A', 1), level('B', 2), { nope: true }, level('C', 3)];
  const first = await t.publish(payloads, 2);
  const second = await t.publish([level('A', 1)], 2);
  t.close();
  assert.is(first.sent, 3);
  assert.equal(
    first.refused.map((r) => r.index),
    [2],
  );
  assert.equal(
    bodies.map((b) => b.inventory.map((i) => i.sku)),
    [['A', 'B'], ['C'], ['A']],
  );
  assert.ok(bodies.every((b) => b.mode === 'snapshot' && b.inventory.every((i) => i.event_id === false)));
  assert.is(new Set(keys).size, 3, 'every request of every snapshot has its own key');
  assert.is(second.sent, 1);
  assert.is((await ledger.get('SHOP', 'WH', 'C'))?.available, 3);
});

test.run();
