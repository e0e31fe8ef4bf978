/**
 * The fault suite's harness (test/faults/faults.real.ts, `npm run test:faults`): an Odoo served by
 * the suite itself (so that it can stop and restart it), agents run as the real CLI (`plansync run`)
 * in child processes, a generator of business changes through Odoo's ORM over JSON-RPC, a direct
 * PostgreSQL connection to count the outbox and to terminate Odoo's connections, and the accounting
 * of one scenario (docs/reliability.md, "Fault scenarios").
 *
 * Nothing here measures time for an assertion: waits are bounded by counts, with timeouts only as
 * safety nets that fail the scenario with what was still missing.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { codeVariable } from '../../agent/config.ts';
import { startCli, type Running } from '../../test/support/processes.ts';
import { OdooAdmin, type Tier, type TierFile } from '../../test/support/odoo-real.ts';
import type { EndpointFigures } from './endpoint.ts';

export interface FaultEnv {
  /** Odoo source tree (odoo-bin). */
  readonly src: string;
  /** The database this suite serves and may break: a copy of the tier's, with its users and keys. */
  readonly db: string;
  readonly python: string;
  readonly tierFile: TierFile;
  readonly addons: string;
}

/** The suite's environment, or why it cannot run (it runs inside `npm run test:odoo`). */
export const faultEnv = (root: string): FaultEnv | { reason: string } => {
  const { FAULTS_ODOO_SRC, FAULTS_DB, PLANSYNC_TIER_FILE } = process.env;
  if (!FAULTS_ODOO_SRC || !FAULTS_DB || !PLANSYNC_TIER_FILE) {
    return {
      reason:
        'FAULTS_ODOO_SRC, FAULTS_DB and PLANSYNC_TIER_FILE are set by scripts/test-odoo.sh (run `PLANSYNC_SUITES=0 npm run test:odoo -- --odoo 17`)',
    };
  }
  return {
    src: FAULTS_ODOO_SRC,
    db: FAULTS_DB,
    python: process.env.ODOO_PYTHON ?? '/usr/bin/python3',
    tierFile: JSON.parse(readFileSync(PLANSYNC_TIER_FILE, 'utf8')) as TierFile,
    addons: `${FAULTS_ODOO_SRC}/addons,${FAULTS_ODOO_SRC}/odoo/addons,${join(root, 'odoo_addon')}`,
  };
};

/** A number from the environment, or the default; refuses anything else with the name and the value. */
export const envCount = (name: string, fallback: number, min = 1): number => {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name}: must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
  return value;
};

const waitUntil = async (predicate: () => Promise<boolean> | boolean, what: string, timeoutMs: number, everyMs = 100): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await predicate()) return;
    if (Date.now() > deadline) throw new Error(`safety timeout (${Math.round(timeoutMs / 1000)} s) waiting for ${what}`);
    await sleep(everyMs);
  }
};

/** Odoo served by the suite on its own port: started, stopped (SIGTERM or SIGKILL) and started again. */
export class OdooServer {
  readonly port = 20000 + Math.floor(Math.random() * 20000);
  readonly url = `http://127.0.0.1:${this.port}`;
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  log = '';

  constructor(private readonly env: FaultEnv) {}

  async start(): Promise<void> {
    const child = spawn(
      this.env.python,
      [
        join(this.env.src, 'odoo-bin'),
        '-d',
        this.env.db,
        '--db_host=',
        `--addons-path=${this.env.addons}`,
        '--http-interface=127.0.0.1',
        `--http-port=${this.port}`,
        '--max-cron-threads=0',
        '--log-level=warn',
        '--db-filter',
        `^${this.env.db}$`,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (c: Buffer) => {
      this.log = (this.log + c.toString()).slice(-20_000);
    });
    this.child = child;
    this.exited = new Promise((resolve) => child.on('exit', () => resolve()));
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`Odoo exited at start (${child.exitCode}): ${this.log.slice(-2000)}`);
        try {
          const r = await fetch(`${this.url}/web/webclient/version_info`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: '{}',
          });
          return r.ok;
        } catch {
          return false;
        }
      },
      'Odoo to answer',
      120_000,
      250,
    );
  }

  async stop(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.child || this.child.exitCode !== null) return;
    this.child.kill(signal);
    await Promise.race([this.exited, sleep(20_000)]);
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await this.exited;
    }
  }
}

/** A direct connection to the database: the outbox's accounting and the connection terminator. */
export class Database {
  private readonly client: pg.Client;
  constructor(readonly name: string) {
    this.client = new pg.Client({
      host: process.env.PGHOST ?? '/var/run/postgresql',
      user: process.env.PGUSER ?? userInfo().username,
      database: name,
    });
  }
  connect = () => this.client.connect();
  close = () => this.client.end();
  async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.client.query<T>(sql, params)).rows;
  }
  /** Outbox rows of an endpoint per state. */
  async states(code: string): Promise<Record<'pending' | 'claimed' | 'done' | 'dead', number>> {
    const rows = await this.query<{ state: string; n: string }>(
      'SELECT o.state, count(*) AS n FROM plansync_outbox o JOIN plansync_endpoint e ON e.id = o.endpoint_id WHERE e.code = $1 GROUP BY o.state',
      [code],
    );
    const out = { pending: 0, claimed: 0, done: 0, dead: 0 };
    for (const r of rows) out[r.state as keyof typeof out] = Number(r.n);
    return out;
  }
  /**
   * Terminate a claim or an ack mid-statement, deterministically: take the outbox table's EXCLUSIVE lock
   * in a transaction of this connection (plain reads go on; `SELECT … FOR UPDATE` and writes wait), wait
   * until an Odoo backend runs a claim's row locking or an ack's (or nack's) that waits for that lock,
   * terminate it if it is of a kind in `want`, then roll back. One of the other kind is let through (the
   * lock is dropped and taken again at once: an ack is followed by the agent's next claim). Returns which
   * kind was terminated, or undefined after `timeoutMs`.
   * Captures waiting meanwhile (other statements) are left alone: they go on once the lock is gone.
   */
  async terminateWhileLocked(timeoutMs: number, want: ReadonlySet<'claim' | 'ack'>): Promise<'claim' | 'ack' | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await this.query('BEGIN');
      let other = false;
      try {
        await this.query('LOCK TABLE plansync_outbox IN EXCLUSIVE MODE');
        while (Date.now() < deadline && !other) {
          // Inside a transaction PostgreSQL keeps the first view of pg_stat_activity: drop it each time.
          await this.query('SELECT pg_stat_clear_snapshot()');
          const rows = await this.query<{ pid: number; query: string }>(
            "SELECT pid, query FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state = 'active' AND wait_event_type = 'Lock'",
            [this.name],
          );
          for (const row of rows) {
            const kind = CLAIM_SQL.test(row.query) ? 'claim' : ACK_SQL.test(row.query) ? 'ack' : undefined;
            if (!kind) continue;
            if (!want.has(kind)) {
              other = true; // let it through, lock again at once: an ack is followed by the next claim
              continue;
            }
            const [done] = await this.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [row.pid]);
            if (done?.ok) return kind;
          }
          if (!other) await sleep(5);
        }
      } finally {
        await this.query('ROLLBACK');
      }
    }
    return undefined;
  }
}

/**
 * Statements of the claim (odoo_addon/plansync/models/plansync_outbox.py `_lock_open_rows`) and of the
 * ack (`_held`, `_ack`), told by their beginning: pg_stat_activity keeps only the first 1024 bytes of a
 * query (track_activity_query_size), and the claim's keys come before its `SKIP LOCKED`.
 */
const CLAIM_SQL = /AS wh, o\.state, o\.next_attempt_at|SET state = 'claimed'/i;
const ACK_SQL = /SET state = 'done'|claim_head_id = ANY|SET state = 'pending'/i;

export interface AgentSettings {
  readonly claimLimit: number;
  readonly leaseSeconds: number;
  readonly batchSize: number;
  readonly concurrency: number;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  /** `sqlite://…` (default: a file of its own per agent name) or `redis://…`. */
  readonly state?: string;
}

/** One agent: `plansync run` as a child process, its RSS sampled, its exits counted. */
export class AgentProcess {
  private running: Running | undefined;
  /** Exits that this harness did not cause (a crash, an exit on its own). */
  unexpectedExits: string[] = [];
  /** Highest VmHWM (peak resident set) seen over all of its runs, in kB. */
  rssPeakKb = 0;
  starts = 0;
  private sampler: NodeJS.Timeout | undefined;
  private expectingExit = false;
  stderrTail = '';

  constructor(
    readonly name: string,
    private readonly env: Readonly<Record<string, string>>,
  ) {}

  get pid(): number | undefined {
    return this.running?.child.pid;
  }

  get alive(): boolean {
    return this.running !== undefined && this.running.child.exitCode === null && this.running.child.signalCode === null;
  }

  start(): void {
    if (this.alive) return;
    this.starts += 1;
    this.expectingExit = false;
    const running = startCli(['run'], this.env);
    this.running = running;
    const sample = () => {
      const pid = running.child.pid;
      if (!pid) return;
      try {
        const status = readFileSync(`/proc/${pid}/status`, 'utf8');
        const hwm = /VmHWM:\s+(\d+)/.exec(status);
        if (hwm) this.rssPeakKb = Math.max(this.rssPeakKb, Number(hwm[1]));
      } catch {
        // gone
      }
    };
    this.sampler = setInterval(sample, 200);
    void running.finished.then((f) => {
      clearInterval(this.sampler);
      this.stderrTail = (f.stderr + f.stdout).slice(-3000);
      if (!this.expectingExit)
        this.unexpectedExits.push(`${this.name} exited by itself (code ${f.code}, signal ${f.signal}): ${this.stderrTail.slice(-600)}`);
    });
  }

  private sampleNow(): void {
    const pid = this.running?.child.pid;
    if (!pid) return;
    try {
      const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (hwm) this.rssPeakKb = Math.max(this.rssPeakKb, Number(hwm[1]));
    } catch {
      // gone
    }
  }

  /** SIGKILL: no grace at all. */
  async kill(): Promise<void> {
    if (!this.running || !this.alive) return;
    this.sampleNow();
    this.expectingExit = true;
    this.running.child.kill('SIGKILL');
    await this.running.finished;
  }

  /** SIGTERM, then wait for the exit; returns its code. */
  async terminate(timeoutMs = 60_000): Promise<number | null> {
    if (!this.running || !this.alive) return null;
    this.sampleNow();
    this.expectingExit = true;
    this.running.child.kill('SIGTERM');
    const finished = await Promise.race([this.running.finished, sleep(timeoutMs).then(() => undefined)]);
    if (!finished) {
      this.running.child.kill('SIGKILL');
      throw new Error(`${this.name} did not stop within ${timeoutMs / 1000} s of SIGTERM`);
    }
    return finished.code;
  }
}

/** What one scenario prints and asserts. */
export interface Figures {
  readonly scenario: string;
  readonly captured: number;
  readonly delivered: number;
  readonly acknowledged: number;
  readonly dead: number;
  readonly stuck: number;
  readonly lost: number;
  readonly endpoint: EndpointFigures;
  readonly rssPeakMb: number;
  readonly agentStarts: number;
  readonly extra: Readonly<Record<string, number | string>>;
}

export const line = (f: Figures): string =>
  `FAULTS ${f.scenario}: captured ${f.captured}, delivered ${f.delivered}, acknowledged ${f.acknowledged}, ` +
  `duplicated (double effects) ${f.endpoint.doubleEffects}, out of order ${f.endpoint.outOfOrder}, stuck ${f.stuck}, lost ${f.lost}, ` +
  `dead letters ${f.dead}; raw re-deliveries ${f.endpoint.redelivered} (same Idempotency-Key ${f.endpoint.redeliveredSameKey}, another ${f.endpoint.redeliveredNewKey}); ` +
  `agent RSS peak ${f.rssPeakMb} MB over ${f.agentStarts} starts` +
  Object.entries(f.extra)
    .map(([k, v]) => `; ${k} ${v}`)
    .join('');

/**
 * One scenario's world: an endpoint in Odoo subscribed to product.changed, its fault endpoint,
 * the products whose changes it receives, and the agents that serve it.
 */
export class Scenario {
  readonly code: string;
  readonly secret = randomBytes(16).toString('hex');
  readonly dir = mkdtempSync(join(tmpdir(), 'plansync-faults-'));
  readonly agents: AgentProcess[] = [];
  products: number[] = [];

  constructor(
    readonly name: string,
    readonly fenv: FaultEnv,
    readonly odoo: OdooServer,
    readonly admin: OdooAdmin,
    readonly db: Database,
  ) {
    this.code = `FAULT-${name.toUpperCase()}-${process.pid}`;
  }

  /** The endpoint in Odoo (the only active one) and `count` products, created in one call each per 500. */
  async prepare(url: string, products: number): Promise<void> {
    await this.admin.deactivateAllEndpoints();
    await this.admin.createEndpoint({ code: this.code, url, eventTypes: ['product.changed'] });
    const storable = await this.admin.storable();
    for (let start = 0; start < products; start += 500) {
      const vals = Array.from({ length: Math.min(500, products - start) }, (_, i) => ({
        name: `${this.name} ${start + i}`,
        default_code: `${this.code}-${start + i}`,
        ...storable,
      }));
      const ids = await this.admin.call<number[] | number>('product.product', 'create', [vals]);
      this.products.push(...(Array.isArray(ids) ? ids : [ids]));
    }
  }

  agent(name: string, settings: AgentSettings): AgentProcess {
    const config = join(this.dir, `${name}.json`);
    writeFileSync(
      config,
      JSON.stringify({
        claim_limit: settings.claimLimit,
        lease_seconds: settings.leaseSeconds,
        poll_seconds: settings.pollSeconds,
        reconcile: { every_hours: 0 },
        odoo: { timeout_seconds: 20 },
        endpoints: {
          [this.code]: { batch_size: settings.batchSize, concurrency: settings.concurrency, timeout_seconds: settings.timeoutSeconds },
        },
      }),
    );
    const v = codeVariable(this.code);
    const agent = new AgentProcess(name, {
      ODOO_URL: this.odoo.url,
      ODOO_DB: this.fenv.db,
      ODOO_LOGIN: this.fenv.tierFile.integration.login,
      ODOO_API_KEY: this.fenv.tierFile.integration.api_key,
      PLANSYNC_CONFIG: config,
      PLANSYNC_CONSUMER: `${this.code}-${name}`,
      PLANSYNC_STATE: settings.state ?? `sqlite://${join(this.dir, `${name}.sqlite`)}`,
      PLANSYNC_PLANNER: 'off',
      PLANSYNC_LOG_LEVEL: 'warn',
      [`PLANSYNC_SECRET_${v}`]: this.secret,
      [`PLANSYNC_ENDPOINT_URL_${v}`]: url(this),
    });
    this.agents.push(agent);
    return agent;
  }

  endpointUrl = '';

  /**
   * Business changes: renames of up to `chunk` products per call (one transaction each, the ORM's
   * write), round after round through the products, until the outbox holds `more` rows more than
   * when called. A call that fails (Odoo stopped, its connection terminated) is tried again; whether
   * it committed is read from the outbox.
   */
  async generate(more: number, chunk = 500): Promise<void> {
    const total = (await this.captured()) + more;
    let failures = 0;
    for (;;) {
      const captured = await this.captured();
      if (captured >= total) return;
      const start = this.cursor % this.products.length;
      const ids = this.products.slice(start, start + Math.min(chunk, total - captured));
      try {
        await this.admin.call('product.product', 'write', [ids, { name: `${this.name} r${this.round}` }]);
        failures = 0;
      } catch (error) {
        failures += 1;
        if (failures > 600) throw new Error(`the generator failed 600 times in a row: ${(error as Error).message}`);
        await sleep(200);
        continue;
      }
      this.cursor += ids.length;
      this.round += 1;
    }
  }

  private cursor = 0;
  private round = 0;

  async captured(): Promise<number> {
    const s = await this.db.states(this.code);
    return s.pending + s.claimed + s.done + s.dead;
  }

  /** Wait until no row of the endpoint is pending or claimed (safety timeout: the figures say what is stuck). */
  async drained(timeoutMs: number): Promise<boolean> {
    try {
      await waitUntil(
        async () => {
          const s = await this.db.states(this.code);
          return s.pending + s.claimed === 0;
        },
        'the outbox to drain',
        timeoutMs,
        250,
      );
      return true;
    } catch {
      return false;
    }
  }

  /**
   * The accounting, from Odoo's outbox and the endpoint's ledger:
   * - lost: rows acknowledged (done) whose event (the head of their last claim) the endpoint never
   *   applied, plus dead letters that were not refused on purpose;
   * - stuck: rows still pending or claimed.
   */
  async account(
    endpoint: { figures(): EndpointFigures; acceptedIds(): ReadonlySet<number> },
    refusedProducts: ReadonlySet<number> = new Set(),
    extra: Record<string, number | string> = {},
  ): Promise<Figures & { deadNotRefused: number; refusedNotDead: number }> {
    const rows = await this.db.query<{ id: number; state: string; head: number | null; product: number }>(
      'SELECT o.id, o.state, o.claim_head_id AS head, o.aggregate_id AS product FROM plansync_outbox o JOIN plansync_endpoint e ON e.id = o.endpoint_id WHERE e.code = $1',
      [this.code],
    );
    const accepted = endpoint.acceptedIds();
    let lost = 0;
    let stuck = 0;
    let dead = 0;
    let deadNotRefused = 0;
    let refusedNotDead = 0;
    const ackedEvents = new Set<number>();
    for (const r of rows) {
      if (r.state === 'pending' || r.state === 'claimed') stuck += 1;
      if (r.state === 'done') {
        ackedEvents.add(r.head ?? r.id);
        if (!accepted.has(r.head ?? r.id)) lost += 1;
      }
      if (r.state === 'dead') {
        dead += 1;
        if (!refusedProducts.has(r.product)) deadNotRefused += 1;
      } else if (refusedProducts.has(r.product)) refusedNotDead += 1;
    }
    const rss = Math.max(0, ...this.agents.map((a) => a.rssPeakKb));
    return {
      scenario: this.name,
      captured: rows.length,
      delivered: accepted.size,
      acknowledged: ackedEvents.size,
      dead,
      stuck,
      lost: lost + deadNotRefused,
      endpoint: endpoint.figures(),
      rssPeakMb: Math.round(rss / 1024),
      agentStarts: this.agents.reduce((n, a) => n + a.starts, 0),
      extra,
      deadNotRefused,
      refusedNotDead,
    };
  }

  async close(): Promise<void> {
    for (const agent of this.agents) await agent.kill();
    await this.admin.deactivateAllEndpoints().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const url = (s: Scenario): string => s.endpointUrl;

export const adminFor = (fenv: FaultEnv, odoo: OdooServer): OdooAdmin => {
  const tier: Tier = { url: odoo.url, db: fenv.db, file: fenv.tierFile };
  return new OdooAdmin(tier);
};

export { waitUntil };
