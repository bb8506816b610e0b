import {GroverError} from '../errors.js'

/** A tokenizer.json normalizer: text in, text out, same length (so offsets stay valid). */
export type Normalizer = (text: string) => string

interface NormalizerJson {
  type: string
  normalizers?: NormalizerJson[]
}

/** Build a normalizer from tokenizer.json; grover supports none, Lowercase and Sequence of those. */
export function buildNormalizer(json: NormalizerJson | null | undefined): Normalizer | undefined {
  if (json == null) return undefined
  switch (json.type) {
    case 'Lowercase':
      return (t) => t.toLowerCase()
    case 'Sequence': {
      const parts = (json.normalizers ?? []).map((n) => buildNormalizer(n)).filter((n): n is Normalizer => n !== undefined)
      return (t) => parts.reduce((acc, f) => f(acc), t)
    }
    default:
      throw new GroverError(`tokenizer.json: normalizer "${json.type}" is not supported by grover (supported: none, Lowercase, Sequence).`)
  }
}
