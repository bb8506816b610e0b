import {GroverError} from '../errors.js'
import type {Fasta} from '../io/fasta.js'
import {BigWigOutput} from '../io/bigwig.js'
import type {Sink} from '../io/output.js'
import type {Region} from '../io/regions.js'
import type {Bundle, ProfileMeta} from '../model/bundle.js'
import {type ModelSession, padBatch} from '../model/session.js'
import {batchWindows, pipelined, type WindowBatch, type WindowCounts} from './batches.js'
import {Progress} from './progress.js'
import {type Planned, tile, withSequence} from './windows.js'
import type {Strand} from '../dna.js'

export interface ProfileOptions {
  format: 'bedgraph' | 'bigwig' | 'tsv'
  /** --track NAME or --track-index N (0-based); undefined: all tracks (tsv) or the only one */
  track?: string
  trackIndex?: number
  strands: Strand[]
  stride: number
  batchSize: number
  batchTokens?: number
  maxN: number
  progress: boolean
  signal?: AbortSignal
}

/** Which output track(s) a run writes: one for bedGraph/bigWig, all (or the one chosen) for TSV. */
export function selectTracks(tracks: string[], o: Pick<ProfileOptions, 'format' | 'track' | 'trackIndex'>): number[] {
  if (o.track !== undefined && o.trackIndex !== undefined) throw new GroverError('give --track NAME or --track-index N, not both.')
  if (o.trackIndex !== undefined) {
    if (!Number.isInteger(o.trackIndex) || o.trackIndex < 0 || o.trackIndex >= tracks.length) {
      throw new GroverError(`--track-index ${o.trackIndex} is out of range: the model has ${tracks.length} track${tracks.length === 1 ? '' : 's'} (0-${tracks.length - 1}, 0-based).`)
    }
    return [o.trackIndex]
  }
  if (o.track !== undefined) {
    const i = tracks.indexOf(o.track)
    if (i < 0) throw new GroverError(`--track ${o.track}: the model has no such track. Its tracks: ${tracks.slice(0, 10).join(', ')}${tracks.length > 10 ? `, … (${tracks.length})` : ''}.`)
    return [i]
  }
  if (o.format === 'tsv' || tracks.length === 1) return tracks.map((_, i) => i)
  throw new GroverError(`the model predicts ${tracks.length} tracks (${tracks.slice(0, 5).join(', ')}${tracks.length > 5 ? ', …' : ''}); ${o.format} holds one: choose it with --track NAME or --track-index N, or write them all with --format tsv.`)
}

/** Check the stride against the profile's bins: a whole number of bins, leaving a whole number of bins on each side of the kept centre. */
export function checkProfileStride(p: ProfileMeta, stride: number): void {
  const span = p.bins * p.bin_size
  if (stride > span || stride % p.bin_size !== 0 || (span - stride) % (2 * p.bin_size) !== 0) {
    throw new GroverError(`--stride ${stride} does not fit the model's output of ${p.bins} bins of ${p.bin_size} bp (${span} bp): use ${span} (the default: output spans tile the region), or a smaller stride that keeps a central, whole number of bins (${span} − stride a multiple of ${2 * p.bin_size}).`)
  }
}

/**
 * Which bins of each window are kept: the central `stride` bp of the window's output span (all of
 * it at the default stride = span), the span's own start for the first window of a region and its
 * end for the last, and never a bin already written (the tail window, which overlaps its neighbour).
 * Bins are written in order, never overlapping; bases in the first and last `offset` bp of a region
 * get no value (the model needs that much context on each side).
 */
/** A profile window: planned as predict plans windows, plus whether it is its region's last. */
export interface ProfileWindow extends Planned {
  last: boolean
}

/**
 * predict's windows (tile), each moved back onto its region's bin grid (start − region start a
 * multiple of bin_size) so every window's bins line up with its neighbours'; only the tail window,
 * which ends at the region end, ever moves (by less than a bin). Short regions stay one window.
 */
export function* profileWindows(regions: Region[], window: number, stride: number, bin: number): Generator<ProfileWindow> {
  let before = 0
  let ordinal = 0
  for (const r of regions) {
    for (const w of tile(r, window, stride)) {
      const len = w.end - w.start
      const start = len === window ? r.start + Math.floor((w.start - r.start) / bin) * bin : w.start
      yield {chrom: r.chrom, start, end: start + len, ordinal: ordinal++, offset: before + start - r.start, regionEnd: r.end,
        bpDone: before + start + len - r.start, last: w.end === r.end}
    }
    before += r.end - r.start
  }
}

export class ProfileStitcher {
  private region = ''
  private written = -Infinity

  constructor(private readonly p: ProfileMeta, private readonly stride: number) {}

  /** Kept bins of one window as [first, last) bin indices of its output. */
  keep(w: Region & {regionEnd: number; last: boolean}, len: number): [number, number] {
    const key = `${w.chrom}\t${w.regionEnd}`
    const first = key !== this.region
    if (first) {
      this.region = key
      this.written = -Infinity
    }
    const last = w.last
    const spanStart = w.start + this.p.offset
    const span = this.p.bins * this.p.bin_size
    const margin = (span - this.stride) / 2
    let a = first ? spanStart : spanStart + margin
    const b = Math.min(last ? spanStart + span : spanStart + span - margin, w.start + len)
    a = Math.max(a, this.written)
    const j0 = Math.ceil((a - spanStart) / this.p.bin_size)
    const j1 = Math.floor((b - spanStart) / this.p.bin_size)
    if (j1 > j0) this.written = spanStart + j1 * this.p.bin_size
    return [j0, Math.max(j0, j1)]
  }
}

/**
 * grover predict with a profile bundle: windows of the model's input length every `stride` bp →
 * one-hot or token rows (both strands) → [batch, bins, tracks] → the kept central bins, the reverse
 * strand's bins flipped back and averaged with the forward ones → bedGraph / bigWig (one track) or
 * TSV (chrom, start, end, one column per track).
 */
export async function predictProfile(
  bundle: Bundle, fasta: Fasta, regions: Region[], session: ModelSession, o: ProfileOptions,
  sink: Sink | BigWigOutput, counts: WindowCounts & {scored: number; records: number},
): Promise<number> {
  const p = bundle.meta.profile!
  const tracks = bundle.meta.tracks!
  const chosen = selectTracks(tracks, o)
  const output = session.requireOutput('profile', 'per-bin track predictions')
  const window = bundle.meta.window
  const totalBp = regions.reduce((a, r) => a + r.end - r.start, 0)
  const progress = new Progress(totalBp, o.progress)
  const stitch = new ProfileStitcher(p, o.stride)
  const T = tracks.length
  const bigwig = sink instanceof BigWigOutput
    ? sink.begin(fasta.index.names.map((name) => ({name, size: fasta.index.lengths.get(name)!})), 4 * p.bin_size)
    : undefined
  let checked = false
  const finish = async (b: WindowBatch<ProfileWindow & {seq: string}>, out: {data: Float32Array; dims: readonly number[]}) => {
    if (!checked) {
      if (out.dims.length !== 3 || out.dims[1] !== p.bins || out.dims[2] !== T) {
        throw new GroverError(`${bundle.modelPath}: output "profile" has shape [${out.dims.join(', ')}], but grover.json declares ${p.bins} bins × ${T} tracks: expected [batch, ${p.bins}, ${T}].`)
      }
      checked = true
    }
    for (let i = 0; i < b.windows.length; i++) {
      const w = b.windows[i]!
      counts.scored++
      const [j0, j1] = stitch.keep(w, w.seq.length)
      // the reverse strand maps back bin for bin only when the window has the model's full length
      const useMinus = w.seq.length === window
      for (let j = j0; j < j1; j++) {
        const start = w.start + p.offset + j * p.bin_size
        const end = Math.min(start + p.bin_size, w.start + w.seq.length)
        const values = chosen.map((t) => {
          let sum = 0
          let n = 0
          o.strands.forEach((strand, k) => {
            if (strand === '-' && !useMinus) return
            const jj = strand === '+' ? j : p.bins - 1 - j
            sum += out.data[((i * b.per + k) * p.bins + jj) * T + t]!
            n++
          })
          return sum / n
        })
        if (values.some((v) => Number.isNaN(v))) continue // a '-'-only run over a short window
        if (bigwig) bigwig.add(w.chrom, start, end, values[0]!)
        else await (sink as Sink).writeLine(`${w.chrom}\t${start}\t${end}\t${values.map((v) => fmt(v)).join('\t')}`)
        counts.records++
      }
    }
    progress.update(Math.min(totalBp, b.bpDone), counts.windows)
  }
  try {
    if (o.format === 'tsv') await (sink as Sink).writeLine(['chrom', 'start', 'end', ...chosen.map((t) => tracks[t]!)].join('\t'))
    const windows = profileWindows(regions, window, o.stride, p.bin_size)
    const batches = batchWindows(withSequence(fasta, windows), {tokenizer: bundle.tokenizer, strands: o.strands, maxTokens: bundle.meta.max_tokens, maxN: o.maxN, batchSize: o.batchSize, maxBatchTokens: o.batchTokens, signal: o.signal}, counts)
    await pipelined(batches, (b) => session.run(padBatch(b.rows, bundle.tokenizer.roleId('pad')), output), finish, o.signal)
    if (!bigwig) await (sink as Sink).flush()
  } finally {
    progress.stop()
  }
  return progress.seconds
}

/** Six significant digits without trailing zeros (tracks span many orders of magnitude). */
export function fmt(v: number): string {
  if (Number.isInteger(v)) return String(v)
  const [m, e] = v.toPrecision(6).split('e')
  const mant = m!.includes('.') ? m!.replace(/\.?0+$/, '') : m!
  return e === undefined ? mant : `${mant}e${e}`
}
