/**
 * Demand classes after Syntetos, Boylan & Croston (2005): the average demand interval (ADI, observed
 * weeks per week with demand) and the squared coefficient of variation of the non-zero sizes (CV²)
 * against the cut-offs 1.32 and 0.49.
 *
 * |            | CV² < 0.49   | CV² ≥ 0.49 |
 * |------------|--------------|------------|
 * | ADI < 1.32 | smooth       | erratic    |
 * | ADI ≥ 1.32 | intermittent | lumpy      |
 *
 * `none`: no week with demand (no history at all, every week missing, or only zeros).
 */
import type { Series } from './clean.ts';

export type DemandClass = 'smooth' | 'erratic' | 'intermittent' | 'lumpy' | 'none';

export const ADI_CUTOFF = 1.32;
export const CV2_CUTOFF = 0.49;

export interface Classification {
  readonly demandClass: DemandClass;
  /** Average demand interval in weeks (0 when there is no demand). */
  readonly adi: number;
  /** Squared coefficient of variation of the non-zero weekly sizes (0 with fewer than two). */
  readonly cv2: number;
}

export const classOf = (adi: number, cv2: number): DemandClass => {
  if (!(adi > 0)) return 'none';
  if (adi < ADI_CUTOFF) return cv2 < CV2_CUTOFF ? 'smooth' : 'erratic';
  return cv2 < CV2_CUTOFF ? 'intermittent' : 'lumpy';
};

/**
 * The class of a cleaned series. A single sale says nothing about an interval from the first week of
 * demand: its ADI counts every observed week of the window.
 */
export const classify = (s: Pick<Series, 'nonZero' | 'observed' | 'observedAll' | 'sizeMean' | 'sizeVar'>): Classification => {
  if (s.nonZero === 0) return { demandClass: 'none', adi: 0, cv2: 0 };
  const adi = s.nonZero === 1 ? Math.max(1, s.observedAll) : s.observed / s.nonZero;
  // (σ/μ)², not σ²/μ²: μ² underflows for sizes near the smallest doubles.
  const cv = s.nonZero > 1 && s.sizeMean > 0 ? Math.sqrt(s.sizeVar) / s.sizeMean : 0;
  const cv2 = Number.isFinite(cv) ? cv * cv : 0;
  return { demandClass: classOf(adi, cv2), adi, cv2 };
};
