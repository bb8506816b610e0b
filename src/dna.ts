/** Sequence helpers shared by the pipeline stages. */

/** A DNA strand: the sequence as given (+) or its reverse complement (-). */
export type Strand = '+' | '-'
/** Which strands a command scores: both (combined) or one. */
export type StrandMode = 'both' | Strand

const COMPLEMENT = new Uint8Array(256)
for (let i = 0; i < 256; i++) COMPLEMENT[i] = i
for (const [a, b] of ['AT', 'CG', 'GC', 'TA', 'at', 'cg', 'gc', 'ta', 'NN', 'nn', 'RY', 'YR', 'KM', 'MK', 'BV', 'VB', 'DH', 'HD', 'ry', 'yr', 'km', 'mk', 'bv', 'vb', 'dh', 'hd']) {
  COMPLEMENT[a!.charCodeAt(0)] = b!.charCodeAt(0)
}

/** Reverse complement, keeping case; N stays N and IUPAC codes map to their complements (S, W stay). */
export function reverseComplement(seq: string): string {
  const n = seq.length
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[n - 1 - i] = COMPLEMENT[seq.charCodeAt(i)]!
  return Buffer.from(out.buffer, out.byteOffset, n).toString('latin1')
}

/** Number of bases in seq that are not A/C/G/T (either case): N and other ambiguity codes. */
export function countAmbiguous(seq: string): number {
  let n = 0
  for (let i = 0; i < seq.length; i++) {
    switch (seq.charCodeAt(i)) {
      case 65: case 67: case 71: case 84: case 97: case 99: case 103: case 116:
        break
      default:
        n++
    }
  }
  return n
}
