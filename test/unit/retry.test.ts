import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ConfigError, OdooError, type ErrorCode, type ErrorKind } from '../../agent/errors.ts';
import { abortableSleep, computeDelay, DEFAULT_RETRY_POLICY, retryPolicy, withRetry, type RetryPolicy } from '../../agent/retry.ts';

const policy: RetryPolicy = retryPolicy({ limit: 4, backoffBaseMs: 100, backoffLimitMs: 1000, jitter: 0.5, maxRetryAfterMs: 5000 });
const server = (options: { status?: number; retryAfter?: number } = {}): OdooError =>
  new OdooError('ERR_ODOO_SERVER', 'transient', 'server error', options);

test('backoff doubles from the base, is capped, and jitter takes up to its share off', () => {
  // backoff = min(1000, 100 × 2^(attempt − 1)); delay = backoff × (1 − 0.5 × random)
  assert.is(
    computeDelay(policy, 1, server(), () => 0),
    100,
  );
  assert.is(
    computeDelay(policy, 2, server(), () => 0),
    200,
  );
  assert.is(
    computeDelay(policy, 3, server(), () => 0),
    400,
  );
  assert.is(
    computeDelay(policy, 4, server(), () => 0),
    800,
  );
  assert.is(
    computeDelay(policy, 3, server(), () => 0.5),
    300,
  ); // 400 × (1 − 0.25)
  assert.is(
    computeDelay(policy, 3, server(), () => 0.999),
    200,
  ); // 400 × (1 − 0.4995) = 200.2 → 200
  const capped = retryPolicy({ limit: 10, backoffBaseMs: 100, backoffLimitMs: 1000, jitter: 0 });
  assert.is(
    computeDelay(capped, 5, server(), () => 0.7),
    1000,
  ); // 1600 capped, no jitter
  const full = retryPolicy({ limit: 10, backoffBaseMs: 100, backoffLimitMs: 1000, jitter: 1 });
  assert.is(
    computeDelay(full, 2, server(), () => 0.25),
    150,
  ); // full jitter: 200 × 0.75
});

test('attempts beyond the limit are not retried', () => {
  assert.is(
    computeDelay(policy, 5, server(), () => 0),
    false,
  );
  assert.is(
    computeDelay(retryPolicy({ limit: 0 }), 1, server(), () => 0),
    false,
  );
  assert.is(
    computeDelay(policy, 0, server(), () => 0),
    false,
    'attempts count from 1',
  );
});

test('config and record kinds are never retried', () => {
  for (const [code, kind] of [
    ['ERR_ODOO_AUTH', 'config'],
    ['ERR_ODOO_ACCESS', 'config'],
    ['ERR_ODOO_PROTOCOL', 'config'],
    ['ERR_ODOO_VALIDATION', 'record'],
    ['ERR_ODOO_MISSING', 'record'],
  ] as [ErrorCode, ErrorKind][]) {
    assert.is(
      computeDelay(policy, 1, new OdooError(code, kind, 'no'), () => 0),
      false,
      code,
    );
  }
});

test('Retry-After is honoured and capped by maxRetryAfterMs', () => {
  assert.is(
    computeDelay(policy, 1, server({ status: 503, retryAfter: 3 }), () => 0.9),
    3000,
  );
  assert.is(
    computeDelay(policy, 1, server({ status: 429, retryAfter: 3600 }), () => 0.9),
    5000,
  );
  assert.is(
    computeDelay(policy, 1, server({ status: 503, retryAfter: 0 }), () => 0.9),
    0,
  );
  const ignoring = retryPolicy({ ...policy, respectRetryAfter: false });
  assert.is(
    computeDelay(ignoring, 1, server({ status: 503, retryAfter: 3 }), () => 0),
    100,
  );
});

test('codes and statuses: listed ones retry, unlisted ones do not, unknown errors are transient', () => {
  assert.is(
    computeDelay(policy, 1, new OdooError('ERR_NETWORK', 'transient', 'reset'), () => 0),
    100,
  );
  assert.is(
    computeDelay(policy, 1, new OdooError('ERR_ODOO_CONCURRENCY', 'transient', 'lock'), () => 0),
    100,
  );
  assert.is(
    computeDelay(policy, 1, Object.assign(new Error('socket'), { code: 'ECONNRESET' }), () => 0),
    100,
  );
  assert.is(
    computeDelay(policy, 1, Object.assign(new Error('http'), { response: { statusCode: 502 } }), () => 0),
    100,
  );
  assert.is(
    computeDelay(policy, 1, Object.assign(new Error('http'), { code: 'ERR_NON_2XX_3XX_RESPONSE', response: { statusCode: 404 } }), () => 0),
    false,
  );
  assert.is(
    computeDelay(policy, 1, new Error('no code'), () => 0),
    100,
  );
  assert.is(
    computeDelay(policy, 1, 'a string', () => 0),
    100,
  );
  const narrow = retryPolicy({ ...policy, errorCodes: ['ERR_NETWORK'] });
  assert.is(
    computeDelay(narrow, 1, server(), () => 0),
    false,
  );
});

test('retryPolicy validates once and quotes key and value', () => {
  assert.equal(retryPolicy(), DEFAULT_RETRY_POLICY);
  assert.throws(
    () => retryPolicy({ limit: -1 }),
    (e: unknown) => e instanceof ConfigError && /retry\.limit .* got -1/.test(e.message),
  );
  assert.throws(
    () => retryPolicy({ jitter: 2 }),
    (e: unknown) => e instanceof ConfigError && /retry\.jitter .* got 2/.test(e.message),
  );
  assert.throws(() => retryPolicy({ backoffBaseMs: 500, backoffLimitMs: 100 }), /retry\.backoffLimitMs/);
  assert.throws(() => retryPolicy({ statusCodes: [99] }), /retry\.statusCodes/);
});

const kinds: ErrorKind[] = ['config', 'transient', 'record'];
const codes: ErrorCode[] = [
  'ERR_ODOO_SERVER',
  'ERR_NETWORK',
  'ERR_TIMEOUT',
  'ERR_ODOO_AUTH',
  'ERR_ODOO_VALIDATION',
  'ERR_ODOO_CONCURRENCY',
];
const arbPolicy = fc
  .record({
    limit: fc.integer({ min: 0, max: 20 }),
    backoffBaseMs: fc.integer({ min: 0, max: 10_000 }),
    extra: fc.integer({ min: 0, max: 100_000 }),
    jitter: fc.double({ min: 0, max: 1, noNaN: true }),
    respectRetryAfter: fc.boolean(),
    maxRetryAfterMs: fc.integer({ min: 0, max: 600_000 }),
  })
  .map(({ extra, ...rest }) => retryPolicy({ ...rest, backoffLimitMs: rest.backoffBaseMs + extra }));
const arbError = fc
  .record({
    code: fc.constantFrom(...codes),
    kind: fc.constantFrom(...kinds),
    status: fc.option(fc.constantFrom(200, 404, 408, 429, 500, 503), { nil: undefined }),
    retryAfter: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: undefined }),
  })
  .map(({ code, kind, status, retryAfter }) => new OdooError(code, kind, 'x', { status, retryAfter }));

test('property: a delay is within [0, cap], config/record never retry, beyond the limit never retries', () => {
  fc.assert(
    fc.property(
      arbPolicy,
      fc.integer({ min: -2, max: 40 }),
      arbError,
      fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
      (p, attempt, error, r) => {
        const delay = computeDelay(p, attempt, error, () => r);
        if (error.kind !== 'transient' || attempt < 1 || attempt > p.limit) return delay === false;
        if (delay === false) return true;
        const cap = Math.max(p.backoffLimitMs, p.maxRetryAfterMs);
        return Number.isFinite(delay) && delay >= 0 && delay <= cap;
      },
    ),
    { numRuns: 2000 },
  );
});

test('withRetry retries transient failures with the computed delays, then returns', async () => {
  const slept: number[] = [];
  const seen: number[] = [];
  const result = await withRetry(
    (attempt) => {
      seen.push(attempt);
      return attempt < 3 ? Promise.reject(server()) : Promise.resolve('ok');
    },
    policy,
    { random: () => 0, sleep: (ms) => (slept.push(ms), Promise.resolve()), onRetry: ({ attempt }) => assert.ok(attempt >= 1) },
  );
  assert.is(result, 'ok');
  assert.equal(seen, [1, 2, 3]);
  assert.equal(slept, [100, 200]);
});

test('withRetry rethrows a config error at once and the last transient error after the limit', async () => {
  let calls = 0;
  const auth = new OdooError('ERR_ODOO_AUTH', 'config', 'bad key');
  try {
    await withRetry(() => (calls++, Promise.reject(auth)), policy, { sleep: () => Promise.resolve() });
    assert.unreachable();
  } catch (error) {
    assert.is(error, auth);
  }
  assert.is(calls, 1);

  calls = 0;
  const retries: number[] = [];
  const last = server();
  try {
    await withRetry(() => (calls++, Promise.reject(last)), policy, {
      random: () => 0,
      sleep: () => Promise.resolve(),
      onRetry: ({ delayMs }) => retries.push(delayMs),
    });
    assert.unreachable();
  } catch (error) {
    assert.is(error, last);
  }
  assert.is(calls, 5, 'one call and limit = 4 retries');
  assert.equal(retries, [100, 200, 400, 800]);
});

/** 'resolved', 'rejected' or 'pending' once the microtasks queued so far have run (no timer involved). */
const stateOf = async (promise: Promise<unknown>): Promise<'resolved' | 'rejected' | 'pending'> => {
  let state: 'resolved' | 'rejected' | 'pending' = 'pending';
  promise.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

/** Timers that fire only when the test says so, recording what was armed and cleared. */
const manualTimers = () => {
  const armed: { callback: () => void; ms: number }[] = [];
  const cleared: unknown[] = [];
  return {
    armed,
    cleared,
    timers: {
      setTimeout: (callback: () => void, ms: number) => (armed.push({ callback, ms }), armed.length - 1),
      clearTimeout: (timer: unknown) => void cleared.push(timer),
    },
  };
};

test('withRetry stops waiting when the signal aborts and throws its reason', async () => {
  const controller = new AbortController();
  const reason = new Error('shutting down');
  const sleeps: number[] = [];
  const waits: Promise<void>[] = [];
  let calls = 0;
  try {
    await withRetry(() => (calls++, Promise.reject(server({ retryAfter: 60 }))), policy, {
      signal: controller.signal,
      sleep: (ms, signal) => {
        sleeps.push(ms);
        const wait = abortableSleep(ms, signal); // the real sleep, armed for the 5 s Retry-After wait
        waits.push(wait);
        controller.abort(reason); // shut down while it waits
        return wait;
      },
    });
    assert.unreachable();
  } catch (error) {
    assert.is(error, reason);
  }
  assert.equal(sleeps, [5000], 'one wait, for the Retry-After capped by maxRetryAfterMs');
  assert.is(calls, 1, 'no attempt after the abort');
  assert.is(await stateOf(waits[0] as Promise<void>), 'rejected', 'the 5 s Retry-After wait was cut short by the abort');
  calls = 0;
  try {
    await withRetry(() => (calls++, Promise.resolve(1)), policy, { signal: controller.signal });
    assert.unreachable();
  } catch (error) {
    assert.is(error, reason);
  }
  assert.is(calls, 0, 'an aborted signal starts no attempt');
});

test('abortableSleep resolves when its timer fires, and an abort clears the timer and rejects at once', async () => {
  const { armed, cleared, timers } = manualTimers();
  const sleep = abortableSleep(15, undefined, timers);
  assert.equal(
    armed.map((t) => t.ms),
    [15],
    'one timer for the delay',
  );
  assert.is(await stateOf(sleep), 'pending', 'not resolved before the timer fires');
  armed[0]?.callback();
  assert.is(await stateOf(sleep), 'resolved');

  const controller = new AbortController();
  const reason = new Error('stop');
  const waiting = abortableSleep(10_000, controller.signal, timers);
  assert.is(await stateOf(waiting), 'pending');
  controller.abort(reason);
  assert.is(await stateOf(waiting), 'rejected', 'rejected without waiting for the timer');
  await waiting.catch((error: unknown) => assert.is(error, reason));
  assert.equal(cleared, [1], 'the pending timer is cleared');

  try {
    await abortableSleep(10_000, controller.signal, timers);
    assert.unreachable();
  } catch (error) {
    assert.is(error, reason, 'an already aborted signal rejects with its reason');
  }
  assert.is(armed.length, 2, 'no timer armed for an already aborted signal');
});

test('abortableSleep on the real timers resolves, and rejects at once on an aborted signal', async () => {
  await abortableSleep(1);
  const controller = new AbortController();
  controller.abort();
  try {
    await abortableSleep(10_000, controller.signal);
    assert.unreachable();
  } catch (error) {
    assert.instance(error, Error);
  }
});

test.run();
