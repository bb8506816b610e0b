/**
 * Per-base mean of overlapping windows: windows (sorted by chromosome order and start, as the
 * pipeline produces them) go in, non-overlapping segments come out, each holding the mean score of
 * the windows covering it. With stride = window the segments are the windows themselves; with
 * stride < window every stride-long stretch gets the mean of the window/stride windows over it.
 * Bases no kept window covers get no segment (no data, not zero). Touching segments with the same
 * value are joined. Memory: only the windows overlapping the current position.
 */
export type SegmentSink = (chrom: string, start: number, end: number, value: number) => void

export class OverlapAverager {
  private chrom: string | undefined
  private pos = 0
  /** windows still covering bases at or after pos: their ends and scores */
  private active: Array<{end: number; score: number}> = []
  private pending: {chrom: string; start: number; end: number; value: number} | undefined

  constructor(private readonly sink: SegmentSink) {}

  push(chrom: string, start: number, end: number, score: number): void {
    if (chrom !== this.chrom) {
      this.drain(Infinity)
      this.chrom = chrom
      this.pos = start
    } else {
      if (start < this.pos && this.active.length === 0) throw new Error(`windows out of order at ${chrom}:${start}`)
      this.drain(start)
    }
    if (this.active.length === 0) this.pos = start
    this.active.push({end, score})
  }

  /** Emit everything; call at the end. */
  flush(): void {
    this.drain(Infinity)
    this.chrom = undefined
    this.emitPending()
  }

  /** Emit segments for bases before `upTo` (exclusive). */
  private drain(upTo: number): void {
    while (this.active.length > 0 && this.pos < upTo) {
      let next = upTo
      let sum = 0
      for (const w of this.active) {
        if (w.end < next) next = w.end
        sum += w.score
      }
      if (next > this.pos) this.segment(this.chrom!, this.pos, next, sum / this.active.length)
      this.pos = next
      this.active = this.active.filter((w) => w.end > next)
    }
  }

  private segment(chrom: string, start: number, end: number, value: number): void {
    const v = Math.fround(value)
    const p = this.pending
    if (p && p.chrom === chrom && p.end === start && p.value === v) {
      p.end = end
      return
    }
    this.emitPending()
    this.pending = {chrom, start, end, value: v}
  }

  private emitPending(): void {
    const p = this.pending
    if (p) this.sink(p.chrom, p.start, p.end, p.value)
    this.pending = undefined
  }
}
