import {GroverError} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import type {Sink} from '../io/output.js'
import {parseRegion} from '../io/regions.js'
import {type Bundle, loadBundle} from '../model/bundle.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {mulberry32} from '../random.js'
import {Progress} from './progress.js'

export interface GenerateOptions extends RunOptions {
  /** FASTA file whose --region N stretches are filled; undefined to write new sequences */
  fasta?: string
  region?: string
  length?: number
  n: number
  prompt: string
  temperature: number
  seed: number
}

/** A sequence being written: left context ids, masked slots to fill, right context ids. */
interface Slot {
  left: number[]
  fill: number[] // -1 = still masked
  right: number[]
  rand: () => number
}

const WRITABLE = /^[ACGT]+$/

/**
 * Fill every masked slot by iterative unmasking, all slots batched together: each round runs the model
 * once and fixes the most confident remaining masks of every slot (argmax, or a token sampled from the
 * tempered distribution when temperature > 0). Only A/C/G/T tokens are written.
 */
async function unmask(slots: Slot[], bundle: Bundle, session: ModelSession, logitsName: string, temperature: number): Promise<void> {
  const tok = bundle.tokenizer
  const maskId = tok.roleId('mask')
  const padId = tok.roleId('pad')
  const cls = tok.specialCounts.before > 0 ? [tok.encodeIds('', true)[0]!] : []
  const sep = tok.specialCounts.after > 0 ? [tok.encodeIds('', true).at(-1)!] : []
  const allowed: number[] = []
  for (let id = 0; id < tok.vocabSize; id++) if (WRITABLE.test(tok.idToToken(id) ?? '')) allowed.push(id)
  for (;;) {
    const open = slots.filter((s) => s.fill.includes(-1))
    if (open.length === 0) return
    const rows = open.map((s) => [...cls, ...s.left, ...s.fill.map((x) => (x < 0 ? maskId : x)), ...s.right, ...sep])
    const out = await session.run(padBatch(rows, padId), logitsName)
    const [, T, V] = out.dims as [number, number, number]
    open.forEach((s, r) => {
      const masked = s.fill.flatMap((x, i) => (x < 0 ? [i] : []))
      const perRound = Math.max(1, Math.ceil(masked.length / 16))
      const cand = masked.map((i) => {
        const off = (r * T + cls.length + s.left.length + i) * V
        // confidence from the model's own distribution (temperature 1) over writable tokens
        let max = -Infinity
        for (const id of allowed) max = Math.max(max, out.data[off + id]!)
        const p = allowed.map((id) => Math.exp(out.data[off + id]! - max))
        const sum = p.reduce((a, b) => a + b, 0)
        let best = 0
        for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k
        return {i, off, best, conf: p[best]! / sum}
      }).sort((a, b) => b.conf - a.conf || a.i - b.i).slice(0, perRound)
      for (const c of cand) {
        let pick = c.best
        if (temperature > 0) {
          // sample from softmax(logits / temperature) over writable tokens
          let max = -Infinity
          for (const id of allowed) max = Math.max(max, out.data[c.off + id]! / temperature)
          const w = allowed.map((id) => Math.exp(out.data[c.off + id]! / temperature - max))
          let u = s.rand() * w.reduce((a, b) => a + b, 0)
          pick = 0
          while (pick < w.length - 1 && (u -= w[pick]!) > 0) pick++
        }
        s.fill[c.i] = allowed[pick]!
      }
    })
  }
}

function decode(bundle: Bundle, ids: number[]): string {
  return ids.map((id) => bundle.tokenizer.idToToken(id) ?? '').join('')
}

/** Write exactly `length` bp between left and right context (ids), growing the masked slot as needed. */
async function writeBetween(left: number[], right: number[], length: number, slotRand: () => number, bundle: Bundle, session: ModelSession, logitsName: string, temperature: number, bpPerToken: number): Promise<string> {
  let text = ''
  const budget = bundle.meta.max_tokens - 2
  while (text.length < length) {
    const want = Math.max(1, Math.ceil((length - text.length) / bpPerToken))
    const leftIds = [...left, ...bundle.tokenizer.encodeIds(text, false)]
    const room = budget - right.length
    const keepLeft = Math.min(leftIds.length, Math.max(0, Math.floor(room / 2)))
    const k = Math.max(1, Math.min(want, room - keepLeft))
    const slot: Slot = {left: leftIds.slice(leftIds.length - keepLeft), fill: new Array<number>(k).fill(-1), right, rand: slotRand}
    await unmask([slot], bundle, session, logitsName, temperature)
    text += decode(bundle, slot.fill)
  }
  return text.slice(0, length)
}

function fastaLines(name: string, seq: string): string[] {
  const out = [`>${name}`]
  for (let i = 0; i < seq.length; i += 60) out.push(seq.slice(i, i + 60))
  return out
}

/**
 * grover generate: DNA written by a masked-LM. Either new sequences of --length bp after --prompt, or
 * the N stretches of a FASTA --region filled (same length, so coordinates are kept), as FASTA.
 */
export async function generate(opts: GenerateOptions, sink: Sink): Promise<void> {
  const bundle = await loadBundle(opts.model)
  if (bundle.meta.task !== 'masked-lm') throw new GroverError(`model "${bundle.meta.name}" is a ${bundle.meta.task} bundle; generate needs a masked-LM bundle (e.g. --model grover-mini).`)
  if (!(opts.temperature >= 0)) throw new GroverError(`--temperature must be ≥ 0, got ${opts.temperature}.`)
  const prompt = opts.prompt.toUpperCase()
  if (prompt && !WRITABLE.test(prompt)) throw new GroverError(`--prompt must be A/C/G/T bases, got "${opts.prompt.slice(0, 30)}".`)
  const session = await ModelSession.forRun(bundle, opts)
  let progress: Progress | undefined
  let written = 0
  try {
    const logitsName = session.requireOutput('logits', 'masked-token probabilities')
    // Average bases per token of real DNA under this tokenizer: sets how many masks a stretch needs.
    const probe = 'TGGGAAGGTGGGGAGGTGCTCACCTTGGGGAGCCCCCCTGAGTGCTCTGCAAGCTCTGGGGTCACCTGCCTGGCCAAGGACCCAGTACCAGCCGCCTCAAAG'
    const bpPerToken = probe.length / bundle.tokenizer.encodeIds(probe, false).length
    if (opts.fasta) {
      if (!opts.region) throw new GroverError('give the --region whose N stretches to fill.')
      const fasta = await Fasta.open(opts.fasta, {log: opts.log})
      const region = parseRegion(opts.region, fasta.index)
      const seq = await fasta.fetch(region.chrom, region.start, region.end)
      const runs = [...seq.matchAll(/N+/g)].map((m) => [m.index!, m.index! + m[0].length] as const)
      if (runs.length === 0) opts.log(`note: ${opts.region} has no N bases; it is written unchanged.`)
      progress = new Progress(opts.n * runs.reduce((a, [x, y]) => a + y - x, 0), opts.progress, 'bp written', 'stretches')
      const half = Math.floor(bundle.meta.window / 2)
      let result = seq
      for (let k = 0; k < opts.n; k++) {
        const rand = mulberry32(opts.seed + k)
        let filled = ''
        let last = 0
        for (const [a, b] of runs) {
          const leftText = (filled + seq.slice(last, a)).slice(-half).replace(/N/g, '')
          const rightText = seq.slice(b, b + half).split('N')[0]!
          filled += seq.slice(last, a)
          const leftIds = bundle.tokenizer.encodeIds(leftText, false)
          const rightIds = bundle.tokenizer.encodeIds(rightText, false).slice(0, Math.floor(bundle.meta.max_tokens / 4))
          filled += await writeBetween(leftIds, rightIds, b - a, rand, bundle, session, logitsName, opts.temperature, bpPerToken)
          last = b
          written += b - a
          progress.update(written, 0)
        }
        result = filled + seq.slice(last)
        const name = `${region.chrom}:${region.start + 1}-${region.end}${opts.n > 1 ? `_sample${k + 1}` : ''} N filled by ${bundle.meta.name} (seed ${opts.seed + k}, temperature ${opts.temperature})`
        for (const l of fastaLines(name, result)) await sink.writeLine(l)
      }
      return
    }
    if (!opts.length || opts.length < 1) throw new GroverError('give --length BP (new sequences) or a FASTA with --region (fill its N stretches).')
    progress = new Progress(opts.n * opts.length, opts.progress, 'bp written', 'sequences')
    for (let k = 0; k < opts.n; k++) {
      const rand = mulberry32(opts.seed + k)
      const body = await writeBetween(bundle.tokenizer.encodeIds(prompt, false), [], opts.length, rand, bundle, session, logitsName, opts.temperature, bpPerToken)
      written += opts.length
      progress.update(written, k + 1)
      const name = `generated_${k + 1} length=${opts.length} model=${bundle.meta.name} seed=${opts.seed + k} temperature=${opts.temperature}${prompt ? ` prompt=${prompt.length}bp` : ''}`
      for (const l of fastaLines(name, prompt + body)) await sink.writeLine(l)
    }
  } finally {
    progress?.stop()
    await session.release()
  }
}
