/**
 * Binary-classification metrics with scikit-learn's definitions, ties included (checked against
 * sklearn in test/evaluate.test.ts): every distinct score is one threshold, "positive" means
 * score ≥ threshold.
 */

export interface Curves {
  /** distinct thresholds, descending, and the counts of predicted positives at each */
  thresholds: number[]
  tp: number[]
  fp: number[]
  positives: number
  negatives: number
}

/** Cumulative true/false positives at each distinct score, highest first. */
export function curves(labels: ArrayLike<number>, scores: ArrayLike<number>): Curves {
  const n = scores.length
  const order = Array.from({length: n}, (_, i) => i).sort((a, b) => scores[b]! - scores[a]!)
  const thresholds: number[] = []
  const tp: number[] = []
  const fp: number[] = []
  let t = 0
  let f = 0
  for (let k = 0; k < n; k++) {
    const i = order[k]!
    if (labels[i]) t++
    else f++
    const next = order[k + 1]
    if (next === undefined || scores[next]! !== scores[i]!) {
      thresholds.push(scores[i]!)
      tp.push(t)
      fp.push(f)
    }
  }
  return {thresholds, tp, fp, positives: t, negatives: f}
}

/** Area under the ROC curve (trapezoids, as sklearn.metrics.roc_auc_score); NaN with one class. */
export function auroc(c: Curves): number {
  if (c.positives === 0 || c.negatives === 0) return NaN
  let area = 0
  let px = 0
  let py = 0
  for (let k = 0; k < c.thresholds.length; k++) {
    const x = c.fp[k]! / c.negatives
    const y = c.tp[k]! / c.positives
    area += ((x - px) * (y + py)) / 2
    px = x
    py = y
  }
  return area
}

/** Average precision, Σ (R_k − R_{k−1}) P_k (sklearn.metrics.average_precision_score); NaN without positives. */
export function averagePrecision(c: Curves): number {
  if (c.positives === 0) return NaN
  let ap = 0
  let prevR = 0
  for (let k = 0; k < c.thresholds.length; k++) {
    const r = c.tp[k]! / c.positives
    const p = c.tp[k]! / (c.tp[k]! + c.fp[k]!)
    ap += (r - prevR) * p
    prevR = r
  }
  return ap
}

/** The highest F1 over all thresholds, and the lowest threshold that reaches it (sklearn's argmax over its PR curve). */
export function bestF1(c: Curves): {f1: number; threshold: number} {
  let best = {f1: NaN, threshold: NaN}
  for (let k = 0; k < c.thresholds.length; k++) {
    // computed as sklearn does (from float precision and recall), so exact ties break the same way
    const p = c.tp[k]! / (c.tp[k]! + c.fp[k]!)
    const r = c.tp[k]! / c.positives
    const f1 = p + r > 0 ? (2 * p * r) / (p + r) : 0
    if (!(f1 < best.f1)) best = {f1, threshold: c.thresholds[k]!}
  }
  return best
}

/** Matthews correlation of "score ≥ threshold" with the labels (0 when undefined, as sklearn). */
/** The score threshold with the highest MCC (the lowest such score on ties; 0.5 when there are no scores). */
export function maxMccThreshold(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let threshold = 0.5
  let best = -Infinity
  for (const t of [...new Set(Array.from(scores))].sort((a, b) => a - b)) {
    const m = mcc(labels, scores, t)
    if (m > best) {
      best = m
      threshold = t
    }
  }
  return threshold
}

export function mcc(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): number {
  let tp = 0
  let fp = 0
  let tn = 0
  let fn = 0
  for (let i = 0; i < scores.length; i++) {
    const p = scores[i]! >= threshold
    if (labels[i]) {
      if (p) tp++
      else fn++
    } else if (p) fp++
    else tn++
  }
  const den = Math.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
  return den === 0 ? 0 : (tp * tn - fp * fn) / den
}

export interface Metrics {
  n: number
  positives: number
  auroc: number | null
  auprc: number | null
  best_f1: number | null
  best_f1_threshold: number | null
  mcc: number
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null)

export function metrics(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): Metrics {
  const c = curves(labels, scores)
  const f = bestF1(c)
  return {
    n: scores.length,
    positives: c.positives,
    auroc: num(auroc(c)),
    auprc: num(averagePrecision(c)),
    best_f1: c.positives ? num(f.f1) : null,
    best_f1_threshold: c.positives ? num(f.threshold) : null,
    mcc: mcc(labels, scores, threshold),
  }
}
