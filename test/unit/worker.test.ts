/**
 * The endpoint pipeline (agent/pipeline/worker.ts) against the stand-in's model, in process,
 * with a scripted target: what gets delivered, acked, parked, released and never delivered twice.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Envelope } from '../../shared-types/index.ts';
import { TargetError } from '../../agent/errors.ts';
import { PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { EndpointWorker, type WorkerOptions } from '../../agent/pipeline/worker.ts';
import { retryPolicy } from '../../agent/retry.ts';
import { GROUPS, StandinOdoo } from '../../agent/standin/model.ts';
import { openStateStore, type StateStore } from '../../agent/state/store.ts';
import type { DeliveryOutcome, Target } from '../../agent/targets/target.ts';
import { silentLogger } from '../../agent/telemetry/log.ts';
import { FakeClock, settle, until } from '../support/clock.ts';
import { InProcessTransport, networkDown } from '../support/inprocess.ts';

class ScriptedTarget implements Target {
  readonly code = 'WH-HOOK';
  readonly batches: Envelope[][] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** `during`: what happens while a request is under way (advance a clock, stop the worker, yield a few turns). */
  constructor(
    private readonly answer: (batch: readonly Envelope[]) => DeliveryOutcome = (batch) => ({
      delivered: batch.map((e) => e.id),
      rejected: [],
      failed: [],
    }),
    private readonly during?: (batch: readonly Envelope[]) => Promise<void>,
  ) {}
  async deliver(events: readonly Envelope[]): Promise<DeliveryOutcome> {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.during) await this.during(events);
      this.batches.push([...events]);
      return this.answer(events);
    } finally {
      this.inFlight -= 1;
    }
  }
  get deliveredIds(): number[] {
    return this.batches.flat().map((e) => e.id);
  }
  close(): void {}
}

interface World {
  odoo: StandinOdoo;
  transport: InProcessTransport;
  state: StateStore;
  products: number[];
  worker: (target: Target, options?: Partial<WorkerOptions>) => EndpointWorker;
}

const FAST_SETTLE = retryPolicy({ limit: 1, backoffBaseMs: 1, backoffLimitMs: 1 });

/**
 * A target that answers some batches at once and holds the others until the delivery is aborted
 * (an endpoint that hangs): `hold(batch)` decides. It records every request as it arrives.
 */
class HoldingTarget implements Target {
  readonly code = 'WH-HOOK';
  readonly arrived: Envelope[][] = [];
  readonly inFlight = new Set<number>();
  private readonly hold: (batch: readonly Envelope[], index: number) => boolean;
  constructor(hold: (batch: readonly Envelope[], index: number) => boolean) {
    this.hold = hold;
  }
  async deliver(events: readonly Envelope[], signal?: AbortSignal): Promise<DeliveryOutcome> {
    const index = this.arrived.length;
    this.arrived.push([...events]);
    const ids = events.map((e) => e.id);
    if (!this.hold(events, index)) return { delivered: ids, rejected: [], failed: [] };
    for (const id of ids) this.inFlight.add(id);
    await new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
    for (const id of ids) this.inFlight.delete(id);
    return { delivered: [], rejected: [], failed: [{ ids, error: new TargetError('ERR_TIMEOUT', 'transient', 'WH-HOOK: aborted') }] };
  }
  get arrivedIds(): number[] {
    return this.arrived.flat().map((e) => e.id);
  }
  close(): void {}
}

const world = async (productCount: number, clock?: FakeClock): Promise<World> => {
  const odoo = new StandinOdoo(clock?.now);
  const user = odoo.addUser('agent', [GROUPS.integration]);
  odoo.addEndpoint({ code: 'WH-HOOK', eventTypes: new Set(['product.changed']) });
  const products = Array.from({ length: productCount }, (_, i) => odoo.addProduct({ name: `P${i}`, sku: `SKU-${i}` }).id);
  const transport = new InProcessTransport(odoo, user);
  const state = await openStateStore({
    url: 'memory://',
    database: odoo.database.uuid,
    receiptTtlMs: 3_600_000,
    ...(clock ? { clock: clock.now } : {}),
  });
  return {
    odoo,
    transport,
    state,
    products,
    worker: (target, options = {}) =>
      new EndpointWorker({
        endpoint: 'WH-HOOK',
        consumer: 'test',
        odoo: new PlanSyncOdoo(transport),
        target,
        state,
        claimLimit: 100,
        leaseSeconds: 30,
        batchSize: 4,
        concurrency: 2,
        rateLimit: 0,
        logger: silentLogger(),
        settlePolicy: FAST_SETTLE,
        ...(clock ? { clock: clock.now, sleep: clock.sleep } : {}),
        ...options,
      }),
  };
};

const test = suite('pipeline worker');

test('delivers every claimed event in batches of batch_size and acks them', async () => {
  const w = await world(10);
  const target = new ScriptedTarget();
  const result = await w.worker(target).pass();
  assert.is(result.claimed, 10);
  assert.is(result.delivered, 10);
  assert.equal(target.batches.map((b) => b.length).sort(), [2, 4, 4]);
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 0, claimed: 0, done: 10, dead: 0 });
  const receipts = await w.state.receipts('WH-HOOK', target.deliveredIds);
  assert.is(receipts.size, 10, 'a receipt per delivered event');
});

test('never more deliveries in flight than the endpoint concurrency', async () => {
  const w = await world(24);
  const target = new ScriptedTarget(undefined, () => settle(3));
  await w.worker(target, { concurrency: 2, batchSize: 2 }).pass();
  assert.is(target.batches.length, 12);
  assert.is(target.maxInFlight, 2);
});

test('a crash between delivery and ack does not deliver again: the receipt acks it on the next claim', async () => {
  const clock = new FakeClock();
  const w = await world(3, clock);
  const target = new ScriptedTarget();
  w.transport.fault = (_model, method) => (method === 'ack' ? networkDown() : undefined);
  try {
    await w.worker(target, { leaseSeconds: 1 }).pass();
    assert.unreachable('the pass fails when Odoo cannot take the ack');
  } catch (error) {
    assert.is((error as { code?: string }).code, 'ERR_NETWORK');
  }
  assert.is(target.deliveredIds.length, 3, 'delivered once');
  assert.is(w.odoo.countByState('WH-HOOK').claimed, 3, 'still held under the lost lease');
  // The agent restarts (a new worker, the same state store); the lease expires; Odoo is back.
  w.transport.fault = undefined;
  await clock.advance(1100);
  const again = new ScriptedTarget();
  const result = await w.worker(again).pass();
  assert.is(result.claimed, 3);
  assert.is(result.skipped, 3, 'recognised from the receipts');
  assert.is(again.batches.length, 0, 'nothing delivered a second time');
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 0, claimed: 0, done: 3, dead: 0 });
});

test('a batch accepted before a crash is never delivered again, although another batch of its claim was still in flight', async () => {
  // limit 100, batch 50, concurrency 2: the endpoint answers the first request at once and holds the second.
  const clock = new FakeClock();
  const w = await world(100, clock);
  let putReceipts = 0;
  const put = w.state.putReceipts.bind(w.state);
  w.state.putReceipts = async (endpoint, entries) => {
    putReceipts += 1;
    await put(endpoint, entries);
  };
  const first = new HoldingTarget((_batch, index) => index === 1);
  // A killed process runs no timer: its abort at 90% of the lease never comes.
  const crashed = w.worker(first, {
    claimLimit: 100,
    batchSize: 50,
    concurrency: 2,
    leaseSeconds: 30,
    sleep: () => new Promise<void>(() => undefined),
  });
  void crashed.pass(); // never awaited: the process "dies" while the second batch hangs
  await until(() => first.arrived.length === 2 && putReceipts === 1, 'the first batch answered and its receipts written');
  const accepted = first.arrived[0]?.map((e) => e.id) ?? [];
  assert.is(accepted.length, 50);
  assert.is(
    (await w.state.receipts('WH-HOOK', accepted)).size,
    50,
    "the first batch's receipts are in the store before the claim has settled",
  );
  // kill -9: nothing more of that process runs. Its lease expires; a new agent on the same state store claims.
  await clock.advance(31_000);
  const second = new HoldingTarget(() => false);
  const result = await w.worker(second, { claimLimit: 100, batchSize: 50, concurrency: 2, leaseSeconds: 30 }).pass();
  assert.is(result.claimed, 100);
  assert.is(result.skipped, 50, 'the accepted batch is recognised by its receipts');
  assert.is(result.delivered, 50);
  assert.not.ok(
    second.arrivedIds.some((id) => accepted.includes(id)),
    'no event of the accepted batch reaches the endpoint again',
  );
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 0, claimed: 0, done: 100, dead: 0 });
  crashed.abortDeliveries(); // let the abandoned pass end (its ack is refused: the lease is gone)
});

test('a delivery still in flight is never handed to another attempt: it is aborted and released before the lease expires', async () => {
  // An endpoint that hangs until the agent gives up; lease 30 s, request timeout 10 s.
  const clock = new FakeClock();
  const w = await world(4, clock);
  let holding = true;
  const inFlightAggregates = new Map<number, number>();
  const violations: string[] = [];
  const lastSequence = new Map<number, number>();
  const target = new HoldingTarget((batch) => {
    for (const e of batch) {
      const last = lastSequence.get(e.aggregate.id);
      if (last !== undefined && e.sequence <= last) violations.push(`aggregate ${e.aggregate.id}: sequence ${e.sequence} after ${last}`);
      lastSequence.set(e.aggregate.id, e.sequence);
    }
    return holding;
  });
  const tracked: Target = {
    code: 'WH-HOOK',
    deliver: async (events, signal) => {
      for (const e of events)
        if ((inFlightAggregates.get(e.aggregate.id) ?? 0) > 0)
          violations.push(`aggregate ${e.aggregate.id} delivered while an earlier delivery of it is in flight`);
      const held = holding;
      if (held) for (const e of events) inFlightAggregates.set(e.aggregate.id, (inFlightAggregates.get(e.aggregate.id) ?? 0) + 1);
      try {
        return await target.deliver(events, signal);
      } finally {
        if (held) for (const e of events) inFlightAggregates.set(e.aggregate.id, (inFlightAggregates.get(e.aggregate.id) ?? 0) - 1);
      }
    },
    close: () => undefined,
  };
  const options = { leaseSeconds: 30, requestTimeoutMs: 10_000, batchSize: 2, concurrency: 2, sleep: clock.sleep };
  const a = w.worker(tracked, { ...options, consumer: 'agent-a' });
  const b = w.worker(tracked, { ...options, consumer: 'agent-b' });
  let settledA = false;
  const passA = a.pass().finally(() => {
    settledA = true;
  });
  await until(() => target.inFlight.size === 4, 'both batches of agent A hang at the endpoint');
  holding = false; // from now on the endpoint answers at once
  assert.is((await b.pass()).claimed, 0, 'in flight: not handed to agent B');
  await clock.advance(26_000);
  assert.is((await b.pass()).claimed, 0, 'still in flight at 26 s');
  await clock.advance(1_000); // 90% of the lease: A gives up
  await until(() => settledA, 'agent A aborted its deliveries and released their events at 90% of the lease');
  const resultA = await passA;
  assert.is(target.inFlight.size, 0, 'nothing of A is in flight any more');
  assert.is(resultA.released, 4, 'released under its own lease');
  assert.is(resultA.delivered, 0);
  assert.match(resultA.error?.message ?? '', /aborted after 27 s: the lease of 30 s was running out/);
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 4, claimed: 0, done: 0, dead: 0 });
  await clock.advance(4_000); // 31 s: the lease would have expired here
  assert.is((await b.pass()).claimed, 0, "released with Odoo's backoff, not yet due");
  await clock.advance(10_000);
  const resultB = await b.pass();
  assert.is(resultB.delivered, 4, 'delivered by B once due');
  assert.equal(violations, [], 'no aggregate delivered while in flight, no sequence going backwards');
  assert.is(target.arrived.length, 4, 'two hung requests of A, two answered requests of B');
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 0, claimed: 0, done: 4, dead: 0 });
});

test('a request timeout above half the lease is refused at start, naming both values', () => {
  const error = (() => {
    try {
      new EndpointWorker({
        endpoint: 'WH-HOOK',
        consumer: 't',
        odoo: {} as PlanSyncOdoo,
        target: new ScriptedTarget(),
        state: {} as StateStore,
        claimLimit: 10,
        leaseSeconds: 30,
        requestTimeoutMs: 20_000,
        batchSize: 1,
        concurrency: 1,
        rateLimit: 0,
        logger: silentLogger(),
      });
    } catch (thrown) {
      return thrown as Error & { code?: string };
    }
    return undefined;
  })();
  assert.is(error?.code, 'ERR_CONFIG');
  assert.match(
    error?.message ?? '',
    /endpoint WH-HOOK: its request timeout 20 s \(timeout_seconds.*\) must be at most half of the lease 30 s \(lease_seconds/,
  );
});

test('a delivery does not start when a whole request timeout no longer fits before the abort', async () => {
  const clock = new FakeClock();
  const w = await world(4, clock);
  let advanced = false;
  const target = new ScriptedTarget((batch) => ({ delivered: batch.map((e) => e.id), rejected: [], failed: [] }));
  const slow: Target = {
    code: 'WH-HOOK',
    deliver: async (events) => {
      if (!advanced) {
        advanced = true;
        await clock.advance(18_000); // the first request took 18 s: 27 s - 18 s leaves less than the 10 s timeout
      }
      return target.deliver(events);
    },
    close: () => undefined,
  };
  const result = await w
    .worker(slow, { leaseSeconds: 30, requestTimeoutMs: 10_000, batchSize: 2, concurrency: 1, sleep: clock.sleep })
    .pass();
  assert.is(result.delivered, 2);
  assert.is(result.released, 2, 'the second batch is released, not started');
  assert.is(target.batches.length, 1);
});

test('30 refusals of our credentials in a row never make a dead letter; the endpoint pauses, and the events go out once it accepts again', async () => {
  const clock = new FakeClock();
  const w = await world(3, clock);
  let refusing = true;
  const target = new ScriptedTarget((batch) =>
    refusing
      ? {
          delivered: [],
          rejected: [],
          failed: [
            {
              ids: batch.map((e) => e.id),
              error: new TargetError(
                'ERR_TARGET_UNAVAILABLE',
                'config',
                'WH-HOOK: HTTP 401: bad signature (check the endpoint URL and PLANSYNC_SECRET_<CODE>)',
                { status: 401 },
              ),
            },
          ],
        }
      : { delivered: batch.map((e) => e.id), rejected: [], failed: [] },
  );
  const worker = w.worker(target, { batchSize: 10, random: () => 0 });
  const endpoint = [...w.odoo.endpoints.values()][0];
  const pauses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const result = await worker.pass();
    assert.is(result.claimed, 3, `probe ${i + 1} claims the events again`);
    assert.is(result.released, 3);
    assert.is(result.error?.status, 401);
    assert.ok(result.pausedForMs !== undefined, 'the endpoint is paused');
    pauses.push(result.pausedForMs);
    // While paused, no claim at all: every loop of the endpoint waits.
    const calls = w.transport.calls.length;
    const paused = await worker.pass();
    assert.is(paused.claimed, 0);
    assert.is(paused.pausedForMs, result.pausedForMs);
    assert.is(w.transport.calls.length, calls, 'Odoo is not called while paused');
    for (const batch of target.batches) for (const e of batch) assert.is(e.attempt, 1, 'no attempt spent');
    await clock.advance(result.pausedForMs);
  }
  assert.equal(pauses.slice(0, 6), [30_000, 60_000, 120_000, 240_000, 300_000, 300_000], 'bounded backoff between probes');
  assert.ok(
    pauses.every((ms) => ms <= 300_000),
    'never more than 5 minutes',
  );
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 3, claimed: 0, done: 0, dead: 0 }, 'no dead letter after 30 refusals');
  assert.ok(endpoint?.blockedSince !== false, 'Odoo shows the endpoint as paused');
  assert.match(endpoint?.blockedReason ?? '', /HTTP 401: bad signature/);
  assert.is(endpoint?.messages.filter((m) => m.includes('paused')).length, 1, 'the admins are told once');
  refusing = false;
  const result = await worker.pass();
  assert.is(result.delivered, 3, 'the events go out once the endpoint accepts again');
  assert.is(result.pausedForMs, undefined);
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 0, claimed: 0, done: 3, dead: 0 });
  assert.is(endpoint?.blockedSince, false, 'cleared by the delivery');
  assert.ok(endpoint?.messages.some((m) => m.includes('resumed')));
  const next = await worker.pass();
  assert.is(next.pausedForMs, undefined, 'no longer paused');
});

test('a pause probes with one batch; a transient failure still spends attempts', async () => {
  const clock = new FakeClock();
  const w = await world(12, clock);
  const target = new ScriptedTarget((batch) => ({
    delivered: [],
    rejected: [],
    failed: [{ ids: batch.map((e) => e.id), error: new TargetError('ERR_TARGET_UNAVAILABLE', 'config', 'HTTP 403', { status: 403 }) }],
  }));
  const worker = w.worker(target, { batchSize: 4, random: () => 0 });
  assert.is((await worker.pass()).claimed, 12);
  await clock.advance(30_000);
  assert.is((await worker.pass()).claimed, 4, 'a probe claims one batch');
  const transient = new ScriptedTarget((batch) => ({
    delivered: [],
    rejected: [],
    failed: [{ ids: batch.map((e) => e.id), error: new TargetError('ERR_TARGET_UNAVAILABLE', 'transient', 'HTTP 503', { status: 503 }) }],
  }));
  await clock.advance(60_000);
  const result = await w.worker(transient, { batchSize: 4 }).pass();
  assert.is(result.pausedForMs, undefined, 'a 503 does not pause the endpoint');
  assert.ok(
    [...w.odoo.outbox.values()].every((r) => r.attempts === 1),
    'the 503 spent one attempt, the refusals none',
  );
});

test("ack and nack check the caller's company: another company's integration user holding the lease changes nothing", async () => {
  const w = await world(2);
  const other = w.odoo.addCompany('Company B');
  const intruder = new PlanSyncOdoo(new InProcessTransport(w.odoo, w.odoo.addUser('agent-b', [GROUPS.integration], [other])));
  const owner = new PlanSyncOdoo(w.transport);
  const claim = await owner.claim('WH-HOOK', 10, 30, 'owner');
  const ids = claim.events.map((e) => (e as { id: number }).id);
  assert.is(ids.length, 2);
  assert.is(await intruder.ack(claim.lease, ids), 0, 'not acknowledged');
  assert.is(await intruder.nack(claim.lease, ids, 'x', 0, 'final'), 0, 'not parked');
  assert.is(await intruder.nack(claim.lease, ids, 'x', 0, 'blocked'), 0, 'not released');
  assert.equal(w.odoo.countByState('WH-HOOK'), { pending: 0, claimed: 2, done: 0, dead: 0 });
  assert.is([...w.odoo.endpoints.values()][0]?.blockedSince, false);
  assert.is(await owner.ack(claim.lease, ids), 2, "its own company's agent acknowledges them");
});

test('a batch writes its receipts in one call to the state store', async () => {
  const w = await world(10);
  const calls: number[] = [];
  const put = w.state.putReceipts.bind(w.state);
  w.state.putReceipts = async (endpoint, entries) => {
    calls.push(entries.length);
    await put(endpoint, entries);
  };
  await w.worker(new ScriptedTarget(), { batchSize: 4 }).pass();
  assert.equal(calls.sort(), [2, 4, 4], 'one call per batch, with all of its events');
});

test('events the endpoint refuses are parked with its reason; the rest is delivered', async () => {
  const w = await world(5);
  const refusedId = [...w.odoo.outbox.values()][2]?.id ?? 0;
  const target = new ScriptedTarget((batch) => ({
    delivered: batch.map((e) => e.id).filter((id) => id !== refusedId),
    rejected: batch.some((e) => e.id === refusedId) ? [{ id: refusedId, reason: 'HTTP 422: unit "crate" unknown' }] : [],
    failed: [],
  }));
  const result = await w.worker(target).pass();
  assert.is(result.delivered, 4);
  assert.is(result.parked, 1);
  const dead = w.odoo.outbox.get(refusedId);
  assert.is(dead?.state, 'dead');
  assert.is(dead?.lastError, 'HTTP 422: unit "crate" unknown');
  assert.is(w.odoo.countByState('WH-HOOK').done, 4);
});

test('an event that fails validation is parked with a reason naming the field and the value', async () => {
  const w = await world(2);
  const bad = w.products[1] ?? 0;
  const product = w.odoo.products.get(bad);
  if (product) product.standard_price = Number.NaN; // the renderer writes what it finds; JSON turns NaN into null
  const target = new ScriptedTarget();
  const result = await w.worker(target).pass();
  assert.is(result.parked, 1);
  assert.is(result.delivered, 1);
  const row = [...w.odoo.outbox.values()].find((r) => r.resId === bad);
  assert.is(row?.state, 'dead');
  assert.match(row?.lastError ?? '', /invalid event: payload of product\.changed: standard_price: .*\(got null\)/);
  assert.not.ok(target.deliveredIds.includes(row?.id ?? -1), 'never sent to the endpoint');
});

test('a transient delivery failure releases the events for the time the endpoint asked', async () => {
  const clock = new FakeClock();
  const w = await world(2, clock);
  const target = new ScriptedTarget((batch) => ({
    delivered: [],
    rejected: [],
    failed: [
      {
        ids: batch.map((e) => e.id),
        error: new TargetError('ERR_TARGET_UNAVAILABLE', 'transient', 'HTTP 503', { status: 503, retryAfter: 120 }),
      },
    ],
  }));
  const result = await w.worker(target).pass();
  assert.is(result.released, 2);
  assert.is(result.error?.status, 503);
  for (const row of w.odoo.outbox.values()) {
    assert.is(row.state, 'pending');
    assert.is(row.nextAttemptAt, clock.now() + 120_000, 'retry after 120 s');
    assert.match(row.lastError, /HTTP 503/);
  }
});

test('after stop() no new delivery starts; what was claimed is released at once for another agent', async () => {
  const w = await world(8);
  const holder: { worker?: EndpointWorker } = {};
  // The stop comes while the first request is under way.
  const target = new ScriptedTarget(undefined, () => {
    holder.worker?.stop();
    return Promise.resolve();
  });
  const worker = w.worker(target, { concurrency: 1, batchSize: 2 });
  holder.worker = worker;
  const result = await worker.pass();
  assert.is(result.delivered, 2, 'the delivery under way finishes');
  assert.is(result.delivered + result.released, 8, 'the rest released');
  const counts = w.odoo.countByState('WH-HOOK');
  assert.is(counts.claimed, 0, 'nothing left held');
  assert.is(counts.done, result.delivered);
  assert.is(await worker.pass().then((r) => r.claimed), 0, 'a stopped worker claims nothing');
});

test('deliveries that cannot start before 80% of the lease are released, not delivered late', async () => {
  const clock = new FakeClock();
  const w = await world(6, clock);
  // Each request takes 500 ms of a 1 s lease: the third would start after 80% of it.
  const target = new ScriptedTarget(undefined, () => clock.advance(500));
  const result = await w.worker(target, { concurrency: 1, batchSize: 2, leaseSeconds: 1, sleep: clock.sleep }).pass();
  assert.is(result.delivered, 4, 'delivered within the lease');
  assert.is(result.released, 2);
  assert.is(w.odoo.countByState('WH-HOOK').claimed, 0);
  // never tried: released with `released`, so the claim's attempt is given back (a livelock of releases
  // under load once wore events down to dead letters)
  const pending = [...w.odoo.outbox.values()].filter((r) => r.state === 'pending');
  assert.is(pending.length, 2);
  assert.equal(
    pending.map((r) => [r.attempts, r.lastError]),
    pending.map(() => [0, 'released: the agent is stopping or the lease is running out']),
  );
});

test('the counters report what happened, for the heartbeat', async () => {
  const w = await world(3);
  const worker = w.worker(new ScriptedTarget());
  await worker.pass();
  const stats = worker.counters.snapshot();
  assert.is(stats.delivered, 3);
  assert.is(stats.parked, 0);
  assert.ok(stats.per_minute >= 3);
  assert.type(stats.last_delivery_at, 'string');
});

test.run();
