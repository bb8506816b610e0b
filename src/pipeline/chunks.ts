import {Interrupted} from '../errors.js'
import type {PoolSpec, ScanMeta} from '../model/bundle.js'
import type {Fasta} from '../io/fasta.js'
import {encodeCodes, ONEHOT_CODES, reverseComplementCodes} from '../tokenizers/onehot.js'
import type {WindowCounts} from './batches.js'
import type {Planned} from './windows.js'
import type {Strand} from '../dna.js'

/**
 * Fully convolutional scanning of one-hot classifiers (grover.json "onnx.scan"). Instead of running the
 * model on every window, the trunk (valid convolutions) runs once over a chunk of consecutive windows of one
 * region, on each strand, and each window's features are pooled out of the chunk's feature map: the cost
 * no longer grows with window / stride.
 *
 * Chunks are cut inside blocks of `blockWindows` consecutive window ordinals (as batches are for token
 * models), so a shard or a resumed run computes exactly the chunks a whole run does and its output is the
 * same byte for byte.
 */

/** bp of sequence a chunk spans at most (plus one window), and what sizes blocks of windows. */
export const CHUNK_BP = 65536

/** Windows per block: as many as fit in CHUNK_BP of one region (at least one). */
export function blockWindows(window: number, stride: number): number {
  return Math.max(1, Math.floor((CHUNK_BP - window) / stride) + 1)
}

/** Consecutive kept windows of one region and the bases [start, end) they span, as one-hot codes. */
export interface Chunk {
  chrom: string
  start: number
  end: number
  codes: Uint8Array
  /** the chunk's windows: [first, first + count) of its batch's windows */
  first: number
  count: number
}

/** What one trunk + head pass scores: windows (in order, `per` strands each) and the chunks holding them. */
export interface ScanBatch<W extends Planned = Planned> {
  windows: W[]
  chunks: Chunk[]
  per: number
  bpDone: number
}

export interface ScanOptions {
  strands: Strand[]
  /** skip windows with more than this fraction of non-ACGT bases (as batchWindows does) */
  maxN: number
  /** windows per block (blockWindows()) */
  blockWindows: number
  /**
   * the model's shortest input (bundle min_length): a window shorter than it is N-padded to it, as
   * model.onnx's inputs are, so it is a chunk of its own (its padding is not its neighbours' bases)
   */
  minLength: number
  /** at most this many bp (chunk lengths × strands) per trunk call */
  maxBatchBp?: number
  signal?: AbortSignal
}

const DEFAULT_BATCH_BP = 1 << 18

/**
 * Planned windows (in plan order) → scan batches. Windows mostly N are skipped and counted; a chunk ends at
 * a region's end, a block's end, or a gap between kept windows (a skipped stretch is never computed).
 */
export async function* scanBatches<W extends Planned>(fasta: Fasta, windows: Iterable<W>, o: ScanOptions, counts: WindowCounts): AsyncGenerator<ScanBatch<W>> {
  const budget = o.maxBatchBp ?? DEFAULT_BATCH_BP
  let block: W[] = []
  const flush = async function* (): AsyncGenerator<ScanBatch<W>> {
    if (block.length === 0) return
    const ws = block
    block = []
    let cur: ScanBatch<W> = {windows: [], chunks: [], per: o.strands.length, bpDone: 0}
    let bp = 0
    // runs of the block's windows in one region
    for (let i = 0; i < ws.length;) {
      let j = i + 1
      while (j < ws.length && ws[j]!.chrom === ws[i]!.chrom && ws[j]!.regionEnd === ws[i]!.regionEnd) j++
      const run = ws.slice(i, j)
      i = j
      const spanStart = run[0]!.start
      const spanEnd = run.reduce((a, w) => Math.max(a, w.end), 0)
      const seq = await fasta.fetch(run[0]!.chrom, spanStart, spanEnd)
      // the span's codes once: the N counts of its windows (prefix sums) and its chunks' codes come from them
      const spanCodes = new Uint8Array(seq.length)
      encodeCodes(seq, spanCodes)
      const ambiguous = new Int32Array(seq.length + 1)
      for (let k = 0; k < seq.length; k++) ambiguous[k + 1] = ambiguous[k]! + (spanCodes[k]! >= ONEHOT_CODES.N ? 1 : 0)
      const batches: Array<ScanBatch<W>> = []
      let chunk: {start: number; end: number; windows: W[]} | undefined
      const close = () => {
        if (!chunk) return
        const len = chunk.end - chunk.start
        if (cur.windows.length > 0 && bp + len * o.strands.length > budget) {
          batches.push(cur)
          cur = {windows: [], chunks: [], per: o.strands.length, bpDone: 0}
          bp = 0
        }
        const codes = spanCodes.slice(chunk.start - spanStart, chunk.end - spanStart)
        cur.chunks.push({chrom: run[0]!.chrom, start: chunk.start, end: chunk.end, codes, first: cur.windows.length, count: chunk.windows.length})
        cur.windows.push(...chunk.windows)
        cur.bpDone = chunk.windows[chunk.windows.length - 1]!.bpDone
        bp += len * o.strands.length
        chunk = undefined
      }
      for (const w of run) {
        counts.windows++
        if (o.signal?.aborted) throw new Interrupted()
        const n = ambiguous[w.end - spanStart]! - ambiguous[w.start - spanStart]!
        if (n > o.maxN * (w.end - w.start)) {
          counts.skippedN++
          continue
        }
        const alone = w.end - w.start < o.minLength
        if (chunk && (w.start > chunk.end || alone || chunk.end - chunk.start < o.minLength)) close()
        if (!chunk) chunk = {start: w.start, end: w.end, windows: [w]}
        else {
          chunk.end = Math.max(chunk.end, w.end)
          chunk.windows.push(w)
        }
      }
      close()
      yield* batches
    }
    if (cur.windows.length > 0) yield cur
  }
  let blockNo = -1
  for (const w of windows) {
    const b = Math.floor(w.ordinal / o.blockWindows)
    if (b !== blockNo) {
      yield* flush()
      blockNo = b
    }
    block.push(w)
  }
  yield* flush()
}

/**
 * Pool each window's features out of its chunk's feature map and run the head: logits [windows × per,
 * labels], row i·per + k for window i on strand k, as a window-by-window run of model.onnx gives them.
 * Feature p of a chunk's forward row sees bases chunk.start + p … + receptive_field − 1; on the reverse
 * strand the row is the chunk's reverse complement, so a window [s, e) starts at chunk.end − e there.
 * Inputs shorter than the bundle's min_length are N-padded at the end, as model.onnx's inputs are.
 */
export async function scoreScanBatch(
  b: ScanBatch, strands: Strand[], scan: ScanMeta, minLength: number,
  run: {trunk(codes: Uint8Array, rows: number, length: number): Promise<{data: Float32Array; dims: readonly number[]}>; head(pooled: Float32Array, rows: number, width: number): Promise<{data: Float32Array; dims: readonly number[]}>},
): Promise<{data: Float32Array; dims: readonly number[]}> {
  const C = scan.channels
  const R = scan.receptive_field
  const width = C * scan.pooling.length
  const per = strands.length
  const pooled = new Float32Array(b.windows.length * per * width)
  const byLength = new Map<number, Chunk[]>()
  for (const c of b.chunks) {
    const L = Math.max(c.end - c.start, minLength)
    const list = byLength.get(L)
    if (list) list.push(c)
    else byLength.set(L, [c])
  }
  const pool = new WindowPool(scan.pooling, C, R)
  for (const [L, chunks] of byLength) {
    const rows = chunks.length * per
    const codes = new Uint8Array(rows * L).fill(ONEHOT_CODES.N)
    chunks.forEach((c, i) => {
      const len = c.end - c.start
      strands.forEach((st, k) => {
        const at = (i * per + k) * L
        if (st === '+') codes.set(c.codes, at)
        else reverseComplementCodes(c.codes, 0, len, codes, at)
      })
    })
    const f = await run.trunk(codes, rows, L)
    const P = L - R + 1
    if (f.dims.length !== 3 || f.dims[0] !== rows || f.dims[1] !== C || f.dims[2] !== P) {
      throw new Error(`scan trunk: features [${f.dims.join(', ')}] for ${rows} rows of ${L} bp, expected [${rows}, ${C}, ${P}] (channels ${C}, receptive field ${R} in grover.json)`)
    }
    chunks.forEach((c, i) => {
      strands.forEach((st, k) => {
        const row = f.data.subarray((i * per + k) * C * P, (i * per + k + 1) * C * P)
        const wins: Array<[number, number]> = []
        for (let j = 0; j < c.count; j++) {
          const w = b.windows[c.first + j]!
          wins.push([st === '+' ? w.start - c.start : c.end - w.end, Math.max(w.end - w.start, minLength)])
        }
        pool.run(row, P, wins, pooled, (c.first * per + k) * width, per * width)
      })
    })
  }
  return run.head(pooled, b.windows.length * per, width)
}

/**
 * Per-channel pooling of a feature row [channels × positions] for windows given as [first feature
 * position, window length in bp]: each PoolSpec over the window's positions, or over its central `center`
 * bp (positions whose receptive field lies inside them; the whole window when it is not longer). Max over
 * the maxima of aligned blocks of BLOCK positions plus the loose ends (at most 2·BLOCK + n/BLOCK
 * comparisons per window, exact), mean with float64 prefix sums, so the cost barely depends on how many
 * windows overlap. Results go to out[at + j·step + (spec index)·channels + channel].
 */
export class WindowPool {
  private blocks = new Float32Array(0)
  private sums = new Float64Array(0)

  constructor(private readonly pooling: PoolSpec[], private readonly channels: number, private readonly receptiveField: number) {}

  /** Feature positions [from, from + n) that spec pools for a window whose first position is `first`. */
  span(spec: PoolSpec, first: number, length: number): [number, number] {
    const R = this.receptiveField
    if (spec.center !== undefined && length > spec.center) return [first + Math.floor((length - spec.center) / 2), spec.center - R + 1]
    return [first, length - R + 1]
  }

  run(row: Float32Array, P: number, windows: Array<[number, number]>, out: Float32Array, at: number, step: number): void {
    const nb = Math.ceil(P / BLOCK)
    if (this.blocks.length < nb) this.blocks = new Float32Array(nb)
    if (this.sums.length < P + 1) this.sums = new Float64Array(P + 1)
    const C = this.channels
    const spans = this.pooling.map((spec) => windows.map(([first, length]) => this.span(spec, first, length)))
    const anyMean = this.pooling.some((p) => p.op === 'mean')
    const anyMax = this.pooling.some((p) => p.op === 'max')
    for (let c = 0; c < C; c++) {
      const f = row.subarray(c * P, (c + 1) * P)
      if (anyMean) prefixSums(f, P, this.sums)
      if (anyMax) blockMaxima(f, P, this.blocks)
      for (let pi = 0; pi < this.pooling.length; pi++) {
        const o = at + pi * C + c
        const sp = spans[pi]!
        if (this.pooling[pi]!.op === 'mean') {
          const s = this.sums
          for (let j = 0; j < sp.length; j++) {
            const [from, n] = sp[j]!
            out[o + j * step] = (s[from + n]! - s[from]!) / n
          }
          continue
        }
        for (let j = 0; j < sp.length; j++) out[o + j * step] = rangeMax(f, this.blocks, sp[j]![0], sp[j]![1])
      }
    }
  }
}

/** Positions per block of the max pooling's block maxima. */
const BLOCK = 16

/** m[q] = max of f over block q, [q·BLOCK, min(P, (q + 1)·BLOCK)). */
function blockMaxima(f: Float32Array, P: number, m: Float32Array): void {
  for (let q = 0, s0 = 0; s0 < P; q++, s0 += BLOCK) {
    const e0 = s0 + BLOCK < P ? s0 + BLOCK : P
    let v = -Infinity
    for (let p = s0; p < e0; p++) if (f[p]! > v) v = f[p]!
    m[q] = v
  }
}

/** max of f over [from, from + n): the whole blocks inside it from their maxima, the ends base by base. */
function rangeMax(f: Float32Array, blocks: Float32Array, from: number, n: number): number {
  const e = from + n
  const q0 = Math.ceil(from / BLOCK)
  const q1 = Math.floor(e / BLOCK) // whole blocks q0 … q1 − 1
  let m = -Infinity
  if (q0 >= q1) {
    for (let p = from; p < e; p++) if (f[p]! > m) m = f[p]!
    return m
  }
  for (let p = from, h = q0 * BLOCK; p < h; p++) if (f[p]! > m) m = f[p]!
  for (let q = q0; q < q1; q++) if (blocks[q]! > m) m = blocks[q]!
  for (let p = q1 * BLOCK; p < e; p++) if (f[p]! > m) m = f[p]!
  return m
}

/** s[p] = f[0] + … + f[p − 1] in float64. */
function prefixSums(f: Float32Array, P: number, s: Float64Array): void {
  let acc = 0
  s[0] = 0
  for (let p = 0; p < P; p++) {
    acc += f[p]!
    s[p + 1] = acc
  }
}
