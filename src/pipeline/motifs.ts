import {createReadStream, createWriteStream, type WriteStream} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {createInterface} from 'node:readline'

import {reverseComplement, type Strand} from '../dna.js'
import {GroverError, Interrupted} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import {MotifHitFormatter, type MotifHitFormat} from '../io/motif-hits.js'
import {type MotifFormat, readBackgroundFile, readMotifFile} from '../io/motifs.js'
import type {Sink} from '../io/output.js'
import {type Region, selectRegions} from '../io/regions.js'
import {encodeCodes} from '../tokenizers/onehot.js'
import {Progress} from './progress.js'
import {kmerCodes, Pssm, qvaluesByScore, type StrandScan} from './pssm.js'

/** Where the background letter frequencies come from (--background). */
export type BackgroundSpec = 'uniform' | 'motif' | 'fasta' | {file: string}

export interface MotifScanOptions {
  fasta: string
  regions?: string[]
  regionsFile?: string
  motifs: string
  formatIn?: MotifFormat
  background: BackgroundSpec
  pseudocount: number
  /** report positions with p-value below this */
  pvalue: number
  /** keep only hits with q-value at most this */
  qvalue?: number
  /** stream hits without q-values (NA), instead of holding them until the scan ends */
  noQvalue: boolean
  maxStrand: boolean
  format: MotifHitFormat
  progress: boolean
  signal?: AbortSignal
  log: (msg: string) => void
}

export interface MotifScanSummary {
  motifs: number
  bp: number
  /** positions × strands scored (placements touching N are not tests) */
  tests: number
  hits: number
  written: number
  seconds: number
}

/** One hit, as held until it is written: everything its line needs but the q-value. */
export interface MotifHit {
  chrom: string
  start: number
  motif: number
  strand: Strand
  scaled: number
  score: number
  pvalue: number
  matched: string
}

const BLOCK = 1 << 20

/**
 * The letter frequencies to score against: the motif file's background (MEME files; FIMO's default),
 * uniform, a MEME background file, or the base composition of the scanned regions (one extra pass).
 */
async function background(spec: BackgroundSpec, fileBg: number[] | undefined, fasta: Fasta, regions: Region[], motifsPath: string, log: (m: string) => void): Promise<{bg: number[]; what: string}> {
  if (spec === 'fasta') {
    const counts = [0, 0, 0, 0]
    for (const r of regions) {
      for (let a = r.start; a < r.end; a += BLOCK) {
        const seq = await fasta.fetch(r.chrom, a, Math.min(r.end, a + BLOCK))
        for (let i = 0; i < seq.length; i++) {
          const c = seq.charCodeAt(i)
          if (c === 65) counts[0]!++
          else if (c === 67) counts[1]!++
          else if (c === 71) counts[2]!++
          else if (c === 84) counts[3]!++
        }
      }
    }
    const total = counts.reduce((a, b) => a + b, 0)
    if (total === 0) throw new GroverError('--background fasta: the regions scanned hold no A, C, G or T. Give another background.')
    const bg = counts.map((n) => (n + 1) / (total + 4))
    log(`background: base composition of the scanned regions: A ${bg[0]!.toFixed(4)} C ${bg[1]!.toFixed(4)} G ${bg[2]!.toFixed(4)} T ${bg[3]!.toFixed(4)}`)
    return {bg, what: 'the scanned regions\' composition'}
  }
  return fixedBackground(spec, fileBg, motifsPath)
}

/** A background that does not depend on the sequence scanned: uniform, the motif file's, or a MEME background file. */
async function fixedBackground(spec: Exclude<BackgroundSpec, 'fasta'>, fileBg: number[] | undefined, motifsPath: string): Promise<{bg: number[]; what: string}> {
  if (spec === 'uniform') return {bg: [0.25, 0.25, 0.25, 0.25], what: 'uniform'}
  if (spec === 'motif') {
    if (fileBg) {
      const total = fileBg.reduce((a, b) => a + b, 0)
      if (!(total > 0) || fileBg.some((x) => !(x > 0))) throw new GroverError(`${motifsPath}: its background letter frequencies must all be positive (${fileBg.join(' ')}). Fix them, or use --background uniform.`)
      return {bg: fileBg.map((x) => x / total), what: `the motif file's (${motifsPath})`}
    }
    return {bg: [0.25, 0.25, 0.25, 0.25], what: 'uniform (the motif file gives none)'}
  }
  return {bg: await readBackgroundFile(spec.file), what: spec.file}
}

/**
 * grover motifs: every motif of a motif file scored at every position and strand of the regions, as FIMO
 * scores them (see Pssm), and every hit with p < --pvalue written in FASTA-index order.
 *
 * q-values (Benjamini–Hochberg per motif over all positions × strands scanned) need the number of tests
 * and the rank of each p-value, known only when the scan ends; since every test below the threshold is a
 * hit, the ranks follow from the hits themselves. So hits are spilled to a temporary file (memory stays
 * flat in genome size), and written with their q-values at the end. --no-qvalue streams them instead.
 */
export async function scanMotifs(o: MotifScanOptions, sink: Sink): Promise<MotifScanSummary> {
  if (!(o.pvalue > 0 && o.pvalue <= 1)) throw new GroverError(`--pvalue must be in (0, 1], got ${o.pvalue}.`)
  if (o.qvalue !== undefined && !(o.qvalue > 0 && o.qvalue <= 1)) throw new GroverError(`--qvalue must be in (0, 1], got ${o.qvalue}.`)
  if (o.qvalue !== undefined && o.noQvalue) throw new GroverError('--qvalue filters on q-values, which --no-qvalue does not compute. Drop one of them.')
  if (!(o.pseudocount >= 0) || !Number.isFinite(o.pseudocount)) throw new GroverError(`--pseudocount must be a number ≥ 0, got ${o.pseudocount}.`)
  const file = await readMotifFile(o.motifs, o.formatIn)
  const fasta = await Fasta.open(o.fasta, {log: o.log})
  const regions = await selectRegions(fasta.index, o.regions, o.regionsFile)
  const {bg} = await background(o.background, file.background, fasta, regions, o.motifs, o.log)
  const pssms = file.motifs.map((m) => new Pssm(m, bg, o.pseudocount))
  const formatter = new MotifHitFormatter(o.format, file.motifs)
  const totalBp = regions.reduce((a, r) => a + r.end - r.start, 0)
  const s: MotifScanSummary = {motifs: pssms.length, bp: totalBp, tests: 0, hits: 0, written: 0, seconds: 0}
  const testsOf = new Float64Array(pssms.length)
  const plans = planScan(pssms, o.pvalue)
  const hitCounts = pssms.map(() => new Map<number, number>())
  const progress = new Progress(totalBp, o.progress, 'bp', 'hits')
  const t0 = Date.now()
  let spillDir: string | undefined
  let spill: WriteStream | undefined
  const header = formatter.header()
  try {
    if (o.noQvalue) {
      if (header) await sink.writeLine(header)
    } else {
      spillDir = await mkdtemp(join(tmpdir(), 'grover-motifs-'))
      spill = createWriteStream(join(spillDir, 'hits.tsv'))
    }
    let done = 0
    for (const r of regions) {
      for await (const hits of scanRegion(fasta, r, pssms, plans, o.maxStrand, testsOf)) {
        for (const h of hits) {
          s.hits++
          if (spill) {
            hitCounts[h.motif]!.set(h.scaled, (hitCounts[h.motif]!.get(h.scaled) ?? 0) + 1)
            if (!spill.write(`${h.chrom}\t${h.start}\t${h.motif}\t${h.strand}\t${h.scaled}\t${h.score}\t${h.pvalue}\t${h.matched}\n`)) {
              await new Promise<void>((res) => spill!.once('drain', () => res()))
            }
          } else {
            await sink.writeLine(formatter.line(h, undefined))
            s.written++
          }
        }
        if (o.signal?.aborted) throw new Interrupted()
      }
      done += r.end - r.start
      progress.update(done, s.hits)
    }
    s.tests = testsOf.reduce((a, b) => a + b, 0)
    if (spill) {
      await new Promise<void>((res, rej) => spill!.end((error?: Error | null) => (error ? rej(error) : res())))
      const q = pssms.map((p, k) => qvaluesByScore(hitCounts[k]!, p.pv, testsOf[k]!))
      if (header) await sink.writeLine(header)
      const lines = createInterface({input: createReadStream(join(spillDir!, 'hits.tsv')), crlfDelay: Infinity})
      for await (const line of lines) {
        const f = line.split('\t')
        const h: MotifHit = {chrom: f[0]!, start: Number(f[1]), motif: Number(f[2]), strand: f[3] as Strand, scaled: Number(f[4]), score: Number(f[5]), pvalue: Number(f[6]), matched: f[7]!}
        const qv = q[h.motif]!.get(h.scaled)!
        if (o.qvalue !== undefined && qv > o.qvalue) continue
        await sink.writeLine(formatter.line(h, qv))
        s.written++
        if (o.signal?.aborted) throw new Interrupted()
      }
    }
    await sink.flush()
  } finally {
    progress.stop()
    spill?.destroy()
    if (spillDir) await rm(spillDir, {recursive: true, force: true})
    s.seconds = (Date.now() - t0) / 1000
  }
  return s
}

/**
 * The hits of every motif in one region, block by block (about 1 Mb of placement starts each, read with
 * the widest motif's overlap), each block's hits sorted by start, then motif (file order), then strand.
 * Adds each motif's tests (placements free of N, × 2 strands) to `tests`.
 */
async function* scanRegion(fasta: Fasta, r: Region, pssms: Pssm[], plans: MotifPlan[], maxStrand: boolean, tests: Float64Array): AsyncGenerator<MotifHit[]> {
  const wMax = Math.max(...pssms.map((p) => p.width))
  const work = new Workspace(Math.min(r.end - r.start, BLOCK) + wMax)
  for (let a = r.start; a < r.end; a += BLOCK) {
    const b = Math.min(r.end, a + BLOCK)
    const end = Math.min(r.end, b + wMax - 1)
    yield scanBlock(await fasta.fetch(r.chrom, a, end), r.chrom, a, b, pssms, plans, maxStrand, tests, work)
  }
}

/** What a scan at one p-value needs of a motif: its scaled-score threshold and, per strand, which lookup-table entries can still reach it. */
interface MotifPlan {
  need: number
  vp: Uint8Array | undefined
  vm: Uint8Array | undefined
}

/** The plans of every motif, made once per scan (not per block or region). */
function planScan(pssms: Pssm[], pvalue: number): MotifPlan[] {
  return pssms.map((p) => {
    const need = p.minScaledFor(pvalue)
    const viable = need <= p.pv.length - 1
    return {need, vp: viable && p.scanPlus ? p.viable(p.scanPlus, need) : undefined, vm: viable && p.scanMinus ? p.viable(p.scanMinus, need) : undefined}
  })
}

/** Buffers one scan reuses from block to block. */
class Workspace {
  readonly codes: Uint8Array
  readonly run: Int32Array
  readonly kmers: Int32Array
  readonly cand: Int32Array
  constructor(n: number) {
    this.codes = new Uint8Array(n)
    this.run = new Int32Array(n + 1)
    this.kmers = new Int32Array(n)
    this.cand = new Int32Array(n)
  }
}

/** The hits of one block: placement starts [a, b) of seq (its first base at genome position a; it reaches the widest motif past b). */
function scanBlock(seq: string, chrom: string, a: number, b: number, pssms: Pssm[], plans: MotifPlan[], maxStrand: boolean, tests: Float64Array, work: Workspace): MotifHit[] {
  const codes = work.codes.subarray(0, seq.length)
  encodeCodes(seq, codes)
  // run[j]: bases from j on before the next non-ACGT one
  const run = work.run.subarray(0, codes.length + 1)
  run[codes.length] = 0
  for (let j = codes.length - 1; j >= 0; j--) run[j] = codes[j]! < 4 ? run[j + 1]! + 1 : 0
  const kmers = kmerCodes(codes, work.kmers.subarray(0, codes.length))
  const cand = work.cand
  const hits: MotifHit[] = []
  for (let k = 0; k < pssms.length; k++) {
    const p = pssms[k]!
    const w = p.width
    const last = Math.min(b - a, codes.length - w + 1) // placement starts in this block that fit in the region
    let n = 0
    for (let j = 0; j < last; j++) if (run[j]! >= w) n++
    tests[k] = tests[k]! + 2 * n
    const {need, vp, vm} = plans[k]!
    if (need > p.pv.length - 1) continue
    const sp = p.scanPlus
    const sm = p.scanMinus
    // the positions worth scoring: bit 1 (+) / 2 (−) from the lookup tables, or both for short motifs
    const n2 = sp && sm ? viablePositions(run, kmers, w, last, vp!, sp.offset, vm!, sm.offset, cand) : allPositions(run, w, last, cand)
    for (let c = 0; c < n2; c++) {
      const j = cand[c]! >> 2
      const flags = cand[c]! & 3
      let plus = -1
      let minus = -1
      if (sp && sm) {
        if (flags & 1) plus = siteScoreOrdered(sp.table[kmers[j + sp.offset]!]!, p.scaled, sp, codes, j, need)
        if (flags & 2) minus = siteScoreOrdered(sm.table[kmers[j + sm.offset]!]!, p.scaledRc, sm, codes, j, need)
      } else {
        plus = siteScore(p.scaled, p.bestFrom, codes, j, w, need)
        minus = siteScore(p.scaledRc, p.bestFromRc, codes, j, w, need)
      }
      if (plus < need && minus < need) continue
      const site = seq.slice(j, j + w)
      const add = (strand: Strand, scaled: number, score = p.rawScore(codes, j, strand === '-')) => hits.push({
        chrom, start: a + j, motif: k, strand, scaled, score, pvalue: p.pv[scaled]!,
        matched: strand === '+' ? site : reverseComplement(site),
      })
      if (maxStrand) {
        const rp = plus >= need ? p.rawScore(codes, j, false) : -Infinity
        const rm = minus >= need ? p.rawScore(codes, j, true) : -Infinity
        if (rp >= rm) add('+', plus, rp)
        else add('-', minus, rm)
        continue
      }
      if (plus >= need) add('+', plus)
      if (minus >= need) add('-', minus)
    }
  }
  hits.sort((x, y) => x.start - y.start || x.motif - y.motif || (x.strand === y.strand ? 0 : x.strand === '+' ? -1 : 1))
  return hits
}

/** Placement starts j < last free of N whose lookup-table part can still reach the threshold on a strand: j·4 + (1: +, 2: −) into out; returns how many. */
function viablePositions(run: Int32Array, kmers: Int32Array, w: number, last: number, vp: Uint8Array, offP: number, vm: Uint8Array, offM: number, out: Int32Array): number {
  let n = 0
  for (let j = 0; j < last; j++) {
    if (run[j]! < w) continue
    const f = vp[kmers[j + offP]!]! | (vm[kmers[j + offM]!]! << 1)
    if (f !== 0) out[n++] = (j << 2) | f
  }
  return n
}

function allPositions(run: Int32Array, w: number, last: number, out: Int32Array): number {
  let n = 0
  for (let j = 0; j < last; j++) if (run[j]! >= w) out[n++] = (j << 2) | 3
  return n
}

/** A site's scaled score from its lookup-table part s0 and the strand's other positions, most informative first; −1 once it cannot reach `need`. */
function siteScoreOrdered(s0: number, m: Int32Array, scan: StrandScan, codes: Uint8Array, j: number, need: number): number {
  const {order, bestAfter} = scan
  let s = s0
  if (s + bestAfter[0]! < need) return -1
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!
    s += m[i * 5 + codes[j + i]!]!
    if (s + bestAfter[k + 1]! < need) return -1
  }
  return s
}

/** Scaled score of the site at codes[j …], or any number below `need` as soon as it cannot reach it. */
function siteScore(m: Int32Array, best: Int32Array, codes: Uint8Array, j: number, w: number, need: number): number {
  let s = 0
  for (let i = 0; i < w; i++) {
    s += m[i * 5 + codes[j + i]!]!
    if (s + best[i + 1]! < need) return -1
  }
  return s
}

export function motifSummaryLine(s: MotifScanSummary): string {
  const n = (x: number) => x.toLocaleString('en-US')
  return `grover motifs: ${n(s.motifs)} motif(s) over ${n(s.bp)} bp (${n(s.tests)} tests: positions × strands without N), ${n(s.hits)} hits, ${n(s.written)} written; ${s.seconds.toFixed(1)} s (${s.seconds > 0 ? n(Math.round(s.bp / s.seconds)) : '-'} bp/s)`
}

/** The best motif site inside a record (0-based half-open, genome coordinates), as predict --motifs reports it. */
export interface BestHit {
  start: number
  end: number
  strand: Strand
  score: number
  pvalue: number
  motif: string
}

/**
 * Motifs to annotate predicted records with: the best site (lowest p-value, then highest score, then
 * leftmost) with p < pvalue inside a stretch of sequence, any motif, either strand.
 */
export class MotifAnnotator {
  private readonly need: number[]

  constructor(readonly pssms: Pssm[], readonly pvalue: number) {
    this.need = pssms.map((p) => p.minScaledFor(pvalue))
  }

  /** The motifs of a motif file, scored as grover motifs scores them by default (the file's background, pseudocount 0.1). */
  static async open(path: string, pvalue: number): Promise<MotifAnnotator> {
    const file = await readMotifFile(path)
    const {bg} = await fixedBackground('motif', file.background, path)
    return new MotifAnnotator(file.motifs.map((m) => new Pssm(m, bg, 0.1)), pvalue)
  }

  /** The best hit in seq (its first base at genome position `at`), or undefined when no site reaches the p-value. */
  best(seq: string, at: number): BestHit | undefined {
    const codes = new Uint8Array(seq.length)
    encodeCodes(seq, codes)
    let best: {k: number; j: number; minus: boolean; scaled: number; pv: number; score: number} | undefined
    for (let k = 0; k < this.pssms.length; k++) {
      const p = this.pssms[k]!
      const need = this.need[k]!
      if (need > p.pv.length - 1) continue
      const w = p.width
      for (let j = 0; j + w <= codes.length; j++) {
        for (const minus of [false, true]) {
          const s = siteScore(minus ? p.scaledRc : p.scaled, minus ? p.bestFromRc : p.bestFrom, codes, j, w, need)
          if (s < need) continue
          const pv = p.pv[s]!
          if (best && pv > best.pv) continue
          const score = p.rawScore(codes, j, minus)
          if (best && pv === best.pv && score <= best.score) continue
          best = {k, j, minus, scaled: s, pv, score}
        }
      }
    }
    if (!best) return undefined
    const p = this.pssms[best.k]!
    return {start: at + best.j, end: at + best.j + p.width, strand: best.minus ? '-' : '+', score: best.score, pvalue: best.pv, motif: p.motif.id}
  }
}
