/**
 * The contract suite (docs/contract.md): one set of tests, run against the in-process stand-in
 * (standin.test.ts, in `npm test`) and against a real Odoo 17 (odoo.real.ts, in `npm run test:odoo`),
 * over every transport each server speaks. A test that passes on the stand-in and fails on Odoo is a
 * bug in the stand-in.
 *
 * Each run works on its own endpoint and products, so runs do not see each other's events.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { setTimeout as sleep } from 'node:timers/promises';
import { validateEnvelope, type EnvelopeBase } from '../../shared-types/index.ts';
import type { PlanSyncError } from '../../agent/errors.ts';
import { NACK_PARAMS, PlanSyncOdoo } from '../../agent/odoo/client.ts';
import { createTransport } from '../../agent/odoo/index.ts';
import type { OdooConnection, TransportName } from '../../agent/odoo/port.ts';

export interface ContractHarness {
  readonly label: string;
  integration(): OdooConnection;
  planner(): OdooConnection;
  /** A fresh active endpoint of the integration user's company, subscribed to `eventTypes` (default product.changed). */
  createEndpoint(eventTypes?: readonly string[]): Promise<string>;
  /** A fresh active endpoint of a company the integration user does not belong to. */
  createForeignEndpoint(): Promise<string>;
  /** Create products (captured as product.changed); returns their ids. */
  createProducts(count: number, prefix: string): Promise<number[]>;
  /** Rename products in one committed change each. */
  renameProducts(ids: readonly number[], name: string): Promise<void>;
  setMaxAttempts(value: number): Promise<void>;
  deactivateEndpoint(code: string): Promise<void>;
  /** The warehouse that planning lines of the tests name: the main warehouse of the integration user's company. */
  warehouse(): Promise<{ readonly id: number; readonly code: string }>;
  /**
   * Storable products with an Internal Reference, each with terms of one new vendor (its Reference,
   * minimum quantity, price): what proposals need.
   */
  createVendorProducts(count: number, prefix: string, terms: { readonly minQty: number; readonly price: number }): Promise<VendorProducts>;
  /** Done customer deliveries from `warehouse()`: `quantities[i]` of `productIds[i]` (stock is received first). */
  makeDeliveries(productIds: readonly number[], quantities: readonly number[]): Promise<void>;
  /** Row states of an endpoint's outbox, as Odoo sees them. */
  states(code: string): Promise<Record<'pending' | 'claimed' | 'done' | 'dead', number>>;
}

export interface VendorProducts {
  readonly products: ReadonlyArray<{ readonly id: number; readonly sku: string }>;
  readonly vendor: { readonly ref: string; readonly name: string };
}

const CONSUMER_A = 'contract-a';
const CONSUMER_B = 'contract-b';

/** Whether a result holds null or undefined anywhere (Odoo must send false instead). */
export const hasNull = (value: unknown): boolean => {
  if (value === null || value === undefined) return true;
  if (Array.isArray(value)) return value.some(hasNull);
  if (typeof value === 'object') return Object.values(value as Record<string, unknown>).some(hasNull);
  return false;
};

/** The error a call fails with (the test fails when it succeeds). */
export const rejects = async (promise: Promise<unknown>): Promise<PlanSyncError> => {
  try {
    await promise;
  } catch (error) {
    return error as PlanSyncError;
  }
  return assert.unreachable('expected the call to fail') as never;
};

const envelopes = (events: readonly unknown[]): EnvelopeBase[] =>
  events.map((raw) => {
    const checked = validateEnvelope(raw);
    if (!checked.ok) assert.unreachable(`invalid envelope: ${checked.reason}`);
    return raw as EnvelopeBase;
  });

/** Claim everything of an endpoint and ack it, so that a test starts from an empty outbox. */
const drain = async (odoo: PlanSyncOdoo, code: string): Promise<void> => {
  for (let i = 0; i < 50; i++) {
    const claim = await odoo.claim(code, 1000, 30, CONSUMER_A);
    if (claim.events.length === 0) return;
    await odoo.ack(
      claim.lease,
      envelopes(claim.events).map((e) => e.id),
    );
  }
};

export const registerContractSuite = (
  harness: ContractHarness,
  transport: TransportName,
  options: { readonly finally?: () => Promise<void> } = {},
): void => {
  const test = suite(`contract on ${harness.label} over ${transport}`);
  const odoo = new PlanSyncOdoo(createTransport(transport, harness.integration()));
  const odooB = new PlanSyncOdoo(createTransport(transport, harness.integration()));
  let code = '';

  test.before(async () => {
    code = await harness.createEndpoint();
  });
  test.before.each(async () => {
    await drain(odoo, code);
  });
  test.after(async () => {
    await harness.deactivateEndpoint(code);
    await odoo.close();
    await odooB.close();
    await options.finally?.();
  });

  test('heartbeat returns the configuration with the endpoint and its backlog, and no null anywhere', async () => {
    const [id] = await harness.createProducts(1, `hb-${transport}`);
    assert.ok(id);
    const result = await odoo.heartbeat(`${CONSUMER_A}-${transport}`, {
      version: '0.0.0-test',
      host: 'test',
      pid: 1,
      started_at: '2026-01-01T00:00:00Z',
      mode: 'run',
      endpoints: {},
    });
    assert.not.ok(hasNull(result), 'no null in the heartbeat result');
    assert.ok(result.user.groups.includes('plansync.group_plansync_integration'), 'the caller is in the integration group');
    assert.ok(result.database.uuid.length > 0, 'the database has a uuid');
    const keys = (result as { api_keys?: Array<{ name: string; expires: string | false }> }).api_keys;
    assert.ok(Array.isArray(keys) && keys.length >= 1, "the caller's API keys are listed");
    for (const key of keys ?? [])
      assert.ok(key.expires === false || /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(key.expires), `expiry ${String(key.expires)}`);
    const endpoint = result.endpoints.find((e) => e.code === code);
    assert.ok(endpoint, `endpoint ${code} is listed`);
    assert.ok(endpoint.event_types.includes('product.changed'));
    assert.ok((endpoint.pending ?? 0) >= 1, 'the pending change is counted');
    assert.ok((endpoint.lag_seconds ?? -1) >= 0);
  });

  test('claim hands out valid envelopes, at most `limit`, with increasing sequences and no null', async () => {
    const ids = await harness.createProducts(5, `claim-${transport}`);
    const claim = await odoo.claim(code, 3, 30, CONSUMER_A);
    assert.not.ok(hasNull(claim), 'no null in the claim result');
    assert.ok(claim.lease.length > 0, 'a lease is returned with events');
    const events = envelopes(claim.events);
    assert.is(events.length, 3);
    for (const e of events) {
      assert.is(e.endpoint, code);
      assert.is(e.type, 'product.changed');
      assert.is(e.aggregate.model, 'product.product');
      assert.ok(ids.includes(e.aggregate.id), 'an event of this test');
      assert.is(e.attempt, 1);
    }
    assert.is(new Set(events.map((e) => e.sequence)).size, 3, 'distinct sequences');
    assert.is(
      await odoo.ack(
        claim.lease,
        events.map((e) => e.id),
      ),
      3,
    );
    const rest = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.is(rest.events.length, 2, 'the other two come next');
    const restEvents = envelopes(rest.events);
    assert.ok(
      Math.min(...restEvents.map((e) => e.sequence)) > Math.max(...events.map((e) => e.sequence)),
      'later claims get higher sequences',
    );
    await odoo.ack(
      rest.lease,
      restEvents.map((e) => e.id),
    );
    const empty = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.equal(empty, { lease: '', events: [] }, 'nothing left: empty lease, no events');
  });

  test('several changes of one record coalesce into one event carrying the latest state; its ack closes them all', async () => {
    const [id] = await harness.createProducts(1, `coalesce-${transport}`);
    assert.ok(id);
    await harness.renameProducts([id], `first-${transport}`);
    await harness.renameProducts([id], `second-${transport}`);
    await harness.renameProducts([id], `latest-${transport}`);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    const events = envelopes(claim.events).filter((e) => e.aggregate.id === id);
    assert.is(events.length, 1, 'one event for the product');
    const event = events[0] as EnvelopeBase;
    assert.ok(event.coalesced >= 4, `stands for every captured change (${event.coalesced})`);
    assert.is((event.payload as { name?: string }).name, `latest-${transport}`, 'the latest state');
    assert.is(
      await odoo.ack(
        claim.lease,
        envelopes(claim.events).map((e) => e.id),
      ),
      claim.events.length,
    );
    const states = await harness.states(code);
    assert.is(states.pending + states.claimed, 0, 'every coalesced row is closed by the ack');
  });

  test('two consumers claiming at once never get the same row nor the same aggregate', async () => {
    const ids = await harness.createProducts(30, `race-${transport}`);
    const seen = new Map<number, string>();
    for (let round = 0; round < 10; round++) {
      const [a, b] = await Promise.all([odoo.claim(code, 7, 30, CONSUMER_A), odooB.claim(code, 7, 30, CONSUMER_B)]);
      const ea = envelopes(a.events);
      const eb = envelopes(b.events);
      if (ea.length + eb.length === 0) break;
      for (const [who, events] of [
        ['A', ea],
        ['B', eb],
      ] as const) {
        for (const e of events) {
          assert.not.ok(
            seen.has(e.aggregate.id),
            `aggregate ${e.aggregate.id} handed out twice (first to ${seen.get(e.aggregate.id)}, then to ${who})`,
          );
          seen.set(e.aggregate.id, who);
        }
      }
      if (ea.length)
        await odoo.ack(
          a.lease,
          ea.map((e) => e.id),
        );
      if (eb.length)
        await odooB.ack(
          b.lease,
          eb.map((e) => e.id),
        );
    }
    assert.equal([...seen.keys()].sort(), [...ids].sort(), 'every product delivered exactly once between them');
  });

  test('an aggregate in flight is not handed out again until its lease is settled', async () => {
    const [id] = await harness.createProducts(1, `inflight-${transport}`);
    assert.ok(id);
    const first = await odoo.claim(code, 10, 30, CONSUMER_A);
    const held = envelopes(first.events).find((e) => e.aggregate.id === id);
    assert.ok(held, 'claimed once');
    await harness.renameProducts([id], `changed-while-in-flight-${transport}`);
    const second = await odooB.claim(code, 10, 30, CONSUMER_B);
    assert.not.ok(
      envelopes(second.events).some((e) => e.aggregate.id === id),
      'not handed to another consumer while in flight',
    );
    await odoo.ack(
      first.lease,
      envelopes(first.events).map((e) => e.id),
    );
    const third = await odooB.claim(code, 10, 30, CONSUMER_B);
    const next = envelopes(third.events).find((e) => e.aggregate.id === id);
    assert.ok(next, 'handed out after the ack');
    assert.ok(next.sequence > held.sequence, 'with a higher sequence');
    assert.is((next.payload as { name?: string }).name, `changed-while-in-flight-${transport}`);
    await odooB.ack(
      third.lease,
      envelopes(third.events).map((e) => e.id),
    );
  });

  test('an ack under a foreign lease changes nothing and returns 0', async () => {
    await harness.createProducts(2, `foreign-${transport}`);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    const ids = envelopes(claim.events).map((e) => e.id);
    assert.is(await odoo.ack('not-a-lease-of-anyone', ids), 0);
    const other = await odooB.claim(code, 10, 30, CONSUMER_B);
    assert.is(other.events.length, 0, 'still held under the first lease');
    assert.is(await odoo.ack(claim.lease, ids), ids.length, 'the right lease acks them');
    assert.is(await odoo.ack(claim.lease, ids), 0, 'acking twice acks nothing more');
  });

  test('an expired lease is claimable again; the old lease can then no longer ack', async () => {
    const [id] = await harness.createProducts(1, `expire-${transport}`);
    const first = await odoo.claim(code, 10, 1, CONSUMER_A);
    assert.ok(envelopes(first.events).some((e) => e.aggregate.id === id));
    await sleep(1600);
    const second = await odooB.claim(code, 10, 30, CONSUMER_B);
    const again = envelopes(second.events).find((e) => e.aggregate.id === id);
    assert.ok(again, 'claimable again after the lease expired');
    assert.is(again.attempt, 2, 'counted as a second attempt');
    assert.is(
      await odoo.ack(
        first.lease,
        envelopes(first.events).map((e) => e.id),
      ),
      0,
      'the expired lease lost the rows',
    );
    assert.is(
      await odooB.ack(
        second.lease,
        envelopes(second.events).map((e) => e.id),
      ),
      second.events.length,
    );
  });

  test('nack releases with the asked delay, then the event comes back as the next attempt', async () => {
    const [id] = await harness.createProducts(1, `nack-${transport}`);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    const ids = envelopes(claim.events).map((e) => e.id);
    assert.is(await odoo.nack(claim.lease, ids, 'endpoint said 503', 2), ids.length);
    const early = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.not.ok(
      envelopes(early.events).some((e) => e.aggregate.id === id),
      'not before retry_after',
    );
    await sleep(2600);
    const later = await odoo.claim(code, 10, 30, CONSUMER_A);
    const back = envelopes(later.events).find((e) => e.aggregate.id === id);
    assert.ok(back, 'back after retry_after');
    assert.is(back.attempt, 2);
    await odoo.ack(
      later.lease,
      envelopes(later.events).map((e) => e.id),
    );
  });

  test('a change made while its aggregate waits for a backoff goes out with it, as one newer event (fault scenario 5)', async () => {
    const [id] = await harness.createProducts(1, `backoff-${transport}`);
    assert.ok(id);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    const first = envelopes(claim.events).find((e) => e.aggregate.id === id);
    assert.ok(first);
    await odoo.nack(
      claim.lease,
      envelopes(claim.events).map((e) => e.id),
      'endpoint said 503',
      2,
    );
    await harness.renameProducts([id], `during-backoff-${transport}`);
    const early = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.not.ok(
      envelopes(early.events).some((e) => e.aggregate.id === id),
      'the newer change waits for its aggregate (never the newer first, then the older re-rendered)',
    );
    await sleep(2600);
    const later = await odoo.claim(code, 10, 30, CONSUMER_A);
    const back = envelopes(later.events).filter((e) => e.aggregate.id === id);
    assert.is(back.length, 1, 'one event for the aggregate');
    assert.ok((back[0] as EnvelopeBase).id > first.id, 'under the newer id');
    assert.ok((back[0] as EnvelopeBase).sequence > first.sequence);
    assert.is(((back[0] as EnvelopeBase).payload as { name?: string }).name, `during-backoff-${transport}`);
    await odoo.ack(
      later.lease,
      envelopes(later.events).map((e) => e.id),
    );
  });

  /**
   * With `max_attempts` 1, claim a new product's event `rounds` times and release it each time `how`:
   * the attempt must come back every round and no dead letter appear. Returns the product's id.
   */
  const releaseRounds = async (prefix: string, how: 'blocked' | 'released', error: string, rounds: number): Promise<number> => {
    const [id] = await harness.createProducts(1, `${prefix}-${transport}`);
    assert.ok(id);
    const deadBefore = (await harness.states(code)).dead;
    for (let round = 1; round <= rounds; round++) {
      if (round > 1) await sleep(1300);
      const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
      const event = envelopes(claim.events).find((e) => e.aggregate.id === id);
      assert.ok(event, `claimed again in round ${round}`);
      assert.is(event.attempt, 1, 'the attempt was given back');
      const ids = envelopes(claim.events).map((e) => e.id);
      assert.is(await odoo.nack(claim.lease, ids, error, 1, how), claim.events.length);
      const states = await harness.states(code);
      assert.is(states.dead, deadBefore, 'never a dead letter, although max_attempts is 1');
      assert.is(states.pending, claim.events.length);
    }
    return id;
  };

  /** After the releases: the product's event is claimable again (once due), and its ack settles it. */
  const claimAndAck = async (id: number): Promise<void> => {
    await sleep(1300);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.ok(envelopes(claim.events).some((e) => e.aggregate.id === id));
    const ids = envelopes(claim.events).map((e) => e.id);
    assert.is(await odoo.ack(claim.lease, ids), claim.events.length);
  };

  test('nack `released` (never tried) gives the attempt back and does not pause the endpoint', async () => {
    await harness.setMaxAttempts(1);
    try {
      const id = await releaseRounds('released', 'released', 'released: the agent is stopping', 3);
      await claimAndAck(id);
    } finally {
      await harness.setMaxAttempts(8);
    }
  });

  test('nack with final parks the event as a dead letter at once', async () => {
    const [id] = await harness.createProducts(1, `final-${transport}`);
    const before = await harness.states(code);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    const ids = envelopes(claim.events).map((e) => e.id);
    assert.is(await odoo.nack(claim.lease, ids, 'HTTP 422: unknown unit', 0, 'final'), ids.length);
    const after = await harness.states(code);
    assert.ok(after.dead >= before.dead + 1, 'a dead letter more');
    const next = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.not.ok(
      envelopes(next.events).some((e) => e.aggregate.id === id),
      'a dead letter is not claimable',
    );
  });

  test('an event out of attempts becomes a dead letter', async () => {
    await harness.setMaxAttempts(2);
    try {
      const [id] = await harness.createProducts(1, `attempts-${transport}`);
      const one = await odoo.claim(code, 10, 30, CONSUMER_A);
      await odoo.nack(
        one.lease,
        envelopes(one.events).map((e) => e.id),
        'fail 1',
        1,
      );
      await sleep(1300);
      const two = await odoo.claim(code, 10, 30, CONSUMER_A);
      const event = envelopes(two.events).find((e) => e.aggregate.id === id);
      assert.ok(event, 'second attempt');
      assert.is(event.attempt, 2);
      await odoo.nack(
        two.lease,
        envelopes(two.events).map((e) => e.id),
        'fail 2',
        1,
      );
      await sleep(1300);
      const three = await odoo.claim(code, 10, 30, CONSUMER_A);
      assert.not.ok(
        envelopes(three.events).some((e) => e.aggregate.id === id),
        'no third attempt',
      );
      assert.ok((await harness.states(code)).dead >= 1);
    } finally {
      await harness.setMaxAttempts(8);
    }
  });

  test('nack `blocked` gives the attempt back, never parks, and shows the endpoint paused until an ack', async () => {
    const stats = {
      version: '0.0.0-test',
      host: 'test',
      pid: 1,
      started_at: '2026-01-01T00:00:00Z',
      mode: 'check' as const,
      endpoints: {},
    };
    const endpointNow = async () => (await odoo.heartbeat(`${CONSUMER_A}-${transport}`, stats)).endpoints.find((e) => e.code === code);
    await harness.setMaxAttempts(1);
    try {
      const id = await releaseRounds('blocked', 'blocked', `HTTP 401: bad signature (${transport})`, 2);
      const paused = await endpointNow();
      assert.match(String(paused?.blocked_since), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'paused since a UTC time');
      assert.is(paused?.blocked_reason, `HTTP 401: bad signature (${transport})`);
      await claimAndAck(id);
      const resumed = await endpointNow();
      assert.is(resumed?.blocked_since, false, 'an ack clears the pause');
      assert.is(resumed?.blocked_reason, '');
    } finally {
      await harness.setMaxAttempts(8);
    }
  });

  test('nack refuses `final` and `blocked` together and a `blocked` that is not a boolean, naming them, and changes nothing', async () => {
    await harness.createProducts(1, `blocked-args-${transport}`);
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    const ids = envelopes(claim.events).map((e) => e.id);
    const both = await rejects(
      odoo.transport.call('plansync.outbox', 'nack', [claim.lease, ids, 'x', 0, true, true], {}, [...NACK_PARAMS]),
    );
    assert.is(both.code, 'ERR_ODOO_VALIDATION');
    assert.match(both.message, /final, blocked and released exclude each other.*final=True, blocked=True, released=False/);
    const raw = await rejects(
      odoo.transport.call('plansync.outbox', 'nack', [claim.lease, ids, 'x', 0, false, 'yes'], {}, [...NACK_PARAMS]),
    );
    assert.is(raw.code, 'ERR_ODOO_VALIDATION');
    assert.match(raw.message, /blocked must be a boolean, got 'yes'/);
    assert.is((await harness.states(code)).claimed, ids.length, 'still held');
    assert.is(await odoo.ack(claim.lease, ids), ids.length);
  });

  test('claim refuses nonsensical arguments, naming the argument and the value, and claims nothing', async () => {
    await harness.createProducts(1, `bad-args-${transport}`);
    const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
      ['limit 0', () => odoo.claim(code, 0, 30, CONSUMER_A), /limit.*\b0\b/],
      ['limit 5000', () => odoo.claim(code, 5000, 30, CONSUMER_A), /limit.*5000/],
      ['lease -5', () => odoo.claim(code, 10, -5, CONSUMER_A), /lease_seconds.*-5/],
      ['empty consumer', () => odoo.claim(code, 10, 30, ''), /consumer/],
      ['unknown endpoint', () => odoo.claim('NO-SUCH-ENDPOINT', 10, 30, CONSUMER_A), /NO-SUCH-ENDPOINT/],
    ];
    for (const [what, call, message] of cases) {
      const error = await rejects(call());
      assert.is(error.code, 'ERR_ODOO_VALIDATION', `${what}: ${error.code} ${error.message}`);
      assert.ok(message.test(error.message), `${what}: message names the argument and value: ${error.message}`);
    }
    const claim = await odoo.claim(code, 10, 30, CONSUMER_A);
    assert.is(claim.events.length, 1, 'the refused calls claimed nothing');
    await odoo.ack(
      claim.lease,
      envelopes(claim.events).map((e) => e.id),
    );
  });

  test("an endpoint of another company is not the integration user's to claim", async () => {
    const foreign = await harness.createForeignEndpoint();
    const error = await rejects(odoo.claim(foreign, 10, 30, CONSUMER_A));
    assert.is(error.code, 'ERR_ODOO_VALIDATION');
    assert.ok(error.message.includes(foreign));
    await harness.deactivateEndpoint(foreign);
  });

  test('a planner cannot claim, ack, nack nor heartbeat', async () => {
    const planner = new PlanSyncOdoo(createTransport(transport, harness.planner()));
    try {
      for (const call of [
        () => planner.claim(code, 10, 30, CONSUMER_A),
        () => planner.ack('x', [1]),
        () => planner.nack('x', [1], 'e', 0),
        () =>
          planner.heartbeat('planner', {
            version: '0',
            host: '',
            pid: 1,
            started_at: '2026-01-01T00:00:00Z',
            mode: 'check',
            endpoints: {},
          }),
      ]) {
        const error = await rejects(call());
        assert.is(error.code, 'ERR_ODOO_ACCESS', `${error.code}: ${error.message}`);
        assert.is(error.kind, 'config');
      }
    } finally {
      await planner.close();
    }
  });

  test('a wrong API key is refused as an authentication error', async () => {
    const wrong = new PlanSyncOdoo(createTransport(transport, { ...harness.integration(), apiKey: 'wrong-key-0000' }));
    try {
      const error = await rejects(wrong.claim(code, 10, 30, CONSUMER_A));
      assert.is(error.code, 'ERR_ODOO_AUTH', `${error.code}: ${error.message}`);
      assert.not.ok(error.message.includes('wrong-key-0000'), 'the key is not in the message');
    } finally {
      await wrong.close();
    }
  });

  test.run();
};
