import type {Motif} from './motifs.js'
import type {Strand} from '../dna.js'

export type MotifHitFormat = 'bed' | 'tsv'
export const MOTIF_HIT_FORMATS: MotifHitFormat[] = ['bed', 'tsv']

/** What a hit line needs (0-based start; the site is start … start + motif width). */
export interface HitFields {
  chrom: string
  start: number
  motif: number
  strand: Strand
  score: number
  pvalue: number
  matched: string
}

/** A number as C's printf("%.3g") prints it (FIMO prints p- and q-values so): 3 significant digits, e-notation below 1e-4. */
export function formatG(x: number, digits = 3): string {
  if (x === 0) return '0'
  if (!Number.isFinite(x)) return String(x)
  const exp = Math.floor(Math.log10(Math.abs(x)))
  if (exp < -4 || exp >= digits) {
    const [m, e] = x.toExponential(digits - 1).split('e') as [string, string]
    const mant = m.includes('.') ? m.replace(/\.?0+$/, '') : m
    const n = Number(e)
    return `${mant}e${n < 0 ? '-' : '+'}${String(Math.abs(n)).padStart(2, '0')}`
  }
  const s = x.toFixed(Math.max(0, digits - 1 - exp))
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s
}

/**
 * Motif hits as lines. BED6+3 (0-based half-open): chrom start end motif_id score strand p_value q_value
 * matched_sequence. TSV: FIMO's columns and conventions (its --text output: 1-based start, inclusive stop),
 * so scripts written for FIMO read it unchanged: motif_id motif_alt_id sequence_name start stop strand score
 * p-value q-value matched_sequence. A q-value not computed (--no-qvalue) is NA. matched_sequence is the
 * site read on its strand (reverse-complemented on −), upper case.
 */
export class MotifHitFormatter {
  constructor(readonly format: MotifHitFormat, private readonly motifs: Motif[]) {}

  header(): string | undefined {
    return this.format === 'tsv' ? ['motif_id', 'motif_alt_id', 'sequence_name', 'start', 'stop', 'strand', 'score', 'p-value', 'q-value', 'matched_sequence'].join('\t') : undefined
  }

  line(h: HitFields, q: number | undefined): string {
    const m = this.motifs[h.motif]!
    const end = h.start + m.freqs.length
    const qv = q === undefined ? 'NA' : formatG(q)
    if (this.format === 'bed') return [h.chrom, h.start, end, m.id, h.score.toFixed(4), h.strand, formatG(h.pvalue), qv, h.matched].join('\t')
    return [m.id, m.name || '.', h.chrom, h.start + 1, end, h.strand, h.score.toFixed(4), formatG(h.pvalue), qv, h.matched].join('\t')
  }
}
