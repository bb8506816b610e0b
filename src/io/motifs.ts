import {readFile} from 'node:fs/promises'

import {GroverError} from '../errors.js'

/**
 * A DNA motif as read from a motif file: per position, the four letter frequencies (A, C, G, T) and, when
 * the file gives them, the counts (JASPAR) or the number of sites (MEME's nsites) they come from.
 */
export interface Motif {
  id: string
  /** the second name the file gives (JASPAR's factor name, MEME's alternate name, HOMER's long name) */
  name: string
  /** freqs[position][base], each row summing to 1 */
  freqs: number[][]
  /** sites behind the frequencies: MEME's nsites, the mean of JASPAR's column totals; undefined when the file has none */
  sites: number | undefined
  /** count matrices (JASPAR): each position's total count, which its pseudocount is weighed against */
  totals?: number[]
  /** file:line of the motif's header, for messages */
  where: string
}

export type MotifFormat = 'jaspar' | 'meme' | 'homer'
export const MOTIF_FORMATS: MotifFormat[] = ['jaspar', 'meme', 'homer']

/** A motif file's motifs, and the background its header gives (MEME's "Background letter frequencies"). */
export interface MotifFile {
  motifs: Motif[]
  format: MotifFormat
  background?: number[]
}

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/

function num(text: string, where: string, what: string): number {
  if (!NUMBER.test(text)) throw new GroverError(`${where}: "${text}" is not a number (${what}). Fix the motif file.`)
  return Number(text)
}

/** Check one motif's matrix (rows: positions, 4 values each) and turn counts or probabilities into frequencies. */
function finish(id: string, name: string, rows: number[][], where: string, sites: number | undefined, kind: 'counts' | 'probabilities'): Motif {
  if (rows.length === 0) throw new GroverError(`${where}: motif ${id} has no positions. Fix the motif file.`)
  const freqs = rows.map((r, i) => {
    if (r.some((x) => x < 0)) throw new GroverError(`${where}: motif ${id} position ${i + 1} has a negative ${kind === 'counts' ? 'count' : 'probability'} (${r.join(' ')}). Fix the motif file.`)
    const total = r.reduce((a, b) => a + b, 0)
    if (!(total > 0)) throw new GroverError(`${where}: motif ${id} position ${i + 1} is all zero: it says nothing about the bases there. Fix the motif file.`)
    return r.map((x) => x / total)
  })
  if (kind === 'counts') {
    // JASPAR: each column's total is its number of sites (equal in a well-formed matrix, often not quite)
    const totals = rows.map((r) => r.reduce((x, y) => x + y, 0))
    return {id, name, freqs, sites: totals.reduce((a, b) => a + b, 0) / totals.length, totals, where}
  }
  return {id, name, freqs, sites, where}
}

/**
 * JASPAR: `>ID name` then four rows, one per base, either `A [ 1 2 3 ]` (JASPAR's .jaspar format, also
 * its multi-motif .txt downloads) or bare numbers in A, C, G, T order (its .pfm format). Counts.
 */
export function parseJaspar(text: string, file: string): Motif[] {
  const lines = text.split(/\r?\n/)
  const motifs: Motif[] = []
  let i = 0
  while (i < lines.length) {
    const line = lines[i]!.trim()
    if (line === '' || line.startsWith('#')) {
      i++
      continue
    }
    const where = `${file}:${i + 1}`
    if (!line.startsWith('>')) throw new GroverError(`${where}: expected a JASPAR motif header ">ID name", got "${line.slice(0, 40)}". Is this a JASPAR file? (--format-in jaspar|meme|homer)`)
    const [id = '', ...rest] = line.slice(1).trim().split(/\s+/)
    if (id === '') throw new GroverError(`${where}: the motif header has no ID. Write ">ID name".`)
    const byBase = new Map<string, number[]>()
    const order: number[][] = []
    let j = i + 1
    for (; j < lines.length && order.length < 4; j++) {
      const row = lines[j]!.trim()
      if (row === '') continue
      if (row.startsWith('>')) break
      const rw = `${file}:${j + 1}`
      const m = /^([ACGTacgt])\s*\[(.*)\]\s*$/.exec(row)
      const values = (m ? m[2]! : row).trim().split(/\s+/).map((x) => num(x, rw, `a count of motif ${id}`))
      if (m) {
        const base = m[1]!.toUpperCase()
        if (byBase.has(base)) throw new GroverError(`${rw}: motif ${id} has two ${base} rows. Fix the motif file.`)
        byBase.set(base, values)
      } else if (!/^[-+.\d]/.test(row)) {
        throw new GroverError(`${rw}: expected a row of counts ("A [ … ]" or numbers) for motif ${id}, got "${row.slice(0, 40)}".`)
      }
      order.push(values)
    }
    if (order.length < 4) throw new GroverError(`${where}: motif ${id} has ${order.length} rows of counts; a DNA motif needs four (A, C, G, T). Fix the motif file.`)
    const rows = byBase.size ? ['A', 'C', 'G', 'T'].map((b) => {
      const r = byBase.get(b)
      if (!r) throw new GroverError(`${where}: motif ${id} has no ${b} row. Fix the motif file.`)
      return r
    }) : order
    const w = rows[0]!.length
    rows.forEach((r, k) => {
      if (r.length !== w) throw new GroverError(`${where}: motif ${id}'s ${'ACGT'[k]} row has ${r.length} counts but its A row has ${w}: the rows are ragged. Fix the motif file.`)
    })
    const positions = Array.from({length: w}, (_, p) => rows.map((r) => r[p]!))
    motifs.push(finish(id, rest.join(' '), positions, where, undefined, 'counts'))
    i = j
  }
  return motifs
}

/**
 * MEME minimal / text format: `MEME version N`, optional `ALPHABET= ACGT`, `strands:`, `Background letter
 * frequencies` (then `A p C p G p T p`), and per motif `MOTIF id [alt]` then `letter-probability matrix:
 * alength= 4 w= W nsites= N E= e` and W rows of four probabilities.
 */
export function parseMeme(text: string, file: string): {motifs: Motif[]; background?: number[]} {
  const lines = text.split(/\r?\n/)
  const motifs: Motif[] = []
  let background: number[] | undefined
  let cur: {id: string; name: string; where: string} | undefined
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    const where = `${file}:${i + 1}`
    if (/^ALPHABET\s*=/.test(line)) {
      const a = line.split('=')[1]!.trim()
      if (a !== '' && a.toUpperCase() !== 'ACGT') throw new GroverError(`${where}: alphabet "${a}": grover scans DNA motifs (ACGT) only.`)
    } else if (/^Background letter frequencies/i.test(line)) {
      const vals = new Map<string, number>()
      for (let j = i + 1; j < lines.length && vals.size < 4; j++) {
        const t = lines[j]!.trim().split(/\s+/)
        if (t.length < 2 || t[0] === '') break
        for (let k = 0; k + 1 < t.length; k += 2) vals.set(t[k]!.toUpperCase(), num(t[k + 1]!, `${file}:${j + 1}`, 'a background frequency'))
        i = j
      }
      background = ['A', 'C', 'G', 'T'].map((b) => {
        const v = vals.get(b)
        if (v === undefined) throw new GroverError(`${where}: the background frequencies have no ${b}. Fix the motif file.`)
        return v
      })
    } else if (/^MOTIF\s/.test(line)) {
      const [, id = '', ...alt] = line.split(/\s+/)
      cur = {id, name: alt.join(' '), where}
    } else if (/^letter-probability matrix/i.test(line)) {
      if (!cur) throw new GroverError(`${where}: a letter-probability matrix before any MOTIF line. Fix the motif file.`)
      const field = (k: string) => {
        const m = new RegExp(`${k}\\s*=\\s*(\\S+)`).exec(line)
        return m ? num(m[1]!, where, k) : undefined
      }
      const alength = field('alength')
      if (alength !== undefined && alength !== 4) throw new GroverError(`${where}: alength= ${alength}: grover scans DNA motifs (4 letters) only.`)
      const w = field('w')
      const nsites = field('nsites')
      const rows: number[][] = []
      let j = i + 1
      for (; j < lines.length; j++) {
        const row = lines[j]!.trim()
        if (row === '') {
          if (rows.length === 0) continue
          break
        }
        if (!/^[-+.\d]/.test(row)) break
        const vals = row.split(/\s+/).map((x) => num(x, `${file}:${j + 1}`, `a probability of motif ${cur!.id}`))
        if (vals.length !== 4) throw new GroverError(`${file}:${j + 1}: motif ${cur.id} has a row of ${vals.length} probabilities; each position needs four (A C G T): the rows are ragged. Fix the motif file.`)
        rows.push(vals)
        if (w !== undefined && rows.length === w) {
          j++
          break
        }
      }
      if (w !== undefined && rows.length !== w) throw new GroverError(`${where}: motif ${cur.id} says w= ${w} but has ${rows.length} rows. Fix the motif file.`)
      motifs.push(finish(cur.id, cur.name, rows, cur.where, nsites !== undefined && nsites > 0 ? nsites : undefined, 'probabilities'))
      cur = undefined
      i = j - 1
    }
  }
  return {motifs, background}
}

/**
 * HOMER .motif: `>consensus<TAB>name<TAB>log-odds threshold…` then one row of four probabilities (A C G T)
 * per position.
 */
export function parseHomer(text: string, file: string): Motif[] {
  const lines = text.split(/\r?\n/)
  const motifs: Motif[] = []
  let cur: {id: string; name: string; where: string; rows: number[][]} | undefined
  const close = () => {
    if (cur) motifs.push(finish(cur.id, cur.name, cur.rows, cur.where, undefined, 'probabilities'))
    cur = undefined
  }
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim()
    if (line === '') continue
    const where = `${file}:${i + 1}`
    if (line.startsWith('>')) {
      close()
      const f = line.slice(1).split('\t')
      const consensus = (f[0] ?? '').trim()
      const name = (f[1] ?? '').trim()
      cur = {id: name || consensus, name: consensus, where, rows: []}
      continue
    }
    if (!cur) throw new GroverError(`${where}: expected a HOMER motif header ">consensus<TAB>name<TAB>threshold", got "${line.slice(0, 40)}". Is this a HOMER file? (--format-in jaspar|meme|homer)`)
    const vals = line.split(/\s+/).map((x) => num(x, where, `a probability of motif ${cur!.id}`))
    if (vals.length !== 4) throw new GroverError(`${where}: motif ${cur.id} has a row of ${vals.length} values; each position needs four (A C G T): the rows are ragged. Fix the motif file.`)
    cur.rows.push(vals)
  }
  close()
  return motifs
}

/** The format of a motif file from its first lines: MEME's "MEME version", HOMER's tab-separated header with a numeric threshold, else JASPAR. */
export function detectMotifFormat(text: string): MotifFormat | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
  const first = lines[0]
  if (first === undefined) return undefined
  if (/^MEME version/.test(first)) return 'meme'
  if (!first.startsWith('>')) return undefined
  const header = first.slice(1).split('\t')
  if (header.length >= 3 && NUMBER.test(header[2]!.trim())) return 'homer'
  const next = lines[1] ?? ''
  if (/^[ACGTacgt]\s*\[/.test(next)) return 'jaspar'
  // bare numbers: JASPAR .pfm has 4 rows of W counts, HOMER W rows of 4 probabilities
  let rows = 0
  let width = 0
  for (const l of lines.slice(1)) {
    if (l.startsWith('>')) break
    rows++
    width = l.split(/\s+/).length
  }
  if (rows === 4 && width !== 4) return 'jaspar'
  if (width === 4 && rows !== 4) return 'homer'
  return rows === 4 ? 'jaspar' : undefined
}

/** Read a motif file (format detected unless given), every motif checked; errors name the file and line. */
export async function readMotifFile(path: string, format?: MotifFormat): Promise<MotifFile> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new GroverError(code === 'ENOENT' ? `motif file ${path} does not exist.` : `cannot read motif file ${path}: ${code ?? (error as Error).message}.`)
  }
  if (text.trim() === '') throw new GroverError(`motif file ${path} is empty. Give a JASPAR, MEME or HOMER motif file.`)
  const fmt = format ?? detectMotifFormat(text)
  if (!fmt) throw new GroverError(`${path}: not a motif file grover knows (JASPAR .jaspar/.pfm/.txt, MEME, HOMER .motif). Name its format with --format-in jaspar|meme|homer if it is one of them.`)
  let out: MotifFile
  if (fmt === 'meme') {
    if (!/^\s*MEME version/m.test(text)) throw new GroverError(`${path}: no "MEME version" line: not a MEME motif file.`)
    const r = parseMeme(text, path)
    out = {motifs: r.motifs, background: r.background, format: fmt}
  } else {
    out = {motifs: fmt === 'jaspar' ? parseJaspar(text, path) : parseHomer(text, path), format: fmt}
  }
  if (out.motifs.length === 0) throw new GroverError(`${path}: no motifs in this ${fmt.toUpperCase()} file.`)
  const seen = new Set<string>()
  for (const m of out.motifs) {
    if (seen.has(m.id)) throw new GroverError(`${m.where}: motif ID ${m.id} appears twice in ${path}; IDs name the output's motifs and must differ.`)
    seen.add(m.id)
  }
  return out
}

/**
 * A MEME background file (`A 0.29` per line, order-0; higher-order lines such as "AA 0.09" are ignored, as
 * FIMO uses order 0), normalised to sum to 1.
 */
export async function readBackgroundFile(path: string): Promise<number[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new GroverError(code === 'ENOENT' ? `background file ${path} does not exist. Give a MEME background file (lines "A 0.29"), or --background uniform|motif|fasta.` : `cannot read background file ${path}: ${code}.`)
  }
  const vals = new Map<string, number>()
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) return
    const [k = '', v = ''] = line.split(/\s+/)
    if (k.length === 1) vals.set(k.toUpperCase(), num(v, `${path}:${i + 1}`, 'a background frequency'))
  })
  const bg = ['A', 'C', 'G', 'T'].map((b) => {
    const v = vals.get(b)
    if (v === undefined || !(v > 0)) throw new GroverError(`${path}: no positive frequency for ${b}; a MEME background file has lines "A 0.29", "C 0.21", … Fix the file.`)
    return v
  })
  const total = bg.reduce((a, b) => a + b, 0)
  return bg.map((x) => x / total)
}
