import {GroverError} from '../errors.js'
import type {Fasta} from '../io/fasta.js'
import type {Region} from '../io/regions.js'

/** A window to score: a Region (0-based half-open) with its upper-cased bases. */
export interface Window extends Region {
  seq: string
  /** bases of the job done once this window is (for progress): earlier regions plus this one up to its end */
  bpDone: number
}

/**
 * Tile a region with windows of `window` bp every `stride` bp, starting at region.start.
 * The tail is never lost: when the last regular window stops short of region.end, one more window
 * ends exactly at region.end (it overlaps its neighbour). A region shorter than a window is one
 * window of its own length.
 */
export function* tile(region: Region, window: number, stride: number): Generator<Region> {
  const {chrom, start, end} = region
  if (end - start <= window) {
    if (end > start) yield {chrom, start, end}
    return
  }
  let s = start
  for (; s + window <= end; s += stride) yield {chrom, start: s, end: s + window}
  const lastStart = s - stride
  if (lastStart + window < end) yield {chrom, start: end - window, end}
}

/** Number of windows tile() yields, without generating them (for progress totals). */
export function countWindows(region: Region, window: number, stride: number): number {
  const len = region.end - region.start
  if (len <= 0) return 0
  if (len <= window) return 1
  const regular = Math.floor((len - window) / stride) + 1
  const lastEnd = region.start + (regular - 1) * stride + window
  return regular + (lastEnd < region.end ? 1 : 0)
}

export function checkWindowing(window: number, stride: number, source: string): void {
  if (!Number.isInteger(window) || window < 1) throw new GroverError(`${source}: window must be a positive whole number of bp, got ${window}.`)
  if (!Number.isInteger(stride) || stride < 1) throw new GroverError(`${source}: stride must be a positive whole number of bp, got ${stride}.`)
  if (stride > window) {
    throw new GroverError(`${source}: stride ${stride} is larger than window ${window}, which would leave bases between windows unscored. Use --stride ≤ --window.`)
  }
}

/**
 * Windows of regions with their bases, read from the FASTA in blocks of about `block` bp so memory
 * stays flat however long a chromosome is.
 */
export async function* windowsOf(fasta: Fasta, regions: Region[], window: number, stride: number, block = 1 << 20): AsyncGenerator<Window> {
  let before = 0
  for (const region of regions) {
    let bufStart = 0
    let bufEnd = 0
    let buf = ''
    for (const w of tile(region, window, stride)) {
      if (w.start < bufStart || w.end > bufEnd || buf === '') {
        bufStart = w.start
        bufEnd = Math.min(region.end, Math.max(w.end, w.start + block))
        buf = await fasta.fetch(region.chrom, bufStart, bufEnd)
      }
      yield {...w, seq: buf.slice(w.start - bufStart, w.end - bufStart), bpDone: before + w.end - region.start}
    }
    before += region.end - region.start
  }
}
