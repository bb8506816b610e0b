import {GroverError} from '../errors.js'
import {formatG} from './motif-hits.js'
import type {Region} from './regions.js'

import type {Strand} from '../dna.js'
export type {Strand}
export type Format = 'bed' | 'bedgraph' | 'tsv' | 'bigwig'
export const FORMATS: Format[] = ['bed', 'bedgraph', 'tsv', 'bigwig']
export type TextFormat = Exclude<Format, 'bigwig'>

/** One scored window (0-based half-open), as the writers receive it. */
export interface ScoredWindow extends Region {
  /** probability of the positive label, averaged over the scored strands */
  score: number
  /** the strand that scored higher (the only one scored with --strand + or -) */
  strand: Strand
  /** per-strand positive-label probabilities; undefined for a strand not scored */
  plus: number | undefined
  minus: number | undefined
  /** probability of every label, averaged over the scored strands, in label order */
  probs: number[]
}

/** The best motif site inside a record (predict --motifs): 0-based half-open genome coordinates. */
export interface RecordMotif {
  start: number
  end: number
  strand: Strand
  score: number
  pvalue: number
}

const fmt = (x: number | undefined): string => (x === undefined ? 'NA' : x.toFixed(4))
/** raw model scores (DeepBind's): 6 significant digits, not rounded to 4 decimals */
const fmtRaw = (x: number | undefined): string => (x === undefined ? 'NA' : Number(x.toPrecision(6)).toString())

/**
 * Turns scored windows into lines of one format. BED6: chrom start end name score strand (0-based,
 * score = probability in [0, 1]); bedGraph: chrom start end score; TSV: a header naming every column.
 * With `motif` (predict --motifs), BED becomes BED8: thickStart thickEnd = the best motif site inside the
 * record, and strand = the site's orientation; a record without a site has thickStart = thickEnd = start
 * and keeps the strand that scored higher. TSV gains motif_start motif_end motif_strand motif_score
 * motif_pvalue (0-based half-open; NA without a site). `extra` names columns appended to BED and TSV lines
 * (e.g. signal_mean, signal_max of --signal); a missing extra value is "." in BED and NA in TSV.
 */
export class RecordFormatter {
  constructor(
    readonly format: TextFormat,
    private readonly name: string,
    private readonly labels: string[],
    private readonly extra: string[] = [],
    private readonly motif = false,
    /** scores are a model's raw numbers (score bundles), printed with 6 significant digits */
    private readonly raw = false,
  ) {
    if ((extra.length > 0 || motif) && format === 'bedgraph') throw new Error('bedGraph has no room for extra columns')
  }

  header(): string | undefined {
    if (this.format !== 'tsv') return undefined
    const motif = this.motif ? ['motif_start', 'motif_end', 'motif_strand', 'motif_score', 'motif_pvalue'] : []
    return ['chrom', 'start', 'end', 'score', 'strand', 'score_plus', 'score_minus', ...this.labels.map((l) => `prob_${l}`), ...motif, ...this.extra].join('\t')
  }

  line(r: ScoredWindow, extra: Array<number | undefined> = [], m?: RecordMotif): string {
    const sc = this.raw ? fmtRaw : fmt
    switch (this.format) {
      case 'bed': {
        const thick = this.motif ? (m ? [m.start, m.end] : [r.start, r.start]) : []
        return [r.chrom, r.start, r.end, this.name, sc(r.score), m ? m.strand : r.strand, ...thick, ...extra.map((x) => (x === undefined ? '.' : fmt(x)))].join('\t')
      }
      case 'bedgraph':
        return `${r.chrom}\t${r.start}\t${r.end}\t${sc(r.score)}`
      case 'tsv': {
        const motif = !this.motif ? [] : m ? [m.start, m.end, m.strand, m.score.toFixed(4), formatG(m.pvalue)] : ['NA', 'NA', 'NA', 'NA', 'NA']
        return [r.chrom, r.start, r.end, sc(r.score), r.strand, sc(r.plus), sc(r.minus), ...r.probs.map(fmt), ...motif, ...extra.map(fmt)].join('\t')
      }
    }
  }
}

/**
 * Joins overlapping or touching windows (as `bedtools merge` does) into one record spanning them; the
 * record keeps the values of its highest-scoring window. Feed windows in order; call flush() at the end.
 */
export class WindowMerger {
  private cur: ScoredWindow | undefined

  /** Returns the finished record when r starts a new one. */
  push(r: ScoredWindow): ScoredWindow | undefined {
    const cur = this.cur
    if (cur && cur.chrom === r.chrom && r.start <= cur.end) {
      const end = Math.max(cur.end, r.end)
      this.cur = r.score > cur.score ? {...r, start: cur.start, end} : {...cur, end}
      return undefined
    }
    this.cur = {...r}
    return cur
  }

  flush(): ScoredWindow | undefined {
    const cur = this.cur
    this.cur = undefined
    return cur
  }
}

/** Where an interrupted predict output ends: windows starting at or before `pos` on chromosome number `chrom` are done. */
export interface ResumePoint {
  chrom: number
  pos: number
}

/**
 * --resume: read the last complete record of an interrupted output (a TSV header alone means nothing
 * was written yet). Without --merge a record is one window, so windows up to its start are done; with
 * --merge a record may join many, so windows up to its end are. `chromOrder` is the FASTA index order.
 */
export function resumePointOf(last: string | undefined, format: Format, merge: boolean, chromOrder: Map<string, number>): {point: ResumePoint; label: string} | undefined {
  if (last === undefined || (format === 'tsv' && last.startsWith('chrom\t'))) return undefined
  const f = last.split('\t')
  const c = chromOrder.get(f[0] ?? '')
  if (c === undefined || f.length < 3 || !/^[0-9]+$/.test(f[1]!) || !/^[0-9]+$/.test(f[2]!)) {
    throw new GroverError(`--resume: the last record of the interrupted output ("${last.slice(0, 80)}") is not a ${format} record of this FASTA. Resume with the same FASTA and options, or run without --resume.`)
  }
  return {point: {chrom: c, pos: Number(merge ? f[2] : f[1])}, label: `${f[0]}:${Number(f[1]) + 1}-${f[2]}`}
}
