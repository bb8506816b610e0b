import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'

import fc from 'fast-check'

import {Fasta} from '../src/io/fasta.js'
import type {Region} from '../src/io/regions.js'
import {loadBundle, type Bundle} from '../src/model/bundle.js'
import {ModelSession, padBatch} from '../src/model/session.js'
import {batchWindows} from '../src/pipeline/batches.js'
import type {Strand} from '../src/dna.js'
import {blockWindows, scanBatches, scoreScanBatch, WindowPool} from '../src/pipeline/chunks.js'
import {softmax} from '../src/pipeline/logits.js'
import {keepBlocks, plan, withSequence} from '../src/pipeline/windows.js'
import {ROOT, rng, tmp} from './helpers/util.js'

const SCAN = join(ROOT, 'test', 'fixtures', 'tiny-scan')
const CTCF = join(ROOT, 'models', 'ctcf')

describe('window pooling (block-maxima max, prefix-sum mean)', () => {
  it('equals the direct max and mean of every window, whatever the window length and spacing', () => {
    fc.assert(fc.property(fc.integer({min: 1, max: 300}), fc.integer({min: 1, max: 4}), fc.integer({min: 1, max: 60}), fc.integer({min: 0, max: 10_000}),
      (P, C, nSpans, seed) => {
        const r = rng(seed)
        const row = Float32Array.from({length: C * P}, () => (r() < 0.3 ? 0 : r() * 5))
        const R = 1 + Math.floor(r() * 5)
        const center = R + Math.floor(r() * P)
        // windows [first feature position, length in bp]: a window of L bp has L − R + 1 positions
        const wins: Array<[number, number]> = Array.from({length: nSpans}, () => {
          const n = 1 + Math.floor(r() * P)
          return [Math.floor(r() * (P - n + 1)), n + R - 1]
        })
        const specs = [{op: 'max' as const}, {op: 'mean' as const}, {op: 'max' as const, center}, {op: 'mean' as const, center}]
        const W = specs.length * C
        const out = new Float32Array(nSpans * W)
        new WindowPool(specs, C, R).run(row, P, wins, out, 0, W)
        return wins.every(([first, L], j) => specs.every((spec, si) => {
          const cut = spec.center !== undefined && L > spec.center
          const from = cut ? first + Math.floor((L - spec.center!) / 2) : first
          const n = cut ? spec.center! - R + 1 : L - R + 1
          for (let c = 0; c < C; c++) {
            const f = row.subarray(c * P + from, c * P + from + n)
            const want = spec.op === 'max' ? Math.max(...f) : f.reduce((a, b) => a + b, 0) / n
            const got = out[j * W + si * C + c]!
            if (spec.op === 'max' ? got !== want : Math.abs(got - want) > 1e-5 * Math.max(1, want)) return false
          }
          return true
        }))
      }), {numRuns: 400, seed: 3})
  })
})

/** Window-by-window probabilities of the positive label (model.onnx) and chunked ones (trunk → pool → head). */
async function both(bundle: Bundle, session: ModelSession, fasta: Fasta, regions: Region[], window: number, stride: number, block: number, strands: Strand[], maxN: number) {
  const pos = bundle.positiveIndex
  const byWindow = new Map<string, number[]>()
  const countsW = {windows: 0, skippedN: 0, skippedLong: 0}
  const batches = batchWindows(withSequence(fasta, plan(regions, window, stride)), {tokenizer: bundle.tokenizer, strands, maxTokens: bundle.meta.max_tokens, maxN, batchSize: 7}, countsW)
  for await (const b of batches) {
    const out = await session.run(padBatch(b.rows, bundle.tokenizer.roleId('pad')), 'logits')
    b.windows.forEach((w, i) => byWindow.set(`${w.chrom}:${w.start}-${w.end}`, strands.map((_, k) => softmax(out.data, (i * b.per + k) * 2, 2)[pos]!)))
  }
  const byChunk = new Map<string, number[]>()
  const countsC = {windows: 0, skippedN: 0, skippedLong: 0}
  const scan = bundle.meta.onnx.scan!
  for await (const b of scanBatches(fasta, keepBlocks(plan(regions, window, stride), block, () => true), {strands, maxN, blockWindows: block, minLength: bundle.meta.onnx.min_length!, maxBatchBp: 3000}, countsC)) {
    const out = await scoreScanBatch(b, strands, scan, bundle.meta.onnx.min_length!, {
      trunk: (c, rows, len) => session.runTrunk(c, rows, len), head: (p, rows, width) => session.runHead(p, rows, width),
    })
    b.windows.forEach((w, i) => byChunk.set(`${w.chrom}:${w.start}-${w.end}`, strands.map((_, k) => softmax(out.data, (i * b.per + k) * 2, 2)[pos]!)))
  }
  return {byWindow, byChunk, countsW, countsC}
}

describe('fully convolutional scanning equals window-by-window scoring', () => {
  let dir: string
  let fasta: Fasta
  const lengths: number[] = []
  before(async () => {
    dir = tmp()
    const r = rng(11)
    const lines: string[] = []
    for (let i = 0; i < 6; i++) {
      const len = [37, 300, 1500, 4100, 9000, 2][i]!
      lengths.push(len)
      let s = Array.from({length: len}, () => 'ACGT'[Math.floor(r() * 4)]).join('')
      // N runs: a short one, and one long enough to skip windows
      if (len > 1000) s = s.slice(0, 400) + 'N'.repeat(30) + s.slice(430, 1100) + 'N'.repeat(700) + s.slice(1800)
      lines.push(`>s${i}`, ...(s.match(/.{1,60}/g) ?? []))
    }
    writeFileSync(join(dir, 'g.fa'), lines.join('\n') + '\n')
    fasta = await Fasta.open(join(dir, 'g.fa'))
  })

  it('property: random windows, strides, regions, chunk blocks, N runs and sequence ends (max |Δ| ≤ 1e-5)', async () => {
    const bundle = await loadBundle(SCAN)
    const session = await ModelSession.open(bundle, {scan: true})
    try {
      const cases = fc.sample(fc.record({
        window: fc.oneof(fc.integer({min: 1, max: 120}), fc.integer({min: 120, max: 1200})), strideFrac: fc.double({min: 0.01, max: 1, noNaN: true}), block: fc.integer({min: 1, max: 40}),
        strand: fc.constantFrom<Strand[]>(['+', '-'], ['+'], ['-']), maxN: fc.constantFrom(0.5, 0.1, 1),
        regions: fc.array(fc.record({seq: fc.integer({min: 0, max: 5}), a: fc.double({min: 0, max: 1, noNaN: true}), b: fc.double({min: 0, max: 1, noNaN: true})}), {minLength: 1, maxLength: 3}),
      }), {numRuns: 120, seed: 5})
      let worst = 0
      let windows = 0
      for (const c of cases) {
        const stride = Math.max(1, Math.round(c.window * c.strideFrac))
        const regions = c.regions.map((x) => {
          const len = lengths[x.seq]!
          const [a, b] = [Math.floor(Math.min(x.a, x.b) * len), Math.ceil(Math.max(x.a, x.b) * len)]
          return {chrom: `s${x.seq}`, start: a, end: Math.max(b, Math.min(len, a + 1))}
        }).sort((p, q) => (p.chrom < q.chrom ? -1 : p.chrom > q.chrom ? 1 : p.start - q.start))
        // non-overlapping, as selectRegions makes them
        const merged: Region[] = []
        for (const r of regions) {
          const last = merged[merged.length - 1]
          if (last && last.chrom === r.chrom && r.start <= last.end) last.end = Math.max(last.end, r.end)
          else merged.push({...r})
        }
        const {byWindow, byChunk, countsW, countsC} = await both(bundle, session, fasta, merged, c.window, stride, c.block, c.strand, c.maxN)
        assert.deepEqual(countsC, countsW, `window counts, case ${JSON.stringify(c)}`)
        assert.deepEqual([...byChunk.keys()], [...byWindow.keys()], 'the same windows, in the same order')
        for (const [k, v] of byWindow) {
          const got = byChunk.get(k)!
          v.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - got[i]!))))
        }
        windows += byWindow.size
      }
      assert.ok(windows > 1000, `enough windows compared (${windows})`)
      assert.ok(worst <= 1e-5, `max |Δ| ${worst}`)
    } finally {
      await session.release()
    }
  })

  it('the last window of a region, ending exactly at its end off the stride grid, is scored', async () => {
    const bundle = await loadBundle(SCAN)
    const session = await ModelSession.open(bundle, {scan: true})
    try {
      // s3 is 4,100 bp: windows of 1000 every 300 end at 1000 … 4000, then one more ends at 4100
      const {byChunk} = await both(bundle, session, fasta, [{chrom: 's3', start: 0, end: 4100}], 1000, 300, 4, ['+', '-'], 1)
      assert.ok(byChunk.has('s3:3100-4100'), [...byChunk.keys()].join(' '))
      assert.ok(byChunk.has('s3:3000-4000'))
    } finally {
      await session.release()
    }
  })

  it('the shipped ctcf model: chunked = windowed on real chr22 windows, every stride and chunk size', async () => {
    const bundle = await loadBundle(CTCF)
    const session = await ModelSession.open(bundle, {scan: true})
    const chr22 = await Fasta.open(join(ROOT, 'data', 'chr22_20M.fa'))
    try {
      let worst = 0
      for (const [window, stride, block, start] of [[1000, 200, blockWindows(1000, 200), 0], [1000, 37, 50, 498_000], [200, 200, 9, 12_345], [150, 1, 300, 700_000]] as const) {
        const regions = [{chrom: 'chr22_20M', start, end: start + 12_000}]
        const {byWindow, byChunk} = await both(bundle, session, chr22, regions, window, stride, block, ['+', '-'], 0.5)
        assert.equal(byChunk.size, byWindow.size)
        for (const [k, v] of byWindow) v.forEach((p, i) => (worst = Math.max(worst, Math.abs(p - byChunk.get(k)![i]!))))
      }
      assert.ok(worst <= 1e-5, `max |Δ| ${worst}`)
    } finally {
      await session.release()
    }
  })
})
