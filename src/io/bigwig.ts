import {open, readFile, rename, unlink} from 'node:fs/promises'

import {BigWig} from '@gmod/bbi'

import {type OutputTarget, tmpPath} from './output.js'
import {GroverError} from '../errors.js'
import {BIGWIG_MAGIC, BigWigWriter, type ChromSize} from './bigwig-writer.js'
import type {Region} from './regions.js'

/** Stats of a signal over a region, over the bases the bigWig has data for (as pyBigWig's exact stats). */
export interface SignalStats {
  mean: number
  max: number
  /** bases with data */
  covered: number
}

/**
 * Read a chromosome alias file: one `FASTA-name <TAB or spaces> bigWig-name` pair per line; blank
 * lines and lines starting with # are skipped.
 */
export async function readChromAlias(path: string): Promise<Map<string, string>> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new GroverError(`cannot read --chrom-alias file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`)
  }
  const map = new Map<string, string>()
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '' || line.startsWith('#')) return
    const f = line.trim().split(/\s+/)
    if (f.length !== 2) throw new GroverError(`${path}:${i + 1}: expected two columns (FASTA name, bigWig name), got ${f.length}: "${line}".`)
    if (map.has(f[0]!)) throw new GroverError(`${path}:${i + 1}: "${f[0]}" is given a second alias.`)
    map.set(f[0]!, f[1]!)
  })
  return map
}

/** Whether `path` starts with the bigWig magic number; `what` names the file in the error when it cannot be read. */
export async function isBigWig(path: string, what: string): Promise<boolean> {
  let fh
  try {
    fh = await open(path, 'r')
    const b = Buffer.alloc(4)
    const {bytesRead} = await fh.read(b, 0, 4, 0)
    return bytesRead === 4 && b.readUInt32LE(0) === BIGWIG_MAGIC
  } catch (error) {
    throw new GroverError(`cannot read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path.`)
  } finally {
    await fh?.close()
  }
}

/** A bigWig signal read with @gmod/bbi, addressed with the FASTA's chromosome names. */
export class SignalTrack {
  private constructor(
    readonly path: string,
    private readonly bw: BigWig,
    readonly chroms: Map<string, number>,
    private readonly alias: Map<string, string>,
  ) {}

  /** Open a bigWig; `flag` names the option it came from, for messages. */
  static async open(path: string, flag: string, alias = new Map<string, string>()): Promise<SignalTrack> {
    if (!(await isBigWig(path, `${flag} file`))) {
      throw new GroverError(`${flag} ${path}: not a bigWig file (it does not start with the bigWig magic number). Convert bedGraph with bedGraphToBigWig, or pass a .bw file.`)
    }
    const bw = new BigWig({path})
    let header
    try {
      header = await bw.getHeader()
    } catch (error) {
      throw new GroverError(`${flag} ${path}: cannot read its header (${(error as Error).message}); the file may be truncated or corrupt.`)
    }
    const chroms = new Map<string, number>()
    for (const r of Object.values(header.refsByNumber)) chroms.set(r.name, r.length)
    return new SignalTrack(path, bw, chroms, alias)
  }

  /** The bigWig's name for a FASTA chromosome, or undefined when the bigWig has no such chromosome. */
  nameOf(chrom: string): string | undefined {
    const n = this.alias.get(chrom) ?? chrom
    return this.chroms.has(n) ? n : undefined
  }

  /**
   * Check the bigWig's chromosome names against the FASTA chromosomes to be scanned, up front. None in
   * common is a naming mismatch (chr1 vs 1): an error saying how to map them. Some missing: returns them,
   * for a warning.
   */
  checkNames(chroms: string[], flag: string): string[] {
    const missing = chroms.filter((c) => this.nameOf(c) === undefined)
    if (missing.length === chroms.length && chroms.length > 0) {
      const theirs = [...this.chroms.keys()]
      const some = theirs.slice(0, 5).join(', ') + (theirs.length > 5 ? `, … (${theirs.length} in all)` : '')
      const c = chroms[0]!
      const alt = c.startsWith('chr') ? c.slice(3) : 'chr' + c
      const hint = this.chroms.has(alt) ? ` The bigWig calls "${c}" "${alt}": chromosome naming differs (chr1 vs 1).` : ''
      throw new GroverError(`${flag} ${this.path}: none of the scanned chromosomes (${chroms.slice(0, 5).join(', ')}) is in the bigWig, whose chromosomes are ${some}.${hint} Map the names with --chrom-alias FILE (lines: FASTA-name TAB bigWig-name).`)
    }
    return missing
  }

  private async features(chrom: string, start: number, end: number): Promise<Array<{start: number; end: number; score: number}>> {
    const name = this.nameOf(chrom)
    if (name === undefined) return []
    return this.bw.getFeatures(name, start, end, {scale: 1})
  }

  /** Mean and max over the bases of [start, end) that have data; undefined when none has. */
  async stats(chrom: string, start: number, end: number): Promise<SignalStats | undefined> {
    let covered = 0
    let sum = 0
    let max = -Infinity
    for (const f of await this.features(chrom, start, end)) {
      const n = Math.min(end, f.end) - Math.max(start, f.start)
      if (n <= 0) continue
      covered += n
      sum += f.score * n
      if (f.score > max) max = f.score
    }
    return covered ? {mean: sum / covered, max, covered} : undefined
  }

  /** Merged stretches of [start, end) where the signal is at least `min`, read in 1-Mb pieces. */
  async above(chrom: string, start: number, end: number, min: number, piece = 1 << 20): Promise<Region[]> {
    const out: Region[] = []
    for (let s = start; s < end; s += piece) {
      const e = Math.min(end, s + piece)
      for (const f of await this.features(chrom, s, e)) {
        if (!(f.score >= min)) continue
        const a = Math.max(s, f.start)
        const b = Math.min(e, f.end)
        if (b <= a) continue
        const last = out[out.length - 1]
        if (last && a <= last.end) last.end = Math.max(last.end, b)
        else out.push({chrom, start: a, end: b})
      }
    }
    return out
  }

  /** Every data interval of [start, end), clipped to it. */
  async intervals(chrom: string, start: number, end: number): Promise<Array<{start: number; end: number; score: number}>> {
    return (await this.features(chrom, start, end))
      .map((f) => ({start: Math.max(start, f.start), end: Math.min(end, f.end), score: f.score}))
      .filter((f) => f.end > f.start)
  }
}

/**
 * -o FILE.bw for a command that writes a bigWig: written as FILE.bw.tmp-PID and renamed only when
 * complete. An interrupted run still finishes the file (index, zoom levels) and keeps it as
 * FILE.bw.partial, a valid bigWig of what was scored.
 */
export class BigWigOutput implements OutputTarget {
  private writer: BigWigWriter | undefined
  private readonly tmp: string

  constructor(readonly path: string) {
    this.tmp = tmpPath(path)
  }

  static async create(path: string | undefined): Promise<BigWigOutput> {
    if (!path) throw new GroverError('--format bigwig needs -o FILE.bw: a bigWig is a binary file with an index at the end, so it cannot stream to standard output.')
    // fail now, before any work, when the folder is not writable
    const out = new BigWigOutput(path)
    try {
      await (await open(out.tmp, 'w')).close()
    } catch (error) {
      throw new GroverError(`cannot write output file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check that its folder exists and is writable.`)
    }
    return out
  }

  /** Declare the chromosomes (all of the FASTA's, in its order) and start writing. */
  begin(chroms: ChromSize[], zoomBase: number): BigWigWriter {
    this.writer = new BigWigWriter(this.tmp, chroms, {zoomBase})
    return this.writer
  }

  async close(): Promise<void> {
    if (!this.writer) throw new Error('BigWigOutput closed before begin()')
    this.writer.finish()
    await rename(this.tmp, this.path)
  }

  async abort(keepPartial: boolean): Promise<string | undefined> {
    if (keepPartial && this.writer) {
      try {
        this.writer.finish()
        const partial = `${this.path}.partial`
        await rename(this.tmp, partial)
        return partial
      } catch {}
    }
    this.writer?.close(true)
    await unlink(this.tmp).catch(() => {})
    return undefined
  }
}
