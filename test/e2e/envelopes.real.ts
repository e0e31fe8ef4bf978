/**
 * The same business facts give the same envelopes on every Odoo version (issue 12): on the version the
 * real tier is serving, a fixed scenario (a product, its vendor terms, a receipt, a delivery) is
 * captured for a fresh endpoint, claimed over the integration user's transport, and the envelopes are
 * written to `$PLANSYNC_ENVELOPES_DIR/odoo-<major>.json`. After every version ran,
 * `scripts/compare-envelopes.ts` compares the files (ids, sequences, times and picking names aside).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { createTransport } from '../../agent/odoo/index.ts';
import { OdooAdmin, liveTier, realHarness } from '../support/odoo-real.ts';

const tier = liveTier();
const TYPES = ['product.changed', 'vendor_terms.changed', 'stock.level', 'picking.changed'] as const;

if ('reason' in tier) {
  console.log(`cross-version envelopes: not run: ${tier.reason}`);
} else {
  const test = suite('the same business facts give the same envelopes on every Odoo version');
  const admin = new OdooAdmin(tier);
  const harness = realHarness(tier, admin);

  test('a product, its vendor terms, a receipt and a delivery, claimed as envelopes', async () => {
    const major = await admin.serverMajor();
    const code = await harness.createEndpoint([...TYPES]);
    const warehouse = await admin.mainWarehouse();
    const storable = await admin.storable();
    const vendor = await admin.call<number>('res.partner', 'create', [{ name: 'Envelope Vendor', ref: 'ENV-V' }]);
    // a category of its own: Odoo 19 gives new products none, 17 and 18 give them "All"
    const category = await admin.call<number>('product.category', 'create', [{ name: 'Envelope furniture' }]);
    const product = await admin.call<number>('product.product', 'create', [
      { name: 'Envelope chair', default_code: 'ENV-CHAIR', categ_id: category, list_price: 120, weight: 7.5, ...storable },
    ]);
    const [{ product_tmpl_id: [template] } = { product_tmpl_id: [0] }] = await admin.call<Array<{ product_tmpl_id: [number, string] }>>(
      'product.product',
      'read',
      [[product], ['product_tmpl_id']],
    );
    await admin.call('product.supplierinfo', 'create', [
      { partner_id: vendor, product_tmpl_id: template, min_qty: 12, price: 40, delay: 9, product_code: 'V-CHAIR' },
    ]);
    await admin.validate(await admin.receive(warehouse.id, [{ product, quantity: 30 }]));
    await admin.deliver(warehouse.id, [{ product, quantity: 4 }]);

    const odoo = new PlanSyncOdoo(createTransport('jsonrpc', harness.integration()));
    const envelopes: unknown[] = [];
    try {
      for (;;) {
        const claim = await odoo.claim(code, 500, 60, 'envelopes');
        if (claim.events.length === 0) break;
        envelopes.push(...claim.events);
        await odoo.ack(
          claim.lease,
          (claim.events as Array<{ id: number }>).map((e) => e.id),
        );
      }
    } finally {
      await odoo.close();
      await harness.deactivateEndpoint(code);
    }
    const types = new Set(envelopes.map((e) => (e as { type: string }).type));
    for (const type of TYPES) assert.ok(types.has(type), `a ${type} envelope was captured on Odoo ${major} (got ${[...types].join(', ')})`);
    const dir = process.env.PLANSYNC_ENVELOPES_DIR;
    if (dir) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `odoo-${major}.json`), JSON.stringify(envelopes, null, 1));
    }
  });

  test.run();
}
