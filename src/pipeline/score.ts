import {stat} from 'node:fs/promises'

import {reverseComplement} from '../dna.js'
import {GroverError} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import type {Sink} from '../io/output.js'
import {normalizeRegions, parseRegion} from '../io/regions.js'
import {readVcf, readVcfRegions, type VcfRecord} from '../io/vcf.js'
import {type Bundle, loadBundle} from '../model/bundle.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {pipelined} from './batches.js'
import {probOf} from './logits.js'
import {windowValue} from './logits.js'
import {Progress} from './progress.js'

export interface ScoreOptions extends RunOptions {
  fasta: string
  vcf: string
  /** only records whose POS lies in these regions (1-based inclusive strings) */
  regions?: string[]
  format: 'vcf' | 'tsv'
  skipMismatch: boolean
  window?: number
  batchSize: number
}

/** One sequence the model sees: token ids, and (masked-LM) the masked positions with their true ids. */
interface Row {
  ids: number[]
  masked: Array<{pos: number; id: number}>
}

/** One ALT allele of a record: its rows in order ref+, ref−, alt+, alt− (undefined: not scorable). */
interface Allele {
  rows: Row[] | undefined
  why?: string
  value?: number
}

interface Job {
  record: VcfRecord
  alleles: Allele[]
}

const INFO_KEY = {classification: 'GROVER_DELTA', score: 'GROVER_DELTA', 'masked-lm': 'GROVER_LLR'} as const

/**
 * Rows for one sequence with the variant allele at [a, b) (0-based in seq): for a classifier the plain
 * window; for a masked-LM the window with every token overlapping the allele masked, remembering each
 * masked token's true id so log P(allele tokens | context) can be read off.
 */
function rowFor(bundle: Bundle, seq: string, a: number, b: number, maskId: number): Row {
  const e = bundle.tokenizer.encode(seq, true)
  if (bundle.meta.task !== 'masked-lm') return {ids: e.ids, masked: []}
  const ids = [...e.ids]
  const masked: Row['masked'] = []
  e.offsets.forEach(([s, t], k) => {
    if (s === t) return // special token
    if (s < Math.max(b, a + 1) && t > a) {
      masked.push({pos: k, id: ids[k]!})
      ids[k] = maskId
    }
  })
  return {ids, masked}
}

/**
 * grover score FASTA VCF: per ALT allele, with a masked-LM bundle the log-likelihood ratio
 * log P(alt tokens) − log P(ref tokens), each with the tokens covering the allele masked, averaged over
 * both strands (llr); with a classifier, score(alt window) − score(ref window), both strands averaged
 * (delta). Windows are centred on the variant. REF is checked against the FASTA.
 */
export async function score(opts: ScoreOptions, sink: Sink): Promise<{records: number; alleles: number; scored: number; mismatches: number; skipped: number; seconds: number}> {
  const fasta = await Fasta.open(opts.fasta, {log: opts.log})
  const bundle = await loadBundle(opts.model)
  if (bundle.meta.task === 'embedding' || bundle.meta.task === 'profile') throw new GroverError(`model "${bundle.meta.name}" is ${bundle.meta.task === 'embedding' ? 'an embedding' : 'a profile'} bundle; score needs a masked-LM (llr) or classification (delta) bundle.`)
  const task = bundle.meta.task
  const key = INFO_KEY[task]
  const delta = task !== 'masked-lm'
  const column = delta ? 'delta' : 'llr'
  const W = opts.window ?? bundle.meta.window
  if (!Number.isInteger(W) || W < 2) throw new GroverError(`--window must be a whole number of bp ≥ 2, got ${W}.`)
  const tok = bundle.tokenizer
  const maskId = tok.special('mask')?.id ?? -1
  if (task === 'masked-lm' && maskId < 0) throw new GroverError(`${bundle.dir}: a masked-LM tokenizer needs a [MASK] (or <mask>) token.`)
  const padId = tok.roleId('pad')
  const session = await ModelSession.forRun(bundle, opts)
  const stats = {records: 0, alleles: 0, scored: 0, mismatches: 0, skipped: 0, seconds: 0}
  const t0 = Date.now()
  const size = (await stat(opts.vcf).catch(() => ({size: 0}))).size
  const progress = new Progress(size, opts.progress, 'bytes of VCF', 'records')
  let bytesRead = 0
  try {
    const value = delta ? windowValue(bundle, session.outputNames) : undefined
    const logitsName = value ? value.output : session.requireOutput('logits', 'masked-token probabilities')
    let checkedChroms = false

    const ctx: JobContext = {fasta, fastaPath: opts.fasta, bundle, W, maskId, skipMismatch: opts.skipMismatch}
    const prepare = async (r: VcfRecord): Promise<Job | undefined> => {
      const job = await variantJob(r, ctx)
      if (!job) stats.mismatches++
      return job
    }

    async function* batches(): AsyncGenerator<Job[]> {
      let cur: Job[] = []
      let rows = 0
      const items = opts.regions?.length
        ? readVcfRegions(opts.vcf, normalizeRegions(opts.regions.map((x) => parseRegion(x, fasta.index)), fasta.index))
        : readVcf(opts.vcf, (done) => {
          bytesRead = done
        })
      for await (const item of items) {
        if (opts.signal?.aborted) return
        if (item.kind === 'meta') {
          if (opts.format === 'vcf') await sink.writeLine(item.line)
          continue
        }
        if (item.kind === 'header') {
          if (opts.format === 'vcf') {
            const desc = infoDescription(bundle, W)
            await sink.writeLine(`##INFO=<ID=${key},Number=A,Type=Float,Description="${desc}">`)
            await sink.writeLine(`##grover_scoreCommand=model=${bundle.meta.name};window=${W}`)
            await sink.writeLine(item.line)
          } else {
            await sink.writeLine(['chrom', 'pos', 'id', 'ref', 'alt', column].join('\t'))
          }
          checkedChroms = true
          continue
        }
        const job = await prepare(item.record)
        if (!job) continue
        cur.push(job)
        rows += job.alleles.reduce((n, al) => n + (al.rows?.length ?? 0), 0)
        if (rows >= opts.batchSize * 4) {
          yield cur
          cur = []
          rows = 0
        }
      }
      if (cur.length > 0) yield cur
    }

    const run = async (jobs: Job[]) => {
      const rows = jobs.flatMap((j) => j.alleles.flatMap((al) => al.rows ?? []))
      if (rows.length === 0) return undefined
      return session.run(padBatch(rows.map((r) => r.ids), padId), logitsName)
    }

    const finish = async (jobs: Job[], out: {data: Float32Array; dims: readonly number[]} | undefined) => {
      let i = 0
      const valueOf = (row: Row): number => {
        const k = i++
        if (!out) throw new Error('no model output')
        if (value) return value.row(out, k).value
        const [, T, V] = out.dims as [number, number, number]
        return row.masked.reduce((s, m) => s + Math.log(probOf(out.data, (k * T + m.pos) * V, V, m.id)), 0)
      }
      for (const job of jobs) {
        stats.records++
        for (const al of job.alleles) {
          stats.alleles++
          if (!al.rows) {
            stats.skipped++
            continue
          }
          const [rp, rm, ap, am] = al.rows.map(valueOf) as [number, number, number, number]
          al.value = value ? value.combine([ap, am]) - value.combine([rp, rm]) : (ap + am) / 2 - (rp + rm) / 2
          stats.scored++
        }
        for (const line of recordLines(job, opts.format, key, task)) await sink.writeLine(line)
      }
      progress.update(bytesRead, stats.records)
    }
    await pipelined(batches(), run, finish, opts.signal)
    if (!checkedChroms) throw new GroverError(`${opts.vcf}: no #CHROM header line; is this a VCF?`)
    await sink.flush()
  } finally {
    progress.stop()
    stats.seconds = (Date.now() - t0) / 1000
    await session.release()
  }
  if (stats.mismatches > 0) opts.log(`grover score: skipped ${stats.mismatches} records whose REF does not match the FASTA (--skip-mismatch).`)
  return stats
}

/** What turning a VCF record into model rows needs. */
interface JobContext {
  fasta: Fasta
  fastaPath: string
  bundle: Bundle
  /** window in bp, centred on the variant */
  W: number
  maskId: number
  skipMismatch: boolean
}

/**
 * One VCF record's rows: REF checked against the FASTA (undefined: a mismatch to skip, with
 * --skip-mismatch), then for each ALT the REF and ALT windows on both strands, or why it is not scored.
 */
async function variantJob(r: VcfRecord, c: JobContext): Promise<Job | undefined> {
  const len = c.fasta.index.lengths.get(r.chrom)
  if (len === undefined) throw new GroverError(`${r.where}: chromosome "${r.chrom}" is not in ${c.fastaPath} (sequences: ${c.fasta.index.names.slice(0, 5).join(', ')}${c.fasta.index.names.length > 5 ? ', …' : ''}). Rename the VCF's chromosomes to match the FASTA.`)
  const p0 = r.pos - 1
  if (p0 + r.ref.length > len) throw new GroverError(`${r.where}: ${r.chrom}:${r.pos} ${r.ref} runs past the end of the sequence (length ${len}).`)
  const fa = await c.fasta.fetch(r.chrom, p0, p0 + r.ref.length)
  if (fa !== r.ref) {
    if (c.skipMismatch) return undefined
    throw new GroverError(`${r.where}: REF ${r.ref} at ${r.chrom}:${r.pos} does not match the FASTA (${fa}). Is the VCF for another assembly? Use --skip-mismatch to skip such records.`)
  }
  // window of W bp centred on the REF allele, kept inside the sequence
  const ws = Math.max(0, Math.min(len - c.W, p0 + Math.floor(r.ref.length / 2) - Math.floor(c.W / 2)))
  const we = Math.min(len, ws + c.W)
  const win = await c.fasta.fetch(r.chrom, ws, we)
  const a = p0 - ws
  const b = a + r.ref.length
  const alleles: Allele[] = r.alts.map((altRaw) => {
    const alt = altRaw.toUpperCase()
    if (!/^[ACGTN]+$/.test(alt)) return {rows: undefined, why: 'symbolic or missing ALT'}
    if (Math.max(r.ref.length, alt.length) > c.W / 2) return {rows: undefined, why: 'allele longer than half the window'}
    const altSeq = win.slice(0, a) + alt + win.slice(b)
    const L = win.length
    const La = altSeq.length
    const rows = [
      rowFor(c.bundle, win, a, b, c.maskId),
      rowFor(c.bundle, reverseComplement(win), L - b, L - a, c.maskId),
      rowFor(c.bundle, altSeq, a, a + alt.length, c.maskId),
      rowFor(c.bundle, reverseComplement(altSeq), La - a - alt.length, La - a, c.maskId),
    ]
    if (rows.some((row) => row.ids.length > c.bundle.meta.max_tokens)) return {rows: undefined, why: `window over ${c.bundle.meta.max_tokens} tokens`}
    return {rows}
  })
  return {record: r, alleles}
}

/** The ##INFO description of score's key: what the number is, for this bundle and window. */
function infoDescription(bundle: Bundle, W: number): string {
  const task = bundle.meta.task
  return task === 'score'
    ? `score(ALT) - score(REF) of model ${bundle.meta.name} (its raw score, ${bundle.meta.score?.strands === 'max' ? 'the higher of the two strands' : 'mean of both strands'}), ${W}-bp window centred on the variant`
    : task === 'classification'
    ? `score(ALT) - score(REF) of model ${bundle.meta.name} (P(${bundle.meta.positive_label})), ${W}-bp window centred on the variant, mean of both strands`
    : `log P(ALT tokens) - log P(REF tokens) under masked-LM ${bundle.meta.name}, tokens covering the allele masked, ${W}-bp window, mean of both strands`
}

/** A scored record's output: the VCF line with its INFO key added, or one TSV line per ALT. */
function recordLines(job: Job, format: ScoreOptions['format'], key: string, task: string): string[] {
  const r = job.record
  const vals = job.alleles.map((al) => (al.value === undefined ? '.' : task === 'score' ? Number(al.value.toPrecision(6)).toString() : al.value.toFixed(4)))
  if (format === 'tsv') return r.alts.map((alt, k) => [r.chrom, r.pos, r.id, r.ref, alt, vals[k]].join('\t'))
  const f = [...r.fields]
  const add = `${key}=${vals.join(',')}`
  f[7] = f[7] === '.' || f[7] === '' ? add : `${f[7]};${add}`
  return [f.join('\t')]
}
