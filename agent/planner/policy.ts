/**
 * The replenishment policy (docs/planner.md): a periodic review (R, s, S).
 * - reorder point ROP = forecast over the lead time + SS (d·L + SS for a flat forecast);
 * - order-up-to S = forecast over the lead time and the review period + SS (ROP + d·R when flat);
 * - inventory position IP = on hand + incoming − outgoing;
 * - when IP ≤ ROP, order S − IP, rounded up to the vendor's minimum and multiple (the addon rounds
 *   again and warns; rounding here keeps the explanation right).
 */

/** Values below this are 0: floating-point dust from sums of forecasts. */
const EPS = 1e-9;

export interface Rounded {
  readonly quantity: number;
  readonly toMinimum: boolean;
  readonly toMultiple: boolean;
}

/** x rounded up to a multiple of `step` (tolerating floating-point dust), at most 9 decimals. */
export const ceilTo = (x: number, step: number): number => {
  if (!(step > 0) || !Number.isFinite(step)) return x;
  const k = Math.ceil(x / step - EPS);
  return Number(Math.max(0, k * step).toFixed(9));
};

/**
 * A quantity rounded up: to the vendor's minimum, then to a multiple of its packaging; without a
 * packaging, to whole units.
 */
export const roundOrder = (raw: number, minQty: number, multiple: number | false): Rounded => {
  let q = raw;
  let toMinimum = false;
  if (minQty > 0 && q < minQty) {
    q = minQty;
    toMinimum = true;
  }
  let toMultiple = false;
  if (multiple !== false && multiple > 0) {
    const r = ceilTo(q, multiple);
    toMultiple = r - q > EPS * Math.max(1, q) && r - Math.ceil(q - EPS) > EPS;
    q = r;
  } else {
    q = ceilTo(q, 1);
  }
  return { quantity: q, toMinimum, toMultiple };
};

export interface PolicyInput {
  /** Forecast over the lead time. */
  readonly overLead: number;
  /** Forecast over the lead time and the review period. */
  readonly overLeadAndReview: number;
  readonly safetyStock: number;
  readonly onHand: number;
  readonly incoming: number;
  readonly outgoing: number;
}

export interface PolicyResult {
  readonly reorderPoint: number;
  readonly orderUpTo: number;
  readonly position: number;
  /** S − IP when IP ≤ ROP and that is positive; else 0 (before rounding). */
  readonly raw: number;
}

export const reviewPolicy = (p: PolicyInput): PolicyResult => {
  const reorderPoint = p.overLead + p.safetyStock;
  const orderUpTo = Math.max(reorderPoint, p.overLeadAndReview + p.safetyStock);
  const position = p.onHand + p.incoming - p.outgoing;
  const gap = orderUpTo - position;
  const raw = position <= reorderPoint + EPS && gap > EPS ? gap : 0;
  return { reorderPoint, orderUpTo, position, raw };
};

/**
 * Whether a reordering rule (min, max) is off the plan (ROP, S) by more than `tolerance` (a share of
 * the larger of the two values compared).
 */
export const ruleDiffers = (
  rule: { readonly min_qty: number; readonly max_qty: number },
  min: number,
  max: number,
  tolerance: number,
): boolean => {
  const off = (a: number, b: number): boolean => Math.abs(a - b) > tolerance * Math.max(Math.abs(a), Math.abs(b)) + EPS;
  return off(rule.min_qty, min) || off(rule.max_qty, max);
};
