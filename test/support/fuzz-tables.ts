/**
 * "Nothing half-written" on a real Odoo: a fingerprint of the tables the contract's methods write,
 * read straight from PostgreSQL (the tier's database, local socket), compared before and after
 * hostile calls.
 *
 * Every `plansync_*` table and the small business tables get a full checksum (row count and md5 of
 * every row in id order); the large ones (`stock_move`, `stock_move_line`, whatever has more than
 * 5,000 rows) get count, highest id and latest `write_date`, which any insert, delete or ORM write
 * changes.
 */
import { userInfo } from 'node:os';
import pg from 'pg';

const BUSINESS = [
  'sale_order',
  'sale_order_line',
  'purchase_order',
  'purchase_order_line',
  'stock_picking',
  'stock_move',
  'stock_move_line',
  'stock_quant',
  'stock_lot',
  'stock_warehouse_orderpoint',
  'procurement_group',
  'stock_reference',
];
const LARGE = 5000;

export class TableFingerprints {
  private readonly client: pg.Client;
  private queries: Array<{ table: string; sql: string }> = [];

  constructor(database: string) {
    this.client = new pg.Client({
      database,
      host: process.env.PGHOST ?? '/var/run/postgresql',
      user: process.env.PGUSER ?? userInfo().username,
    });
  }

  async start(): Promise<void> {
    await this.client.connect();
    const { rows } = await this.client.query<{ table: string; has_id: boolean; has_write_date: boolean; rows: string }>(
      `SELECT c.relname AS table,
              EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = c.relname AND column_name = 'id') AS has_id,
              EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = c.relname AND column_name = 'write_date') AS has_write_date,
              c.reltuples::bigint::text AS rows
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND (c.relname LIKE 'plansync\\_%' OR c.relname = ANY($1))
        ORDER BY c.relname`,
      [BUSINESS],
    );
    this.queries = rows.map(({ table, has_id: hasId, has_write_date: hasWriteDate, rows: estimate }) => {
      const quoted = `"${table}"`;
      if (Number(estimate) > LARGE && hasId) {
        return {
          table,
          sql: `SELECT count(*)::text || ':' || coalesce(max(id), 0)::text || ':' || ${hasWriteDate ? `coalesce(max(write_date)::text, '')` : `''`} AS f FROM ${quoted}`,
        };
      }
      const order = hasId ? 't.id' : 't::text';
      return {
        table,
        sql: `SELECT count(*)::text || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY ${order})), '') AS f FROM ${quoted} t`,
      };
    });
  }

  /** Table → fingerprint. */
  async take(): Promise<Map<string, string>> {
    const result = new Map<string, string>();
    for (const { table, sql } of this.queries) {
      const { rows } = await this.client.query<{ f: string }>(sql);
      result.set(table, rows[0]?.f ?? '');
    }
    return result;
  }

  /** The tables that differ between two fingerprints, except `allowed`. */
  static changed(before: Map<string, string>, after: Map<string, string>, allowed: readonly string[] = []): string[] {
    return [...after.keys()].filter((table) => !allowed.includes(table) && before.get(table) !== after.get(table));
  }

  get tables(): string[] {
    return this.queries.map((q) => q.table);
  }

  async stop(): Promise<void> {
    await this.client.end();
  }
}
