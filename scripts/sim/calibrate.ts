/**
 * Calibration (docs/planner.md): the value of a policy's knob at which the aggregate fill rate reaches
 * the target, by bisection. The fill rate grows with the knob (more stock), up to the noise of
 * rounding; the answer is the upper end of the last bracket, so its fill rate is at the target or
 * above, and its inventory is what the policy needs for that service.
 */
import type { Knob } from './policies.ts';
import { simulate, type SimResult } from './simulate.ts';
import type { World } from './world.ts';

export interface Calibrated {
  readonly knob: number;
  readonly result: SimResult;
  /** Simulations run. */
  readonly runs: number;
  /** false when even the top of the knob's range misses the target (the result is at the top). */
  readonly reached: boolean;
}

export const calibrate = (world: World, knob: Knob, target: number, iterations = 12): Calibrated => {
  let lo = knob.lo;
  let hi = knob.hi;
  let runs = 0;
  const at = (v: number): SimResult => {
    runs++;
    return simulate(world, knob.make(v));
  };
  let best = at(hi);
  if (best.fillRate < target) return { knob: hi, result: best, runs, reached: false };
  const low = at(lo);
  if (low.fillRate >= target) return { knob: lo, result: low, runs, reached: true };
  for (let i = 0; i < iterations; i++) {
    const mid = knob.log ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    const r = at(mid);
    if (r.fillRate >= target) {
      hi = mid;
      best = r;
    } else {
      lo = mid;
    }
  }
  return { knob: hi, result: best, runs, reached: true };
};
