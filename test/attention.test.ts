import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, ROOT, TINY} from './helpers/util.js'

const MLM = join(ROOT, 'test', 'fixtures', 'tiny-mlm')
const ref = (JSON.parse(readFileSync(join(MLM, 'reference.json'), 'utf8')) as {attention: {region: [number, number]; weights: number[][][][]; mean_received: number[]}}).attention
const REGION = `chr22_20M:${ref.region[0] + 1}-${ref.region[1]}`

describe('grover attention vs PyTorch on the masked-LM fixture', () => {
  it('TSV: every layer, head and token pair, weights equal PyTorch\'s (±1e-5), rows sum to 1', async () => {
    const r = await grover(['attention', GENOME, REGION, '--model', MLM])
    assert.equal(r.code, 0, r.stderr)
    const rows = r.stdout.trim().split('\n')
    assert.equal(rows[0], 'layer\thead\tfrom\tto\tfrom_token\tto_token\tfrom_start\tfrom_end\tto_start\tto_end\tweight')
    const L = ref.weights.length
    const H = ref.weights[0]!.length
    const T = ref.weights[0]![0]!.length
    assert.equal(rows.length - 1, L * H * T * T)
    const sums = new Map<string, number>()
    for (const l of rows.slice(1)) {
      const f = l.split('\t')
      const [layer, head, from, to] = f.slice(0, 4).map(Number) as [number, number, number, number]
      const w = Number(f[10])
      assert.ok(Math.abs(w - ref.weights[layer]![head]![from]![to]!) <= 1e-5 + 1e-4 * w)
      sums.set(`${layer}/${head}/${from}`, (sums.get(`${layer}/${head}/${from}`) ?? 0) + w)
    }
    for (const v of sums.values()) assert.ok(Math.abs(v - 1) < 1e-3)
  })

  it('--layer/--head select one matrix; JSON carries tokens, genome offsets and weights', async () => {
    const r = await grover(['attention', GENOME, REGION, '--model', MLM, '--format', 'json', '--layer', '1', '--head', '0'])
    const j = JSON.parse(r.stdout)
    assert.deepEqual([j.layers, j.heads], [[1], [0]])
    assert.equal(j.tokens[0], '[CLS]')
    assert.equal(j.offsets[0], null)
    assert.deepEqual(j.offsets[1], [0, j.tokens[1].length])
    j.attentions[0][0].forEach((row: number[], i: number) => row.forEach((w, k) => assert.ok(Math.abs(w - ref.weights[1]![0]![i]![k]!) <= 1e-5 + 1e-4 * w)))
  })

  it('bedGraph: mean attention received per token over its bases', async () => {
    const r = await grover(['attention', GENOME, REGION, '--model', MLM, '--format', 'bedgraph'])
    const rows = r.stdout.trim().split('\n').map((l) => l.split('\t'))
    const T = ref.mean_received.length
    assert.equal(rows.length, T - 2) // [CLS] and [SEP] have no bases
    let pos = ref.region[0]
    rows.forEach((f, k) => {
      assert.deepEqual([f[0], Number(f[1])], ['chr22_20M', pos])
      pos = Number(f[2])
      assert.ok(Math.abs(Number(f[3]) - ref.mean_received[k + 1]!) <= 1e-5)
    })
    assert.equal(pos, ref.region[1])
  })

  it('a bundle without an attention graph and out-of-range selections are clear errors', async () => {
    const a = await grover(['attention', GENOME, REGION, '--model', TINY])
    assert.equal(a.code, 2)
    assert.match(a.stderr.replace(/\s*\n\s*›\s*/g, ' '), /has no attention graph .*--attentions/)
    const b = await grover(['attention', GENOME, REGION, '--model', MLM, '--layer', '7'])
    assert.equal(b.code, 2)
    assert.match(b.stderr, /--layer 7 is out of range: the model has 2/)
  })
})
