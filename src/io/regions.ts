import {readFile} from 'node:fs/promises'

import {GroverError} from '../errors.js'

/** A stretch of one sequence: 0-based, half-open [start, end). */
export interface Region {
  chrom: string
  start: number
  end: number
}

/** Sequence names and lengths in index order, as a FASTA index (.fai) lists them. */
export interface SequenceIndex {
  names: string[]
  lengths: Map<string, number>
}

function unknownChrom(name: string, index: SequenceIndex, where: string): GroverError {
  const some = index.names.slice(0, 5).join(', ') + (index.names.length > 5 ? `, … (${index.names.length} in all)` : '')
  const alt = name.startsWith('chr') ? name.slice(3) : 'chr' + name
  const hint = index.lengths.has(alt) ? ` The FASTA calls it "${alt}": chromosome naming differs (chr1 vs 1).` : ''
  return new GroverError(`${where}: sequence "${name}" is not in the FASTA index. Valid names: ${some}.${hint}`)
}

function checkRange(r: Region, index: SequenceIndex, where: string): Region {
  const len = index.lengths.get(r.chrom)
  if (len === undefined) throw unknownChrom(r.chrom, index, where)
  if (r.end > len) {
    throw new GroverError(`${where}: ends at ${r.end}, past the end of ${r.chrom} (length ${len}). Use coordinates within 1-${len}.`)
  }
  return r
}

const INT = /^[0-9][0-9,]*$/

function toInt(s: string): number {
  return Number(s.replaceAll(',', ''))
}

/**
 * Parse a samtools-style region string (1-based, inclusive) into a 0-based half-open Region:
 * "chr1" (whole sequence), "chr1:1000" (from 1000 to the end), "chr1:1000-2000", commas allowed,
 * and "{name}:1000-2000" for sequence names that themselves contain ':'.
 */
export function parseRegion(text: string, index: SequenceIndex): Region {
  const where = `region "${text}"`
  let name: string
  let range: string | undefined
  if (text.startsWith('{')) {
    const close = text.indexOf('}')
    if (close < 0) throw new GroverError(`${where}: missing "}" after the braced sequence name. Write {name}:start-end.`)
    name = text.slice(1, close)
    const rest = text.slice(close + 1)
    if (rest !== '' && !rest.startsWith(':')) throw new GroverError(`${where}: expected ":" after "}". Write {name}:start-end.`)
    range = rest === '' ? undefined : rest.slice(1)
  } else if (index.lengths.has(text)) {
    name = text
  } else {
    const colon = text.lastIndexOf(':')
    if (colon < 0) {
      name = text
    } else {
      name = text.slice(0, colon)
      range = text.slice(colon + 1)
    }
  }
  const len = index.lengths.get(name)
  if (len === undefined) throw unknownChrom(name, index, where)
  if (range === undefined) return {chrom: name, start: 0, end: len}
  const dash = range.indexOf('-')
  const a = dash < 0 ? range : range.slice(0, dash)
  const b = dash < 0 ? undefined : range.slice(dash + 1)
  if (!INT.test(a) || (b !== undefined && !INT.test(b))) {
    throw new GroverError(`${where}: "${range}" is not start-end with positive whole numbers. Write chr:start-end, 1-based inclusive (e.g. chr1:1001-2000).`)
  }
  const start1 = toInt(a)
  const end1 = b === undefined ? len : toInt(b)
  if (start1 < 1) throw new GroverError(`${where}: start must be at least 1 (region strings are 1-based, like samtools).`)
  if (end1 < start1) throw new GroverError(`${where}: end ${end1} is before start ${start1}.`)
  return checkRange({chrom: name, start: start1 - 1, end: end1}, index, where)
}

/** A BED line that holds no interval: blank, a comment, or a track or browser line. */
export function isBedHeader(line: string): boolean {
  return line === '' || line.startsWith('#') || line.startsWith('track') || line.startsWith('browser')
}

/** The interval of one BED line's tab-separated fields (0-based half-open), checked; `where` is file:line. */
export function bedInterval(f: string[], where: string): Region {
  if (f.length < 3) throw new GroverError(`${where}: expected at least 3 tab-separated columns (chrom start end), found ${f.length}.`)
  const [chrom, s, e] = f as [string, string, string]
  if (!/^[0-9]+$/.test(s) || !/^[0-9]+$/.test(e)) {
    throw new GroverError(`${where}: start and end must be non-negative whole numbers (BED is 0-based), got "${s}" and "${e}".`)
  }
  const r = {chrom, start: Number(s), end: Number(e)}
  if (r.end <= r.start) throw new GroverError(`${where}: end ${r.end} is not after start ${r.start}; a BED interval needs start < end.`)
  return r
}

/** One interval of a BED file with all its fields and its 1-based line number. */
export interface BedRecord {
  region: Region
  fields: string[]
  line: number
}

/** The intervals of a BED file, each checked and within the FASTA index (header lines skipped). */
export async function readBedRecords(path: string, index: SequenceIndex): Promise<BedRecord[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new GroverError(`cannot read BED file ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path.`)
  }
  const out: BedRecord[] = []
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '')
    if (isBedHeader(line)) continue
    const where = `${path}:${i + 1}`
    const fields = line.split('\t')
    out.push({region: checkRange(bedInterval(fields, where), index, where), fields, line: i + 1})
  }
  if (out.length === 0) throw new GroverError(`${path}: no regions found. A BED file needs lines "chrom<TAB>start<TAB>end".`)
  return out
}

/** Read regions from a BED file (0-based half-open; only the first three columns are used). */
export async function readBedRegions(path: string, index: SequenceIndex): Promise<Region[]> {
  return (await readBedRecords(path, index)).map((r) => r.region)
}

/**
 * Put regions in FASTA index order and position, and merge overlapping or touching ones, so no base is
 * scored twice and the output comes out sorted.
 */
export function normalizeRegions(regions: Region[], index: SequenceIndex): Region[] {
  const order = new Map(index.names.map((n, i) => [n, i]))
  const sorted = [...regions].sort((a, b) => order.get(a.chrom)! - order.get(b.chrom)! || a.start - b.start || a.end - b.end)
  const out: Region[] = []
  for (const r of sorted) {
    const last = out.at(-1)
    if (last && last.chrom === r.chrom && r.start <= last.end) last.end = Math.max(last.end, r.end)
    else out.push({...r})
  }
  return out
}

/** Every sequence of the index, whole. */
export function wholeGenome(index: SequenceIndex): Region[] {
  return index.names.map((chrom) => ({chrom, start: 0, end: index.lengths.get(chrom)!}))
}

/**
 * The regions a command works on: --region strings and/or a --regions BED, or the whole genome when
 * neither is given; validated against the index up front, sorted, overlaps merged.
 */
export async function selectRegions(index: SequenceIndex, regionStrings: string[] = [], bedPath?: string): Promise<Region[]> {
  const picked: Region[] = regionStrings.map((r) => parseRegion(r, index))
  if (bedPath) picked.push(...(await readBedRegions(bedPath, index)))
  return normalizeRegions(picked.length > 0 ? picked : wholeGenome(index), index)
}
