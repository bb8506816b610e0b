import {writeFile} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {BigWigWriter} from '../io/bigwig-writer.js'
import {Fasta} from '../io/fasta.js'
import {type Sink, writeFileAtomically} from '../io/output.js'
import {parseRegion, type Region} from '../io/regions.js'
import {loadBundle} from '../model/bundle.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {batchWindows, pipelined, type WindowBatch} from './batches.js'
import {windowValue} from './logits.js'
import {Progress} from './progress.js'
import type {Window} from './windows.js'
import type {Strand, StrandMode} from '../dna.js'

export interface MutagenesisOptions extends RunOptions {
  fasta: string
  region: string
  strand: StrandMode
  batchSize: number
  /** per-base max |Δ| track: bedGraph, or bigWig when the name ends in .bw / .bigwig */
  track?: string
  /** sequence logo of the per-base importance (−mean Δ) as SVG */
  plot?: string
  maxBp: number
}

/** One substitution's effect. pos is 0-based. */
export interface Effect {
  pos: number
  ref: string
  alt: string
  scoreRef: number
  scoreAlt: number
  delta: number
}

interface IsmWindow extends Window {
  /** -1: the reference window */
  pos: number
  alt: string
}

const BASES = ['A', 'C', 'G', 'T']

/**
 * In-silico mutagenesis: every base of the region changed to each other base, each mutated window
 * scored with the classifier (both strands by default, as predict does) and compared with the
 * unmutated window. Regions longer than the model's window are cut into pieces of at most a window;
 * each piece is scored in the model window centred on it.
 */
export async function mutagenesis(o: MutagenesisOptions, sink: Sink): Promise<{effects: number; bases: number; skippedN: number; seconds: number}> {
  const fasta = await Fasta.open(o.fasta, {log: o.log})
  const region = parseRegion(o.region, fasta.index)
  const bundle = await loadBundle(o.model)
  if (bundle.meta.task !== 'classification' && bundle.meta.task !== 'score') throw new GroverError(`model "${bundle.meta.name}" is a ${bundle.meta.task} bundle; mutagenesis needs a classification or score bundle (e.g. --model ctcf) whose score changes with the sequence.`)
  const len = region.end - region.start
  if (len > o.maxBp) throw new GroverError(`region ${o.region} is ${len.toLocaleString('en-US')} bp; mutagenesis scores 3 windows per base, so it takes regions of at most --max-bp ${o.maxBp.toLocaleString('en-US')} bp. Give a shorter region or raise --max-bp.`)
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new GroverError(`--batch-size must be a positive whole number, got ${o.batchSize}.`)
  const window = bundle.meta.window
  const chromLen = fasta.index.lengths.get(region.chrom)!
  const tok = bundle.tokenizer
  const strands: Strand[] = o.strand === 'both' ? ['+', '-'] : [o.strand]
  const session = await ModelSession.forRun(bundle, o)
  const effects: Effect[] = []
  let skippedN = 0
  const progress = new Progress(len * 3, o.progress)
  try {
    const value = windowValue(bundle, session.outputNames)
    const logits = value.output
    const padId = tok.roleId('pad')
    for (let pieceStart = region.start; pieceStart < region.end; pieceStart += window) {
      const piece: Region = {chrom: region.chrom, start: pieceStart, end: Math.min(region.end, pieceStart + window)}
      // the model window centred on the piece, kept inside the chromosome
      const mid = Math.floor((piece.start + piece.end) / 2)
      const cStart = Math.max(0, Math.min(chromLen - Math.min(window, chromLen), mid - Math.floor(window / 2)))
      const cEnd = Math.min(chromLen, cStart + window)
      const ctx = await fasta.fetch(region.chrom, cStart, cEnd)
      const scores = new Map<string, number>()
      async function* windows(): AsyncGenerator<IsmWindow> {
        yield {chrom: region.chrom, start: cStart, end: cEnd, seq: ctx, bpDone: 0, pos: -1, alt: ''}
        for (let p = piece.start; p < piece.end; p++) {
          const ref = ctx[p - cStart]!
          if (!BASES.includes(ref)) {
            skippedN++
            continue
          }
          for (const alt of BASES) {
            if (alt === ref) continue
            const i = p - cStart
            yield {chrom: region.chrom, start: cStart, end: cEnd, seq: ctx.slice(0, i) + alt + ctx.slice(i + 1), bpDone: (p - region.start) * 3, pos: p, alt}
          }
        }
      }
      const counts = {windows: 0, skippedN: 0, skippedLong: 0}
      const finish = async (b: WindowBatch<IsmWindow>, out: {data: Float32Array; dims: readonly number[]}) => {
        b.windows.forEach((w, i) => {
          scores.set(`${w.pos}:${w.alt}`, value.combine(strands.map((_, k) => value.row(out, i * b.per + k).value)))
        })
        progress.update(b.windows.at(-1)!.bpDone, effects.length)
      }
      const batches = batchWindows(windows(), {tokenizer: tok, strands, maxTokens: bundle.meta.max_tokens, maxN: 1, batchSize: o.batchSize, signal: o.signal}, counts)
      await pipelined(batches, (b) => session.run(padBatch(b.rows, padId), logits), finish, o.signal)
      const ref = scores.get('-1:')
      if (ref === undefined) throw new GroverError(`${region.chrom}:${cStart + 1}-${cEnd}: the window could not be scored (${counts.skippedLong ? `more than the model's ${bundle.meta.max_tokens} tokens` : 'mostly N'}).`)
      if (counts.skippedLong) throw new GroverError(`${counts.skippedLong} mutated windows of ${region.chrom}:${cStart + 1}-${cEnd} exceed the model's ${bundle.meta.max_tokens} tokens; use a region with fewer N bases.`)
      for (let p = piece.start; p < piece.end; p++) {
        for (const alt of BASES) {
          const s = scores.get(`${p}:${alt}`)
          if (s !== undefined) effects.push({pos: p, ref: ctx[p - cStart]!, alt, scoreRef: ref, scoreAlt: s, delta: s - ref})
        }
      }
    }
  } finally {
    progress.stop()
    await session.release()
  }
  const f = (x: number) => x.toFixed(5)
  await sink.writeLine(['chrom', 'pos', 'ref', 'alt', 'score_ref', 'score_alt', 'delta'].join('\t'))
  for (const e of effects) await sink.writeLine([region.chrom, e.pos + 1, e.ref, e.alt, f(e.scoreRef), f(e.scoreAlt), f(e.delta)].join('\t'))
  await sink.flush()
  const perBase = summarise(effects)
  if (o.track) await writeTrack(o.track, region, perBase, fasta)
  if (o.plot) await writeLogo(o.plot, region, perBase, `${bundle.meta.name}: in-silico mutagenesis of ${region.chrom}:${region.start + 1}-${region.end}`)
  return {effects: effects.length, bases: perBase.length, skippedN, seconds: progress.seconds}
}

/** Per base: the reference base, max |Δ| and mean Δ over its three substitutions. */
export interface BaseEffect {
  pos: number
  ref: string
  maxAbs: number
  mean: number
}

export function summarise(effects: Effect[]): BaseEffect[] {
  const out: BaseEffect[] = []
  for (let i = 0; i < effects.length;) {
    const pos = effects[i]!.pos
    let j = i
    let maxAbs = 0
    let sum = 0
    for (; j < effects.length && effects[j]!.pos === pos; j++) {
      maxAbs = Math.max(maxAbs, Math.abs(effects[j]!.delta))
      sum += effects[j]!.delta
    }
    out.push({pos, ref: effects[i]!.ref, maxAbs, mean: sum / (j - i)})
    i = j
  }
  return out
}

/** The stretch of `width` bases with the largest total importance (−mean Δ): where the model looks. */
export function strongestStretch(bases: BaseEffect[], width: number): {start: number; end: number; importance: number} | undefined {
  if (bases.length < width) return undefined
  let best = {start: 0, end: 0, importance: -Infinity}
  let sum = 0
  for (let i = 0; i < bases.length; i++) {
    sum += -bases[i]!.mean
    if (i >= width) sum -= -bases[i - width]!.mean
    if (i >= width - 1 && sum > best.importance && bases[i]!.pos - bases[i - width + 1]!.pos === width - 1) {
      best = {start: bases[i - width + 1]!.pos, end: bases[i]!.pos + 1, importance: sum}
    }
  }
  return best.importance === -Infinity ? undefined : best
}

async function writeTrack(path: string, region: Region, bases: BaseEffect[], fasta: Fasta): Promise<void> {
  if (/\.(bw|bigwig)$/i.test(path)) {
    await writeFileAtomically(path, async (tmp) => {
      const w = new BigWigWriter(tmp, fasta.index.names.map((name) => ({name, size: fasta.index.lengths.get(name)!})), {zoomBase: 16})
      try {
        for (const b of bases) w.add(region.chrom, b.pos, b.pos + 1, b.maxAbs)
        w.finish()
      } catch (error) {
        w.close(true)
        throw error
      }
    })
    return
  }
  const lines = bases.map((b) => `${region.chrom}\t${b.pos}\t${b.pos + 1}\t${b.maxAbs.toFixed(5)}`)
  await writeFileAtomically(path, (tmp) => writeFile(tmp, `track type=bedGraph name="max |delta|" description="grover mutagenesis: largest score change of any substitution"\n${lines.join('\n')}\n`))
}

const COLOURS: Record<string, string> = {A: '#109648', C: '#255C99', G: '#F7B32B', T: '#D62839'}

/**
 * A sequence logo of importance: at each position the reference base, as tall as −mean Δ (how much
 * the score drops, on average, when that base is changed); letters below the axis raise the score
 * when changed. Drawn as SVG text scaled vertically, with a position axis and a Δ scale.
 */
export function logoSvg(region: Region, bases: BaseEffect[], title: string): string {
  const colW = bases.length > 400 ? 4 : bases.length > 150 ? 7 : 12
  const plotH = 220
  const left = 60
  const top = 40
  const width = left + bases.length * colW + 20
  const height = top + plotH + 50
  const maxImp = Math.max(1e-9, ...bases.map((b) => Math.abs(b.mean)))
  const zero = top + plotH / 2
  const scale = plotH / 2 / maxImp
  const parts: string[] = []
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`)
  parts.push(`<rect width="${width}" height="${height}" fill="white"/>`)
  parts.push(`<text x="${left}" y="22" font-size="14" font-weight="bold">${escapeXml(title)}</text>`)
  parts.push(`<line x1="${left}" y1="${zero}" x2="${left + bases.length * colW}" y2="${zero}" stroke="#888" stroke-width="0.5"/>`)
  // Δ scale
  parts.push(`<line x1="${left - 8}" y1="${top}" x2="${left - 8}" y2="${top + plotH}" stroke="#333"/>`)
  for (const [v, y] of [[maxImp, top], [0, zero], [-maxImp, top + plotH]] as const) {
    parts.push(`<text x="${left - 12}" y="${y + 4}" font-size="10" text-anchor="end">${(v === 0 ? 0 : v).toPrecision(2)}</text>`)
  }
  parts.push(`<text transform="translate(14 ${zero}) rotate(-90)" font-size="11" text-anchor="middle">importance (−mean Δ)</text>`)
  bases.forEach((b, i) => {
    const h = Math.abs(b.mean) * scale
    if (h < 0.5) return
    const x = left + i * colW
    // a capital letter's glyph is ~0.72 em tall: scale a 100-px letter to h
    const sy = h / 72
    const sx = colW / 62
    const up = -b.mean >= 0
    const y = up ? zero : zero + h
    parts.push(`<text transform="translate(${x} ${y}) scale(${sx.toFixed(4)} ${(up ? sy : -sy).toFixed(4)})" font-size="100" font-weight="bold" fill="${COLOURS[b.ref] ?? '#666'}">${b.ref}</text>`)
  })
  // position axis: 1-based genome coordinates
  const step = Math.max(1, Math.pow(10, Math.floor(Math.log10(Math.max(10, bases.length / 8)))))
  for (let i = 0; i < bases.length; i++) {
    const p = bases[i]!.pos + 1
    if (p % step !== 0) continue
    const x = left + i * colW + colW / 2
    parts.push(`<line x1="${x}" y1="${top + plotH}" x2="${x}" y2="${top + plotH + 5}" stroke="#333"/>`)
    parts.push(`<text x="${x}" y="${top + plotH + 18}" font-size="10" text-anchor="middle">${p.toLocaleString('en-US')}</text>`)
  }
  parts.push(`<text x="${left + (bases.length * colW) / 2}" y="${height - 8}" font-size="11" text-anchor="middle">${escapeXml(region.chrom)} position (1-based)</text>`)
  parts.push('</svg>')
  return parts.join('\n') + '\n'
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

async function writeLogo(path: string, region: Region, bases: BaseEffect[], title: string): Promise<void> {
  await writeFileAtomically(path, (tmp) => writeFile(tmp, logoSvg(region, bases, title)))
}
