/** The replenishment simulator (docs/planner.md): a seeded world, policies, the replay and calibration. */
export {
  makeWorld,
  actualLeadDays,
  historicLeadTimes,
  DEFAULT_WORLD,
  SKU_KINDS,
  type World,
  type WorldConfig,
  type Sku,
  type SkuKind,
  type Vendor,
} from './world.ts';
export { simulate, initialStock, type Policy, type ReviewState, type SimResult } from './simulate.ts';
export { plannerPolicy, minMaxPolicy, ddmrpPolicy, serviceLevelOf, dateOf, KNOBS, type Knob, type PolicyName } from './policies.ts';
export { calibrate, type Calibrated } from './calibrate.ts';
export { mulberry32, keyed, hash, type Random } from './rng.ts';
export { snapshotItems } from './snapshot.ts';
