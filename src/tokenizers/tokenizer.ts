import {readFile} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {BpeModel, type BpeModelJson} from './bpe.js'
import {CharModel, type WordLevelModelJson} from './char.js'
import {KmerModel, type WordPieceModelJson} from './kmer.js'
import {OneHotModel} from './onehot.js'
import {buildNormalizer, type Normalizer} from './normalizers.js'
import {buildPostProcessor, type PostProcessor} from './postprocessors.js'
import {buildPreTokenizer, type Piece, type PreTokenizer} from './pretokenizers.js'

interface AddedTokenJson {
  id: number
  content: string
  special?: boolean
  normalized?: boolean
  lstrip?: boolean
  rstrip?: boolean
  single_word?: boolean
}

/** What `encode` returns: ids as the model is fed, their token strings and [start, end) character offsets. */
export interface Encoding {
  ids: number[]
  tokens: string[]
  /** Character offsets into the input, [start, end); special tokens added by the post-processor get [0, 0]. */
  offsets: Array<[number, number]>
}

type Segment = Piece & {added?: number}

/** The tokenizer model behind the pipeline: one per tokenizer kind (bpe.ts, kmer.ts, char.ts). */
export interface TokenModel {
  readonly vocab: Map<string, number>
  readonly idToToken: string[]
  /** Append the ids of one pre-tokenized word; with offs, its [start, end) offsets shifted by base. */
  encodeWord(word: string, ids: number[], offs?: number[], base?: number): void
}

/** The tokenizer kinds grover reads from tokenizer.json, by its model type (grover.json's tokenizer.kind). */
export const KIND_OF_MODEL: Record<string, string> = {BPE: 'bpe', WordPiece: 'kmer', WordLevel: 'char', OneHot: 'onehot'}

/** Special-token roles and the names the DNA model families give them (GROVER/DNABERT, NT/ESM). */
const ROLE_NAMES = {
  pad: ['[PAD]', '<pad>'],
  mask: ['[MASK]', '<mask>'],
  unk: ['[UNK]', '<unk>'],
  cls: ['[CLS]', '<cls>'],
  sep: ['[SEP]', '<eos>', '</s>'],
} as const
export type Role = keyof typeof ROLE_NAMES

const WORD = /[\p{L}\p{N}\p{M}\p{Pc}]/u

/**
 * A Hugging Face tokenizer.json pipeline: added/special tokens split out first, then
 * normalizer → pre-tokenizer → BPE model → post-processor, each built by a small factory from the
 * component's `type`. Anything grover does not implement is refused with an error naming it.
 * tokenizer.json `truncation` and `padding` are not applied: grover windows and pads itself.
 */
export class Tokenizer {
  readonly model: TokenModel
  /** bpe, kmer or char: which tokenizer kind the file's model is */
  readonly kind: string
  private readonly normalizer: Normalizer | undefined
  private readonly preTokenizer: PreTokenizer | undefined
  private readonly post: PostProcessor
  private readonly added: AddedTokenJson[]
  private readonly addedById = new Map<number, string>()
  private readonly addedFirstChars: Set<string>

  constructor(json: Record<string, unknown>, readonly source = 'tokenizer.json') {
    const model = json.model as {type?: string} | undefined
    if (!model || typeof model !== 'object') throw new GroverError(`${source}: no "model" object; is this a Hugging Face tokenizer.json?`)
    const kind = KIND_OF_MODEL[model.type ?? '']
    if (kind === undefined) {
      throw new GroverError(`${source}: tokenizer model "${model.type ?? '(none)'}" is not supported (grover reads BPE as GROVER and DNABERT-2 use, WordPiece for k-mers as Nucleotide Transformer, WordLevel per character as HyenaDNA).`)
    }
    this.kind = kind
    try {
      this.model = kind === 'bpe' ? new BpeModel(model as BpeModelJson)
        : kind === 'kmer' ? new KmerModel(model as WordPieceModelJson)
          : kind === 'char' ? new CharModel(model as WordLevelModelJson)
            : new OneHotModel()
      this.normalizer = buildNormalizer(json.normalizer as never)
      this.preTokenizer = buildPreTokenizer(json.pre_tokenizer as never)
      this.post = buildPostProcessor(json.post_processor as never)
    } catch (error) {
      if (error instanceof GroverError) throw new GroverError(error.message.replace(/^tokenizer\.json/, source))
      throw error
    }
    this.added = ((json.added_tokens as AddedTokenJson[] | undefined) ?? []).slice().sort((a, b) => b.content.length - a.content.length)
    for (const t of this.added) this.addedById.set(t.id, t.content)
    this.addedFirstChars = new Set(this.added.map((t) => t.content[0] ?? ''))
  }

  static async fromFile(path: string): Promise<Tokenizer> {
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (error) {
      throw new GroverError(`cannot read tokenizer ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}.`)
    }
    let json: Record<string, unknown>
    try {
      json = JSON.parse(text) as Record<string, unknown>
    } catch (error) {
      throw new GroverError(`${path} is not valid JSON (${(error as Error).message}).`)
    }
    return new Tokenizer(json, path)
  }

  /** The one-hot "tokenizer" of a bundle with tokenizer kind onehot (it has no tokenizer.json): one code per base. */
  static oneHot(): Tokenizer {
    return new Tokenizer({model: {type: 'OneHot'}}, 'one-hot encoding')
  }

  /** Number of ids (largest id + 1), counting added tokens. */
  get vocabSize(): number {
    let max = this.model.idToToken.length - 1
    for (const id of this.addedById.keys()) max = Math.max(max, id)
    return max + 1
  }

  /** The token playing a special role ([PAD] or <pad>, …), by the names the model families use. */
  special(role: Role): {token: string; id: number} | undefined {
    for (const name of ROLE_NAMES[role]) {
      const id = this.tokenToId(name)
      if (id !== undefined) return {token: name, id}
    }
    return undefined
  }

  /** Id of a special role that must exist (checked when the bundle loads, for pad). */
  roleId(role: Role): number {
    const s = this.special(role)
    if (!s) throw new GroverError(`${this.source}: the tokenizer has no ${role} token (${ROLE_NAMES[role].join(' or ')}).`)
    return s.id
  }

  tokenToId(token: string): number | undefined {
    for (const t of this.added) if (t.content === token) return t.id
    return this.model.vocab.get(token)
  }

  idToToken(id: number): string | undefined {
    return this.addedById.get(id) ?? this.model.idToToken[id]
  }

  /** Ids of the tokens the post-processor adds around a sequence (e.g. [CLS] … [SEP]). */
  get specialCounts(): {before: number; after: number} {
    return {before: this.post.before.length, after: this.post.after.length}
  }

  /** Split out added tokens found in `text` (leftmost, longest first), as HF's AddedVocabulary does. */
  private splitAdded(piece: Piece, normalizedPass: boolean): Segment[] {
    const candidates = this.added.filter((t) => (t.normalized ?? !t.special) === normalizedPass)
    if (candidates.length === 0) return [piece]
    const {text, offset} = piece
    let fast = true
    for (const c of this.addedFirstChars) if (c && text.includes(c)) fast = false
    if (fast) return [piece]
    const out: Segment[] = []
    let i = 0
    let from = 0
    while (i < text.length) {
      let hit: AddedTokenJson | undefined
      for (const t of candidates) {
        if (!text.startsWith(t.content, i)) continue
        if (t.single_word) {
          const before = i > 0 ? text[i - 1]! : ''
          const after = text[i + t.content.length] ?? ''
          if ((before && WORD.test(before)) || (after && WORD.test(after))) continue
        }
        hit = t
        break
      }
      if (!hit) {
        i++
        continue
      }
      let a = i
      let b = i + hit.content.length
      if (hit.lstrip) while (a > from && /\s/.test(text[a - 1]!)) a--
      if (hit.rstrip) while (b < text.length && /\s/.test(text[b]!)) b++
      if (a > from) out.push({text: text.slice(from, a), offset: offset + from})
      out.push({text: text.slice(a, b), offset: offset + a, added: hit.id})
      i = from = b
    }
    if (from < text.length) out.push({text: text.slice(from), offset: offset + from})
    return out
  }

  /**
   * The pipeline up to the model: added tokens split out (on the raw text, then on the normalized
   * pieces), the rest normalized and pre-tokenized into words. Segments with `added` are finished
   * tokens; the others are words for the BPE model. encode and encodeIds both walk this.
   */
  private segments(text: string): Segment[] {
    const out: Segment[] = []
    for (const seg of this.splitAdded({text, offset: 0}, false)) {
      if (seg.added !== undefined) {
        out.push(seg)
        continue
      }
      const norm = this.normalizer ? this.normalizer(seg.text) : seg.text
      for (const sub of this.splitAdded({text: norm, offset: seg.offset}, true)) {
        if (sub.added !== undefined) out.push(sub)
        else if (this.preTokenizer) out.push(...this.preTokenizer(sub))
        else out.push(sub)
      }
    }
    return out
  }

  /** Encode text into ids, tokens and offsets. */
  encode(text: string, addSpecialTokens = true): Encoding {
    const ids: number[] = []
    const offs: number[] = []
    const tokens: string[] = []
    const offsets: Array<[number, number]> = []
    const pushSpecial = (list: PostProcessor['before']) => {
      for (const s of list) {
        ids.push(s.id)
        tokens.push(s.token)
        offsets.push([0, 0])
      }
    }
    if (addSpecialTokens) pushSpecial(this.post.before)
    for (const seg of this.segments(text)) {
      if (seg.added !== undefined) {
        ids.push(seg.added)
        tokens.push(this.addedById.get(seg.added)!)
        offsets.push([seg.offset, seg.offset + seg.text.length])
        continue
      }
      const start = ids.length
      offs.length = 0
      this.model.encodeWord(seg.text, ids, offs, seg.offset)
      for (let k = start, o = 0; k < ids.length; k++, o += 2) {
        tokens.push(this.model.idToToken[ids[k]!] ?? '')
        offsets.push([offs[o]!, offs[o + 1]!])
      }
    }
    if (addSpecialTokens) pushSpecial(this.post.after)
    return {ids, tokens, offsets}
  }

  /** Ids only (the hot path of predict): no token strings or offsets are built. */
  encodeIds(text: string, addSpecialTokens = true): number[] {
    const ids: number[] = []
    if (addSpecialTokens) for (const s of this.post.before) ids.push(s.id)
    for (const seg of this.segments(text)) {
      if (seg.added !== undefined) ids.push(seg.added)
      else this.model.encodeWord(seg.text, ids)
    }
    if (addSpecialTokens) for (const s of this.post.after) ids.push(s.id)
    return ids
  }
}
