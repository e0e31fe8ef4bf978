/**
 * The fault suite (issue 14; docs/reliability.md, "Fault scenarios"): the real agent (`plansync run`
 * in child processes) against a real Odoo 17, 18 or 19 that this suite serves itself, on a copy of the
 * tier's database, delivering to a loopback endpoint that keeps a ledger (scripts/faults/endpoint.ts).
 *
 * Each scenario prints one `FAULTS <scenario>:` line and asserts, from Odoo's outbox and the ledger:
 * nothing lost (every acknowledged row's event was applied at the endpoint, no dead letter but the
 * refused product's), nothing stuck, no double effect, nothing out of order per aggregate, the agent's
 * peak RSS under FAULTS_RSS_MB, and no exit of an agent that the suite did not cause (no crash loop).
 * Waits are bounded by counts; timeouts are safety nets only.
 *
 * Sizes: FAULTS_EVENTS (the SIGKILL scenario's events, default 4000: what fits the tier's time budget on
 * a loaded 2-core machine, see docs/reliability.md), FAULTS_KILLS (default 20), FAULTS_LOAD (events of
 * each other scenario, default 1500), FAULTS_RSS_MB (default 400).
 * Run inside the real tier: `PLANSYNC_SUITES=0 npm run test:odoo -- --odoo 17` (it sets FAULTS_ODOO_SRC,
 * FAULTS_DB and PLANSYNC_TIER_FILE).
 */
import { createConnection } from 'node:net';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FaultEndpoint } from '../../scripts/faults/endpoint.ts';
import {
  adminFor,
  Database,
  envCount,
  faultEnv,
  line,
  OdooServer,
  Scenario,
  waitUntil,
  type AgentSettings,
  type FaultEnv,
  type Figures,
} from '../../scripts/faults/harness.ts';
import { ROOT } from '../support/processes.ts';

const found = faultEnv(ROOT);
const EVENTS = envCount('FAULTS_EVENTS', 4_000, 100);
const KILLS = envCount('FAULTS_KILLS', 20);
const LOAD = envCount('FAULTS_LOAD', 1_500, 100);
const RSS_MB = envCount('FAULTS_RSS_MB', 400);
/** FAULTS_ONLY=1,5: run only these scenarios (while developing). */
const ONLY = process.env.FAULTS_ONLY ? process.env.FAULTS_ONLY.split(',').map(Number) : undefined;
/** Safety net of one wait (a scenario that needs more is stuck, and says so). */
const SAFETY_MS = 240_000;

/**
 * The agents' settings: claims of 200 in batches of 50, two requests in flight, a short lease (what a
 * killed agent held waits that long) and a request timeout of half of it (the most the agent accepts).
 */
const BASE: AgentSettings = { claimLimit: 200, leaseSeconds: 12, batchSize: 50, concurrency: 2, timeoutSeconds: 6, pollSeconds: 0.2 };

const redisUp = (): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port: 6379 });
    socket.setTimeout(1000);
    socket.once('connect', () => (socket.end(), resolve(true)));
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => (socket.destroy(), resolve(false)));
  });

/** The invariants every scenario holds. */
const holds = (f: Figures & { deadNotRefused: number; refusedNotDead: number }, agents: Scenario['agents'], ep?: FaultEndpoint): void => {
  console.log(line(f));
  if (ep && ep.examples.length > 0) console.log(`fault suite: double effects, first ones: ${JSON.stringify(ep.examples)}`);
  assert.is(f.stuck, 0, `${f.scenario}: rows still pending or claimed`);
  assert.is(f.lost, 0, `${f.scenario}: rows acknowledged without their event applied at the endpoint, or dead letters not refused`);
  assert.is(f.refusedNotDead, 0, `${f.scenario}: rows of the refused product not dead-lettered`);
  assert.is(f.endpoint.doubleEffects, 0, `${f.scenario}: an event id applied again with other content`);
  assert.is(f.endpoint.outOfOrder, 0, `${f.scenario}: an older state after a newer one for an aggregate`);
  assert.ok(f.rssPeakMb <= RSS_MB, `${f.scenario}: agent RSS peak ${f.rssPeakMb} MB above FAULTS_RSS_MB=${RSS_MB}`);
  const exits = agents.flatMap((a) => a.unexpectedExits);
  assert.equal(exits, [], `${f.scenario}: agents exited by themselves`);
};

if ('reason' in found) {
  console.log(`fault suite: not run: ${found.reason}`);
} else {
  const fenv: FaultEnv = found;
  const test = suite('fault suite on real Odoo');
  const odoo = new OdooServer(fenv);
  const db = new Database(fenv.db);
  const admin = adminFor(fenv, odoo);
  let scenario: Scenario | undefined;
  let endpoint: FaultEndpoint | undefined;

  const open = async (name: string, products: number): Promise<{ s: Scenario; ep: FaultEndpoint }> => {
    const s = new Scenario(name, fenv, odoo, admin, db);
    const ep = new FaultEndpoint({ [s.code]: s.secret });
    s.endpointUrl = await ep.start();
    await s.prepare(s.endpointUrl, products);
    scenario = s;
    endpoint = ep;
    return { s, ep };
  };

  /** Wait until `n` more rows of the endpoint are done than `from`; false when the outbox is drained first. */
  const doneAdvanced = async (s: Scenario, from: number, n: number, generating: () => boolean): Promise<boolean> => {
    let advanced = false;
    await waitUntil(
      async () => {
        const st = await s.db.states(s.code);
        if (st.done + st.dead >= from + n) return (advanced = true);
        return !generating() && st.pending + st.claimed === 0;
      },
      `${n} more rows acknowledged`,
      SAFETY_MS,
      50,
    );
    return advanced;
  };

  // uvu prints nothing of an error in a hook: say it, then fail every test
  const said = (hook: () => Promise<void>) => async () => {
    try {
      await hook();
    } catch (error) {
      console.error(`fault suite: set-up failed: ${(error as Error).stack ?? String(error)}`);
      throw error;
    }
  };

  test.before(
    said(async () => {
      await db.connect();
      // A database UUID of its own: receipts (sqlite, Redis) are keyed by it, and this is a copy of the tier's.
      await db.query("UPDATE ir_config_parameter SET value = $1 WHERE key = 'database.uuid'", [randomUUID()]);
      for (const [key, value] of [
        ['plansync.max_attempts', '50'],
        ['plansync.backoff_base_seconds', '1'],
        ['plansync.backoff_max_seconds', '5'],
      ]) {
        await db.query(
          'INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date) VALUES ($1, $2, 1, 1, now(), now()) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value',
          [key, value],
        );
      }
      await odoo.start();
      console.log(
        `fault suite: Odoo serving ${fenv.db} on ${odoo.url}; FAULTS_EVENTS=${EVENTS} FAULTS_KILLS=${KILLS} FAULTS_LOAD=${LOAD} FAULTS_RSS_MB=${RSS_MB}`,
      );
    }),
  );

  test.after.each(
    said(async () => {
      await scenario?.close();
      await endpoint?.stop();
      scenario = undefined;
      endpoint = undefined;
    }),
  );

  test.after(async () => {
    await odoo.stop();
    await db.close();
  });

  /** A scenario's test: its error printed at once (uvu prints failures only at the very end), its duration printed (information only). */
  const scenarioTest = (number: number, title: string, fn: () => Promise<void>) => {
    if (ONLY && !ONLY.includes(number)) return;
    test(`${number}. ${title}`, async () => {
      const started = Date.now();
      try {
        await fn();
      } catch (error) {
        console.error(`fault suite, scenario ${number} failed: ${(error as Error).message}`);
        throw error;
      } finally {
        console.log(`fault suite, scenario ${number}: ${Math.round((Date.now() - started) / 1000)} s`);
      }
    });
  };

  /** Wait until the endpoint has applied `n` more events than `from` (mid-claim: a claim is four requests); false when the outbox is drained first. */
  const appliedAdvanced = async (s: Scenario, ep: FaultEndpoint, from: number, n: number, generating: () => boolean): Promise<boolean> => {
    let advanced = false;
    let checks = 0;
    await waitUntil(
      async () => {
        if (ep.figures().accepted >= from + n) return (advanced = true);
        if (++checks % 20 !== 0 || generating()) return false;
        const st = await s.db.states(s.code);
        return st.pending + st.claimed === 0;
      },
      `${n} more events applied at the endpoint`,
      SAFETY_MS,
      5,
    );
    return advanced;
  };

  /**
   * Run `count` rounds of `events` more events each, and `fault` in each once half of them are
   * through: rows acknowledged in Odoo, or (given an endpoint) events applied at the endpoint, which
   * puts the fault between two requests of a claim, where a crash can re-send what was accepted.
   */
  const rounds = async (
    s: Scenario,
    count: number,
    events: number,
    fault: (round: number) => Promise<void>,
    ep?: FaultEndpoint,
  ): Promise<number> => {
    let done = 0;
    for (let round = 0; round < count; round++) {
      const st = await db.states(s.code);
      const applied = ep?.figures().accepted ?? 0;
      let generating = true;
      const generator = s.generate(events).finally(() => (generating = false));
      const half = Math.max(1, Math.floor(events / 2));
      const advanced = ep
        ? await appliedAdvanced(s, ep, applied, half, () => generating)
        : await doneAdvanced(s, st.done + st.dead, half, () => generating);
      if (advanced) {
        await fault(round);
        done += 1;
      }
      await generator;
    }
    return done;
  };

  scenarioTest(1, `SIGKILL at least ${KILLS} times during ${EVENTS} events`, async () => {
    const { s, ep } = await open('kill', Math.min(2000, Math.max(100, Math.floor(EVENTS / 4))));
    const agent = s.agent('a', BASE);
    agent.start();
    const perRound = Math.max(10, Math.ceil((EVENTS - (await s.captured())) / KILLS));
    const kills = await rounds(
      s,
      KILLS,
      perRound,
      async () => {
        await agent.kill();
        agent.start();
      },
      ep,
    );
    const drained = await s.drained(SAFETY_MS);
    const f = await s.account(ep, new Set(), { kills, drained: String(drained) });
    holds(f, s.agents, ep);
    assert.ok(kills >= KILLS, `only ${kills} kills (FAULTS_KILLS=${KILLS})`);
    // A kill may re-send only what was in flight: at most `concurrency` batches the endpoint had accepted.
    const bound = kills * BASE.concurrency * BASE.batchSize;
    assert.ok(
      f.endpoint.redelivered <= bound,
      `re-deliveries after ${kills} kills: ${f.endpoint.redelivered}, more than the batches in flight (${bound})`,
    );
  });

  scenarioTest(2, 'SIGTERM under load: leases released at once, another agent continues within one poll', async () => {
    const { s, ep } = await open('sigterm', Math.min(1000, Math.floor(LOAD / 4)));
    // A slow endpoint (1 s a request), so that the agent cannot keep up with the changes and the stop
    // comes with rows pending, whatever the machine's speed.
    ep.latencyMs = 1000;
    const long = { ...BASE, leaseSeconds: 600 };
    const a = s.agent('a', long);
    a.start();
    let generating = true;
    const generator = s.generate(LOAD).finally(() => (generating = false));
    await doneAdvanced(s, 0, Math.floor(LOAD / 4), () => generating);
    const code = await a.terminate();
    const [held] = await db.query<{ claimed: string; late: string; pending: string }>(
      `SELECT count(*) FILTER (WHERE o.state = 'claimed') AS claimed,
              count(*) FILTER (WHERE o.state = 'pending' AND o.next_attempt_at > (now() AT TIME ZONE 'UTC') + interval '1 second') AS late,
              count(*) FILTER (WHERE o.state = 'pending') AS pending
         FROM plansync_outbox o JOIN plansync_endpoint e ON e.id = o.endpoint_id WHERE e.code = $1`,
      [s.code],
    );
    // With a lease of 600 s, anything the first agent still held would keep the second one waiting past every safety net.
    const b = s.agent('b', long);
    b.start();
    await generator;
    const drained = await s.drained(SAFETY_MS);
    const f = await s.account(ep, new Set(), {
      'exit code': String(code),
      'held after exit': Number(held?.claimed),
      'pending after exit': Number(held?.pending),
      'released for later than 1 s': Number(held?.late),
      drained: String(drained),
    });
    holds(f, s.agents, ep);
    assert.is(code, 0, 'the agent exits 0 after SIGTERM');
    assert.is(Number(held?.claimed), 0, 'rows still held under a lease after the agent exited');
    assert.is(Number(held?.late), 0, 'rows released with a delay longer than one poll (1 s)');
    assert.ok(Number(held?.pending) > 0, 'the stop came under load (rows pending at exit)');
  });

  scenarioTest(3, 'Odoo stopped and restarted under load', async () => {
    const { s, ep } = await open('odoo-restart', Math.min(1000, Math.floor(LOAD / 4)));
    const agent = s.agent('a', BASE);
    agent.start();
    const signals = ['SIGTERM', 'SIGKILL', 'SIGKILL'] as const;
    const restarts = await rounds(s, signals.length, Math.floor(LOAD / signals.length), async (round) => {
      await odoo.stop(signals[round]);
      await sleep(1500); // down for a while (coverage only: nothing below depends on it)
      await odoo.start();
    });
    const drained = await s.drained(SAFETY_MS);
    const f = await s.account(ep, new Set(), { 'Odoo restarts (SIGTERM, SIGKILL, SIGKILL)': restarts, drained: String(drained) });
    holds(f, s.agents, ep);
    assert.is(restarts, signals.length, 'every restart came under load');
  });

  scenarioTest(4, 'PostgreSQL connections terminated mid-claim and mid-ack', async () => {
    const { s, ep } = await open('pg-terminate', Math.min(1000, Math.floor(LOAD / 4)));
    // A slow endpoint (300 ms a request) keeps the agent delivering most of the time, so that a lock
    // taken while it delivers catches its ack, and one taken right after an ack catches its next claim.
    ep.latencyMs = 300;
    const agent = s.agent('a', BASE);
    agent.start();
    const terminated = { claim: 0, ack: 0 };
    const want = 10;
    let generating = false;
    let generator: Promise<void> = Promise.resolve();
    let spent = 0;
    let misses = 0;
    // Each round: changes keep coming; pick the moment (while a delivery is under way for an ack, at
    // once for a claim), lock the outbox, terminate the claim or ack that waits for it, then let the
    // agent acknowledge a few rows (terminating everything would stop the flow, not test it).
    /** Changes keep coming: a new round of them whenever the last one is written. */
    const keepGenerating = (): void => {
      if (generating || spent >= 20 * LOAD) return;
      generating = true;
      spent += Math.floor(LOAD / 4);
      generator = s.generate(Math.floor(LOAD / 4)).finally(() => (generating = false));
    };
    while ((terminated.claim < want || terminated.ack < want) && spent < 20 * LOAD && misses < 10) {
      keepGenerating();
      const wantAck = terminated.ack < want && (terminated.ack <= terminated.claim || terminated.claim >= want);
      if (wantAck) {
        const arrivals = ep.figures().arrivals;
        await waitUntil(
          () => {
            keepGenerating();
            return ep.figures().arrivals > arrivals;
          },
          'a delivery under way',
          SAFETY_MS,
          2,
        );
      }
      const wanted = new Set<'claim' | 'ack'>();
      if (terminated.claim < want) wanted.add('claim');
      if (terminated.ack < want) wanted.add('ack');
      const kind = await db.terminateWhileLocked(20_000, wanted);
      if (!kind) {
        misses += 1;
        continue;
      }
      terminated[kind] += 1;
      console.log(`fault suite, scenario 4: terminated ${terminated.claim} claims and ${terminated.ack} acks`);
      const st = await s.db.states(s.code);
      await doneAdvanced(s, st.done + st.dead, 20, () => generating);
    }
    await generator;
    const drained = await s.drained(SAFETY_MS);
    const f = await s.account(ep, new Set(), {
      'terminated mid-claim': terminated.claim,
      'mid-ack': terminated.ack,
      drained: String(drained),
    });
    holds(f, s.agents, ep);
    assert.ok(
      terminated.claim >= want && terminated.ack >= want,
      `terminated ${terminated.claim} claims and ${terminated.ack} acks, wanted ${want} of each`,
    );
  });

  scenarioTest(5, 'endpoint storms: 503 and 429 with Retry-After, hanging past the timeout, one product refused for good', async () => {
    const { s, ep } = await open('endpoint-storms', Math.min(500, Math.floor(LOAD / 8)));
    const refusedProduct = s.products[0] ?? 0;
    ep.refuse((e) => e.aggregate.id === refusedProduct);
    const settings = { ...BASE, leaseSeconds: 10, timeoutSeconds: 2 };
    const agent = s.agent('a', settings);
    agent.start();
    const faults: Array<[string, () => void]> = [
      ['a 503 storm', () => ep.failNext(40, 503, { 'retry-after': '1' })],
      ['a 429 storm', () => ep.failNext(40, 429, { 'retry-after': '1' })],
      ['hangs past the timeout', () => ep.hangNext(6, settings.timeoutSeconds * 3000)],
    ];
    for (const [what, arm] of faults) {
      arm();
      let generating = true;
      const generator = s.generate(Math.floor(LOAD / 3)).finally(() => (generating = false));
      await waitUntil(async () => ep.scriptedLeft === 0 || (!generating && (await s.drained(1))), `${what} served`, SAFETY_MS);
      await generator;
      assert.is(ep.scriptedLeft, 0, `${what}: not all served`);
    }
    const drained = await s.drained(SAFETY_MS);
    const f = await s.account(ep, new Set([refusedProduct]), {
      '503/429 served': ep.failuresServed,
      'hangs served': ep.hangsServed,
      'requests refused (422)': ep.refusedRequests,
      drained: String(drained),
    });
    holds(f, s.agents, ep);
    assert.ok(f.dead > 0, 'the refused product has dead letters');
  });

  scenarioTest(6, 'three agents on one endpoint with a shared state store (Redis), one killed repeatedly', async () => {
    if (!(await redisUp())) {
      console.log('fault suite, scenario 6: not run: no Redis on 127.0.0.1:6379 (the shared state store it needs)');
      return;
    }
    const { s, ep } = await open('three-agents', Math.min(1000, Math.floor(LOAD / 4)));
    const shared = { ...BASE, state: 'redis://127.0.0.1:6379' };
    const agents = ['a', 'b', 'c'].map((n) => s.agent(n, shared));
    for (const a of agents) a.start();
    const c = agents[2];
    const count = 6;
    const kills = await rounds(
      s,
      count,
      Math.floor(LOAD / 4),
      async () => {
        await c?.kill();
        c?.start();
      },
      ep,
    );
    const drained = await s.drained(SAFETY_MS);
    const f = await s.account(ep, new Set(), { 'kills of one agent': kills, drained: String(drained) });
    holds(f, s.agents, ep);
    assert.is(kills, count, 'every kill came under load');
  });

  test.run();
}
