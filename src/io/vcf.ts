import {createReadStream} from 'node:fs'
import {open} from 'node:fs/promises'
import {createInterface} from 'node:readline'
import {createGunzip} from 'node:zlib'

import {GroverError} from '../errors.js'

/** One VCF data line: POS is 1-based as in the file; alts split on ','. */
export interface VcfRecord {
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
export async function* readVcf(path: string): AsyncGenerator<VcfLine> {
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
      const f = line.split('\t')
      if (f.length < 8) throw new GroverError(`${path}:${lineNo}: expected at least 8 tab-separated VCF columns, found ${f.length}.`)
      const pos = Number(f[1])
      if (!Number.isInteger(pos) || pos < 1) throw new GroverError(`${path}:${lineNo}: POS "${f[1]}" is not a positive whole number.`)
      const ref = f[3]!.toUpperCase()
      if (!/^[ACGTN]+$/.test(ref)) throw new GroverError(`${path}:${lineNo}: REF "${f[3]}" is not a DNA allele.`)
      yield {kind: 'record', record: {lineNo, fields: f, chrom: f[0]!, pos, id: f[2]!, ref, alts: f[4]!.split(',')}}
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (error as NodeJS.ErrnoException).code === 'Z_BUF_ERROR') {
      throw new GroverError(`${path}: the compressed file is corrupt or truncated (after line ${lineNo}).`)
    }
    throw error
  }
  if (!sawHeader) throw new GroverError(`${path}: no #CHROM header line; is this a VCF?`)
}
