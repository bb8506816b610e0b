import {createReadStream} from 'node:fs'
import {createInterface} from 'node:readline'

import {GroverError} from '../errors.js'
import {isBigWig, SignalTrack} from './bigwig.js'
import {bedInterval, isBedHeader, type Region} from './regions.js'

export type ScoredFormat = 'bed' | 'bedgraph' | 'tsv' | 'bigwig'

/** Scored regions read back from grover's (or any) BED / bedGraph / TSV / bigWig output. */
export interface ScoredSet {
  format: ScoredFormat
  /** chromosome names in order of first appearance */
  chroms: string[]
  chrom: number[]
  start: number[]
  end: number[]
  score: number[]
  /** BED name column when every record has the same one (grover writes the model name there) */
  name?: string
}

/**
 * Read predictions. Format: bigWig by its magic number; TSV when the first line is a header with
 * chrom, start, end and score columns; otherwise BED (≥ 5 columns, score in column 5) or bedGraph
 * (4 columns, value in column 4). track/browser/# lines are skipped.
 */
export async function readScored(path: string, format: ScoredFormat | 'auto' = 'auto'): Promise<ScoredSet> {
  const set: ScoredSet = {format: 'bed', chroms: [], chrom: [], start: [], end: [], score: []}
  const ids = new Map<string, number>()
  const add = (chrom: string, start: number, end: number, score: number) => {
    let id = ids.get(chrom)
    if (id === undefined) {
      id = set.chroms.length
      ids.set(chrom, id)
      set.chroms.push(chrom)
    }
    set.chrom.push(id)
    set.start.push(start)
    set.end.push(end)
    set.score.push(score)
  }
  if (format === 'bigwig' || (format === 'auto' && (await isBigWig(path, 'predictions')))) {
    set.format = 'bigwig'
    const track = await SignalTrack.open(path, 'predictions')
    for (const [chrom, size] of track.chroms) {
      for (let s = 0; s < size; s += 1 << 22) {
        for (const f of await track.intervals(chrom, s, Math.min(size, s + (1 << 22)))) add(chrom, f.start, f.end, f.score)
      }
    }
    return set
  }
  let scoreCol = -1
  let names: Set<string> | undefined = new Set()
  let lineNo = 0
  const lines = createInterface({input: createReadStream(path, 'utf8'), crlfDelay: Infinity})
  try {
    for await (const raw of lines) {
      lineNo++
      const line = raw.replace(/\r$/, '')
      if (line === '' || line.startsWith('track') || line.startsWith('browser') || (line.startsWith('#') && scoreCol >= 0)) continue
      const f = line.split('\t')
      const where = `${path}:${lineNo}`
      if (scoreCol < 0) {
        const head = f.map((x) => x.replace(/^#/, ''))
        if ((format === 'auto' || format === 'tsv') && head[0] === 'chrom' && head.includes('score')) {
          set.format = 'tsv'
          scoreCol = head.indexOf('score')
          names = undefined
          continue
        }
        if (line.startsWith('#')) continue
        if (format === 'tsv') throw new GroverError(`${where}: a TSV needs a header line naming chrom, start, end and score columns.`)
        set.format = format === 'auto' ? (f.length === 4 ? 'bedgraph' : 'bed') : format
        scoreCol = set.format === 'bedgraph' ? 3 : 4
        if (set.format === 'bed' && f.length < 5) throw new GroverError(`${where}: BED predictions need a score in column 5 (BED5 or BED6); found ${f.length} columns. Run grover predict with --format bed, bedgraph or tsv.`)
      }
      if (f.length <= scoreCol) throw new GroverError(`${where}: expected at least ${scoreCol + 1} tab-separated columns, found ${f.length}.`)
      const r = bedInterval(f, where)
      const v = Number(f[scoreCol])
      if (f[scoreCol]!.trim() === '' || !Number.isFinite(v)) throw new GroverError(`${where}: score "${f[scoreCol]}" in column ${scoreCol + 1} is not a number.`)
      if (names && set.format === 'bed') names.add(f[3]!)
      add(r.chrom, r.start, r.end, v)
    }
  } catch (error) {
    if (error instanceof GroverError) throw error
    throw new GroverError(`cannot read predictions ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path.`)
  }
  if (set.score.length === 0) throw new GroverError(`${path}: no scored regions found. Run grover predict with --threshold 0 to keep every window.`)
  if (names?.size === 1) set.name = [...names][0]
  return set
}

/**
 * Truth peaks from a BED file (first three columns), per chromosome, sorted by start, with the running
 * maximum end so overlap queries can stop early.
 */
export class TruthPeaks {
  private readonly byChrom = new Map<string, {start: number[]; end: number[]; maxEnd: number[]}>()
  count = 0

  static async fromBed(path: string): Promise<TruthPeaks> {
    const t = new TruthPeaks()
    const tmp = new Map<string, Array<[number, number]>>()
    let lineNo = 0
    try {
      for await (const raw of createInterface({input: createReadStream(path, 'utf8'), crlfDelay: Infinity})) {
        lineNo++
        const line = raw.replace(/\r$/, '')
        if (isBedHeader(line)) continue
        const r = bedInterval(line.split('\t'), `${path}:${lineNo}`)
        let list = tmp.get(r.chrom)
        if (!list) tmp.set(r.chrom, (list = []))
        list.push([r.start, r.end])
      }
    } catch (error) {
      if (error instanceof GroverError) throw error
      throw new GroverError(`cannot read --truth ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path.`)
    }
    for (const [chrom, list] of tmp) t.set(chrom, list)
    if (t.count === 0) throw new GroverError(`--truth ${path}: no peaks found. A BED file needs lines "chrom<TAB>start<TAB>end".`)
    return t
  }

  /** Truth from a signal: stretches where it is at least `min` over the given regions. */
  static async fromSignal(track: SignalTrack, regions: Region[], min: number): Promise<TruthPeaks> {
    const t = new TruthPeaks()
    const tmp = new Map<string, Array<[number, number]>>()
    for (const r of regions) {
      let list = tmp.get(r.chrom)
      if (!list) tmp.set(r.chrom, (list = []))
      for (const s of await track.above(r.chrom, r.start, r.end, min)) list.push([s.start, s.end])
    }
    for (const [chrom, list] of tmp) t.set(chrom, list)
    return t
  }

  private set(chrom: string, list: Array<[number, number]>): void {
    list.sort((a, b) => a[0] - b[0])
    const maxEnd: number[] = []
    let m = 0
    for (const [, e] of list) maxEnd.push((m = Math.max(m, e)))
    this.byChrom.set(chrom, {start: list.map((x) => x[0]), end: list.map((x) => x[1]), maxEnd})
    this.count += list.length
  }

  get chroms(): string[] {
    return [...this.byChrom.keys()]
  }

  /** The largest overlap in bp of [start, end) with any one peak. */
  overlap(chrom: string, start: number, end: number): number {
    const p = this.byChrom.get(chrom)
    if (!p) return 0
    // last peak starting before end
    let lo = 0
    let hi = p.start.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (p.start[mid]! < end) lo = mid + 1
      else hi = mid
    }
    let best = 0
    for (let i = lo - 1; i >= 0 && p.maxEnd[i]! > start; i--) {
      const o = Math.min(end, p.end[i]!) - Math.max(start, p.start[i]!)
      if (o > best) best = o
    }
    return best
  }
}
