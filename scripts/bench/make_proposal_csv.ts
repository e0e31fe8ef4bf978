/**
 * Writes the same N purchase proposals twice: as the agent's CSV (docs/csv.md) and as a CSV of
 * plansync.proposal's fields for Odoo's own import (base_import). Usage:
 *   tsx scripts/bench/make_proposal_csv.ts <lines> <products> <warehouse code> <warehouse name> <agent.csv> <base_import.csv>
 */
import { writeFileSync } from 'node:fs';

const [n = '100000', productCount = '2000', whCode = 'WH', whName = 'WH', agentFile = 'agent.csv', baseFile = 'base.csv'] =
  process.argv.slice(2);
const lines = Number(n);
const products = Number(productCount);
const agent = ['external_id,kind,sku,warehouse,vendor,quantity,need_by,reason'];
const base = ['external_id,kind,source,revision,product_id,warehouse_id,vendor_id,quantity,need_by,reason'];
for (let i = 0; i < lines; i++) {
  const product = i % products;
  const vendor = product % 2 === 0 ? 'BV-A' : 'BV-B';
  const vendorName = product % 2 === 0 ? 'Bench vendor A' : 'Bench vendor B';
  const quantity = 5 + (i % 50);
  const day = String(1 + (i % 28)).padStart(2, '0');
  agent.push(`BENCH-${i},purchase,BP-${product},${whCode},${vendor},${quantity},2027-01-${day},bench`);
  base.push(`BENCH-${i},purchase,bench-base-import,1,BP-${product},${whName},${vendorName},${quantity},2027-01-${day},bench`);
}
writeFileSync(agentFile, `${agent.join('\n')}\n`);
writeFileSync(baseFile, `${base.join('\n')}\n`);
console.log(`wrote ${lines} lines to ${agentFile} and ${baseFile}`);
