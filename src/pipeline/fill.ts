import {GroverError} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import type {Sink} from '../io/output.js'
import {normalizeRegions, parseRegion, type Region} from '../io/regions.js'
import {type Bundle, loadBundle} from '../model/bundle.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {pipelined} from './batches.js'
import {normaliser, probOf} from './logits.js'
import {Progress} from './progress.js'
import {windowsOf} from './windows.js'

export interface FillOptions extends RunOptions {
  /** a sequence containing [MASK] tokens, or a FASTA file (with --region) */
  input: string
  regions?: string[]
  /** 1-based genome positions inside the region whose covering token is masked */
  maskAt?: number[]
  track: boolean
  topK: number
  window?: number
  batchSize: number
}

/** The top-k (id, probability) among allowed ids at one position of logits [.., V]; probabilities over all V. */
export function topK(logits: Float32Array, offset: number, vocab: number, k: number, allowed: (id: number) => boolean): Array<{id: number; p: number}> {
  const {max, sum} = normaliser(logits, offset, vocab)
  const best: Array<{id: number; p: number}> = []
  for (let i = 0; i < vocab; i++) {
    if (!allowed(i)) continue
    const p = Math.exp(logits[offset + i]! - max) / sum
    if (best.length < k || p > best.at(-1)!.p) {
      best.push({id: i, p})
      best.sort((a, b) => b.p - a.p || a.id - b.id)
      if (best.length > k) best.pop()
    }
  }
  return best
}


function specials(bundle: Bundle): Set<number> {
  const set = new Set<number>()
  for (const role of ['pad', 'unk', 'cls', 'sep', 'mask'] as const) {
    const s = bundle.tokenizer.special(role)
    if (s) set.add(s.id)
  }
  return set
}

/**
 * grover fill: masked-token prediction with a masked-LM bundle.
 * - a sequence with [MASK] tokens → top-k tokens per mask;
 * - a FASTA region with --mask-at → the token covering each position is masked → top-k;
 * - --track: along the regions, each token masked alone → P(reference token), as bedGraph.
 */
export async function fill(opts: FillOptions, sink: Sink): Promise<void> {
  const bundle = await loadBundle(opts.model)
  if (bundle.meta.task !== 'masked-lm') {
    throw new GroverError(`model "${bundle.meta.name}" is a ${bundle.meta.task} bundle; fill needs a masked-LM bundle (e.g. --model grover-mini).`)
  }
  if (!Number.isInteger(opts.topK) || opts.topK < 1) throw new GroverError(`--top-k must be a positive whole number, got ${opts.topK}.`)
  const tok = bundle.tokenizer
  const mask = tok.special('mask')
  if (mask === undefined) throw new GroverError(`${bundle.dir}: the tokenizer has no [MASK] (or <mask>) token.`)
  const maskId = mask.id
  const padId = tok.roleId('pad')
  const special = specials(bundle)
  const session = await ModelSession.forRun(bundle, opts)
  try {
    const logitsName = session.requireOutput('logits', 'masked-token probabilities')
    const vocabSize = tok.vocabSize
    if (opts.track) return await track(opts, bundle, session, sink, logitsName, maskId, padId)

    let ids: number[]
    let masks: Array<{index: number; label: string}>
    let prefixCols: (m: {index: number; label: string}) => string[]
    let header: string[]
    if (opts.regions?.length || opts.maskAt?.length) {
      if (opts.regions?.length !== 1) throw new GroverError('--mask-at needs exactly one --region giving the context the model sees (e.g. --region chr1:1001-2000 --mask-at 1500).')
      if (!opts.maskAt?.length) throw new GroverError('with --region, say which position to mask with --mask-at POS (1-based), or use --track.')
      const fasta = await Fasta.open(opts.input, {log: opts.log})
      const region = parseRegion(opts.regions[0]!, fasta.index)
      const seq = await fasta.fetch(region.chrom, region.start, region.end)
      const e = tok.encode(seq, true)
      if (e.ids.length > bundle.meta.max_tokens) throw new GroverError(`region ${opts.regions[0]} is ${e.ids.length} tokens, more than the model's ${bundle.meta.max_tokens}. Give a shorter region (about ${bundle.meta.window} bp).`)
      ids = [...e.ids]
      masks = []
      for (const pos of opts.maskAt) {
        const p0 = pos - 1
        if (!(p0 >= region.start && p0 < region.end)) throw new GroverError(`--mask-at ${pos} is outside --region ${opts.regions[0]} (${region.start + 1}-${region.end}).`)
        const first = tok.specialCounts.before
        const k = e.offsets.findIndex(([a, b], i) => i >= first && a <= p0 - region.start && p0 - region.start < b)
        if (k < 0) throw new GroverError(`no token covers position ${pos}.`)
        ids[k] = maskId
        const [a, b] = e.offsets[k]!
        masks.push({index: k, label: `${region.chrom}\t${region.start + a}\t${region.start + b}\t${e.tokens[k]}`})
      }
      header = ['chrom', 'start', 'end', 'ref_token', 'rank', 'token', 'id', 'probability']
      prefixCols = (m) => [m.label]
    } else {
      if (!opts.input.includes('[MASK]')) throw new GroverError(`"${opts.input.slice(0, 40)}" has no [MASK] token. Write e.g. ACGTAC[MASK]GGTCA, or give a FASTA with --region and --mask-at.`)
      if (!/^(?:[A-Za-z]|\[MASK\])+$/.test(opts.input)) throw new GroverError(`"${opts.input.slice(0, 40)}" is not a DNA sequence with [MASK] tokens.`)
      // [MASK] is how users write a mask whatever the model calls it (<mask> in Nucleotide Transformer)
      ids = tok.encodeIds(opts.input.toUpperCase().replaceAll('[MASK]', mask.token))
      if (ids.length > bundle.meta.max_tokens) throw new GroverError(`the sequence is ${ids.length} tokens, more than the model's ${bundle.meta.max_tokens}.`)
      masks = ids.flatMap((id, i) => (id === maskId ? [{index: i, label: ''}] : []))
      masks.forEach((m, n) => (m.label = String(n + 1)))
      header = ['mask', 'rank', 'token', 'id', 'probability']
      prefixCols = (m) => [m.label]
    }
    const out = await session.run(padBatch([ids], padId), logitsName)
    const V = out.dims[2]!
    if (V < vocabSize) throw new GroverError(`the model's output has ${V} columns but the tokenizer has ${vocabSize} ids.`)
    await sink.writeLine(header.join('\t'))
    for (const m of masks) {
      const best = topK(out.data, m.index * V, V, opts.topK, (id) => !special.has(id) && id < vocabSize)
      for (let r = 0; r < best.length; r++) {
        await sink.writeLine([...prefixCols(m), String(r + 1), tok.idToToken(best[r]!.id) ?? '?', String(best[r]!.id), best[r]!.p.toPrecision(4)].join('\t'))
      }
    }
  } finally {
    await session.release()
  }
}

interface TrackRow {
  ids: number[]
  region: Region
  ref: number
  pos: number
}

/** Every token of each window masked alone → P(reference token) → bedGraph over the token's bases. */
async function track(opts: FillOptions, bundle: Bundle, session: ModelSession, sink: Sink, logitsName: string, maskId: number, padId: number): Promise<void> {
  if (!opts.regions?.length) throw new GroverError('--track needs --region (the stretch to score; every token is masked once, so keep it to a few kb).')
  const fasta = await Fasta.open(opts.input, {log: opts.log})
  const regions = normalizeRegions(opts.regions.map((r) => parseRegion(r, fasta.index)), fasta.index)
  const window = opts.window ?? bundle.meta.window
  const tok = bundle.tokenizer
  const total = regions.reduce((a, r) => a + r.end - r.start, 0)
  const progress = new Progress(total, opts.progress)
  let skipped = 0
  async function* batches(): AsyncGenerator<TrackRow[]> {
    let cur: TrackRow[] = []
    for await (const w of windowsOf(fasta, regions, window, window)) {
      const e = tok.encode(w.seq, true)
      if (e.ids.length > bundle.meta.max_tokens) {
        skipped++
        continue
      }
      for (let k = 0; k < e.ids.length; k++) {
        const [a, b] = e.offsets[k]!
        if (a === b) continue // special token
        const ids = [...e.ids]
        ids[k] = maskId
        cur.push({ids, region: {chrom: w.chrom, start: w.start + a, end: w.start + b}, ref: e.ids[k]!, pos: k})
        if (cur.length >= opts.batchSize) {
          yield cur
          cur = []
        }
      }
    }
    if (cur.length > 0) yield cur
  }
  // Windows tile without overlap, but the last window of a region may overlap its neighbour: a base
  // already written is not written again, so the bedGraph stays sorted and non-overlapping.
  let lastChrom = ''
  let lastEnd = 0
  let done = 0
  try {
    await pipelined(batches(), (rows) => session.run(padBatch(rows.map((r) => r.ids), padId), logitsName), async (rows, out) => {
      const [, T, V] = out.dims as [number, number, number]
      for (let i = 0; i < rows.length; i++) {
        const r = rows[i]!
        const p = probOf(out.data, (i * T + r.pos) * V, V, r.ref)
        let start = r.region.start
        if (r.region.chrom === lastChrom && start < lastEnd) start = lastEnd
        if (start >= r.region.end) continue
        await sink.writeLine(`${r.region.chrom}\t${start}\t${r.region.end}\t${p.toPrecision(4)}`)
        lastChrom = r.region.chrom
        lastEnd = r.region.end
        done += r.region.end - start
      }
      progress.update(done, 0)
    }, opts.signal)
  } finally {
    progress.stop()
  }
  if (skipped > 0) opts.log(`note: ${skipped} windows over the model's ${bundle.meta.max_tokens} tokens were not scored (mostly N?). Use a smaller --window.`)
}
