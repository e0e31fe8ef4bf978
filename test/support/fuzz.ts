/**
 * The fuzz suite's runner (test/fuzz/, docs/reliability.md "Fuzzing the inbound edges"): fast-check
 * properties with fixed seeds, counted per edge, with a documented list of known failures.
 *
 * - Every property runs `runs × FUZZ_RUNS` generated inputs (`FUZZ_RUNS`, default 1, multiplies them
 *   for longer local runs) from a fixed seed (`FUZZ_SEED` overrides it), so a run is reproducible: a
 *   failure prints the seed, the path and the shrunk counterexample (`fc.assert`'s report).
 * - `fuzzCounts()` holds the inputs run per edge; each suite prints its edge's count, and the process
 *   prints `FUZZ TOTAL` when it ends.
 * - A property listed in `KNOWN_FAILURES` is a defect found by this suite in code another change
 *   owns: it still runs, its failure is printed with the reason and the counterexample, and it does
 *   not fail the suite; once it passes, the run says so (remove its entry then).
 */
import fc from 'fast-check';

/** The base seed of every property (each property adds a hash of its name). */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261207);
/** Multiplier of the runs of every property. */
export const FUZZ_RUNS = Math.max(0.01, Number(process.env.FUZZ_RUNS ?? 1) || 1);

/**
 * Defects found by the fuzz suite and handed over (see docs/reliability.md): `<edge>/<property>` →
 * why it fails and who fixes it.
 */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {};

const counts = new Map<string, number>();
const known: string[] = [];

export const fuzzCounts = (): ReadonlyMap<string, number> => counts;
export const fuzzTotal = (): number => [...counts.values()].reduce((a, b) => a + b, 0);

const hash = (text: string): number => {
  let h = 0;
  for (const char of text) h = (Math.imul(h, 31) + (char.codePointAt(0) ?? 0)) | 0;
  return h >>> 0;
};

/** How many runs a property of `base` runs gets. */
export const runsOf = (base: number): number => Math.max(1, Math.round(base * FUZZ_RUNS));

let exitHooked = false;
const hookExit = (): void => {
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    if (counts.size === 0) return;
    const edges = [...counts.entries()].map(([edge, n]) => `${edge} ${n}`).join(', ');
    console.log(`FUZZ TOTAL: ${fuzzTotal()} generated inputs (${edges}); seed ${FUZZ_SEED}, FUZZ_RUNS ${FUZZ_RUNS}`);
    if (known.length > 0)
      console.log(`FUZZ KNOWN FAILURES (handed over, not counted as failures): ${known.length}\n  ${known.join('\n  ')}`);
  });
};

export interface FuzzOptions {
  /** Runs before FUZZ_RUNS. */
  readonly runs: number;
  /** Stop generating after this long (the runs done so far count; not a failure). */
  readonly timeLimitMs?: number;
}

/**
 * Run one property of one edge: `predicate` throws (or returns false) on a counterexample. Counts
 * every input it ran; throws fast-check's report (seed, path, counterexample) unless the property is
 * a known failure.
 */
export const fuzz = async <T>(
  edge: string,
  property: string,
  arbitrary: fc.Arbitrary<T>,
  predicate: (value: T) => Promise<boolean | void> | boolean | void,
  options: FuzzOptions,
): Promise<void> => {
  hookExit();
  const id = `${edge}/${property}`;
  const seed = (FUZZ_SEED + hash(id)) | 0;
  const prop = fc.asyncProperty(arbitrary, async (value) => {
    const result = await predicate(value);
    return result !== false;
  });
  const started = Date.now();
  const details = await fc.check(prop, {
    numRuns: runsOf(options.runs),
    seed,
    endOnFailure: false,
    ...(options.timeLimitMs ? { plugins: [fc.interruptAfterTimeLimit(options.timeLimitMs)] } : {}),
  });
  if (details.interrupted)
    console.log(
      `FUZZ ${id}: time limit of ${Math.round((options.timeLimitMs ?? 0) / 1000)} s reached after ${details.numRuns} of ${runsOf(options.runs)} inputs`,
    );
  // time-bounded properties (the real-Odoo ones) always say how many inputs they ran
  if (process.env.FUZZ_TIMING || options.timeLimitMs) console.log(`FUZZ ${id}: ${details.numRuns} inputs in ${Date.now() - started} ms`);
  // inputs generated and checked (shrinking's re-runs of a counterexample are not new inputs)
  counts.set(edge, (counts.get(edge) ?? 0) + details.numRuns);
  // a real-Odoo edge is named after its version (`odoo 17 rpc`): its known failures are listed as `odoo * rpc/...`
  const reason = KNOWN_FAILURES[id] ?? KNOWN_FAILURES[id.replace(/^odoo \d+ /, 'odoo * ')];
  if (!details.failed) {
    if (reason)
      console.log(
        `FUZZ ${id}: listed as a known failure but passed ${details.numRuns} runs: remove it from KNOWN_FAILURES (test/support/fuzz.ts)`,
      );
    return;
  }
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const full = `${cause.length > 1500 ? `${cause.slice(0, 1500)}…` : cause}\n${fc.defaultReportMessage(details) ?? `property failed (seed ${seed})`}`;
  const report =
    full.length > 3000 ? `${full.slice(0, 1500)}\n… (${full.length - 3000} characters left out) …\n${full.slice(-1500)}` : full;
  if (reason) {
    const line = `${id}: ${reason}`;
    known.push(line);
    console.log(`FUZZ KNOWN FAILURE ${line}\n${report.split('\n').slice(0, 6).join('\n')}`);
    return;
  }
  throw new Error(`fuzz ${id} failed (seed ${seed}; rerun with FUZZ_SEED=${FUZZ_SEED}):\n${report}`);
};

/** Print an edge's count (call at the end of its suite). */
export const printEdge = (edge: string): void => {
  console.log(`FUZZ ${edge}: ${counts.get(edge) ?? 0} generated inputs`);
};

// ---- hostile values shared by the edges ----

/** Strings that break naive code: unicode of every plane, controls, quotes, huge, NUL, lone surrogates. */
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 4 },
    { arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }), weight: 4 },
    {
      arbitrary: fc.constantFrom(
        '',
        ' ',
        '\u0000',
        '\ud800',
        '\udfff',
        '\u202e',
        'null',
        'None',
        'NaN',
        'nan',
        'inf',
        '-Infinity',
        '1e308',
        '1e400',
        '0x10',
        "'; DROP TABLE plansync_outbox; --",
        '%s%s%(x)s',
        '{}',
        '[]',
        '../../etc/passwd',
        '\r\n',
        '"',
        '\\',
      ),
      weight: 4,
    },
    { arbitrary: fc.integer({ min: 129, max: 5000 }).map((n) => 'x'.repeat(n)), weight: 1 },
    { arbitrary: fc.constant('é'.repeat(70_000)), weight: 1 },
  );

/** Numbers that break naive code. */
export const hostileNumber = (): fc.Arbitrary<number> =>
  fc.oneof(
    fc.constantFrom(
      0,
      -0,
      -1,
      1e308,
      -1e308,
      1.7976931348623157e308,
      5e-324,
      2 ** 31,
      2 ** 31 - 1,
      -(2 ** 31) - 1,
      2 ** 53,
      2 ** 53 + 2,
      2 ** 63,
      2 ** 64,
      Number.MAX_SAFE_INTEGER,
      0.5,
      1e-9,
    ),
    fc.integer({ min: -(2 ** 31), max: -1 }),
    fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
  );

/** Nested junk: any JSON value, deep or wide. */
export const junk = (): fc.Arbitrary<unknown> =>
  fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.constantFrom(null, true, false, [], {}, [[[[[]]]]], { a: { b: { c: { d: {} } } } }));
