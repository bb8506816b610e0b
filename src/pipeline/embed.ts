import {GroverError} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import {NpyWriter} from '../io/npy.js'
import type {Sink} from '../io/output.js'
import {normalizeRegions, parseRegion, readBedRegions, type Region, wholeGenome} from '../io/regions.js'
import {loadBundle} from '../model/bundle.js'
import {type Pool, poolRow} from '../model/pool.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {batchWindows, checkMaxN, pipelined, skippedText, tokenLimitNote, type WindowBatch} from './batches.js'
import {Progress} from './progress.js'
import {checkWindowing, type Window, windowsOf} from './windows.js'

export {type Pool, poolRow} from '../model/pool.js'

export interface EmbedOptions extends RunOptions {
  fasta: string
  regions?: string[]
  regionsFile?: string
  window?: number
  stride?: number
  pool: Pool
  npy?: string
  batchSize: number
  maxN: number
  /** --max-n as typed, for the error message */
  maxNGiven?: string
}

/** Regions given by the user, each embedded whole, in the order given (validated up front). */
async function* givenRegions(fasta: Fasta, regions: Region[]): AsyncGenerator<Window> {
  let done = 0
  for (const r of regions) {
    done += r.end - r.start
    yield {...r, seq: await fasta.fetch(r.chrom, r.start, r.end), bpDone: done}
  }
}

/**
 * grover embed: one vector per region (--region / --regions as given, or the genome tiled into
 * windows) from the model's last_hidden_state, pooled; TSV rows, or a float32 .npy with a BED of row order.
 */
export async function embed(opts: EmbedOptions, sink: Sink): Promise<{rows: number; hidden: number; windows: number; skipped: string; seconds: number}> {
  checkMaxN(opts.maxN, opts.maxNGiven)
  const fasta = await Fasta.open(opts.fasta, {log: opts.log})
  const given: Region[] = (opts.regions ?? []).map((r) => parseRegion(r, fasta.index))
  if (opts.regionsFile) given.push(...(await readBedRegions(opts.regionsFile, fasta.index)))
  const bundle = await loadBundle(opts.model)
  const tok = bundle.tokenizer
  const window = opts.window ?? bundle.meta.window
  const stride = opts.stride ?? Math.min(bundle.meta.stride, window)
  // Regions are embedded whole unless --window/--stride ask for them to be tiled.
  const tiled = given.length === 0 || opts.window !== undefined || opts.stride !== undefined
  if (tiled) checkWindowing(window, stride, opts.window || opts.stride ? 'options' : `${bundle.dir}/grover.json`)
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new GroverError(`--batch-size must be a positive whole number, got ${opts.batchSize}.`)
  const {before, after} = tok.specialCounts
  if (opts.pool === 'cls' && before === 0) throw new GroverError(`--pool cls needs a tokenizer that puts a [CLS] token first; ${bundle.meta.name}'s adds none. Use --pool mean.`)
  const padId = tok.roleId('pad')
  const session = await ModelSession.forRun(bundle, opts)
  let npy: NpyWriter | undefined
  try {
    const out = session.requireOutput('last_hidden_state', 'embeddings are the encoder\'s hidden states')
    const regions = given.length === 0 ? wholeGenome(fasta.index) : tiled ? normalizeRegions(given, fasta.index) : given
    const totalBp = regions.reduce((a, r) => a + r.end - r.start, 0)
    const windows = tiled ? windowsOf(fasta, regions, window, stride) : givenRegions(fasta, given)
    const counts = {windows: 0, skippedN: 0, skippedLong: 0}
    const progress = new Progress(totalBp, opts.progress)
    let rows = 0
    let hidden = 0
    const finish = async (b: WindowBatch, r: {data: Float32Array; dims: readonly number[]}) => {
      const [, tokens, h] = r.dims as [number, number, number]
      if (hidden === 0) {
        hidden = h
        if (opts.npy) npy = await NpyWriter.create(opts.npy, hidden)
        else await sink.writeLine(['chrom', 'start', 'end', ...Array.from({length: hidden}, (_, i) => `dim${i}`)].join('\t'))
      }
      for (let i = 0; i < b.windows.length; i++) {
        const w = b.windows[i]!
        const v = poolRow(r.data, i, tokens, hidden, opts.pool, b.rows[i]!.length, before, after)
        if (npy) {
          await npy.append(v)
          await sink.writeLine(`${w.chrom}\t${w.start}\t${w.end}`)
        } else {
          await sink.writeLine(`${w.chrom}\t${w.start}\t${w.end}\t${Array.from(v, (x) => x.toPrecision(6)).join('\t')}`)
        }
        rows++
      }
      progress.update(b.bpDone, counts.windows)
    }
    try {
      const batches = batchWindows(windows, {tokenizer: tok, strands: ['+'], maxTokens: bundle.meta.max_tokens, maxN: opts.maxN, batchSize: opts.batchSize, signal: opts.signal}, counts)
      await pipelined(batches, (b) => session.run(padBatch(b.rows, padId), out), finish, opts.signal)
      await sink.flush()
      if (npy) await npy.close()
      npy = undefined
    } finally {
      progress.stop()
    }
    const note = tokenLimitNote(counts.skippedLong, bundle.meta.max_tokens, bundle.meta.window, tiled ? 'windows' : 'regions')
    if (note) opts.log(note)
    if (rows === 0) throw new GroverError(`no region could be embedded (${skippedText(counts)}).`)
    return {rows, hidden, windows: counts.windows, skipped: skippedText(counts), seconds: progress.seconds}
  } finally {
    if (npy) await npy.abort()
    await session.release()
  }
}
