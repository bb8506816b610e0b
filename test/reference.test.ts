import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, ROOT, sh, TINY, tmp} from './helpers/util.js'

/**
 * grover's ONNX path against PyTorch on the same weights: the reference numbers were computed by
 * scripts/fixtures/fixture_reference.py (committed JSON); the last test re-runs it when torch is installed.
 */
interface Ref {
  predict: Array<{chrom: string; start: number; end: number; plus: number; minus: number}>
  embed: Array<{chrom: string; start: number; end: number; cls: number[]; mean: number[]}>
}
const REF_PATH = join(TINY, 'reference.json')
const ref = JSON.parse(readFileSync(REF_PATH, 'utf8')) as Ref
interface MlmRef {
  fill: {sequence: string; masks: Array<Array<{id: number; token: string; p: number}>>}
  track: Array<{start: number; end: number; p: number}>
}
const MLM = join(ROOT, 'test', 'fixtures', 'tiny-mlm')
const mlmRef = JSON.parse(readFileSync(join(MLM, 'reference.json'), 'utf8')) as MlmRef
const hasTorch = (await sh('/usr/bin/python3', ['-c', 'import torch'])).code === 0

describe('grover vs PyTorch on the fixture model', () => {
  it('predict: per-strand probabilities of every window equal PyTorch\'s (±1e-4)', async () => {
    const r = await grover(['predict', GENOME, '--model', TINY, '--region', 'chr22_20M:1-5000', '--format', 'tsv', '-q', '--batch-size', '3'])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
    assert.equal(rows.length, ref.predict.length)
    rows.forEach((f, i) => {
      const e = ref.predict[i]!
      assert.deepEqual([f[0], Number(f[1]), Number(f[2])], [e.chrom, e.start, e.end])
      assert.ok(Math.abs(Number(f[5]) - e.plus) <= 1e-4, `plus ${f[5]} vs ${e.plus}`)
      assert.ok(Math.abs(Number(f[6]) - e.minus) <= 1e-4, `minus ${f[6]} vs ${e.minus}`)
      assert.ok(Math.abs(Number(f[3]) - (e.plus + e.minus) / 2) <= 1e-4)
    })
  })

  for (const pool of ['mean', 'cls'] as const) {
    it(`embed --pool ${pool}: vectors equal PyTorch's (±1e-4), padded in one batch`, async () => {
      const args = ref.embed.flatMap((e) => ['--region', `${e.chrom}:${e.start + 1}-${e.end}`])
      const r = await grover(['embed', GENOME, '--model', TINY, ...args, '--pool', pool, '-q'])
      assert.equal(r.code, 0, r.stderr)
      const rows = r.stdout.trim().split('\n')
      assert.equal(rows[0]!.split('\t').length, 3 + ref.embed[0]!.cls.length)
      rows.slice(1).forEach((l, i) => {
        const f = l.split('\t')
        const e = ref.embed[i]!
        assert.deepEqual([f[0], Number(f[1]), Number(f[2])], [e.chrom, e.start, e.end])
        const v = f.slice(3).map(Number)
        const want = e[pool]
        const worst = Math.max(...v.map((x, j) => Math.abs(x - want[j]!)))
        assert.ok(worst <= 1e-4, `max |Δ| ${worst}`)
      })
    })
  }

  it('embed --npy writes the same vectors as float32 and the row order as BED', async () => {
    const d = tmp()
    const npy = join(d, 'e.npy')
    const args = ref.embed.flatMap((e) => ['--region', `${e.chrom}:${e.start + 1}-${e.end}`])
    const r = await grover(['embed', GENOME, '--model', TINY, ...args, '--npy', npy, '-q'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n'), ref.embed.map((e) => `${e.chrom}\t${e.start}\t${e.end}`))
    const buf = readFileSync(npy)
    assert.equal(buf.subarray(0, 6).toString('latin1'), '\x93NUMPY')
    const hlen = buf.readUInt16LE(8)
    assert.match(buf.subarray(10, 10 + hlen).toString('latin1'), /'descr': '<f4', 'fortran_order': False, 'shape': \(3, 32\)/)
    const data = new Float32Array(buf.buffer.slice(buf.byteOffset + 10 + hlen, buf.byteOffset + buf.length))
    assert.equal(data.length, 3 * 32)
    for (let i = 0; i < 3; i++) for (let j = 0; j < 32; j++) assert.ok(Math.abs(data[i * 32 + j]! - ref.embed[i]!.mean[j]!) <= 1e-4)
    const py = await sh('/usr/bin/python3', ['-c', `import numpy as np; a = np.load(${JSON.stringify(npy)}); print(a.shape, a.dtype)`])
    if (py.code === 0) assert.equal(py.stdout.trim(), '(3, 32) float32')
  })

  it('the committed reference is what scripts/fixtures/fixture_reference.py computes', {skip: hasTorch || process.env.CI ? false : 'python3-torch not installed'}, async () => {
    const d = tmp()
    const r = await sh('/usr/bin/python3', [join(ROOT, 'scripts', 'fixtures', 'fixture_reference.py'), d], {cwd: join(ROOT, 'scripts')})
    assert.equal(r.code, 0, r.stderr)
    const fresh = JSON.parse(readFileSync(join(d, 'tiny-ctcf.reference.json'), 'utf8')) as Ref
    const freshMlm = JSON.parse(readFileSync(join(d, 'tiny-mlm.reference.json'), 'utf8')) as MlmRef
    freshMlm.track.forEach((t, i) => assert.ok(Math.abs(t.p - mlmRef.track[i]!.p) < 1e-6))
    freshMlm.fill.masks.forEach((m, i) => m.forEach((c, j) => assert.ok(c.id === mlmRef.fill.masks[i]![j]!.id && Math.abs(c.p - mlmRef.fill.masks[i]![j]!.p) < 1e-6)))
    fresh.predict.forEach((w, i) => {
      assert.ok(Math.abs(w.plus - ref.predict[i]!.plus) < 1e-6 && Math.abs(w.minus - ref.predict[i]!.minus) < 1e-6)
    })
    fresh.embed.forEach((e, i) => e.mean.forEach((x, j) => assert.ok(Math.abs(x - ref.embed[i]!.mean[j]!) < 1e-6)))
  })
})

describe('grover fill vs PyTorch on the masked-LM fixture', () => {
  it('top-3 tokens and probabilities for each [MASK] of a sequence', async () => {
    const r = await grover(['fill', mlmRef.fill.sequence, '--model', MLM, '--top-k', '3'])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.trim().split('\n')
    assert.equal(rows[0], 'mask\trank\ttoken\tid\tprobability')
    const want = mlmRef.fill.masks.flatMap((m, i) => m.map((c, j) => [String(i + 1), String(j + 1), c.token, String(c.id), c.p] as const))
    assert.equal(rows.length - 1, want.length)
    rows.slice(1).forEach((l, i) => {
      const f = l.split('\t')
      assert.deepEqual(f.slice(0, 4), want[i]!.slice(0, 4))
      assert.ok(Math.abs(Number(f[4]) - want[i]![4]) <= 1e-4 * Math.max(1, want[i]![4]))
    })
  })

  it('--track: P(reference token) with each token masked alone, as bedGraph over its bases', async () => {
    const r = await grover(['fill', GENOME, '--model', MLM, '--region', 'chr22_20M:1-300', '--track', '--batch-size', '7'])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'))
    assert.equal(rows.length, mlmRef.track.length)
    rows.forEach((f, i) => {
      const e = mlmRef.track[i]!
      assert.deepEqual([f[0], Number(f[1]), Number(f[2])], ['chr22_20M', e.start, e.end])
      assert.ok(Math.abs(Number(f[3]) - e.p) <= 1e-3 * e.p + 1e-7, `${f[3]} vs ${e.p}`)
    })
  })

  it('--region with --mask-at masks the token covering the position', async () => {
    const r = await grover(['fill', GENOME, '--model', MLM, '--region', 'chr22_20M:1-300', '--mask-at', '50', '-k', '2'])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
    const cover = mlmRef.track.find((t) => t.start < 50 && 50 <= t.end)!
    assert.deepEqual(rows.map((f) => [f[0], Number(f[1]), Number(f[2]), f[4]]), [['chr22_20M', cover.start, cover.end, '1'], ['chr22_20M', cover.start, cover.end, '2']])
  })

  it('refuses a classifier bundle, a sequence without [MASK], and --mask-at outside the region', async () => {
    const a = await grover(['fill', 'ACGT[MASK]ACGT', '--model', TINY])
    assert.match(a.stderr.replace(/\s*\n\s*›\s*/g, ' '), /is a classification bundle; fill needs a masked-LM bundle/)
    const b = await grover(['fill', 'ACGTACGT', '--model', MLM])
    assert.match(b.stderr, /has no \[MASK\] token/)
    const c = await grover(['fill', GENOME, '--model', MLM, '--region', 'chr22_20M:1-300', '--mask-at', '301'])
    assert.match(c.stderr, /--mask-at 301 is outside --region/)
    for (const x of [a, b, c]) assert.equal(x.code, 2)
  })
})

describe('grover embed: tiling, skips and errors', () => {
  it('tiles the genome (or given regions with --window) and counts skipped windows', async () => {
    const r = await grover(['embed', GENOME, '--model', TINY, '--region', 'chr22_20M:1-5000', '--window', '1000', '--stride', '1000'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t').slice(0, 3).join(' ')), ['chr22_20M 0 1000', 'chr22_20M 1000 2000', 'chr22_20M 2000 3000', 'chr22_20M 3000 4000', 'chr22_20M 4000 5000'])
    assert.match(r.stderr, /grover embed: 5 vectors of 32 dimensions, 0 skipped/)
  })
  it('a region over the token limit is counted and explained; none left is an error', async () => {
    const r = await grover(['embed', GENOME, '--model', TINY, '--region', 'chr22_20M:1-60000'])
    assert.equal(r.code, 2)
    assert.match(r.stderr.replace(/\s*\n\s*›\s*/g, ' '), /no region could be embedded \(1 skipped \(1 over the model's token limit\)\)/)
    assert.match(r.stderr, /Give shorter regions, or tile them with --window 1000/)
  })
  it('an unwritable --npy path fails without leaving files', async () => {
    const r = await grover(['embed', GENOME, '--model', TINY, '--region', 'chr22_20M:1-1000', '--npy', '/nonexistent/e.npy'])
    assert.equal(r.code, 2)
    assert.match(r.stderr, /cannot write \/nonexistent\/e\.npy: ENOENT/)
  })
})
