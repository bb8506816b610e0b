import {countAmbiguous, reverseComplement, type Strand} from '../dna.js'
import {GroverError, Interrupted} from '../errors.js'
import type {Tokenizer} from '../tokenizers/tokenizer.js'
import type {Window} from './windows.js'



/** What happened to the windows of a run, for the summary line. */
export interface WindowCounts {
  windows: number
  skippedN: number
  skippedLong: number
}

/** A batch: windows and their token rows, `per` rows (strands) per window, in strand order. */
export interface WindowBatch<W extends Window = Window> {
  windows: W[]
  rows: number[][]
  per: number
  bpDone: number
}

/** --max-n is a fraction of a window's bases; `given` is how the user wrote it, for the message. */
export function checkMaxN(maxN: number, given: string | number = maxN): void {
  if (!(maxN >= 0 && maxN <= 1)) throw new GroverError(`--max-n must be a fraction between 0 and 1, got ${given}.`)
}

export interface BatchOptions {
  tokenizer: Tokenizer
  strands: Strand[]
  maxTokens: number
  /** skip windows with more than this fraction of non-ACGT bases */
  maxN: number
  batchSize: number
  /** at most this many padded tokens (rows × longest row) per model call; undefined: no limit */
  maxBatchTokens?: number
  signal?: AbortSignal
}

/**
 * Windows → token rows (one per strand) → batches. A batch holds windows of one block of batchSize
 * consecutive window ordinals (windows without an ordinal are simply grouped by batchSize), cut
 * further so it never exceeds maxBatchTokens padded tokens; both cuts depend only on the block's own
 * windows, so batch composition does not depend on where a run starts (shards, --resume). Windows
 * mostly N, or whose tokens exceed the model's limit on any strand, are skipped and counted.
 */
export async function* batchWindows<W extends Window>(windows: AsyncIterable<W>, o: BatchOptions, counts: WindowCounts): AsyncGenerator<WindowBatch<W>> {
  let cur: WindowBatch<W> = {windows: [], rows: [], per: o.strands.length, bpDone: 0}
  let block = -1
  for await (const w of windows) {
    counts.windows++
    if (o.signal?.aborted) throw new Interrupted()
    const ordinal = (w as {ordinal?: number}).ordinal
    if (ordinal !== undefined) {
      const b = Math.floor(ordinal / o.batchSize)
      if (b !== block && cur.windows.length > 0) {
        yield cur
        cur = {windows: [], rows: [], per: o.strands.length, bpDone: 0}
      }
      block = b
    }
    if (countAmbiguous(w.seq) > o.maxN * w.seq.length) {
      counts.skippedN++
      continue
    }
    const rows = o.strands.map((st) => o.tokenizer.encodeIds(st === '+' ? w.seq : reverseComplement(w.seq)))
    if (rows.some((r) => r.length > o.maxTokens)) {
      counts.skippedLong++
      continue
    }
    if (o.maxBatchTokens !== undefined && cur.windows.length > 0) {
      // padded size if this window joined: all rows padded to the longest
      let longest = 0
      for (const r of cur.rows) longest = Math.max(longest, r.length)
      for (const r of rows) longest = Math.max(longest, r.length)
      if ((cur.rows.length + rows.length) * longest > o.maxBatchTokens) {
        yield cur
        cur = {windows: [], rows: [], per: o.strands.length, bpDone: 0}
      }
    }
    cur.windows.push(w)
    cur.rows.push(...rows)
    cur.bpDone = w.bpDone
    if (cur.windows.length >= o.batchSize) {
      yield cur
      cur = {windows: [], rows: [], per: o.strands.length, bpDone: 0}
    }
  }
  if (cur.windows.length > 0) yield cur
}

/**
 * Run batches through `run` with one batch in flight: the next batch is read and tokenized while the
 * previous one runs, and `finish` sees results in input order.
 */
export async function pipelined<B, R>(batches: AsyncIterable<B>, run: (b: B) => Promise<R>, finish: (b: B, r: R) => Promise<void>, signal?: AbortSignal): Promise<void> {
  let inflight: {b: B; p: Promise<R>} | undefined
  for await (const b of batches) {
    if (inflight) await finish(inflight.b, await inflight.p)
    inflight = undefined
    if (signal?.aborted) throw new Interrupted()
    const p = run(b)
    p.catch(() => {}) // awaited below; this only stops an unhandled-rejection warning if reading fails first
    inflight = {b, p}
  }
  if (inflight) {
    const last = inflight
    inflight = undefined
    await finish(last.b, await last.p)
  }
}

/** The stderr note for windows over the token limit (they are counted, never silently dropped). */
export function tokenLimitNote(n: number, maxTokens: number, window: number, what = 'windows'): string | undefined {
  if (n === 0) return undefined
  const fix = what === 'windows' ? `Use a smaller --window (the model's default: ${window} bp)` : `Give shorter regions, or tile them with --window ${window}`
  return `note: ${n} ${what} tokenized to more than the model's ${maxTokens} tokens and were not scored (N bases are one token each; long stretches exceed the limit). ${fix} to score them.`
}

export function skippedText(c: WindowCounts): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const skipped = c.skippedN + c.skippedLong
  const why = [c.skippedN ? `${n(c.skippedN)} mostly N` : '', c.skippedLong ? `${n(c.skippedLong)} over the model's token limit` : ''].filter(Boolean).join(', ')
  return `${n(skipped)} skipped${why ? ` (${why})` : ''}`
}
