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

/** A window placed in the run, before its bases are read. */
export interface Planned extends Region {
  /** 0-based index of the window among all windows of the run (before any filtering) */
  ordinal: number
  /** bp of the run before this window's start: earlier regions plus the part of its region before it */
  offset: number
  /** end of the window's region (bases are never read past it) */
  regionEnd: number
  bpDone: number
}

/** Every window of the regions, in order, with its ordinal and offset; cheap (no bases read). */
export function* plan(regions: Region[], window: number, stride: number): Generator<Planned> {
  let before = 0
  let ordinal = 0
  for (const region of regions) {
    for (const w of tile(region, window, stride)) {
      yield {...w, ordinal: ordinal++, offset: before + w.start - region.start, regionEnd: region.end, bpDone: before + w.end - region.start}
    }
    before += region.end - region.start
  }
}

/**
 * Keep whole blocks of `blockSize` consecutive windows (by ordinal) for which keep(first, last) is true.
 * Batches are formed per block (see batchWindows), so a shard or a resumed run scores exactly the
 * batches a single uninterrupted run would, and its floating-point results are the same bit for bit.
 */
export function* keepBlocks(windows: Iterable<Planned>, blockSize: number, keep: (first: Planned, last: Planned) => boolean): Generator<Planned> {
  let block: Planned[] = []
  const flush = function* () {
    if (block.length && keep(block[0]!, block[block.length - 1]!)) yield* block
    block = []
  }
  for (const w of windows) {
    if (block.length && Math.floor(w.ordinal / blockSize) !== Math.floor(block[0]!.ordinal / blockSize)) yield* flush()
    block.push(w)
  }
  yield* flush()
}

/**
 * `--shard i/n` (1-based): shard k (0-based) owns the bp offsets [⌊k·total/n⌋, ⌊(k+1)·total/n⌋) of the
 * run; a block of windows belongs to the shard owning its first window's start, so no window is split
 * or scored twice, and shard outputs concatenated in order equal the single run.
 */
export function shardOf(offset: number, total: number, n: number): number {
  let k = Math.min(n - 1, Math.floor((offset * n) / total))
  while (k + 1 < n && Math.floor(((k + 1) * total) / n) <= offset) k++
  while (k > 0 && Math.floor((k * total) / n) > offset) k--
  return k
}

export function parseShard(text: string): {index: number; count: number} {
  const m = /^([0-9]+)\/([0-9]+)$/.exec(text.trim())
  const i = m ? Number(m[1]) : NaN
  const n = m ? Number(m[2]) : NaN
  if (!m || n < 1 || i < 1 || i > n) throw new GroverError(`--shard "${text}": expected i/n with 1 ≤ i ≤ n, e.g. --shard 2/8 (the second of 8 shards).`)
  return {index: i - 1, count: n}
}

/**
 * Windows with their bases, read from the FASTA in blocks of about `block` bp so memory stays flat
 * however long a chromosome is; only the windows given are read.
 */
export async function* withSequence<P extends Planned>(fasta: Fasta, windows: Iterable<P>, block = 1 << 20): AsyncGenerator<P & Window> {
  let chrom = ''
  let bufStart = 0
  let bufEnd = 0
  let buf = ''
  for (const w of windows) {
    if (w.chrom !== chrom || w.start < bufStart || w.end > bufEnd || buf === '') {
      chrom = w.chrom
      bufStart = w.start
      bufEnd = Math.min(w.regionEnd, Math.max(w.end, w.start + block))
      buf = await fasta.fetch(w.chrom, bufStart, bufEnd)
    }
    yield {...w, seq: buf.slice(w.start - bufStart, w.end - bufStart)}
  }
}

/** Every window of the regions with its bases. */
export function windowsOf(fasta: Fasta, regions: Region[], window: number, stride: number, block = 1 << 20): AsyncGenerator<Planned & Window> {
  return withSequence(fasta, plan(regions, window, stride), block)
}
