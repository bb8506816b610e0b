import {GroverError} from '../errors.js'

/** tokenizer.json "model" of type WordPiece, the form a k-mer vocabulary takes in Hugging Face tokenizers. */
export interface WordPieceModelJson {
  type: 'WordPiece'
  vocab: Record<string, number>
  unk_token: string
  continuing_subword_prefix?: string
  max_input_chars_per_word?: number
}

/**
 * Non-overlapping k-mer tokenization as Nucleotide Transformer does it: left to right, the longest
 * vocabulary entry that starts here (a 6-mer), and where none fits (a remainder shorter than k, or
 * any N) single nucleotides. In a Hugging Face tokenizer.json this is a WordPiece model with an empty
 * continuing-subword prefix: greedy longest-match-first over the word, exactly HF's WordPiece, so the
 * HF `tokenizers` package loads the same file and gives the same ids (tested).
 *
 * As in HF: a word longer than max_input_chars_per_word, or one containing a character no vocabulary
 * entry starts with, becomes one unknown token covering the whole word. Matching is limited to the
 * longest vocabulary entry, which gives the same result as HF's scan from the end of the word.
 */
export class KmerModel {
  readonly vocab: Map<string, number>
  readonly idToToken: string[]
  readonly unkId: number
  readonly k: number
  private readonly prefix: string
  private readonly maxChars: number

  constructor(json: WordPieceModelJson) {
    this.vocab = new Map(Object.entries(json.vocab))
    let maxId = -1
    let longest = 0
    for (const [t, id] of this.vocab) {
      maxId = Math.max(maxId, id)
      if (!t.startsWith('[') && !t.startsWith('<')) longest = Math.max(longest, t.length)
    }
    this.idToToken = new Array<string>(maxId + 1).fill('')
    for (const [t, id] of this.vocab) this.idToToken[id] = t
    const unk = this.vocab.get(json.unk_token)
    if (unk === undefined) throw new GroverError(`tokenizer.json: WordPiece unk_token "${json.unk_token}" is not in the vocabulary.`)
    this.unkId = unk
    this.prefix = json.continuing_subword_prefix ?? '##'
    this.maxChars = json.max_input_chars_per_word ?? 100
    this.k = longest
  }

  /** Append the ids of one pre-tokenized word (and, when offs is given, [start, end) offsets + base). */
  encodeWord(word: string, ids: number[], offs?: number[], base = 0): void {
    const n = word.length
    if (n === 0) return
    const start0 = ids.length
    const offStart = offs?.length ?? 0
    if (n > this.maxChars) {
      ids.push(this.unkId)
      offs?.push(base, base + n)
      return
    }
    const maxLen = this.k + this.prefix.length
    let start = 0
    while (start < n) {
      let found = -1
      let end = Math.min(n, start + maxLen)
      for (; end > start; end--) {
        const piece = start > 0 ? this.prefix + word.slice(start, end) : word.slice(start, end)
        const id = this.vocab.get(piece)
        if (id !== undefined) {
          found = id
          break
        }
      }
      if (found < 0) {
        // HF: one bad piece makes the whole word unknown
        ids.length = start0
        if (offs) offs.length = offStart
        ids.push(this.unkId)
        offs?.push(base, base + n)
        return
      }
      ids.push(found)
      offs?.push(base + start, base + end)
      start = end
    }
  }
}
