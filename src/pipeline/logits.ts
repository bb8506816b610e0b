import {GroverError} from '../errors.js'
import type {Bundle} from '../model/bundle.js'

/** max and Σ exp(x − max) of logits[offset, offset + n): the softmax normaliser, computed stably. */
export function normaliser(logits: Float32Array, offset: number, n: number): {max: number; sum: number} {
  let max = -Infinity
  for (let i = 0; i < n; i++) max = Math.max(max, logits[offset + i]!)
  let sum = 0
  for (let i = 0; i < n; i++) sum += Math.exp(logits[offset + i]! - max)
  return {max, sum}
}

/** Softmax of one row of logits (numerically stable). */
export function softmax(logits: Float32Array, offset: number, n: number): number[] {
  const {max, sum} = normaliser(logits, offset, n)
  return Array.from({length: n}, (_, i) => Math.exp(logits[offset + i]! - max) / sum)
}

/** Probability of token `id` at one position of masked-LM logits. */
export function probOf(logits: Float32Array, offset: number, vocab: number, id: number): number {
  const {max, sum} = normaliser(logits, offset, vocab)
  return Math.exp(logits[offset + id]! - max) / sum
}

/**
 * What a window's number is, for the two kinds of window models:
 *  - classification: P(positive label) from the softmax of each strand's logits; strands averaged;
 *  - score (DeepBind): the model's own unbounded score of each strand; strands combined as the bundle
 *    says ("max", as deepbind does for reverse-complement models, or "mean"), never squashed.
 * `row(out, r)` reads row r of a model output; `combine` joins the strands' values.
 */
export interface WindowValue {
  output: string
  /** values of the output's columns that records keep (classification: every label's probability) */
  row(out: {data: Float32Array; dims: readonly number[]}, r: number): {value: number; probs: number[]}
  combine(values: number[]): number
  /** raw scores (printed with 6 significant digits) rather than probabilities (4 decimals) */
  raw: boolean
}

export function windowValue(bundle: Bundle, outputNames: readonly string[]): WindowValue {
  const m = bundle.meta
  if (m.task === 'score') {
    const output = outputNames.includes('score') ? 'score' : outputNames[0]!
    const rule = m.score?.strands ?? 'mean'
    return {
      output,
      raw: true,
      row: (out, r) => {
        const w = out.dims[1] ?? 1
        return {value: out.data[r * w]!, probs: []}
      },
      combine: (v) => (rule === 'max' ? Math.max(...v) : v.reduce((a, b) => a + b, 0) / v.length),
    }
  }
  if (m.task !== 'classification') throw new GroverError(`model "${m.name}" is a ${m.task} bundle: it gives no window score.`)
  const n = m.labels!.length
  const output = outputNames.includes('logits') ? 'logits' : outputNames[0]!
  return {
    output,
    raw: false,
    row: (out, r) => {
      const probs = softmax(out.data, r * n, n)
      return {value: probs[bundle.positiveIndex]!, probs}
    },
    combine: (v) => v.reduce((a, b) => a + b, 0) / v.length,
  }
}
