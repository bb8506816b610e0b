import type {Motif} from '../io/motifs.js'

/** Scaled scores of one PSSM column lie in [0, PSSM_RANGE], as in FIMO (MEME suite's pssm.h). */
export const PSSM_RANGE = 100

/** MEME's DEFAULT_SITE_COUNT: the sites a probability matrix is taken to come from when its file gives none. */
export const DEFAULT_SITES = 20

/**
 * A motif ready for scanning, built as FIMO builds it (MEME suite 5):
 *  - pseudocounts: p'[i][b] = (f[i][b] · n + pseudocount · bg[b]) / (n + pseudocount), n = the motif's sites
 *    (a count matrix's column total — so p' = (count + pseudocount · bg) / (total + pseudocount), as
 *    Biopython's counts.normalize(pseudocounts) — MEME's nsites, else 20);
 *  - log-odds: score[i][b] = log2(p'[i][b] / bg[b]);
 *  - integer scaling for p-values: scaled = round((score − min) · scale), scale = PSSM_RANGE / (max − min)
 *    over the whole matrix, so a site's scaled score is an integer in [0, PSSM_RANGE · width];
 *  - p-values: the exact distribution of the scaled score of a random site under the order-0 background
 *    (a convolution over the columns), pv[s] = P(score ≥ s).
 * The score reported for a site is its exact log-odds sum; its p-value is pv[its scaled sum].
 */
export class Pssm {
  readonly width: number
  /** log2-odds [position × 4] */
  readonly logOdds: Float64Array
  /** the same, reverse-complemented: the motif read on the minus strand */
  readonly logOddsRc: Float64Array
  /** scaled scores [position × 5]; code 4 (N and other letters) is a large negative number: never a site */
  readonly scaled: Int32Array
  readonly scaledRc: Int32Array
  /** pv[s] = P(scaled score ≥ s) for s = 0 … PSSM_RANGE · width */
  readonly pv: Float64Array
  /** best scaled score still reachable from position i on: bestFrom[i] = Σ_{k ≥ i} max_b scaled[k][b] */
  readonly bestFrom: Int32Array
  readonly bestFromRc: Int32Array
  readonly scale: number
  readonly offset: number
  /** how the scanner scores each strand: a lookup table for its most informative PREFIX positions, then the rest (see StrandScan) */
  readonly scanPlus: StrandScan | undefined
  readonly scanMinus: StrandScan | undefined

  constructor(readonly motif: Motif, readonly background: number[], readonly pseudocount: number) {
    const w = motif.freqs.length
    this.width = w
    this.logOdds = new Float64Array(w * 4)
    for (let i = 0; i < w; i++) {
      const n = motif.totals?.[i] ?? motif.sites ?? DEFAULT_SITES
      for (let b = 0; b < 4; b++) {
        const p = pseudocount > 0 ? (motif.freqs[i]![b]! * n + pseudocount * background[b]!) / (n + pseudocount) : motif.freqs[i]![b]!
        this.logOdds[i * 4 + b] = Math.log2(p / background[b]!)
      }
    }
    this.logOddsRc = reverseComplementMatrix(this.logOdds, w)
    let min = Infinity
    let max = -Infinity
    for (const x of this.logOdds) {
      if (!Number.isFinite(x)) continue
      min = Math.min(min, x)
      max = Math.max(max, x)
    }
    if (!Number.isFinite(min)) min = max = 0
    this.offset = min
    this.scale = max > min ? PSSM_RANGE / (max - min) : 1
    const NEVER = -(PSSM_RANGE * w + 1) * 4
    const toScaled = (m: Float64Array) => {
      const out = new Int32Array(w * 5).fill(NEVER)
      for (let i = 0; i < w; i++) {
        for (let b = 0; b < 4; b++) {
          const x = m[i * 4 + b]!
          // a zero frequency without pseudocount is −∞: it can never be part of a site
          out[i * 5 + b] = Number.isFinite(x) ? Math.round((x - this.offset) * this.scale) : NEVER
        }
      }
      return out
    }
    this.scaled = toScaled(this.logOdds)
    this.scaledRc = toScaled(this.logOddsRc)
    this.pv = scorePvalues(this.scaled, w, background)
    this.bestFrom = bestFrom(this.scaled, w)
    this.bestFromRc = bestFrom(this.scaledRc, w)
    this.scanPlus = w >= PREFIX ? strandScan(this.scaled, w) : undefined
    this.scanMinus = w >= PREFIX ? strandScan(this.scaledRc, w) : undefined
  }

  /**
   * For a scan at `need`, per strand: which PREFIX-mers at the strand's lookup offset can still make a site
   * reach `need` (1) or not (0). For an informative motif most cannot, so most positions cost one lookup.
   */
  viable(scan: StrandScan, need: number): Uint8Array {
    const out = new Uint8Array(4 ** PREFIX)
    const rest = scan.bestAfter[0]!
    for (let k = 0; k < out.length; k++) out[k] = scan.table[k]! + rest >= need ? 1 : 0
    return out
  }

  /** The smallest scaled score whose p-value is below `threshold` (PSSM_RANGE · width + 1: none is). */
  minScaledFor(threshold: number): number {
    for (let s = 0; s < this.pv.length; s++) if (this.pv[s]! < threshold) return s
    return this.pv.length
  }

  /** Exact log-odds of the site at codes[at …] on the given strand (codes 0 … 3 only). */
  rawScore(codes: Uint8Array, at: number, minus: boolean): number {
    const m = minus ? this.logOddsRc : this.logOdds
    let s = 0
    for (let i = 0; i < this.width; i++) s += m[i * 4 + codes[at + i]!]!
    return s
  }
}

/** Bases scored at once through a lookup table when scanning (4^PREFIX entries per motif and strand). */
export const PREFIX = 6

/** codes → base-4 number of the PREFIX bases starting at each position (−1 when one is not ACGT or past the end). */
export function kmerCodes(codes: Uint8Array, out: Int32Array<ArrayBufferLike> = new Int32Array(codes.length)): Int32Array<ArrayBufferLike> {
  out.fill(-1)
  const mask = 4 ** PREFIX - 1
  let k = 0
  let good = 0 // ACGT bases in a row ending at i
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i]!
    if (c > 3) {
      good = 0
      k = 0
      continue
    }
    k = ((k << 2) | c) & mask
    if (++good >= PREFIX) out[i - PREFIX + 1] = k
  }
  return out
}

/**
 * How one strand of a motif is scanned: the PREFIX consecutive positions that tell sites apart most
 * (largest spread of scaled scores) are scored at once from `table` (indexed by their base-4 code, at
 * `offset` into the site); the other positions follow in `order`, most informative first, and
 * `bestAfter[k]` is the best that positions order[k …] can still add, so a site is abandoned as soon as it
 * cannot reach the threshold.
 */
export interface StrandScan {
  offset: number
  table: Int32Array
  order: Int32Array
  bestAfter: Int32Array
}

function strandScan(scaled: Int32Array, w: number): StrandScan {
  const col = (i: number) => [0, 1, 2, 3].map((b) => scaled[i * 5 + b]!)
  const spread = Array.from({length: w}, (_, i) => Math.max(...col(i)) - Math.min(...col(i)))
  let offset = 0
  let bestSum = -Infinity
  for (let o = 0; o + PREFIX <= w; o++) {
    let t = 0
    for (let i = o; i < o + PREFIX; i++) t += spread[i]!
    if (t > bestSum) {
      bestSum = t
      offset = o
    }
  }
  const table = new Int32Array(4 ** PREFIX)
  for (let k = 0; k < table.length; k++) {
    let sum = 0
    for (let i = 0; i < PREFIX; i++) sum += scaled[(offset + i) * 5 + ((k >> (2 * (PREFIX - 1 - i))) & 3)]!
    table[k] = sum
  }
  const rest = Array.from({length: w}, (_, i) => i).filter((i) => i < offset || i >= offset + PREFIX).sort((x, y) => spread[y]! - spread[x]! || x - y)
  const bestAfter = new Int32Array(rest.length + 1)
  for (let k = rest.length - 1; k >= 0; k--) bestAfter[k] = bestAfter[k + 1]! + Math.max(...col(rest[k]!))
  return {offset, table, order: Int32Array.from(rest), bestAfter}
}

function reverseComplementMatrix(m: Float64Array, w: number): Float64Array {
  const out = new Float64Array(w * 4)
  for (let i = 0; i < w; i++) for (let b = 0; b < 4; b++) out[i * 4 + b] = m[(w - 1 - i) * 4 + (3 - b)]!
  return out
}

function bestFrom(scaled: Int32Array, w: number): Int32Array {
  const out = new Int32Array(w + 1)
  for (let i = w - 1; i >= 0; i--) {
    let best = scaled[i * 5]!
    for (let b = 1; b < 4; b++) best = Math.max(best, scaled[i * 5 + b]!)
    out[i] = out[i + 1]! + best
  }
  return out
}

/**
 * The distribution of a random site's scaled score under the order-0 background, by dynamic programming
 * over the columns, returned as pv[s] = P(score ≥ s).
 */
export function scorePvalues(scaled: Int32Array, w: number, bg: number[]): Float64Array {
  const max = PSSM_RANGE * w
  let pdf = new Float64Array(max + 1)
  let next = new Float64Array(max + 1)
  pdf[0] = 1
  let top = 0
  for (let i = 0; i < w; i++) {
    next.fill(0, 0, Math.min(max, top + PSSM_RANGE) + 1)
    for (let s = 0; s <= top; s++) {
      const p = pdf[s]!
      if (p === 0) continue
      for (let b = 0; b < 4; b++) {
        const v = scaled[i * 5 + b]!
        if (v < 0) continue // impossible letter (zero frequency, no pseudocount)
        next[s + v] = next[s + v]! + p * bg[b]!
      }
    }
    ;[pdf, next] = [next, pdf]
    top = Math.min(max, top + PSSM_RANGE)
  }
  const pv = new Float64Array(max + 2)
  for (let s = max; s >= 0; s--) pv[s] = pv[s + 1]! + pdf[s]!
  return pv.subarray(0, max + 1)
}

/**
 * Benjamini–Hochberg q-values of one motif's hits from the counts of its hits by scaled score: every test
 * with p below the reporting threshold is a hit, so the rank of a hit's p-value among all `tests` p-values
 * is the number of hits scoring at least as high; q = min over p' ≥ p of tests · p' / rank(p'), at most 1.
 * Returns q by scaled score.
 */
export function qvaluesByScore(hitCounts: Map<number, number>, pv: Float64Array, tests: number): Map<number, number> {
  const scores = [...hitCounts.keys()].sort((a, b) => b - a) // best first: p ascending
  const q = new Map<number, number>()
  let rank = 0
  const raw: number[] = []
  for (const s of scores) {
    rank += hitCounts.get(s)!
    raw.push(Math.min(1, (tests * pv[s]!) / rank))
  }
  // step-up: q at a p-value is the smallest value at it or any larger p-value
  let min = 1
  for (let k = scores.length - 1; k >= 0; k--) {
    min = Math.min(min, raw[k]!)
    q.set(scores[k]!, min)
  }
  return q
}
