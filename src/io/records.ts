import type {Region} from './regions.js'

export type Strand = '+' | '-'
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

const fmt = (x: number | undefined): string => (x === undefined ? 'NA' : x.toFixed(4))

/**
 * Turns scored windows into lines of one format. BED6: chrom start end name score strand (0-based,
 * score = probability in [0, 1]); bedGraph: chrom start end score; TSV: a header naming every column.
 * `extra` names columns appended to BED and TSV lines (e.g. signal_mean, signal_max of --signal);
 * a missing extra value is "." in BED and NA in TSV.
 */
export class RecordFormatter {
  constructor(
    readonly format: TextFormat,
    private readonly name: string,
    private readonly labels: string[],
    private readonly extra: string[] = [],
  ) {
    if (extra.length > 0 && format === 'bedgraph') throw new Error('bedGraph has no room for extra columns')
  }

  header(): string | undefined {
    if (this.format !== 'tsv') return undefined
    return ['chrom', 'start', 'end', 'score', 'strand', 'score_plus', 'score_minus', ...this.labels.map((l) => `prob_${l}`), ...this.extra].join('\t')
  }

  line(r: ScoredWindow, extra: Array<number | undefined> = []): string {
    switch (this.format) {
      case 'bed':
        return [r.chrom, r.start, r.end, this.name, fmt(r.score), r.strand, ...extra.map((x) => (x === undefined ? '.' : fmt(x)))].join('\t')
      case 'bedgraph':
        return `${r.chrom}\t${r.start}\t${r.end}\t${fmt(r.score)}`
      case 'tsv':
        return [r.chrom, r.start, r.end, fmt(r.score), r.strand, fmt(r.plus), fmt(r.minus), ...r.probs.map(fmt), ...extra.map(fmt)].join('\t')
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
