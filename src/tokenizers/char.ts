import {GroverError} from '../errors.js'

/** tokenizer.json "model" of type WordLevel: a whole-word lookup, used with a per-character split. */
export interface WordLevelModelJson {
  type: 'WordLevel'
  vocab: Record<string, number>
  unk_token: string
}

/**
 * Character-level tokenization as HyenaDNA does it: one token per base from the model's own id table
 * ([CLS]=0 … A=7 C=8 G=9 T=10 N=11 in HyenaDNA's), anything else the unknown token. In a Hugging Face
 * tokenizer.json this is a WordLevel model behind a Split pre-tokenizer that isolates every
 * character; the HF `tokenizers` package loads the same file (tested). Words that are not one
 * character (a pre-tokenizer that does not split per character) are looked up whole, as WordLevel does.
 */
export class CharModel {
  readonly vocab: Map<string, number>
  readonly idToToken: string[]
  readonly unkId: number

  constructor(json: WordLevelModelJson) {
    this.vocab = new Map(Object.entries(json.vocab))
    let maxId = -1
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id)
    this.idToToken = new Array<string>(maxId + 1).fill('')
    for (const [t, id] of this.vocab) this.idToToken[id] = t
    const unk = this.vocab.get(json.unk_token)
    if (unk === undefined) throw new GroverError(`tokenizer.json: WordLevel unk_token "${json.unk_token}" is not in the vocabulary.`)
    this.unkId = unk
  }

  encodeWord(word: string, ids: number[], offs?: number[], base = 0): void {
    if (word.length === 0) return
    ids.push(this.vocab.get(word) ?? this.unkId)
    offs?.push(base, base + word.length)
  }
}
