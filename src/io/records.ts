import type {Region} from './regions.js'

export type Strand = '+' | '-'
export type Format = 'bed' | 'bedgraph' | 'tsv'
export const FORMATS: Format[] = ['bed', 'bedgraph', 'tsv']

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
 */
export class RecordFormatter {
  constructor(
    readonly format: Format,
    private readonly name: string,
    private readonly labels: string[],
  ) {}

  header(): string | undefined {
    if (this.format !== 'tsv') return undefined
    return ['chrom', 'start', 'end', 'score', 'strand', 'score_plus', 'score_minus', ...this.labels.map((l) => `prob_${l}`)].join('\t')
  }

  line(r: ScoredWindow): string {
    switch (this.format) {
      case 'bed':
        return `${r.chrom}\t${r.start}\t${r.end}\t${this.name}\t${fmt(r.score)}\t${r.strand}`
      case 'bedgraph':
        return `${r.chrom}\t${r.start}\t${r.end}\t${fmt(r.score)}`
      case 'tsv':
        return [r.chrom, r.start, r.end, fmt(r.score), r.strand, fmt(r.plus), fmt(r.minus), ...r.probs.map(fmt)].join('\t')
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
