/**
 * Seeded randomness for the simulator: a small fast generator (mulberry32) and the distributions it
 * needs. `keyed(seed, ...keys)` gives a generator for one purpose (a SKU's demand, the lead time of an
 * order placed on a day), so that every policy sees the same demand and the same lead time for an
 * order placed on the same day (common random numbers): differences between policies are theirs,
 * not the dice's.
 */

export type Random = () => number;

/** mulberry32: 32-bit state, uniform in [0, 1). */
export const mulberry32 = (seed: number): Random => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

/** A 32-bit mix of integers (murmur3's finaliser over each key). */
export const hash = (...keys: number[]): number => {
  let h = 0x9e3779b9;
  for (const k of keys) {
    h ^= Math.imul((k | 0) ^ ((k / 4294967296) | 0), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
};

export const keyed = (...keys: number[]): Random => mulberry32(hash(...keys));

export const uniform = (r: Random, lo: number, hi: number): number => lo + (hi - lo) * r();

/** Standard normal (Box–Muller; one of the pair). */
export const normal = (r: Random): number => {
  const u = 1 - r();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r());
};

export const lognormal = (r: Random, mu: number, sigma: number): number => Math.exp(mu + sigma * normal(r));

/** Poisson: Knuth's product of uniforms below 30, a rounded normal above. */
export const poisson = (r: Random, lambda: number): number => {
  if (!(lambda > 0)) return 0;
  if (lambda > 30) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * normal(r)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = r();
  while (p > limit) {
    k++;
    p *= r();
  }
  return k;
};

/** Gamma(shape k ≥ 1, scale 1): Marsaglia–Tsang. */
export const gamma = (r: Random, k: number): number => {
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(r);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = r();
    if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
};

export const pick = <T>(r: Random, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
