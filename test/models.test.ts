import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, ROOT, tmp} from './helpers/util.js'

const MODELS = join(ROOT, 'models')
const meta = (name: string) => JSON.parse(readFileSync(join(MODELS, name, 'grover.json'), 'utf8'))

function readFasta(path: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const rec of readFileSync(path, 'utf8').split('>').slice(1)) {
    const [head, ...lines] = rec.split('\n')
    out.set(head!.split(/\s/)[0]!, lines.join(''))
  }
  return out
}

/** AUROC as the Mann-Whitney statistic, ties counted one half (what scikit-learn computes). */
function auroc(labels: number[], scores: number[]): number {
  let pos = 0
  let neg = 0
  let sum = 0
  labels.forEach((y, i) => {
    if (y !== 1) return
    pos++
    scores.forEach((s, j) => {
      if (labels[j] === 1) return
      sum += scores[i]! > s ? 1 : scores[i] === s ? 0.5 : 0
    })
  })
  labels.forEach((y) => (neg += y === 1 ? 0 : 1))
  return sum / (pos * neg)
}

describe('shipped models', () => {
  it('grover.json of each bundle has the keys users read (task, threshold, metrics, baseline, provenance)', () => {
    for (const name of ['ctcf', 'ctcf-lm']) assert.equal(meta(name).name, name)
    const c = meta('ctcf')
    assert.equal(c.task, 'classification')
    assert.equal(c.trained, true)
    assert.deepEqual([c.labels, c.positive_label], [['unbound', 'bound'], 'bound'])
    assert.ok(c.threshold > 0 && c.threshold < 1)
    for (const k of ['auroc', 'auprc', 'mcc']) {
      assert.equal(typeof c.metrics.test[k], 'number')
      assert.equal(typeof c.baseline.pwm.test[k], 'number')
    }
    const m = meta('grover-mini')
    assert.equal(m.task, 'masked-lm')
    assert.equal(typeof m.metrics.heldout.perplexity, 'number')
    assert.ok(m.metrics.heldout.perplexity < m.metrics.heldout.baseline_unigram.perplexity, 'beats token frequencies')
    assert.equal(m.onnx.attentions_file, 'model-attn.onnx')
  })

  const splitFasta = (set: string, prefix: string) => {
    const bound = readFasta(join(ROOT, 'data', set, `${prefix}_bound.fa`))
    const unbound = readFasta(join(ROOT, 'data', set, `${prefix}_unbound.fa`))
    const test = readFileSync(join(ROOT, 'data', set, 'split.tsv'), 'utf8').trim().split('\n').slice(1)
      .map((l) => l.split('\t')).filter((f) => f[2] === 'test')
    const fa = join(tmp(), 'test.fa')
    writeFileSync(fa, test.map(([name, label]) => `>${name}\n${(label === '1' ? bound : unbound).get(name!)}\n`).join(''))
    return {fa, test}
  }

  for (const [model, set, prefix, key, window] of [['ctcf', 'ctcf', 'ctcf', 'test', 1000], ['ctcf', 'ctcf200', 'ctcf200', 'test_200bp', 200], ['ctcf-lm', 'ctcf', 'ctcf', 'test', 1000]] as const) {
    it(`${model}: grover predict on the held-out ${set} test split reproduces the AUROC recorded at training (PyTorch)`, async () => {
      const {fa, test} = splitFasta(set, prefix)
      const r = await grover(['predict', fa, '--model', model, '--window', String(window), '--format', 'tsv', '--threshold', '0', '-q'])
      assert.equal(r.code, 0, r.stderr)
      const scores = new Map(r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')).map((f) => [f[0]!, Number(f[3])]))
      assert.equal(scores.size, test.length) // one window per sequence, none skipped
      const labels = test.map((f) => Number(f[1]))
      const got = auroc(labels, test.map((f) => scores.get(f[0]!)!))
      const want = meta(model).metrics[key].auroc
      assert.ok(Math.abs(got - want) <= 0.002, `grover ${got.toFixed(4)} vs training ${want}`)
    })
  }

  it('ctcf beats its named peers on both test splits (the numbers its card shows)', () => {
    const c = meta('ctcf')
    for (const key of ['test', 'test_200bp']) {
      for (const peer of ['pwm', 'deepbind_D00328.018', 'ctcf-lm']) assert.ok(c.metrics[key].auroc > c.baseline[peer][key].auroc, `${key}: ${peer}`)
    }
    assert.ok(c.metrics.test.auroc >= 0.92)
    assert.deepEqual([c.onnx.scan.trunk, c.onnx.scan.head, c.onnx.input_length, c.motif.file], ['trunk.onnx', 'head.onnx', 'any', 'MA0139.1.jaspar'])
  })

  it('prom300: grover.json keys, and predict + evaluate on its committed test split reproduce the recorded test AUROC/AUPRC', async () => {
    const p = meta('prom300')
    assert.deepEqual([p.task, p.trained, p.labels, p.positive_label, p.window], ['classification', true, ['non_promoter', 'promoter'], 'promoter', 300])
    for (const k of ['auroc', 'auprc', 'mcc']) {
      assert.equal(typeof p.metrics.test[k], 'number')
      assert.equal(typeof p.baseline.kmer_lr.test[k], 'number')
    }
    const d = tmp()
    const scores = join(d, 'scores.tsv')
    const r = await grover(['predict', join(ROOT, 'data', 'prom300', 'prom300_test.fa'), '--model', 'prom300', '--format', 'tsv', '--threshold', '0', '-q', '-o', scores])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(readFileSync(scores, 'utf8').trim().split('\n').length, 1 + 880) // one window per 300-bp sequence
    const e = await grover(['evaluate', scores, '--truth', join(ROOT, 'data', 'prom300', 'prom300_test.truth.bed'), '--model', 'prom300', '--json'])
    assert.equal(e.code, 0, e.stderr)
    const j = JSON.parse(e.stdout)
    assert.deepEqual([j.n, j.positives], [880, 440])
    assert.ok(Math.abs(j.auroc - p.metrics.test.auroc) <= 2e-3, `grover ${j.auroc} vs training ${p.metrics.test.auroc}`)
    assert.ok(Math.abs(j.auprc - p.metrics.test.auprc) <= 2e-3, `grover ${j.auprc} vs training ${p.metrics.test.auprc}`)
  })

  it('predict without --model uses ctcf', async () => {
    const r = await grover(['predict', GENOME, '--region', 'chr22_20M:1-5000', '--threshold', '0', '-q'])
    assert.equal(r.code, 0, r.stderr)
    assert.ok(r.stdout.trim().split('\n').every((l) => l.split('\t')[3] === 'ctcf'))
  })
})
