import {GroverError} from '../errors.js'

/** The `model` object of a tokenizer.json whose type is BPE. */
export interface BpeModelJson {
  type: 'BPE'
  vocab: Record<string, number>
  merges: Array<string | [string, string]>
  unk_token?: string | null
  continuing_subword_prefix?: string | null
  end_of_word_suffix?: string | null
  fuse_unk?: boolean
  byte_fallback?: boolean
  ignore_merges?: boolean
  dropout?: number | null
}

/**
 * Byte-pair-encoding model with Hugging Face semantics: a word's characters become symbols, then the
 * adjacent pair with the lowest merge rank is merged (leftmost first among equal ranks) until no pair
 * has a merge. This is the host-side hot path, so it works on typed arrays with an explicit binary heap
 * of (rank, position) keys rather than strings; ids are identical to HF's `merge_all`.
 */
export class BpeModel {
  readonly vocab: Map<string, number>
  readonly idToToken: string[]
  readonly unkId: number | undefined
  private readonly prefix: string
  private readonly suffix: string
  private readonly fuseUnk: boolean
  private readonly ignoreMerges: boolean
  /** Dense pair table for small vocabularies: pairIndex[a * V + b] = merge index + 1 (0: none); a merge's index is its rank. */
  private readonly dense: Int32Array | undefined
  private readonly sparse: Map<number, number> | undefined
  private readonly V: number
  private readonly mergeNew: Int32Array
  /** Id of each single character (char code < 65536) when no prefix/suffix applies, -1 if not in vocab. */
  private readonly charId = new Int32Array(65536).fill(-1)
  // Scratch buffers, grown on demand.
  private ids = new Int32Array(0)
  private nxt = new Int32Array(0)
  private prv = new Int32Array(0)
  private heapKey = new Float64Array(0)
  private heapNew = new Int32Array(0)
  /**
   * True when every merge that uses a token comes after every merge that makes it (true of merges
   * learnt in order, as GROVER's): then a merge never creates a pair of lower rank than its own, ranks
   * are applied in increasing order, and a bucket per rank replaces the heap.
   */
  readonly monotone: boolean
  private bucketHead = new Int32Array(0)
  private entryPos = new Int32Array(0)
  private entryNext = new Int32Array(0)
  private scratch = new Int32Array(0)

  constructor(json: BpeModelJson) {
    if (json.byte_fallback) throw new GroverError('tokenizer.json: BPE byte_fallback is not supported by grover (no DNA tokenizer uses it).')
    if (json.dropout) throw new GroverError('tokenizer.json: BPE dropout is a training-time option; set "dropout": null for inference.')
    this.vocab = new Map(Object.entries(json.vocab))
    let maxId = -1
    for (const id of this.vocab.values()) maxId = Math.max(maxId, id)
    this.idToToken = new Array<string>(maxId + 1).fill('')
    for (const [t, id] of this.vocab) this.idToToken[id] = t
    this.V = maxId + 1
    this.prefix = json.continuing_subword_prefix ?? ''
    this.suffix = json.end_of_word_suffix ?? ''
    this.fuseUnk = json.fuse_unk ?? false
    this.ignoreMerges = json.ignore_merges ?? false
    if (json.unk_token != null) {
      this.unkId = this.vocab.get(json.unk_token)
      if (this.unkId === undefined) throw new GroverError(`tokenizer.json: BPE unk_token "${json.unk_token}" is not in the vocabulary.`)
    }
    const n = json.merges.length
    this.mergeNew = new Int32Array(n)
    const useDense = this.V <= 4096
    if (useDense) this.dense = new Int32Array(this.V * this.V)
    else this.sparse = new Map()
    for (let r = 0; r < n; r++) {
      const m = json.merges[r]!
      let a: string, b: string
      if (typeof m === 'string') {
        const sp = m.indexOf(' ')
        if (sp < 0) throw new GroverError(`tokenizer.json: merge ${r} "${m}" is not two tokens separated by a space.`)
        a = m.slice(0, sp)
        b = m.slice(sp + 1)
      } else {
        ;[a, b] = m
      }
      const ia = this.vocab.get(a)
      const ib = this.vocab.get(b)
      const joined = a + (this.prefix && b.startsWith(this.prefix) ? b.slice(this.prefix.length) : b)
      const inew = this.vocab.get(joined)
      if (ia === undefined || ib === undefined || inew === undefined) {
        throw new GroverError(`tokenizer.json: merge ${r} (${a} + ${b}) uses a token missing from the vocabulary.`)
      }
      const key = ia * this.V + ib
      // A pair listed twice: HF builds its merge map by inserting in order, so the last rank wins.
      this.mergeNew[r] = inew
      if (this.dense) this.dense[key] = r + 1
      else this.sparse!.set(key, r + 1)
    }
    for (const [t, id] of this.vocab) if (t.length === 1) this.charId[t.charCodeAt(0)] = id
    // Latest merge making each token, earliest merge using it; monotone when made-before-used holds.
    const made = new Int32Array(this.V).fill(-1)
    const used = new Int32Array(this.V).fill(n)
    for (let r = 0; r < n; r++) {
      const m = json.merges[r]!
      const [a, b] = typeof m === 'string' ? [m.slice(0, m.indexOf(' ')), m.slice(m.indexOf(' ') + 1)] : m
      const ia = this.vocab.get(a)!
      const ib = this.vocab.get(b)!
      if (this.pair(ia, ib) !== r) continue // a pair listed twice: only its last rank is live
      made[this.mergeNew[r]!] = Math.max(made[this.mergeNew[r]!]!, r)
      used[ia] = Math.min(used[ia]!, r)
      used[ib] = Math.min(used[ib]!, r)
    }
    let monotone = true
    for (let t = 0; t < this.V; t++) if (made[t]! >= 0 && used[t]! <= made[t]!) monotone = false
    this.monotone = monotone
    this.bucketHead = new Int32Array(n).fill(-1)
  }

  private pair(a: number, b: number): number {
    if (a < 0 || b < 0) return -1
    const k = a * this.V + b
    return (this.dense ? this.dense[k]! : (this.sparse!.get(k) ?? 0)) - 1
  }

  private grow(n: number): void {
    if (this.ids.length >= n) return
    const size = Math.max(n, this.ids.length * 2, 1024)
    this.ids = new Int32Array(size)
    this.nxt = new Int32Array(size)
    this.prv = new Int32Array(size)
    this.heapKey = new Float64Array(size * 2)
    this.heapNew = new Int32Array(size * 2)
    // initial pairs (< n) plus at most two per merge (< n merges)
    this.entryPos = new Int32Array(size * 3)
    this.entryNext = new Int32Array(size * 3)
    this.scratch = new Int32Array(size * 2)
  }

  /** Symbol id for the character at i of word (prefix/suffix applied as HF does), -1 when unknown. */
  private symbol(word: string, i: number): number {
    const first = i === 0
    const last = i === word.length - 1
    if ((first || !this.prefix) && (!last || !this.suffix)) return this.charId[word.charCodeAt(i)]!
    let s = word[i]!
    if (!first && this.prefix) s = this.prefix + s
    if (last && this.suffix) s += this.suffix
    return this.vocab.get(s) ?? -1
  }

  /**
   * Encode one pre-tokenized word, appending ids to `out` and, when given, [start, end) character
   * offsets (relative to the word, plus `base`) to `offsets`.
   */
  encodeWord(word: string, out: number[], offsets?: number[], base = 0): void {
    const len = word.length
    if (len === 0) return
    if (len >= 16777216) throw new GroverError(`tokenizer: a single word of ${len} characters is too long; split the input into windows.`)
    if (this.ignoreMerges) {
      const whole = this.vocab.get(word)
      if (whole !== undefined) {
        out.push(whole)
        offsets?.push(base, base + len)
        return
      }
    }
    this.grow(len)
    const ids = this.ids
    const nxt = this.nxt
    const prv = this.prv
    // Symbols; starts[] recovered from a parallel array only when offsets are wanted.
    const starts = offsets ? new Int32Array(len + 1) : undefined
    let n = 0
    for (let i = 0; i < len; i++) {
      let id = this.symbol(word, i)
      if (id < 0) {
        if (this.unkId === undefined) {
          throw new GroverError(`tokenizer: character "${word[i]}" is not in the vocabulary and the tokenizer has no unk_token.`)
        }
        if (this.fuseUnk && n > 0 && ids[n - 1] === this.unkId) continue
        id = this.unkId
      }
      if (starts) starts[n] = i
      ids[n++] = id
    }
    if (starts) starts[n] = len
    for (let i = 0; i < n; i++) {
      nxt[i] = i + 1
      prv[i] = i - 1
    }
    if (this.monotone) this.mergeByRank(n)
    else this.mergeByHeap(n)
    for (let i = 0; i < n; i = nxt[i]!) {
      out.push(ids[i]!)
      if (offsets && starts) offsets.push(base + starts[i]!, base + starts[nxt[i]!]!)
    }
  }

  /**
   * Apply merges rank by rank (monotone merge tables): bucket r holds the positions where a pair of
   * rank r starts; positions are taken leftmost first, stale ones (a neighbour already merged) skipped.
   * Same result as the heap: lowest rank first, leftmost among equal ranks.
   */
  private mergeByRank(n: number): void {
    const ids = this.ids
    const nxt = this.nxt
    const prv = this.prv
    const head = this.bucketHead
    const ePos = this.entryPos
    const eNext = this.entryNext
    const tmp = this.scratch
    const mergeNew = this.mergeNew
    let entries = 0
    let lo = head.length
    let hi = -1
    /** Put the pair starting at `pos` into bucket r (r < 0: no merge for that pair). */
    const enqueue = (pos: number, r: number) => {
      if (r < 0) return
      ePos[entries] = pos
      eNext[entries] = head[r]!
      head[r] = entries++
      if (r < lo) lo = r
      if (r > hi) hi = r
    }
    // initial pairs, pushed right to left so each bucket's list comes out left to right
    for (let i = n - 2; i >= 0; i--) enqueue(i, this.pair(ids[i]!, ids[i + 1]!))
    for (let r = lo; r <= hi; r++) {
      let e = head[r]!
      if (e < 0) continue
      head[r] = -1
      // gather and sort the bucket's positions (entries added by later merges may be out of order)
      let k = 0
      for (; e >= 0; e = eNext[e]!) {
        const pos = ePos[e]!
        let j = k++
        while (j > 0 && tmp[j - 1]! > pos) {
          tmp[j] = tmp[j - 1]!
          j--
        }
        tmp[j] = pos
      }
      const nw = mergeNew[r]!
      for (let q = 0; q < k; q++) {
        const pos = tmp[q]!
        const a = ids[pos]!
        if (a < 0) continue
        const j = nxt[pos]!
        if (j >= n || this.pair(a, ids[j]!) !== r) continue // stale
        ids[pos] = nw
        ids[j] = -1
        const after = nxt[j]!
        nxt[pos] = after
        if (after < n) prv[after] = pos
        // new pairs with the neighbours; their ranks are above r (monotone table)
        const p = prv[pos]!
        if (p >= 0) enqueue(p, this.pair(ids[p]!, nw))
        if (after < n) enqueue(pos, this.pair(nw, ids[after]!))
      }
    }
  }

  /** General merge loop: a binary min-heap of (rank, position). */
  private mergeByHeap(n: number): void {
    const ids = this.ids
    const nxt = this.nxt
    const prv = this.prv
    // Binary min-heap keyed by rank * 2^24 + position (both < 2^24 for any real vocabulary and word).
    const hk = this.heapKey
    const hn = this.heapNew
    let size = 0
    const push = (key: number, nw: number) => {
      let i = size++
      while (i > 0) {
        const p = (i - 1) >> 1
        if (hk[p]! <= key) break
        hk[i] = hk[p]!
        hn[i] = hn[p]!
        i = p
      }
      hk[i] = key
      hn[i] = nw
    }
    const SHIFT = 16777216
    for (let i = 0; i + 1 < n; i++) {
      const m = this.pair(ids[i]!, ids[i + 1]!)
      if (m >= 0) push(m * SHIFT + i, this.mergeNew[m]!)
    }
    while (size > 0) {
      const key = hk[0]!
      const nw = hn[0]!
      // pop
      size--
      if (size > 0) {
        const lk = hk[size]!
        const ln = hn[size]!
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          if (l >= size) break
          const r = l + 1
          const c = r < size && hk[r]! < hk[l]! ? r : l
          if (hk[c]! >= lk) break
          hk[i] = hk[c]!
          hn[i] = hn[c]!
          i = c
        }
        hk[i] = lk
        hn[i] = ln
      }
      const pos = key % SHIFT
      if (ids[pos]! < 0) continue // removed symbol
      const j = nxt[pos]!
      if (j >= n) continue
      const m = this.pair(ids[pos]!, ids[j]!)
      if (m < 0 || this.mergeNew[m] !== nw) continue // stale entry
      ids[pos] = nw
      ids[j] = -1
      const k = nxt[j]!
      nxt[pos] = k
      if (k < n) prv[k] = pos
      const p = prv[pos]!
      if (p >= 0) {
        const mp = this.pair(ids[p]!, nw)
        if (mp >= 0) push(mp * SHIFT + p, this.mergeNew[mp]!)
      }
      if (k < n) {
        const mn = this.pair(nw, ids[k]!)
        if (mn >= 0) push(mn * SHIFT + pos, this.mergeNew[mn]!)
      }
    }
  }
}
