import {GroverError} from '../errors.js'

/** A piece of the input handed to the model: text and its character offset in the original string. */
export interface Piece {
  text: string
  offset: number
}

export type PreTokenizer = (piece: Piece) => Piece[]

interface PreTokenizerJson {
  type: string
  pattern?: {String?: string; Regex?: string}
  behavior?: string
  invert?: boolean
  pretokenizers?: PreTokenizerJson[]
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Split by a global regex; `matchesAreTokens` keeps the matches (Whitespace), otherwise the gaps. */
function regexSplit(re: RegExp, behavior: string, invert: boolean): PreTokenizer {
  return ({text, offset}) => {
    // Mark every char as belonging to a match or not, then group as HF's SplitDelimiterBehavior does.
    const spans: Array<[number, number, boolean]> = [] // [start, end, isMatch]
    let last = 0
    re.lastIndex = 0
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[0].length === 0) {
        re.lastIndex++
        continue
      }
      if (m.index > last) spans.push([last, m.index, false])
      spans.push([m.index, m.index + m[0].length, true])
      last = m.index + m[0].length
    }
    if (last < text.length) spans.push([last, text.length, false])
    if (invert) for (const s of spans) s[2] = !s[2]
    const out: Array<[number, number]> = []
    switch (behavior) {
      case 'Removed':
        for (const [a, b, isM] of spans) if (!isM) out.push([a, b])
        break
      case 'Isolated':
        for (const [a, b] of spans) out.push([a, b])
        break
      case 'MergedWithPrevious': {
        let prevMatch = false
        for (const [a, b, isM] of spans) {
          const prev = out.at(-1)
          if (isM && prev && !prevMatch) prev[1] = b
          else out.push([a, b])
          prevMatch = isM
        }
        break
      }
      case 'MergedWithNext': {
        let prevMatch = false
        for (const [a, b, isM] of spans) {
          const prev = out.at(-1)
          if (!isM && prev && prevMatch) prev[1] = b
          else out.push([a, b])
          prevMatch = isM
        }
        break
      }
      case 'Contiguous': {
        let prevMatch: boolean | undefined
        for (const [a, b, isM] of spans) {
          if (prevMatch === isM && isM) out.at(-1)![1] = b
          else out.push([a, b])
          prevMatch = isM
        }
        break
      }
      default:
        throw new GroverError(`tokenizer.json: Split behavior "${behavior}" is not supported.`)
    }
    return out.filter(([a, b]) => b > a).map(([a, b]) => ({text: text.slice(a, b), offset: offset + a}))
  }
}

/**
 * Build a pre-tokenizer from tokenizer.json. Supported: none, Whitespace (\w+|[^\w\s]+),
 * WhitespaceSplit, Split (string or regex pattern; Removed/Isolated/Contiguous/Merged* behaviours),
 * and Sequence of those.
 */
export function buildPreTokenizer(json: PreTokenizerJson | null | undefined): PreTokenizer | undefined {
  if (json == null) return undefined
  switch (json.type) {
    case 'Whitespace': {
      const re = /[\p{L}\p{N}\p{M}\p{Pc}]+|[^\p{L}\p{N}\p{M}\p{Pc}\s]+/gu
      return ({text, offset}) => {
        const out: Piece[] = []
        re.lastIndex = 0
        for (let m = re.exec(text); m !== null; m = re.exec(text)) out.push({text: m[0], offset: offset + m.index})
        return out
      }
    }
    case 'WhitespaceSplit':
      return regexSplit(/\s+/gu, 'Removed', false)
    case 'Split': {
      const p = json.pattern
      const source = p?.String !== undefined ? escape(p.String) : p?.Regex
      if (source === undefined) throw new GroverError('tokenizer.json: Split pre-tokenizer without a String or Regex pattern.')
      return regexSplit(new RegExp(source, 'gu'), json.behavior ?? 'Removed', json.invert ?? false)
    }
    case 'Sequence': {
      const parts = (json.pretokenizers ?? []).map((p) => buildPreTokenizer(p)).filter((p): p is PreTokenizer => p !== undefined)
      return (piece) => parts.reduce<Piece[]>((acc, f) => acc.flatMap(f), [piece])
    }
    default:
      throw new GroverError(`tokenizer.json: pre-tokenizer "${json.type}" is not supported by grover (supported: none, Whitespace, WhitespaceSplit, Split, Sequence).`)
  }
}
