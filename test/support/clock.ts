/**
 * A clock that moves only when a test says so: `now()` for the code under test, `advance(ms)` for the
 * test, and `sleep(ms, signal)` that resolves when the clock has been advanced past its deadline (or
 * rejects when the signal aborts). Nothing in a test that uses it depends on the machine's speed.
 */
interface Sleeper {
  readonly until: number;
  readonly resolve: () => void;
}

export class FakeClock {
  private ms: number;
  private sleepers: Sleeper[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.ms = start;
  }

  readonly now = (): number => this.ms;

  /** Move the clock forward, waking every sleeper whose deadline has come, then let their continuations run. */
  async advance(ms: number): Promise<void> {
    this.ms += ms;
    const due = this.sleepers.filter((s) => s.until <= this.ms);
    this.sleepers = this.sleepers.filter((s) => s.until > this.ms);
    for (const s of due) s.resolve();
    await settle();
  }

  /** How many sleepers wait for a later time. */
  get waiting(): number {
    return this.sleepers.length;
  }

  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        return;
      }
      if (ms <= 0) {
        resolve();
        return;
      }
      const sleeper: Sleeper = {
        until: this.ms + ms,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.sleepers.push(sleeper);
    });
}

/** Let every pending promise continuation run (a few turns of the event loop; no timer involved). */
export const settle = async (turns = 20): Promise<void> => {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Resolve when `predicate` holds, checking after each turn of the event loop; fail after `turns` turns. */
export const until = async (predicate: () => boolean, what: string, turns = 10_000): Promise<void> => {
  for (let i = 0; i < turns; i++) {
    if (predicate()) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  throw new Error(`never happened: ${what}`);
};
