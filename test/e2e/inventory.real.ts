/**
 * Inventory truth against a real Odoo 17 (run by `npm run test:odoo`), with the real CLI and daemon:
 *
 * - a WMS balance that differs from Odoo beyond tolerance gives exactly one discrepancy with the right
 *   figures (and reconciling again updates it, never doubles it);
 * - accepting it adjusts Odoo (quant inventory mode), and the next `stock.level` to each channel
 *   carries the new figure computed by that channel's definition (free × 50 % for one; on hand less
 *   a buffer of 2, in dozens under its own SKU, for the other), with the definition's id and version;
 * - a WMS shipment confirmation posted to the agent's receiver validates the delivery in Odoo once,
 *   even when the message arrives twice; a bad signature is refused with 401;
 * - the delivery order reached the WMS as `picking.changed` beforehand.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Sink } from '../../agent/standin/sink.ts';
import { FakeWms, postMessages } from '../support/fake-wms.ts';
import { OdooAdmin, liveTier, type Tier } from '../support/odoo-real.ts';
import { runCli, startCli, waitFor, type Running } from '../support/processes.ts';

const tier = liveTier();

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });

interface Discrepancy {
  id: number;
  kind: string;
  state: string;
  product_id: [number, string];
  location_id: [number, string] | false;
  warehouse_id: [number, string];
  odoo_qty: number;
  other_qty: number;
  difference: number;
  at_risk_count: number;
  at_risk_qty: number;
  first_seen: string;
}

if ('reason' in tier) {
  console.log(`inventory truth on real Odoo: not run: ${tier.reason}`);
} else {
  const t: Tier = tier;
  const admin = new OdooAdmin(t);
  const test = suite(`inventory truth on Odoo ${process.env.PLANSYNC_TIER_ODOO ?? 'real'}`);
  const dir = mkdtempSync(join(tmpdir(), 'plansync-inventory-real-'));
  const tag = `${process.pid}`;
  const codes = { wms: `RT-WMS-${tag}`, shop: `RT-SHOP-${tag}`, market: `RT-MKT-${tag}` };
  const secrets = { wms: `wms-${tag}-s3cret`, shop: `shop-${tag}-s3cret`, market: `mkt-${tag}-s3cret` };
  const sink = new Sink({ secrets: { [codes.shop]: secrets.shop, [codes.market]: secrets.market } });
  const wms = new FakeWms({ secret: secrets.wms });
  let daemon: Running | undefined;
  let receiverPort = 0;
  let env: Record<string, string> = {};
  const ids = { wms: 0, shop: 0, market: 0, p1: 0, p2: 0, stock: 0, warehouse: 0 };
  let warehouseCode = '';
  let stockName = '';
  const sku1 = `INV-${tag}-1`;
  const sku2 = `INV-${tag}-2`;

  const discrepancies = () =>
    admin.call<Discrepancy[]>('plansync.discrepancy', 'search_read', [[['endpoint_id', '=', ids.wms]]], {
      fields: [
        'kind',
        'state',
        'product_id',
        'location_id',
        'warehouse_id',
        'odoo_qty',
        'other_qty',
        'difference',
        'at_risk_count',
        'at_risk_qty',
        'first_seen',
      ],
    });
  const quant = async (product: number): Promise<{ quantity: number; reserved: number }> => {
    const rows = await admin.call<Array<{ quantity: number; reserved_quantity: number }>>(
      'stock.quant',
      'search_read',
      [
        [
          ['product_id', '=', product],
          ['location_id', '=', ids.stock],
        ],
      ],
      { fields: ['quantity', 'reserved_quantity'] },
    );
    return { quantity: rows.reduce((s, r) => s + r.quantity, 0), reserved: rows.reduce((s, r) => s + r.reserved_quantity, 0) };
  };

  test.before(async () => {
    // A warehouse of its own: a complete WMS balance speaks for every location of its warehouse, and
    // the other suites keep stock in the main one.
    const whCode = `I${tag.slice(-4)}`;
    const warehouse = {
      id: await admin.call<number>('stock.warehouse', 'create', [
        { name: `Inventory ${tag}`, code: whCode, company_id: t.file.company_id },
      ]),
      code: whCode,
    };
    ids.warehouse = warehouse.id;
    warehouseCode = warehouse.code;
    const [wh] = await admin.call<Array<{ lot_stock_id: [number, string]; out_type_id: [number, string] }>>('stock.warehouse', 'read', [
      [warehouse.id],
      ['lot_stock_id', 'out_type_id'],
    ]);
    ids.stock = wh?.lot_stock_id[0] ?? 0;
    const [stock] = await admin.call<Array<{ complete_name: string }>>('stock.location', 'read', [[ids.stock], ['complete_name']]);
    stockName = stock?.complete_name ?? '';
    const storable = await admin.storable();
    ids.p1 = await admin.call<number>('product.product', 'create', [{ name: `Inventory chair ${tag}`, default_code: sku1, ...storable }]);
    ids.p2 = await admin.call<number>('product.product', 'create', [{ name: `Inventory desk ${tag}`, default_code: sku2, ...storable }]);
    await admin.validate(
      await admin.receive(warehouse.id, [
        { product: ids.p1, quantity: 20 },
        { product: ids.p2, quantity: 30 },
      ]),
    );

    await sink.start();
    await wms.start();
    const types = async (codesOf: string[]) => [[6, 0, await admin.eventTypeIds(codesOf)]];
    ids.wms = await admin.call<number>('plansync.endpoint', 'create', [
      {
        name: codes.wms,
        code: codes.wms,
        kind: 'wms',
        url: wms.url,
        event_type_ids: await types(['product.changed', 'location.changed', 'picking.changed']),
        warehouse_ids: [[6, 0, [warehouse.id]]],
        company_id: t.file.company_id,
        reconcile_tolerance_qty: 1,
      },
    ]);
    ids.shop = await admin.call<number>('plansync.endpoint', 'create', [
      {
        name: codes.shop,
        code: codes.shop,
        kind: 'channel',
        url: sink.url,
        event_type_ids: await types(['stock.level']),
        warehouse_ids: [[6, 0, [warehouse.id]]],
        company_id: t.file.company_id,
        availability_basis: 'free',
        allocation_rule_ids: [[0, 0, { share_percent: 50 }]],
      },
    ]);
    const dozens = await admin.ref('uom.product_uom_dozen');
    ids.market = await admin.call<number>('plansync.endpoint', 'create', [
      {
        name: codes.market,
        code: codes.market,
        kind: 'channel',
        url: sink.url,
        event_type_ids: await types(['stock.level']),
        warehouse_ids: [[6, 0, [warehouse.id]]],
        company_id: t.file.company_id,
        availability_basis: 'on_hand',
        allocation_rule_ids: [[0, 0, { buffer_qty: 2 }]],
        channel_mapping_ids: [[0, 0, { product_id: ids.p1, channel_sku: `MKT-${tag}`, uom_id: dozens }]],
      },
    ]);
    // An open sale of the chair: the discrepancy puts it at risk.
    const partner = await admin.call<number>('res.partner', 'create', [{ name: `Inventory customer ${tag}` }]);
    const order = await admin.call<number>('sale.order', 'create', [
      { partner_id: partner, warehouse_id: warehouse.id, order_line: [[0, 0, { product_id: ids.p1, product_uom_qty: 4 }]] },
    ]);
    await admin.call('sale.order', 'action_confirm', [[order]]);

    receiverPort = await freePort();
    const config = join(dir, 'agent.json');
    writeFileSync(config, JSON.stringify({ reconcile: { every_hours: 0 }, wms: { port: receiverPort }, poll_seconds: 0.2 }));
    env = {
      ODOO_URL: t.url,
      ODOO_DB: t.db,
      ODOO_LOGIN: t.file.integration.login,
      ODOO_API_KEY: t.file.integration.api_key,
      PLANSYNC_CONFIG: config,
      PLANSYNC_CONSUMER: `rt-inventory-${tag}`,
      PLANSYNC_STATE: `sqlite://${join(dir, 'state.sqlite')}`,
      PLANSYNC_PLANNER: 'off',
      PLANSYNC_LOG_LEVEL: 'warn',
      [`PLANSYNC_SECRET_${codes.wms.replace(/-/g, '_')}`]: secrets.wms,
      [`PLANSYNC_SECRET_${codes.shop.replace(/-/g, '_')}`]: secrets.shop,
      [`PLANSYNC_SECRET_${codes.market.replace(/-/g, '_')}`]: secrets.market,
    };
    daemon = startCli(['run'], env);
    // The channels get the current figures first (a snapshot each), so that reconciliation has a baseline.
    for (const code of [codes.shop, codes.market]) {
      const snapshot = await runCli(['snapshot', '--endpoint', code], { ...env, PLANSYNC_CONSUMER: `rt-inventory-cli-${tag}` });
      assert.is(snapshot.code, 0, snapshot.stdout + snapshot.stderr);
    }
  });

  test.after(async () => {
    daemon?.child.kill('SIGTERM');
    await daemon?.finished;
    await sink.stop();
    await wms.close();
    await admin
      .call('plansync.endpoint', 'write', [[ids.wms, ids.shop, ids.market].filter(Boolean), { active: false }])
      .catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  test('a WMS balance beyond tolerance gives exactly one discrepancy with the right figures; again: updated, not doubled', async () => {
    // The WMS counts 17 chairs where Odoo has 20 (tolerance 1), and 30 desks as Odoo does.
    wms.balances.set(warehouseCode, {
      as_of: '2026-11-30T08:00:00Z',
      balances: [
        { sku: sku1, location: stockName, quantity: 17 },
        { sku: sku2, location: stockName, quantity: 30 },
      ],
    });
    const first = await runCli(['reconcile', '--endpoint', codes.wms, '--json'], env);
    assert.is(first.code, 0, first.stdout + first.stderr);
    const rows = await discrepancies();
    assert.is(rows.length, 1, JSON.stringify(rows));
    const [d] = rows;
    assert.equal(
      [
        d?.kind,
        d?.state,
        d?.product_id[0],
        d?.location_id && d.location_id[0],
        d?.warehouse_id[0],
        d?.odoo_qty,
        d?.other_qty,
        d?.difference,
      ],
      ['wms', 'open', ids.p1, ids.stock, ids.warehouse, 20, 17, -3],
    );
    assert.is(d?.at_risk_count, 1, 'the open sale line of the chair is at risk');
    assert.is(d?.at_risk_qty, 4);
    assert.ok(d?.first_seen, 'since when');
    // Same count again (a new snapshot of the WMS): the open discrepancy is updated, never doubled.
    wms.balances.set(warehouseCode, {
      as_of: '2026-11-30T09:00:00Z',
      balances: [
        { sku: sku1, location: stockName, quantity: 17 },
        { sku: sku2, location: stockName, quantity: 30 },
      ],
    });
    const again = await runCli(['reconcile', '--endpoint', codes.wms], env);
    assert.is(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /discrepancies opened 0, updated 1/);
    assert.is((await discrepancies()).length, 1);
    assert.is((await quant(ids.p1)).quantity, 20, 'reconciliation changed no stock');
  });

  test("accepting it adjusts Odoo, and each channel's next stock.level carries the new figure by its own definition", async () => {
    const [d] = await discrepancies();
    const before = sink.inventory.length;
    await admin.call('plansync.discrepancy', 'action_accept', [[d?.id]]);
    const after = await quant(ids.p1);
    assert.is(after.quantity, 17, 'Odoo now counts what the WMS counts');
    const [accepted] = await admin.call<Array<{ state: string }>>('plansync.discrepancy', 'read', [[d?.id], ['state']]);
    assert.is(accepted?.state, 'accepted');
    const moves = await admin.call<number>('stock.move', 'search_count', [
      [
        ['product_id', '=', ids.p1],
        ['is_inventory', '=', true],
        ['state', '=', 'done'],
      ],
    ]);
    assert.is(moves, 1, 'one audited inventory adjustment');
    const shopItem = () => sink.inventory.slice(before).find((r) => r.endpoint === codes.shop && r.item.odoo_sku === sku1);
    const marketItem = () => sink.inventory.slice(before).find((r) => r.endpoint === codes.market && r.item.odoo_sku === sku1);
    await waitFor(() => Boolean(shopItem() && marketItem()), 'the new figure at both channels', 30_000);
    const [shop, market] = await admin.call<Array<{ id: number; availability_version: number }>>('plansync.endpoint', 'read', [
      [ids.shop, ids.market],
      ['availability_version'],
    ]);
    // Free × 50 %, whole units; on hand less 2, in dozens, under the channel's SKU.
    assert.equal(
      [shopItem()?.item.sku, shopItem()?.item.quantity, shopItem()?.item.unit],
      [sku1, Math.floor((after.quantity - after.reserved) * 0.5), 'Units'],
    );
    assert.equal(
      [marketItem()?.item.sku, marketItem()?.item.quantity, marketItem()?.item.unit],
      [`MKT-${tag}`, Math.floor((after.quantity - 2) / 12), 'Dozens'],
    );
    assert.equal(shopItem()?.item.definition, { id: ids.shop, version: shop?.availability_version ?? -1 });
    assert.equal(marketItem()?.item.definition, { id: ids.market, version: market?.availability_version ?? -1 });
    assert.is(shopItem()?.mode, 'delta');
  });

  test('a WMS shipment confirmation validates the delivery in Odoo once, even when the message arrives twice', async () => {
    const [wh] = await admin.call<Array<{ out_type_id: [number, string] }>>('stock.warehouse', 'read', [[ids.warehouse], ['out_type_id']]);
    const customers = await admin.ref('stock.stock_location_customers');
    const picking = await admin.call<number>('stock.picking', 'create', [
      {
        picking_type_id: wh?.out_type_id[0],
        location_id: ids.stock,
        location_dest_id: customers,
        move_ids: [
          [
            0,
            0,
            {
              ...(await admin.moveName('wms delivery')),
              product_id: ids.p2,
              product_uom_qty: 5,
              location_id: ids.stock,
              location_dest_id: customers,
            },
          ],
        ],
      },
    ]);
    await admin.call('stock.picking', 'action_confirm', [[picking]]);
    await admin.call('stock.picking', 'action_assign', [[picking]]);
    const [{ name } = { name: '' }] = await admin.call<Array<{ name: string }>>('stock.picking', 'read', [[picking], ['name']]);
    // Odoo → WMS: the delivery to execute, with its line.
    await waitFor(
      () => wms.events.some((e) => e.type === 'picking.changed' && e.aggregate.key === name),
      'picking.changed at the WMS',
      30_000,
    );
    const sent = wms.events.filter((e) => e.type === 'picking.changed' && e.aggregate.key === name).at(-1);
    const lines = (sent?.payload.lines ?? []) as Array<{ product: { sku: string }; quantity: number }>;
    assert.equal(
      lines.map((l) => [l.product.sku, l.quantity]),
      [[sku2, 5]],
    );

    const url = `http://127.0.0.1:${receiverPort}/wms/${codes.wms}/messages`;
    const message = {
      message_id: `ship-${tag}-1`,
      type: 'shipment_confirmed',
      picking: name,
      occurred_at: '2026-11-30T10:00:00Z',
      lines: [{ sku: sku2, quantity: 5 }],
    };
    const refused = await postMessages(url, { messages: [message] }, { secret: 'not-the-secret' });
    assert.is(refused.status, 401, 'a bad signature is refused');
    const [one, two] = await Promise.all([
      postMessages(url, { messages: [message] }, { secret: secrets.wms }),
      postMessages(url, { messages: [message] }, { secret: secrets.wms }),
    ]);
    const statuses = [one, two].map((a) => (a.body as { results?: Array<{ status: string }> }).results?.[0]?.status).sort();
    assert.equal([one.status, two.status], [200, 200], JSON.stringify([one.body, two.body]));
    assert.equal(statuses, ['applied', 'duplicate']);
    const third = await postMessages(url, message, { secret: secrets.wms });
    assert.is((third.body as { results: Array<{ status: string }> }).results[0]?.status, 'duplicate', 'and again later');
    const [done] = await admin.call<Array<{ state: string }>>('stock.picking', 'read', [[picking], ['state']]);
    assert.is(done?.state, 'done');
    const doneMoves = await admin.call<Array<{ quantity: number }>>(
      'stock.move',
      'search_read',
      [
        [
          ['picking_id', '=', picking],
          ['state', '=', 'done'],
        ],
      ],
      { fields: ['quantity'] },
    );
    assert.equal(
      doneMoves.map((m) => m.quantity),
      [5],
      'validated once',
    );
    assert.is((await quant(ids.p2)).quantity, 25);
    const backorders = await admin.call<number>('stock.picking', 'search_count', [[['backorder_id', '=', picking]]]);
    assert.is(backorders, 0);
  });

  test.run();
}
