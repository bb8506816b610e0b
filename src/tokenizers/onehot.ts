/**
 * One-hot encoding (Enformer, Basenji, DeepSEA, DanQ): no tokens at all, each base becomes a row of
 * four floats in A, C, G, T order; N (and any other IUPAC code) is 0.25 in each, padding 0 in each.
 *
 * Inside grover the encoder emits one code per base (A=0 C=1 G=2 T=3, other=4, [PAD]=5), so windows,
 * batches, strands and offsets work as for token models; ModelSession expands the codes into the
 * model's float input `onehot` [batch, length, 4] (the layout Enformer takes).
 */
export const ONEHOT_CODES = {A: 0, C: 1, G: 2, T: 3, N: 4, '[PAD]': 5} as const

const CODE = new Uint8Array(128).fill(4)
for (const [b, c] of [['A', 0], ['C', 1], ['G', 2], ['T', 3]] as const) {
  CODE[b.charCodeAt(0)] = c
  CODE[b.toLowerCase().charCodeAt(0)] = c
}

export class OneHotModel {
  readonly vocab = new Map<string, number>(Object.entries(ONEHOT_CODES))
  readonly idToToken = ['A', 'C', 'G', 'T', 'N', '[PAD]']

  encodeWord(word: string, ids: number[], offs?: number[], base = 0): void {
    for (let i = 0; i < word.length; i++) {
      const c = word.charCodeAt(i)
      ids.push(c < 128 ? CODE[c]! : 4)
      offs?.push(base + i, base + i + 1)
    }
  }
}

/** Per-base codes of a sequence (A C G T = 0 … 3, anything else 4) into `out` from `at`. */
export function encodeCodes(seq: string, out: Uint8Array, at = 0): void {
  for (let i = 0; i < seq.length; i++) {
    const c = seq.charCodeAt(i)
    out[at + i] = c < 128 ? CODE[c]! : 4
  }
}

/** Reverse complement of codes [from, to) into out (A↔T, C↔G, N and padding stay). */
export function reverseComplementCodes(codes: Uint8Array, from: number, to: number, out: Uint8Array, at = 0): void {
  for (let i = from; i < to; i++) {
    const c = codes[i]!
    out[at + to - 1 - i] = c < 4 ? 3 - c : c
  }
}

/** Expand per-base codes [rows × length] (padded with 5) into one-hot floats [rows × length × 4]. */
export function expandOneHot(codes: BigInt64Array | Uint8Array | number[], rows: number, length: number): Float32Array {
  const out = new Float32Array(rows * length * 4)
  for (let i = 0; i < rows * length; i++) {
    const c = Number(codes[i])
    if (c < 4) out[i * 4 + c] = 1
    else if (c === 4) out.fill(0.25, i * 4, i * 4 + 4)
  }
  return out
}
