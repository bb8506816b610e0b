import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {denseModel} from '../src/model/onnx-writer.js'
import {applyHead, trainHead} from '../src/pipeline/head.js'
import type {Example} from '../src/io/labels.js'
import {splitExamples} from '../src/pipeline/trainhead.js'
import {auroc, curves} from '../src/pipeline/metrics.js'
import {genomeSeq, grover, oneLine, rng, ROOT, tmp, PY, pyHas} from './helpers/util.js'

const has = pyHas
const needSk = has('sklearn') ? {} : {skip: 'Debian python3-sklearn not installed'}
const needOnnx = has('onnx') ? {} : {skip: 'Debian python3-onnx not installed'}
const CTCF = join(ROOT, 'data', 'ctcf')
const TINY_MLM = join(ROOT, 'test', 'fixtures', 'tiny-mlm')

/** Synthetic features: the label shifts a few dimensions. */
function synthetic(n: number, H: number, seed: number) {
  const r = rng(seed)
  const X = new Float32Array(n * H)
  const y = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    y[i] = r() < 0.3 ? 1 : 0 // imbalanced: class weights matter
    for (let j = 0; j < H; j++) X[i * H + j] = (r() - 0.5) * 4 + (j < 3 && y[i] ? 1.5 : 0) + 10 * (j % 5) // offsets: standardisation matters
  }
  return {X, y}
}

describe('train-head split', () => {
  const ex = (chroms: string[], per: number[]): Example[] =>
    chroms.flatMap((chrom, i) => Array.from({length: per[i]!}, (_, k) => ({name: `${chrom}_${k}`, chrom, seq: 'ACGT', label: (k % 2) as 0 | 1})))
  it('by chromosome: whole chromosomes go to validation until they hold at least 20%, and one stays for training', async () => {
    const e = ex(['chr1', 'chr2', 'chr3', 'chr4', 'chr5'], [50, 40, 30, 20, 10])
    for (const seed of [1, 2, 3, 4]) {
      const {parts, how} = await splitExamples(e, {seed})
      const valid = new Set(e.filter((_, i) => parts[i] === 'valid').map((x) => x.chrom))
      const train = new Set(e.filter((_, i) => parts[i] === 'train').map((x) => x.chrom))
      assert.equal([...valid].filter((c) => train.has(c)).length, 0, 'no chromosome on both sides')
      assert.ok(train.size >= 1 && valid.size >= 1)
      assert.ok(parts.filter((p) => p === 'valid').length >= 0.2 * e.length)
      assert.deepEqual(how.replace(/^by chromosome: validation on /, '').split(', ').sort(), [...valid].sort())
      assert.deepEqual((await splitExamples(e, {seed})).parts, parts, 'the same seed gives the same split')
    }
    const two = ex(['chr1', 'chr2'], [5, 95])
    const {parts} = await splitExamples(two, {seed: 7})
    assert.ok(parts.includes('train') && parts.includes('valid'), 'with two chromosomes one is kept for training even below 20%')
  })
  it('one chromosome or FASTA inputs: a seeded random 80/20', async () => {
    const e = ex(['chr1'], [2000])
    const a = await splitExamples(e, {seed: 42})
    const share = a.parts.filter((p) => p === 'valid').length / e.length
    assert.ok(share > 0.17 && share < 0.23, `validation share ${share}`)
    assert.deepEqual((await splitExamples(e, {seed: 42})).parts, a.parts)
    assert.notDeepEqual((await splitExamples(e, {seed: 43})).parts, a.parts)
  })
  it('--split FILE: its name/split columns, checked row by row', async () => {
    const e = ex(['chr1'], [3])
    const f = join(tmp(), 'split.tsv')
    writeFileSync(f, 'split\tname\ntest\tchr1_0\ntrain\tchr1_1\r\nvalid\tchr1_2\n')
    assert.deepEqual((await splitExamples(e, {seed: 1, split: f})).parts, ['test', 'train', 'valid'])
    writeFileSync(f, 'name\tsplit\nchr1_0\ttest\nchr1_1\tvalidation\n')
    await assert.rejects(splitExamples(e, {seed: 1, split: f}), /split.tsv:3: split "validation" is not train, valid or test/)
    writeFileSync(f, 'name\tsplit\nchr1_0\ttest\nchr1_1\ttrain\n')
    await assert.rejects(splitExamples(e, {seed: 1, split: f}), /no split for "chr1_2"/)
    writeFileSync(f, 'id\tpart\nchr1_0\ttest\n')
    await assert.rejects(splitExamples(e, {seed: 1, split: f}), /split.tsv:1: a split file needs a header with "name" and "split"/)
  })
})

describe('trainHead epochs', () => {
  it('reports every epoch it ran, also when early stopping ends the training', async () => {
    const {trainHead} = await import('../src/pipeline/head.js')
    // labels that no feature predicts: the validation loss stops improving early and patience stops it
    const r = rng(5)
    const X = Float32Array.from({length: 300 * 4}, () => r())
    const y = Uint8Array.from({length: 300}, () => (r() < 0.5 ? 1 : 0))
    const o = {kind: 'logistic' as const, hidden: 4, l2: 1e-3, lr: 0.05, maxEpochs: 400, patience: 5, seed: 1}
    const h = trainHead(X.subarray(0, 200 * 4), y.subarray(0, 200), X.subarray(200 * 4), y.subarray(200), 4, o)
    assert.ok(h.epochs < o.maxEpochs, 'stopped early')
    assert.equal(h.epochs, h.bestEpoch + o.patience, 'stops the patience-th epoch after the best one, and counts it')
    const full = trainHead(X.subarray(0, 200 * 4), y.subarray(0, 200), X.subarray(200 * 4), y.subarray(200), 4, {...o, maxEpochs: 3, patience: 100})
    assert.equal(full.epochs, 3)
  })
})

describe('head training and the ONNX head', () => {
  it('the ONNX graph written in TypeScript computes what the trained head computes (onnxruntime-node)', async () => {
    const {X, y} = synthetic(300, 12, 1)
    for (const kind of ['logistic', 'mlp'] as const) {
      const h = trainHead(X.subarray(0, 200 * 12), y.subarray(0, 200), X.subarray(200 * 12), y.subarray(200), 12, {kind, hidden: 8, l2: 1e-3, lr: 0.01, maxEpochs: 500, patience: 30, seed: 3})
      const path = join(tmp(), `${kind}.onnx`)
      writeFileSync(path, denseModel(h.layers, 'pooled', 'logits'))
      const ort = await import('onnxruntime-node')
      const s = await ort.InferenceSession.create(path)
      const out = await s.run({pooled: new ort.Tensor('float32', X, [300, 12])})
      const logits = out.logits!.data as Float32Array
      const want = applyHead(h.layers, X, 300)
      for (let i = 0; i < 300; i++) {
        const p = 1 / (1 + Math.exp(logits[2 * i]! - logits[2 * i + 1]!))
        assert.ok(Math.abs(p - want[i]!) < 1e-5, `${kind} row ${i}: ${p} vs ${want[i]}`)
      }
      await s.release()
      const valid = applyHead(h.layers, X.subarray(200 * 12), 100)
      assert.ok(auroc(curves(y.subarray(200), valid)) > 0.8, `${kind} learns the signal`)
    }
  })

  it('the ONNX file passes the onnx package\'s checker', needOnnx, () => {
    const path = join(tmp(), 'h.onnx')
    writeFileSync(path, denseModel([{weight: new Float32Array(6), bias: new Float32Array(3), inputs: 2, outputs: 3, relu: true}, {weight: new Float32Array(6), bias: new Float32Array(2), inputs: 3, outputs: 2}], 'pooled', 'logits'))
    const out = execFileSync(PY, ['-c', `import onnx; m = onnx.load(${JSON.stringify(path)}); onnx.checker.check_model(m, full_check=True); print([n.op_type for n in m.graph.node], m.opset_import[0].version)`], {encoding: 'utf8'})
    assert.equal(out.trim(), "['Gemm', 'Relu', 'Gemm'] 14")
  })
})

describe('grover train-head', () => {
  const cache = tmp()
  const out = join(tmp(), 'ctcf-head')

  it('on the CTCF set with grover-mini: a bundle that predict and evaluate reproduce, and a logistic fit like scikit-learn\'s', needSk, async () => {
    const r = await grover(['train-head', '-q', '--positives', join(CTCF, 'ctcf_bound.fa'), '--negatives', join(CTCF, 'ctcf_unbound.fa'), '--split', join(CTCF, 'split.tsv'), '--out', out, '--cache', cache])
    assert.equal(r.code, 0, r.stderr)
    const res = JSON.parse(r.stdout)
    assert.deepEqual(res.examples, {train: 2800, valid: 600, test: 600, skipped: 0})
    assert.equal(res.cached, false)
    const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
    assert.equal(meta.task, 'classification')
    assert.equal(meta.onnx.head.file, 'head.onnx')
    assert.equal(meta.provenance.split.file, 'split.tsv')
    assert.match(meta.provenance.positives.sha256, /^[0-9a-f]{64}$/)
    // the bundle through grover predict + evaluate gives the test metrics train-head reported
    const d = tmp()
    execFileSync(PY, [join(ROOT, 'scripts', 'data', 'ctcf_test_set.py'), d], {stdio: 'ignore'})
    const p = await grover(['predict', join(d, 'test.fa'), '--model', out, '--window', '1000', '--stride', '1000', '--threshold', '0', '-f', 'tsv', '-q', '-o', join(d, 's.tsv')])
    assert.equal(p.code, 0, p.stderr)
    const e = JSON.parse((await grover(['evaluate', join(d, 's.tsv'), '--truth', join(d, 'bound.bed'), '--model', out, '--json'])).stdout)
    assert.ok(Math.abs(e.auroc - res.metrics.test.auroc) < 1e-3, `${e.auroc} vs ${res.metrics.test.auroc}`)
    assert.ok(Math.abs(e.mcc - res.metrics.test.mcc) < 1e-3, `${e.mcc} vs ${res.metrics.test.mcc}`)
    // scikit-learn's balanced logistic regression on the very embeddings (read from the cache)
    const f32 = readdirSync(cache).find((f) => f.endsWith('.f32'))!
    const sk = JSON.parse(execFileSync(PY, ['-c', `
import json, numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score
meta = json.load(open(${JSON.stringify(join(cache, f32.replace('.f32', '.json')))}))
X = np.fromfile(${JSON.stringify(join(cache, f32))}, dtype=np.float32).reshape(meta["n"], meta["hidden"])
names, split = [], {}
for fa, lab in (("ctcf_bound.fa", 1), ("ctcf_unbound.fa", 0)):
    for line in open(${JSON.stringify(CTCF)} + "/" + fa):
        if line.startswith(">"): names.append((line[1:].split()[0], lab))
for line in open(${JSON.stringify(join(CTCF, 'split.tsv'))}).read().split("\\n")[1:]:
    if line: f = line.split("\\t"); split[f[0]] = f[2]
n = len(names)
y = np.array([l for _, l in names])
idx = lambda s: np.array([i for i, (nm, _) in enumerate(names) if split[nm] == s])
tr, te = idx("train"), idx("test")
sc = StandardScaler().fit(np.vstack([X[tr], X[tr + n]]))
m = LogisticRegression(class_weight="balanced", C=0.05, max_iter=5000).fit(sc.transform(np.vstack([X[tr], X[tr + n]])), np.concatenate([y[tr], y[tr]]))
p = (m.predict_proba(sc.transform(X[te]))[:, 1] + m.predict_proba(sc.transform(X[te + n]))[:, 1]) / 2
print(json.dumps({"auroc": roc_auc_score(y[te], p)}))`], {encoding: 'utf8'}))
    assert.ok(Math.abs(sk.auroc - res.metrics.test.auroc) < 0.03, `grover ${res.metrics.test.auroc} vs scikit-learn ${sk.auroc}`)
  })

  it('a second run takes the embeddings from the cache', async () => {
    const r = await grover(['train-head', '--positives', join(CTCF, 'ctcf_bound.fa'), '--negatives', join(CTCF, 'ctcf_unbound.fa'), '--split', join(CTCF, 'split.tsv'), '--out', out, '--force', '--cache', cache])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /embedded with grover-mini \(from the cache\)/)
    assert.equal(JSON.parse(r.stdout).cached, true)
  })

  it('BED labels on a genome with two chromosomes: validation by chromosome, label column, MLP head', async () => {
    const d = tmp()
    const seq = genomeSeq()
    const fa = join(d, 'g.fa')
    writeFileSync(fa, `>chrA\n${seq.slice(0, 300_000).match(/.{1,60}/g)!.join('\n')}\n>chrB\n${seq.slice(600_000, 900_000).match(/.{1,60}/g)!.join('\n')}\n`)
    // label: GC-rich 500-bp regions (a learnable, real property of the sequence)
    const lines: string[] = []
    for (const [c, off] of [['chrA', 0], ['chrB', 600_000]] as const) {
      for (let s = 0; s + 500 <= 300_000; s += 2500) {
        const part = seq.slice(off + s, off + s + 500)
        const gc = (part.match(/[GC]/g) ?? []).length / 500
        lines.push(`${c}\t${s}\t${s + 500}\tr${c}${s}\t${gc > 0.45 ? 'gc' : 'at'}`)
      }
    }
    writeFileSync(join(d, 'labels.bed'), lines.join('\n') + '\n')
    const r = await grover(['train-head', fa, '-q', '--model', TINY_MLM, '--labels', join(d, 'labels.bed'), '--positive-label', 'gc', '--head', 'mlp', '--hidden', '8', '--out', join(d, 'gc-head'), '--cache', join(d, 'cache')])
    assert.equal(r.code, 0, r.stderr)
    const res = JSON.parse(r.stdout)
    assert.match(res.split, /^by chromosome: validation on chr[AB]$/)
    assert.equal(res.examples.test, 0)
    assert.ok(res.metrics.valid.auroc > 0.6, `valid AUROC ${res.metrics.valid.auroc}`)
    const p = await grover(['predict', fa, '--model', join(d, 'gc-head'), '-r', 'chrA:1-5000', '--threshold', '0', '-q'])
    assert.equal(p.code, 0, p.stderr)
    assert.equal(p.stdout.trim().split('\n').length, 46, '500-bp windows every 100 bp (the head bundle\'s own window and stride)')
  })

  it('clear errors: --out not empty, one class only, BED without a FASTA, bad label', async () => {
    const d = tmp()
    writeFileSync(join(d, 'x'), '')
    const a = await grover(['train-head', '--positives', join(CTCF, 'ctcf_bound.fa'), '--negatives', join(CTCF, 'ctcf_unbound.fa'), '--out', d])
    assert.equal(a.code, 2)
    assert.match(oneLine(a.stderr), /exists and is not empty\. Choose another folder, or replace it with --force/)
    const b = await grover(['train-head', '--positives', join(CTCF, 'ctcf_bound.fa'), '--negatives', join(CTCF, 'ctcf_bound.fa'), '--out', join(d, 'o'), '--model', TINY_MLM, '--cache', join(d, 'c')])
    assert.equal(b.code, 0, 'the same file as both classes is allowed (labels come from the flag)')
    writeFileSync(join(d, 'l.bed'), 'chr22_20M\t0\t500\tx\t1\n')
    const c = await grover(['train-head', '--labels', join(d, 'l.bed'), '--out', join(d, 'o2')])
    assert.match(oneLine(c.stderr), /l\.bed is a BED file: give the genome FASTA/)
    writeFileSync(join(d, 'm.bed'), 'chr22_20M\t0\t500\tx\tmaybe\n')
    const e = await grover(['train-head', join(ROOT, 'data', 'chr22_20M.fa'), '--labels', join(d, 'm.bed'), '--out', join(d, 'o3')])
    assert.match(oneLine(e.stderr), /m\.bed:1: label "maybe" is neither 1 nor 0\. .*--positive-label NAME/)
  })
})
