import {BgzipIndexedFasta, IndexedFasta} from '@gmod/indexedfasta'
import {open, readFile, rename, stat, unlink, writeFile} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {buildFai, formatFai} from './faidx.js'
import {tmpPath} from './output.js'
import type {SequenceIndex} from './regions.js'

/**
 * FASTA records read in order from lines (a file or standard input; no index needed): name = the first
 * word of the header, sequence upper-cased; lines are trimmed and blank ones skipped.
 */
export async function* fastaRecords(lines: AsyncIterable<string>): AsyncGenerator<{name: string; seq: string}> {
  let name: string | undefined
  let parts: string[] = []
  for await (const raw of lines) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('>')) {
      if (name !== undefined) yield {name, seq: parts.join('').toUpperCase()}
      name = line.slice(1).split(/\s/)[0] ?? ''
      parts = []
    } else if (name !== undefined) {
      parts.push(line)
    }
  }
  if (name !== undefined) yield {name, seq: parts.join('').toUpperCase()}
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}

type Compression = 'none' | 'bgzip' | 'gzip'

async function sniff(path: string): Promise<Compression> {
  const fh = await open(path, 'r')
  try {
    const buf = Buffer.alloc(16)
    const {bytesRead} = await fh.read(buf, 0, 16, 0)
    if (bytesRead >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) {
      // BGZF: gzip with FEXTRA and a "BC" subfield at byte 12.
      return bytesRead >= 14 && (buf[3]! & 4) !== 0 && buf[12] === 66 && buf[13] === 67 ? 'bgzip' : 'gzip'
    }
    return 'none'
  } finally {
    await fh.close()
  }
}

function parseFai(text: string, faiPath: string): SequenceIndex {
  const names: string[] = []
  const lengths = new Map<string, number>()
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!
    if (line === '') continue
    const f = line.split('\t')
    const len = Number(f[1])
    if (f.length < 5 || !Number.isInteger(len) || len < 0) {
      throw new GroverError(`${faiPath}:${i + 1}: not a FASTA index line (name, length, offset, linebases, linewidth). Rebuild it with "samtools faidx".`)
    }
    if (lengths.has(f[0]!)) throw new GroverError(`${faiPath}:${i + 1}: duplicate sequence name "${f[0]}".`)
    names.push(f[0]!)
    lengths.set(f[0]!, len)
  }
  if (names.length === 0) throw new GroverError(`${faiPath}: the index lists no sequences. Rebuild it with "samtools faidx".`)
  return {names, lengths}
}

/**
 * An indexed FASTA (plain with .fai, or bgzip with .fai and .gzi). `fetch` returns upper-cased
 * bases of a 0-based half-open range, as the models see them (soft-masking is dropped).
 */
export class Fasta {
  private constructor(
    readonly path: string,
    readonly index: SequenceIndex,
    private readonly reader: IndexedFasta,
  ) {}

  static async open(path: string, opts: {log?: (msg: string) => void} = {}): Promise<Fasta> {
    if (!(await exists(path))) throw new GroverError(`FASTA file not found: ${path}. Check the path.`)
    const kind = await sniff(path)
    const faiPath = path + '.fai'
    if (kind === 'gzip') {
      throw new GroverError(`${path} is gzip-compressed but not with bgzip, so it cannot be read at random positions. Recompress it: zcat ${path} | bgzip > genome.fa.gz && samtools faidx genome.fa.gz`)
    }
    if (kind === 'bgzip') {
      const gziPath = path + '.gzi'
      const absent: string[] = []
      for (const p of [faiPath, gziPath]) if (!(await exists(p))) absent.push(p)
      if (absent.length > 0) {
        throw new GroverError(`bgzip FASTA ${path} needs its index files; missing: ${absent.join(', ')}. Create them with: samtools faidx ${path}`)
      }
      const index = parseFai(await readFile(faiPath, 'utf8'), faiPath)
      Fasta.checkNoEmpty(path, index)
      return new Fasta(path, index, new BgzipIndexedFasta({path, faiPath, gziPath}))
    }
    if (!(await exists(faiPath))) await Fasta.writeIndex(path, faiPath, opts.log)
    const index = parseFai(await readFile(faiPath, 'utf8'), faiPath)
    await Fasta.checkIndexFits(path, faiPath)
    Fasta.checkNoEmpty(path, index)
    return new Fasta(path, index, new IndexedFasta({path, faiPath}))
  }

  private static async writeIndex(path: string, faiPath: string, log?: (msg: string) => void): Promise<void> {
    const entries = await buildFai(path)
    const tmp = tmpPath(faiPath)
    try {
      await writeFile(tmp, formatFai(entries))
      await rename(tmp, faiPath)
    } catch (error) {
      await unlink(tmp).catch(() => {})
      const code = (error as NodeJS.ErrnoException).code ?? String(error)
      throw new GroverError(`${path} has no index (${faiPath}) and grover cannot write one there (${code}). Run "samtools faidx ${path}" where you can write, or copy the FASTA to a writable folder.`)
    }
    log?.(`built FASTA index ${faiPath} (${entries.length} sequences)`)
  }

  /** A record with a header and no bases: usually a truncated file. */
  private static checkNoEmpty(path: string, index: SequenceIndex): void {
    const empty = index.names.filter((n) => index.lengths.get(n) === 0)
    if (empty.length) {
      throw new GroverError(`${path}: sequence "${empty[0]}" has a header but no bases${empty.length > 1 ? ` (and ${empty.length - 1} more)` : ''}. The file may be truncated; fix or remove the empty record${empty.length > 1 ? 's' : ''}.`)
    }
  }

  /** A stale .fai (the FASTA changed after indexing) points past the file's end: catch that early. */
  private static async checkIndexFits(path: string, faiPath: string): Promise<void> {
    const text = await readFile(faiPath, 'utf8')
    const {size} = await stat(path)
    for (const line of text.split('\n')) {
      if (line === '') continue
      const [name, len, off, lb, lw] = line.split('\t').map((x, i) => (i === 0 ? x : Number(x))) as [string, number, number, number, number]
      const lines = lb > 0 ? Math.floor(Math.max(0, len - 1) / lb) : 0
      const lastByte = off + lines * lw + (len - lines * lb)
      if (len > 0 && (lb <= 0 || lastByte > size)) {
        throw new GroverError(`${faiPath} does not match ${path}: sequence "${name}" would end at byte ${lastByte} but the file has ${size} bytes. The index is stale; delete it and run "samtools faidx ${path}" (or let grover rebuild it).`)
      }
    }
  }

  /** Upper-cased bases of chrom [start, end), 0-based half-open. */
  async fetch(chrom: string, start: number, end: number): Promise<string> {
    const seq = await this.reader.getSequence(chrom, start, end)
    if (seq === undefined) throw new GroverError(`${this.path}: sequence "${chrom}" not found in the index.`)
    if (seq.length !== end - start) {
      throw new GroverError(`${this.path}: read ${seq.length} bases for ${chrom}:${start + 1}-${end} but expected ${end - start}. The file may be truncated or its index stale: rebuild it with "samtools faidx ${this.path}".`)
    }
    const up = seq.toUpperCase()
    const bad = NOT_DNA.exec(up)
    if (bad) {
      const pos = start + bad.index + 1
      throw new GroverError(`${this.path}: ${chrom} has "${bad[0]}" at position ${pos.toLocaleString('en-US')} (1-based), which is not a DNA base or IUPAC code. Is this a protein FASTA? grover reads DNA: A, C, G, T, N and the IUPAC ambiguity codes.`)
    }
    return up
  }
}

/** Anything but DNA bases and IUPAC nucleotide codes (after upper-casing). */
const NOT_DNA = /[^ACGTNRYKMSWBDHV]/
