import {join} from 'node:path'

import {GroverError} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import {BigWigOutput, readChromAlias, SignalTrack} from '../io/bigwig.js'
import {type Format, RecordFormatter, resumePointOf, type ScoredWindow, WindowMerger} from '../io/records.js'
import {type Region, selectRegions} from '../io/regions.js'
import type {Sink} from '../io/output.js'
import {type Bundle, loadBundle} from '../model/bundle.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {Progress} from './progress.js'
import {batchWindows, checkMaxN, pipelined, skippedText, tokenLimitNote, type WindowBatch} from './batches.js'
import {blockWindows, type ScanBatch, scanBatches, scoreScanBatch} from './chunks.js'
import {windowValue} from './logits.js'
import {MotifAnnotator} from './motifs.js'
import {OverlapAverager} from './stitch.js'
import {checkProfileStride, predictProfile} from './profile.js'
import {checkWindowing, keepBlocks, plan, shardOf, withSequence} from './windows.js'
import type {Strand, StrandMode} from '../dna.js'

export type {StrandMode}

export interface PredictOptions extends RunOptions {
  fasta: string
  regions?: string[]
  regionsFile?: string
  window?: number
  stride?: number
  strand: StrandMode
  format: Format
  threshold?: number
  merge: boolean
  batchSize: number
  /** at most this many padded tokens per model call (--batch-tokens) */
  batchTokens?: number
  /** skip windows with more than this fraction of N (or other non-ACGT) bases */
  maxN: number
  /** bigWig whose mean and max over each output record become extra columns (--signal) */
  signalTrack?: string
  /** scan only where this bigWig is at least minSignal (--restrict-to, --min-signal) */
  restrictTo?: string
  minSignal?: number
  /** FASTA-name → bigWig-name file (--chrom-alias) */
  chromAlias?: string
  /** --shard i/n, 0-based index */
  shard?: {index: number; count: number}
  /** --resume: the last complete line of the interrupted output (undefined: it was empty) */
  resume?: {lastLine: string | undefined}
  /** profile models: the output track to write (--track NAME / --track-index N, 0-based) */
  track?: string
  trackIndex?: number
  /**
   * --scan: how a one-hot classifier with scan graphs is run. auto/chunks: its trunk once per chunk of
   * windows, pooled per window (fully convolutional); windows: model.onnx on every window.
   */
  scan?: ScanMode
  /** --motifs FILE: mark the best site of its motifs in each record (BED8 thick span, TSV motif_* columns) */
  motifs?: string
  /** --no-motif: not even the bundle's own motif (which BED output uses by default) */
  noMotif?: boolean
  /** --motif-pvalue: a site must have a p-value below this */
  motifPvalue?: number
}

export type ScanMode = 'auto' | 'chunks' | 'windows'

export interface PredictSummary {
  windows: number
  scored: number
  kept: number
  skippedN: number
  skippedLong: number
  records: number
  bp: number
  seconds: number
  /** with --restrict-to: bp of the requested regions before restriction */
  requestedBp?: number
}


/**
 * One window's record from its strands' values (P(positive) or a raw score) and label probabilities:
 * the score combines the strands (`combine`: their mean, or DeepBind's max), the label probabilities are
 * averaged, and the strand is the one that scored higher.
 */
export function scoreWindow(w: Region, strands: Array<{strand: Strand; value: number; probs: number[]}>, combine: (v: number[]) => number = (v) => v.reduce((a, b) => a + b, 0) / v.length): ScoredWindow {
  const p = strands.find((s) => s.strand === '+')?.value
  const m = strands.find((s) => s.strand === '-')?.value
  const n = strands[0]!.probs.length
  const probs = Array.from({length: n}, (_, i) => strands.reduce((a, s) => a + s.probs[i]!, 0) / strands.length)
  const strand = p === undefined ? '-' : m === undefined || p >= m ? '+' : '-'
  return {chrom: w.chrom, start: w.start, end: w.end, score: combine(strands.map((s) => s.value)), strand, plus: p, minus: m, probs}
}

/**
 * grover predict: regions → windows → tokens (both strands) → padded batches → ONNX session →
 * probabilities → records → sink. One batch is prepared while the previous one runs; output stays in
 * genomic order and memory does not grow with the genome.
 */
export async function predict(opts: PredictOptions, sink: Sink | BigWigOutput): Promise<PredictSummary> {
  const bigwig = opts.format === 'bigwig'
  if (bigwig !== sink instanceof BigWigOutput) throw new Error('predict: --format bigwig goes with a BigWigOutput')
  refuseCombinations(opts)
  const fasta = await Fasta.open(opts.fasta, {log: opts.log})
  let regions = await selectRegions(fasta.index, opts.regions, opts.regionsFile)
  const alias = opts.chromAlias ? await readChromAlias(opts.chromAlias) : undefined
  const chroms = [...new Set(regions.map((r) => r.chrom))]
  const openTrack = async (path: string | undefined, flag: string, what: string) => {
    if (!path) return undefined
    const t = await SignalTrack.open(path, flag, alias)
    const missing = t.checkNames(chroms, flag)
    if (missing.length) opts.log(`warning: ${flag} ${path} has no chromosome ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? `, … (${missing.length} in all)` : ''}: ${what}.`)
    return t
  }
  const signal = await openTrack(opts.signalTrack, '--signal', 'their signal columns are empty')
  const restrict = await openTrack(opts.restrictTo, '--restrict-to', 'they are not scanned')
  const bundle = await loadBundle(opts.model)
  if (opts.motifs && opts.noMotif) throw new GroverError('--motifs and --no-motif contradict each other: give one.')
  if (opts.motifs && (opts.format === 'bedgraph' || bigwig)) throw new GroverError(`--motifs adds the best motif site to each record, which ${bigwig ? 'bigWig' : 'bedGraph'} cannot hold. Use --format bed (BED8) or --format tsv.`)
  const motifPvalue = opts.motifPvalue ?? 1e-4
  if (!(motifPvalue > 0 && motifPvalue <= 1)) throw new GroverError(`--motif-pvalue must be in (0, 1], got ${motifPvalue}.`)
  const motifFile = opts.noMotif ? undefined : opts.motifs ?? (opts.format === 'bed' && bundle.meta.motif ? join(bundle.dir, bundle.meta.motif.file) : undefined)
  if (bundle.meta.task === 'profile') {
    if (opts.motifs) throw new GroverError('--motifs marks motif sites in scored windows; profile models write tracks. Scan motifs with grover motifs.')
    return runProfile(opts, bundle, fasta, regions, sink)
  }
  const annotator = motifFile ? await MotifAnnotator.open(motifFile, motifPvalue) : undefined
  if (bundle.meta.task !== 'classification' && bundle.meta.task !== 'score') {
    throw new GroverError(`model "${bundle.meta.name}" is a ${bundle.meta.task} bundle; predict needs a classification or score bundle (e.g. --model ctcf). Masked-LM and embedding bundles are for grover fill / embed.`)
  }
  const window = opts.window ?? bundle.meta.window
  const stride = opts.stride ?? Math.min(bundle.meta.stride, window)
  checkWindowing(window, stride, opts.window || opts.stride ? 'options' : `${bundle.dir}/grover.json`)
  checkMaxN(opts.maxN)
  if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new GroverError(`--batch-size must be a positive whole number, got ${opts.batchSize}.`)
  if (opts.batchTokens !== undefined && (!Number.isInteger(opts.batchTokens) || opts.batchTokens < 1)) throw new GroverError(`--batch-tokens must be a positive whole number, got ${opts.batchTokens}.`)
  let requestedBp: number | undefined
  if (restrict) {
    requestedBp = regions.reduce((a, r) => a + r.end - r.start, 0)
    regions = await restrictRegions(regions, restrict, opts.minSignal!, Math.floor(window / 2))
    const kept = regions.reduce((a, r) => a + r.end - r.start, 0)
    opts.log(`--restrict-to ${opts.restrictTo} ≥ ${opts.minSignal}: scanning ${kept.toLocaleString('en-US')} of ${requestedBp.toLocaleString('en-US')} bp (${requestedBp ? ((100 * kept) / requestedBp).toFixed(1) : '0'}%) in ${regions.length.toLocaleString('en-US')} stretches (signal stretches padded by ${Math.floor(window / 2)} bp, half a window).`)
  }
  const raw = bundle.meta.task === 'score'
  if (raw && opts.format === 'bed' && opts.threshold === undefined && bundle.meta.threshold === undefined) {
    throw new GroverError(`model "${bundle.meta.name}" reports raw scores and has no threshold in grover.json: give --threshold SCORE for BED output (the windows to keep), or use --format bedgraph/tsv for every window.`)
  }
  const threshold = opts.threshold ?? (opts.format === 'bed' ? bundle.meta.threshold! : raw ? -Infinity : 0)
  if (!raw && !(threshold >= 0 && threshold <= 1)) throw new GroverError(`--threshold must be a probability between 0 and 1, got ${threshold}.`)

  warnUntrained(bundle, bundle.meta.name, 'scores', opts.log)

  const scanMode = opts.scan ?? 'auto'
  if (scanMode === 'chunks' && !bundle.meta.onnx.scan) {
    throw new GroverError(`--scan chunks: model "${bundle.meta.name}" has no scan graphs ("onnx.scan" in grover.json: a one-hot CNN's trunk and head), so it can only be run window by window. Drop --scan or use --scan windows.`)
  }
  const session = await ModelSession.forRun(bundle, opts, {scan: scanMode !== 'windows'})
  try {
    const s = await run(opts, {bundle, fasta, regions, session, window, stride, threshold, signal, annotator}, sink)
    s.requestedBp = requestedBp
    return s
  } finally {
    await session.release()
  }
}

/** What predict() settled before scoring: the bundle and its open session, the windows' geometry, the BED threshold, the annotations. */
interface Settled {
  bundle: Bundle
  fasta: Fasta
  regions: Region[]
  session: ModelSession
  window: number
  stride: number
  threshold: number
  signal: SignalTrack | undefined
  annotator: MotifAnnotator | undefined
}

/** Score every window of the settled regions (fully convolutionally where the session can) and write the records. */
async function run(opts: PredictOptions, settled: Settled, sink: Sink | BigWigOutput): Promise<PredictSummary> {
  const {bundle, fasta, regions, session, window, stride, threshold} = settled
  const tok = bundle.tokenizer
  const padId = tok.roleId('pad')
  const labels = bundle.meta.labels ?? []
  const maxTokens = bundle.meta.max_tokens
  const value = windowValue(bundle, session.outputNames)
  const logits = value.output
  const width = value.raw ? 1 : labels.length
  const totalBp = regions.reduce((a, r) => a + r.end - r.start, 0)
  const strands: Strand[] = opts.strand === 'both' ? ['+', '-'] : [opts.strand]
  const merger = opts.merge ? new WindowMerger() : undefined
  const shard = opts.shard
  const shardStart = shard ? Math.floor((shard.index * totalBp) / shard.count) : 0
  const shardEnd = shard ? Math.floor(((shard.index + 1) * totalBp) / shard.count) : totalBp
  const progress = new Progress(shardEnd - shardStart, opts.progress)
  const todo = resumeFilter(opts, fasta)
  const s: PredictSummary = {windows: 0, scored: 0, kept: 0, skippedN: 0, skippedLong: 0, records: 0, bp: totalBp, seconds: 0}
  const out = recordWriter(opts, settled, value.raw, sink, s)
  const emit = out.emit
  let checkedOutput = false

  const finish = async (b: WindowBatch | ScanBatch, out: {data: Float32Array; dims: readonly number[]}) => {
    if (!checkedOutput) {
      if (out.dims.length !== 2 || out.dims[1] !== width) {
        throw new GroverError(value.raw
          ? `${bundle.modelPath}: output "${logits}" has shape [${out.dims.join(', ')}]; a score bundle's model gives one score per row: [batch, 1]. Re-export the model.`
          : `${bundle.modelPath}: output "${logits}" has shape [${out.dims.join(', ')}], but grover.json declares ${labels.length} labels (${labels.join(', ')}): expected [batch, ${labels.length}]. Fix "labels" or re-export the model.`)
      }
      checkedOutput = true
    }
    for (let i = 0; i < b.windows.length; i++) {
      if (!todo(b.windows[i]!)) continue // scored again only to keep batches as they were; written before
      const per = strands.map((strand, k) => ({strand, ...value.row(out, i * b.per + k)}))
      const r = scoreWindow(b.windows[i]!, per, value.combine)
      s.scored++
      if (r.score < threshold) continue
      s.kept++
      await emit(merger ? merger.push(r) : r)
    }
    progress.update(Math.max(0, Math.min(shardEnd, b.bpDone) - shardStart), s.windows)
  }

  try {
    if (opts.resume?.lastLine === undefined && (!shard || shard.index === 0)) await out.header()
    const scan = session.canScan ? bundle.meta.onnx.scan! : undefined
    // the unit shards and --resume keep whole: a batch of windows, or a chunk's worth for scanning
    const block = scan ? blockWindows(window, stride) : opts.batchSize
    const windows = keepBlocks(plan(regions, window, stride), block, (first, lastW) =>
      (!shard || shardOf(first.offset, totalBp, shard.count) === shard.index) && todo(lastW))
    if (scan) {
      const minLength = bundle.meta.onnx.min_length ?? scan.receptive_field
      const batches = scanBatches(fasta, windows, {strands, maxN: opts.maxN, blockWindows: block, minLength, signal: opts.signal}, s)
      await pipelined(batches, (b) => scoreScanBatch(b, strands, scan, minLength, {
        trunk: (codes, rows, length) => session.runTrunk(codes, rows, length),
        head: (pooled, rows, width) => session.runHead(pooled, rows, width),
      }), finish, opts.signal)
    } else {
      const batches = batchWindows(withSequence(fasta, windows), {tokenizer: tok, strands, maxTokens, maxN: opts.maxN, batchSize: opts.batchSize, maxBatchTokens: opts.batchTokens, signal: opts.signal}, s)
      await pipelined(batches, (b) => session.run(padBatch(b.rows, padId), logits), finish, opts.signal)
    }
    if (merger) await emit(merger.flush())
    await out.flush()
  } finally {
    progress.stop()
    s.seconds = progress.seconds
  }
  const note = tokenLimitNote(s.skippedLong, maxTokens, bundle.meta.window)
  if (note) opts.log(note)
  return s
}

/** --resume: windows up to the last written record are done (with --merge: up to its end); the filter of those still to do. */
function resumeFilter(opts: PredictOptions, fasta: Fasta): (w: Region) => boolean {
  const chromOrder = new Map(fasta.index.names.map((n, i) => [n, i]))
  const resumed = resumePointOf(opts.resume?.lastLine, opts.format, opts.merge, chromOrder)
  const resumePoint = resumed?.point
  if (resumed) opts.log(`--resume: continuing after ${resumed.label}.`)
  return (w: Region) => {
    if (!resumePoint) return true
    const c = chromOrder.get(w.chrom)!
    return c > resumePoint.chrom || (c === resumePoint.chrom && w.start > resumePoint.pos)
  }
}

/**
 * Where kept windows go: text records (BED/bedGraph/TSV, with --signal columns and the best motif site) or,
 * for bigWig, the per-base mean of the kept windows over each base as non-overlapping segments. Counts records in s.
 */
function recordWriter(opts: PredictOptions, settled: Settled, raw: boolean, sink: Sink | BigWigOutput, s: PredictSummary): {
  header: () => Promise<void>
  emit: (r: ScoredWindow | undefined) => Promise<void>
  flush: () => Promise<void>
} {
  const {bundle, fasta, stride, signal, annotator} = settled
  if (sink instanceof BigWigOutput) {
    const writer = sink.begin(fasta.index.names.map((name) => ({name, size: fasta.index.lengths.get(name)!})), 4 * stride)
    const track = new OverlapAverager((chrom, start, end, value) => {
      writer.add(chrom, start, end, value)
      s.records++
    })
    return {
      header: async () => {},
      emit: async (r) => {
        if (r) track.push(r.chrom, r.start, r.end, r.score)
      },
      flush: async () => track.flush(),
    }
  }
  const format = opts.format
  if (format === 'bigwig') throw new Error('predict: --format bigwig goes with a BigWigOutput')
  const formatter = new RecordFormatter(format, bundle.meta.name, bundle.meta.labels ?? [], signal ? ['signal_mean', 'signal_max'] : [], annotator !== undefined, raw)
  return {
    header: async () => {
      const header = formatter.header()
      if (header) await sink.writeLine(header)
    },
    emit: async (r) => {
      if (!r) return
      const extra = signal ? await signal.stats(r.chrom, r.start, r.end) : undefined
      const site = annotator?.best(await fasta.fetch(r.chrom, r.start, r.end), r.start)
      await sink.writeLine(formatter.line(r, signal ? [extra?.mean, extra?.max] : [], site))
      s.records++
    },
    flush: () => sink.flush(),
  }
}

/** The option combinations predict refuses before it opens anything (each error says what to do instead). */
function refuseCombinations(opts: PredictOptions): void {
  const bigwig = opts.format === 'bigwig'
  if (opts.signalTrack && (opts.format === 'bedgraph' || bigwig)) {
    throw new GroverError(`--signal adds signal_mean and signal_max columns, which ${bigwig ? 'bigWig' : 'bedGraph'} cannot hold. Use --format bed or --format tsv with --signal.`)
  }
  if (opts.merge && bigwig) throw new GroverError('--merge joins BED/TSV records; a bigWig already holds one value per base. Drop --merge or use --format bed.')
  if (opts.shard && opts.merge) throw new GroverError('--merge cannot be split into shards (a merged record may span a shard border). Run the shards without --merge, then merge the concatenated output: cat shard*.bed | bedtools merge -i - -c 5 -o max.')
  if (opts.shard && bigwig) throw new GroverError('--shard writes pieces to concatenate, which bigWig files are not. Shard with --format bedgraph, concatenate, then convert with bedGraphToBigWig.')
  if (opts.resume && bigwig) throw new GroverError('--resume continues text outputs (bed, bedgraph, tsv); an interrupted bigWig is kept as FILE.bw.partial but cannot be continued. Run it again.')
  if ((opts.restrictTo === undefined) !== (opts.minSignal === undefined)) {
    throw new GroverError(opts.restrictTo ? '--restrict-to needs --min-signal X: the signal level from which a stretch is scanned.' : '--min-signal needs --restrict-to FILE.bw: the track it applies to.')
  }
  if (opts.minSignal !== undefined && !Number.isFinite(opts.minSignal)) throw new GroverError(`--min-signal must be a number, got ${opts.minSignal}.`)
  if (opts.chromAlias && !opts.signalTrack && !opts.restrictTo) throw new GroverError('--chrom-alias maps FASTA names to bigWig names; it needs --signal or --restrict-to.')
}

/** predict with a profile bundle (see profile.ts): options that only make sense for window scores are refused. */
async function runProfile(opts: PredictOptions, bundle: Bundle, fasta: Fasta, regions: Region[], sink: Sink | BigWigOutput): Promise<PredictSummary> {
  const name = bundle.meta.name
  const refuse = (flag: string, why: string) => {
    throw new GroverError(`${flag} is not for profile models ("${name}" predicts ${bundle.meta.tracks!.length} track(s) per ${bundle.meta.profile!.bin_size}-bp bin): ${why}`)
  }
  if (opts.format === 'bed') refuse('--format bed', 'use --format bedgraph, bigwig (one track: --track or --track-index) or tsv (all tracks).')
  if (opts.merge) refuse('--merge', 'bins are already non-overlapping.')
  if (opts.signalTrack) refuse('--signal', 'compare the tracks with bigWigCorrelate or deepTools instead.')
  if (opts.restrictTo) refuse('--restrict-to', 'scan the regions you need with --region/--regions.')
  if (opts.shard) refuse('--shard', 'split the work with --regions per job.')
  if (opts.resume) refuse('--resume', 'run it again.')
  if (opts.threshold !== undefined) refuse('--threshold', 'every bin is written.')
  const p = bundle.meta.profile!
  if (opts.window !== undefined && opts.window !== bundle.meta.window) refuse('--window', `the model takes exactly ${bundle.meta.window} bp.`)
  const stride = opts.stride ?? p.bins * p.bin_size
  checkProfileStride(p, stride)
  checkMaxN(opts.maxN)
  warnUntrained(bundle, name, 'tracks', opts.log)
  const session = await ModelSession.forRun(bundle, opts)
  const s: PredictSummary = {windows: 0, scored: 0, kept: 0, skippedN: 0, skippedLong: 0, records: 0, bp: regions.reduce((a, r) => a + r.end - r.start, 0), seconds: 0}
  try {
    s.seconds = await predictProfile(bundle, fasta, regions, session, {
      format: opts.format as 'bedgraph' | 'bigwig' | 'tsv', track: opts.track, trackIndex: opts.trackIndex,
      strands: opts.strand === 'both' ? ['+', '-'] : [opts.strand], stride, batchSize: opts.batchSize, batchTokens: opts.batchTokens,
      maxN: opts.maxN, progress: opts.progress, signal: opts.signal,
    }, sink, s)
  } finally {
    await session.release()
  }
  s.kept = s.scored
  return s
}

/**
 * The stretches of `regions` where `track` is at least `min`, each padded by `pad` bp on both sides
 * (so a window centred on a signal base fits), clipped to its region and merged.
 */
export async function restrictRegions(regions: Region[], track: SignalTrack, min: number, pad: number): Promise<Region[]> {
  const out: Region[] = []
  for (const r of regions) {
    for (const st of await track.above(r.chrom, r.start, r.end, min)) {
      const a = Math.max(r.start, st.start - pad)
      const b = Math.min(r.end, st.end + pad)
      const last = out[out.length - 1]
      if (last && last.chrom === r.chrom && a <= last.end) last.end = Math.max(last.end, b)
      else out.push({chrom: r.chrom, start: a, end: b})
    }
  }
  return out
}

export function summaryLine(s: PredictSummary): string {
  const n = (x: number) => x.toLocaleString('en-US')
  const rate = s.seconds > 0 ? s.scored / s.seconds : 0
  return `grover predict: ${n(s.scored)} windows scored, ${skippedText(s)}, ${n(s.records)} records written; ${n(s.bp)} bp in ${s.seconds.toFixed(1)} s (${rate.toFixed(1)} windows/s)`
}

/** A fixture bundle with random weights says so on stderr, once per run. */
function warnUntrained(bundle: Bundle, name: string, what: string, log: (msg: string) => void): void {
  if (bundle.meta.trained === false) log(`warning: model "${name}" has random, untrained weights (a test fixture): its ${what} mean nothing.`)
}
