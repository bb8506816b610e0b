import {GroverError} from '../errors.js'

export type Pool = 'cls' | 'mean'

/**
 * Pool one row of last_hidden_state [tokens, hidden]: the first token's vector (cls), or the mean over
 * the sequence's own tokens, leaving out the special tokens the post-processor added and the padding.
 */
export function poolRow(h: Float32Array, row: number, tokens: number, hidden: number, pool: Pool, realTokens: number, before: number, after: number): Float32Array {
  const base = row * tokens * hidden
  if (pool === 'cls') return h.slice(base, base + hidden)
  const from = before
  const to = realTokens - after
  const out = new Float32Array(hidden)
  if (to <= from) throw new GroverError('cannot mean-pool a window with no sequence tokens.')
  for (let t = from; t < to; t++) {
    const o = base + t * hidden
    for (let j = 0; j < hidden; j++) out[j]! += h[o + j]!
  }
  for (let j = 0; j < hidden; j++) out[j]! /= to - from
  return out
}
