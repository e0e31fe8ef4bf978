/**
 * The agent's state on keyv: delivery receipts (so that a crash between "delivered" and "acked"
 * does not deliver again) and checkpoints of long-running streams.
 *
 * Adapters, chosen by URL: `sqlite://<path>` (embedded default, one agent), `redis://…` or
 * `postgres://…` (several agents share receipts), `memory://` (tests, demos).
 *
 * Receipts are keyed by Odoo's database UUID, the endpoint and the event id: event ids restart in a
 * new database, and a receipt of another database must never make an event look delivered.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Keyv from 'keyv';
import { ConfigError, PlanSyncError } from '../errors.ts';

export interface Receipt {
  /** When the target confirmed the delivery (ISO time). */
  readonly deliveredAt: string;
  /** The event's sequence, as delivered. */
  readonly sequence: number;
  /** Which agent delivered it. */
  readonly consumer: string;
}

export interface StateStore {
  /** The receipts held for these event ids of one endpoint. */
  receipts(endpoint: string, ids: readonly number[]): Promise<Map<number, Receipt>>;
  /** Record deliveries; resolves once the store has them. */
  putReceipts(endpoint: string, entries: ReadonlyArray<{ readonly id: number; readonly receipt: Receipt }>): Promise<void>;
  getCheckpoint<T>(name: string): Promise<T | undefined>;
  setCheckpoint<T>(name: string, value: T): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Adapter URL (see above). */
  readonly url: string;
  /** Odoo's database UUID: part of every key. */
  readonly database: string;
  /** How long a receipt is kept, in ms. */
  readonly receiptTtlMs: number;
  /** The clock a receipt's age is measured with (ms since the epoch). Default `Date.now`. */
  readonly clock?: () => number;
}

const stateError = (message: string, cause: unknown) => new PlanSyncError('ERR_STATE', 'transient', message, { cause });

const openKeyv = async (url: string): Promise<Keyv> => {
  const scheme = url.slice(0, url.indexOf('://'));
  switch (scheme) {
    case 'memory':
      return new Keyv();
    case 'sqlite': {
      const { default: KeyvSqlite } = await import('@keyv/sqlite');
      const path = resolve(url.slice('sqlite://'.length) || '.plansync/state.sqlite');
      mkdirSync(dirname(path), { recursive: true });
      return new Keyv({ store: withBatchedWrites(new KeyvSqlite({ uri: `sqlite://${path}`, busyTimeout: 10_000 })) });
    }
    case 'redis':
    case 'rediss': {
      const { default: KeyvRedis } = await import('@keyv/redis');
      return new Keyv({ store: new KeyvRedis(url) });
    }
    case 'postgres':
    case 'postgresql': {
      const { default: KeyvPostgres } = await import('@keyv/postgres');
      return new Keyv({ store: new KeyvPostgres({ uri: url }) });
    }
    default:
      throw new ConfigError(`state: unknown store ${JSON.stringify(url)}: use sqlite://, redis://, postgres:// or memory://`);
  }
};

interface SqliteStore {
  readonly opts: { readonly table: string };
  query(sql: string, ...parameters: unknown[]): Promise<unknown>;
  setMany?: (entries: ReadonlyArray<{ key: string; value: unknown }>) => Promise<boolean[]>;
}

/**
 * @keyv/sqlite has no `setMany`: keyv then writes each entry as its own statement, that is its own
 * transaction and fsync (about 1.4 ms per receipt, issue 13). One upsert over a JSON array writes a
 * batch's receipts in one statement, one transaction. The redis adapter already writes a batch in one
 * MULTI and the postgres adapter in one INSERT … UNNEST.
 */
export const withBatchedWrites = <S extends object>(store: S): S => {
  const sqlite = store as unknown as SqliteStore;
  sqlite.setMany = async (entries) => {
    if (entries.length === 0) return [];
    // `WHERE true` lets SQLite parse the upsert clause after a SELECT (https://sqlite.org/lang_upsert.html).
    await sqlite.query(
      `INSERT INTO ${sqlite.opts.table} (key, value) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?) WHERE true
       ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      JSON.stringify(entries.map(({ key, value }) => [key, value])),
    );
    return entries.map(() => true);
  };
  return store;
};

const openPerUrl = new Map<string, number>();
/** How long after its own expiry a receipt may stay in the store before the adapter collects it. */
const GRACE_MS = 60 * 60 * 1000;

export const openStateStore = async (options: StoreOptions): Promise<StateStore> => {
  const keyv = await openKeyv(options.url);
  openPerUrl.set(options.url, (openPerUrl.get(options.url) ?? 0) + 1);
  keyv.namespace = 'plansync';
  let storeError: unknown;
  keyv.on('error', (error: unknown) => {
    storeError = error;
  });
  const key = (endpoint: string, id: number) => `receipt:${options.database}:${endpoint}:${id}`;
  // A receipt carries its own expiry, read with the injected clock: the adapters' TTL (native in Redis,
  // checked with Date.now by keyv elsewhere) only collects what is long expired.
  const clock = options.clock ?? Date.now;
  const guard = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      const result = await fn();
      if (storeError !== undefined) {
        const error = storeError instanceof Error ? storeError : new Error(JSON.stringify(storeError));
        storeError = undefined;
        throw error;
      }
      return result;
    } catch (thrown) {
      // keyv reports an adapter's own error as an 'error' event and answers `false`: prefer that error.
      const error: unknown = storeError ?? thrown;
      storeError = undefined;
      throw stateError(`state store (${options.url.replace(/\/\/[^@/]*@/, '//***@')}): ${what} failed: ${(error as Error).message}`, error);
    }
  };
  return {
    receipts: (endpoint, ids) =>
      guard('reading receipts', async () => {
        const found = new Map<number, Receipt>();
        if (ids.length === 0) return found;
        const values = await keyv.getMany<Receipt & { expiresAt?: number }>(ids.map((id) => key(endpoint, id)));
        const now = clock();
        ids.forEach((id, index) => {
          const value = values[index];
          if (!value || (value.expiresAt !== undefined && value.expiresAt <= now)) return;
          const { expiresAt: _expiresAt, ...receipt } = value;
          found.set(id, receipt);
        });
        return found;
      }),
    putReceipts: (endpoint, entries) =>
      guard('writing receipts', async () => {
        if (entries.length === 0) return;
        // Adapters differ: some answer a boolean per entry, @keyv/redis answers nothing; errors arrive as 'error' events.
        const expiresAt = clock() + options.receiptTtlMs;
        const results: unknown = await keyv.setMany(
          entries.map(({ id, receipt }) => ({
            key: key(endpoint, id),
            value: { ...receipt, expiresAt },
            ttl: options.receiptTtlMs + GRACE_MS,
          })),
        );
        if (Array.isArray(results) && results.some((ok) => ok === false)) throw new Error('the store refused a receipt');
      }),
    getCheckpoint: <T>(name: string) => guard(`reading checkpoint ${name}`, () => keyv.get<T>(`checkpoint:${options.database}:${name}`)),
    setCheckpoint: (name, value) =>
      guard(`writing checkpoint ${name}`, async () => {
        await keyv.set(`checkpoint:${options.database}:${name}`, value);
      }),
    close: async () => {
      // @keyv/postgres keeps one connection pool per process, shared by every store of the same URL,
      // and ends it on the first disconnect: only the last store of a URL may disconnect.
      const left = (openPerUrl.get(options.url) ?? 1) - 1;
      openPerUrl.set(options.url, left);
      if (left <= 0 || !/^postgres(ql)?:/.test(options.url)) await keyv.disconnect();
    },
  };
};
