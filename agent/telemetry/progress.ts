/**
 * Progress of long CLI batches (`plansync import`, `plansync backfill`) on stderr: cli-progress bars
 * with rate and time left when stderr is a terminal, otherwise a log line per bar at most every
 * `intervalMs` (and a last one at the end), so that logs of a job runner stay readable.
 */
import cliProgress from 'cli-progress';

export interface BarHandle {
  /** Set the bar's value (and total, when it changed). */
  update(value: number, total?: number): void;
}

export interface Progress {
  bar(name: string, total: number, unit: string): BarHandle;
  /** Draw or print the final state and release the terminal. */
  stop(): void;
}

export interface ProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  /** Draw bars (true on a terminal). Default: `stream.isTTY`. */
  readonly tty?: boolean;
  /** Minimum time between two log lines of one bar when not on a terminal. Default 1000 ms. */
  readonly intervalMs?: number;
  readonly clock?: () => number;
}

/** `1234/s`, `12.5/s`. */
export const formatRate = (perSecond: number): string =>
  perSecond >= 100 ? `${Math.round(perSecond)}/s` : `${Math.round(perSecond * 10) / 10}/s`;

/** `45 s`, `3 min 5 s`, `1 h 2 min`, `?` when unknown. */
export const formatDuration = (seconds: number): string => {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
};

interface BarState {
  readonly name: string;
  readonly unit: string;
  readonly started: number;
  value: number;
  total: number;
  printedAt: number;
  printedValue: number;
}

export const createProgress = (options: ProgressOptions = {}): Progress => {
  const stream = options.stream ?? process.stderr;
  const tty = options.tty ?? Boolean(stream.isTTY);
  const clock = options.clock ?? Date.now;
  const intervalMs = options.intervalMs ?? 1000;
  const states: BarState[] = [];
  const rateOf = (s: BarState) => s.value / Math.max(0.001, (clock() - s.started) / 1000);
  const left = (s: BarState) => {
    const rate = rateOf(s);
    return s.total <= s.value ? 0 : rate > 0 ? (s.total - s.value) / rate : Number.NaN;
  };
  const line = (s: BarState) => `${s.name}: ${s.value}/${s.total} ${s.unit} (${formatRate(rateOf(s))}, ${formatDuration(left(s))} left)\n`;

  if (tty) {
    const multi = new cliProgress.MultiBar(
      {
        stream,
        format: '{name} [{bar}] {value}/{total} {unit} | {rate} | {left} left',
        hideCursor: true,
        clearOnComplete: false,
        stopOnComplete: false,
        barsize: 30,
      },
      cliProgress.Presets.shades_classic,
    );
    return {
      bar(name, total, unit) {
        const state: BarState = { name, unit, started: clock(), value: 0, total, printedAt: 0, printedValue: -1 };
        states.push(state);
        const bar = multi.create(Math.max(total, 0), 0, { name: name.padEnd(10), unit, rate: formatRate(0), left: '?' });
        return {
          update(value, newTotal) {
            state.value = value;
            if (newTotal !== undefined) {
              state.total = newTotal;
              bar.setTotal(Math.max(newTotal, 0));
            }
            bar.update(value, { rate: formatRate(rateOf(state)), left: formatDuration(left(state)) });
          },
        };
      },
      stop: () => multi.stop(),
    };
  }
  return {
    bar(name, total, unit) {
      const state: BarState = { name, unit, started: clock(), value: 0, total, printedAt: 0, printedValue: -1 };
      states.push(state);
      return {
        update(value, newTotal) {
          state.value = value;
          if (newTotal !== undefined) state.total = newTotal;
          const now = clock();
          if (now - state.printedAt >= intervalMs && value !== state.printedValue) {
            state.printedAt = now;
            state.printedValue = value;
            stream.write(line(state));
          }
        },
      };
    },
    stop() {
      for (const s of states) if (s.printedValue !== s.value) stream.write(line(s));
    },
  };
};
