import {createReadStream} from 'node:fs'
import {open, stat} from 'node:fs/promises'
import {createInterface} from 'node:readline'
import {createGunzip} from 'node:zlib'

import {TabixIndexedFile} from '@gmod/tabix'

import {GroverError} from '../errors.js'
import type {Region} from './regions.js'

/** One VCF data line: POS is 1-based as in the file; alts split on ','. */
export interface VcfRecord {
  /** where it came from, for messages: FILE:LINE, or FILE (chrom:pos) when read through the tabix index */
  where: string
  lineNo: number
  fields: string[]
  chrom: string
  pos: number
  id: string
  ref: string
  alts: string[]
}

export type VcfLine = {kind: 'meta'; line: string} | {kind: 'header'; line: string} | {kind: 'record'; record: VcfRecord}

/**
 * Stream a VCF, plain or bgzip/gzip-compressed (decompressed as a stream, so memory stays flat).
 * Checks the columns every data line needs and says file:line when one is malformed.
 */
export async function* readVcf(path: string, onBytes?: (done: number, total: number) => void): AsyncGenerator<VcfLine> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (error) {
    throw new GroverError(`cannot read VCF ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path.`)
  }
  const magic = Buffer.alloc(2)
  await fh.read(magic, 0, 2, 0)
  await fh.close()
  const raw = createReadStream(path)
  if (onBytes) {
    const {size} = await stat(path)
    let done = 0
    raw.on('data', (chunk) => {
      done += chunk.length
      onBytes(done, size)
    })
  }
  const input = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw
  const rl = createInterface({input, crlfDelay: Infinity})
  let lineNo = 0
  let sawHeader = false
  try {
    for await (const line of rl) {
      lineNo++
      if (line.startsWith('##')) {
        yield {kind: 'meta', line}
        continue
      }
      if (line.startsWith('#')) {
        sawHeader = true
        yield {kind: 'header', line}
        continue
      }
      if (line === '') continue
      if (!sawHeader) throw new GroverError(`${path}:${lineNo}: data before the #CHROM header line. Is this a VCF?`)
      yield {kind: 'record', record: parseRecord(line, `${path}:${lineNo}`, lineNo)}
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw new GroverError(`${path}: the compressed file is corrupt or truncated (after line ${lineNo}).`)
    }
    throw error
  }
  if (!sawHeader) throw new GroverError(`${path}: no #CHROM header line; is this a VCF?`)
}

function parseRecord(line: string, where: string, lineNo: number): VcfRecord {
  const f = line.split('\t')
  if (f.length < 8) throw new GroverError(`${where}: expected at least 8 tab-separated VCF columns, found ${f.length}.`)
  const pos = Number(f[1])
  if (!Number.isInteger(pos) || pos < 1) throw new GroverError(`${where}: POS "${f[1]}" is not a positive whole number.`)
  const ref = f[3]!.toUpperCase()
  if (!/^[ACGTN]+$/.test(ref)) throw new GroverError(`${where}: REF "${f[3]}" is not a DNA allele.`)
  return {where, lineNo, fields: f, chrom: f[0]!, pos, id: f[2]!, ref, alts: f[4]!.split(',')}
}

async function exists(p: string): Promise<boolean> {
  try {
    await open(p, 'r').then((h) => h.close())
    return true
  } catch {
    return false
  }
}

/**
 * The VCF's header lines and only the records whose POS lies in the regions (0-based half-open), in
 * region order. A bgzip VCF with a .tbi index is read through it (@gmod/tabix: only the blocks that
 * overlap are decompressed); any other VCF is streamed and filtered.
 */
export async function* readVcfRegions(path: string, regions: Region[]): AsyncGenerator<VcfLine> {
  const tbi = `${path}.tbi`
  if (!(await exists(tbi))) {
    for await (const item of readVcf(path)) {
      if (item.kind !== 'record') yield item
      else if (regions.some((r) => r.chrom === item.record.chrom && item.record.pos - 1 >= r.start && item.record.pos - 1 < r.end)) yield item
    }
    return
  }
  const file = new TabixIndexedFile({path, tbiPath: tbi})
  let header: string
  try {
    header = await file.getHeader()
  } catch (error) {
    throw new GroverError(`${path}: cannot read it through its index ${tbi} (${(error as Error).message}). Re-create the index with "tabix -p vcf ${path}".`)
  }
  let sawHeader = false
  for (const line of header.split('\n')) {
    if (line.startsWith('##')) yield {kind: 'meta', line}
    else if (line.startsWith('#')) {
      sawHeader = true
      yield {kind: 'header', line}
    }
  }
  if (!sawHeader) throw new GroverError(`${path}: no #CHROM header line; is this a VCF?`)
  for (const r of regions) {
    const lines: string[] = []
    await file.getLines(r.chrom, r.start, r.end, (line: string) => {
      lines.push(line)
    })
    for (const line of lines) {
      const rec = parseRecord(line, `${path} (record at ${line.split('\t', 2).join(':')})`, 0)
      if (rec.pos - 1 >= r.start && rec.pos - 1 < r.end) yield {kind: 'record', record: rec}
    }
  }
}
