import {join} from 'node:path'
import {stat} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {Fasta} from '../io/fasta.js'
import type {Sink} from '../io/output.js'
import {parseRegion} from '../io/regions.js'
import {loadBundle} from '../model/bundle.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'

export type AttentionFormat = 'tsv' | 'json' | 'bedgraph'

export interface AttentionOptions extends RunOptions {
  fasta: string
  region: string
  format: AttentionFormat
  layer?: number
  head?: number
}

/**
 * Mean attention each token receives: averaged over layers, heads and attending tokens (rows).
 * att is [layers, 1, heads, T, T] flattened.
 */
export function meanReceived(att: Float32Array, layers: number, heads: number, T: number): number[] {
  const out = new Array<number>(T).fill(0)
  for (let l = 0; l < layers; l++) {
    for (let h = 0; h < heads; h++) {
      const base = (l * heads + h) * T * T
      for (let i = 0; i < T; i++) for (let j = 0; j < T; j++) out[j]! += att[base + i * T + j]!
    }
  }
  return out.map((x) => x / (layers * heads * T))
}

/**
 * grover attention: for one region, the attention weights of every layer and head (bundle's
 * attentions_file graph), as TSV rows or JSON, or a per-token summary (mean attention received) as bedGraph.
 */
export async function attention(opts: AttentionOptions, sink: Sink): Promise<void> {
  const fasta = await Fasta.open(opts.fasta, {log: opts.log})
  const region = parseRegion(opts.region, fasta.index)
  const bundle = await loadBundle(opts.model)
  const file = bundle.meta.onnx.attentions_file
  if (!file) {
    throw new GroverError(`model "${bundle.meta.name}" has no attention graph (grover.json onnx.attentions_file). Export the bundle with attentions: scripts/export/export_hf.py CHECKPOINT OUT --attentions.`)
  }
  const path = join(bundle.dir, file)
  try {
    await stat(path)
  } catch {
    throw new GroverError(`${bundle.dir}/grover.json names attentions_file ${file}, but ${path} does not exist.`)
  }
  const seq = await fasta.fetch(region.chrom, region.start, region.end)
  const e = bundle.tokenizer.encode(seq, true)
  if (e.ids.length > bundle.meta.max_tokens) throw new GroverError(`region ${opts.region} is ${e.ids.length} tokens, more than the model's ${bundle.meta.max_tokens}. Give a shorter region (about ${bundle.meta.window} bp).`)
  const session = await ModelSession.forRun(bundle, opts, {file: path})
  try {
    const out = await session.run(padBatch([e.ids], bundle.tokenizer.roleId('pad')), session.requireOutput('attentions', 'attention weights'))
    const [L, , H, T] = out.dims as [number, number, number, number, number]
    for (const [name, v, max] of [['--layer', opts.layer, L], ['--head', opts.head, H]] as const) {
      if (v !== undefined && !(Number.isInteger(v) && v >= 0 && v < max)) throw new GroverError(`${name} ${v} is out of range: the model has ${max} (0-based: 0-${max - 1}).`)
    }
    const special = e.offsets.map(([a, b]) => a === b)
    const coord = (k: number) => (special[k] ? ['.', '.'] : [String(region.start + e.offsets[k]![0]), String(region.start + e.offsets[k]![1])])
    const layers = opts.layer === undefined ? [...Array(L).keys()] : [opts.layer]
    const heads = opts.head === undefined ? [...Array(H).keys()] : [opts.head]
    if (opts.format === 'bedgraph') {
      const m = meanReceived(out.data, L, H, T)
      for (let k = 0; k < T; k++) if (!special[k]) await sink.writeLine(`${region.chrom}\t${coord(k).join('\t')}\t${m[k]!.toPrecision(5)}`)
      return
    }
    if (opts.format === 'json') {
      const att = layers.map((l) => heads.map((h) => Array.from({length: T}, (_, i) => Array.from(out.data.subarray(((l * H + h) * T + i) * T, ((l * H + h) * T + i + 1) * T), (x) => Number(x.toPrecision(5))))))
      await sink.writeLine(JSON.stringify({
        region: {chrom: region.chrom, start: region.start, end: region.end}, tokens: e.tokens, ids: e.ids,
        offsets: e.offsets.map(([a, b], k) => (special[k] ? null : [region.start + a, region.start + b])),
        layers, heads, attentions: att,
      }))
      return
    }
    await sink.writeLine(['layer', 'head', 'from', 'to', 'from_token', 'to_token', 'from_start', 'from_end', 'to_start', 'to_end', 'weight'].join('\t'))
    for (const l of layers) {
      for (const h of heads) {
        for (let i = 0; i < T; i++) {
          const base = ((l * H + h) * T + i) * T
          for (let j = 0; j < T; j++) {
            await sink.writeLine([l, h, i, j, e.tokens[i], e.tokens[j], ...coord(i), ...coord(j), out.data[base + j]!.toPrecision(5)].join('\t'))
          }
        }
      }
    }
  } finally {
    await session.release()
  }
}
