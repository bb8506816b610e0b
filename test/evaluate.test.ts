import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {BigWigWriter} from '../src/io/bigwig-writer.js'
import {prPlotPath} from '../src/pipeline/evaluate.js'
import {auroc, averagePrecision, bestF1, curves, mcc} from '../src/pipeline/metrics.js'
import {GENOME, grover, oneLine, rng, ROOT, tmp, PY, pyHas} from './helpers/util.js'

const hasSklearn = pyHas('sklearn, numpy')
const needSk = hasSklearn ? {} : {skip: 'Debian python3-sklearn not installed'}

/** scikit-learn's figures for one labelling: AUROC, AP, best F1 (argmax over its PR curve) and its threshold, MCC at t. */
function sklearn(cases: Array<{y: number[]; s: number[]; t: number}>): Array<{auroc: number | null; ap: number | null; f1: number | null; f1t: number | null; mcc: number}> {
  const code = `
import json, sys
import numpy as np
from sklearn.metrics import roc_auc_score, average_precision_score, precision_recall_curve, matthews_corrcoef
out = []
for c in json.load(sys.stdin):
    y, s = np.array(c["y"]), np.array(c["s"])
    r = {"mcc": float(matthews_corrcoef(y, s >= c["t"]))}
    if 0 < y.sum() < len(y):
        r["auroc"] = float(roc_auc_score(y, s))
    else:
        r["auroc"] = None
    if y.sum() > 0:
        r["ap"] = float(average_precision_score(y, s))
        p, rc, th = precision_recall_curve(y, s)
        f1 = np.where(p + rc > 0, 2 * p * rc / np.where(p + rc > 0, p + rc, 1), 0)[:-1]
        k = int(np.argmax(f1))
        r["f1"], r["f1t"] = float(f1[k]), float(th[k])
    else:
        r["ap"] = r["f1"] = r["f1t"] = None
    out.append(r)
print(json.dumps(out))`
  return JSON.parse(execFileSync(PY, ['-c', code], {input: JSON.stringify(cases), encoding: 'utf8', maxBuffer: 1 << 26}))
}

const close = (a: number | null, b: number | null, what: string) => {
  if (a === null || b === null || Number.isNaN(a as number)) return assert.ok((a === null || Number.isNaN(a)) && b === null, `${what}: ${a} vs ${b}`)
  assert.ok(Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`)
}

describe('metrics match scikit-learn, ties included', () => {
  it('on 300 random labellings with heavy ties, one-class cases and all-equal scores', needSk, () => {
    const r = rng(17)
    const cases = Array.from({length: 300}, (_, k) => {
      const n = 1 + Math.floor(r() * 80)
      const levels = k % 3 === 0 ? 3 : k % 3 === 1 ? 20 : 1000
      const bias = r()
      const y = Array.from({length: n}, () => (r() < bias ? 1 : 0))
      const s = y.map((v) => Math.round((v * 0.3 + r()) * levels) / levels)
      if (k === 5) s.fill(0.5)
      return {y, s, t: Math.round(r() * levels) / levels}
    })
    const want = sklearn(cases)
    cases.forEach((c, k) => {
      const cv = curves(c.y, c.s)
      close(auroc(cv), want[k]!.auroc, `case ${k} auroc`)
      close(averagePrecision(cv), want[k]!.ap, `case ${k} ap`)
      const f = bestF1(cv)
      if (want[k]!.f1 !== null) {
        close(f.f1, want[k]!.f1, `case ${k} f1`)
        close(f.threshold, want[k]!.f1t, `case ${k} f1 threshold`)
      }
      close(mcc(c.y, c.s, c.t), want[k]!.mcc, `case ${k} mcc`)
    })
  })
})

describe('grover evaluate', () => {
  const dir = tmp()
  // Predictions on two chromosomes with tied scores; truth peaks placed so the overlap rule decides labels.
  const r = rng(23)
  const preds: Array<{chrom: string; start: number; end: number; score: number}> = []
  for (const chrom of ['chrA', 'chrB']) for (let s = 0; s < 60_000; s += 500) preds.push({chrom, start: s, end: s + 1000, score: Math.round(r() * 20) / 20})
  const peaks: Array<[string, number, number]> = []
  for (let k = 0; k < 40; k++) {
    const chrom = k % 2 ? 'chrA' : 'chrB'
    const s = Math.floor(r() * 59_000)
    peaks.push([chrom, s, s + 1 + Math.floor(r() * 300)])
  }
  const bed = join(dir, 'pred.bed')
  writeFileSync(bed, preds.map((p) => `${p.chrom}\t${p.start}\t${p.end}\tctcf\t${p.score}\t+`).join('\n') + '\n')
  const truth = join(dir, 'truth.bed')
  writeFileSync(truth, 'track name=peaks\n' + peaks.map((p) => p.join('\t')).join('\n') + '\n')
  const label = (p: (typeof preds)[0], minOverlap: number) =>
    peaks.some(([c, s, e]) => c === p.chrom && Math.min(e, p.end) - Math.max(s, p.start) >= minOverlap) ? 1 : 0

  it('--json: overall figures at the top level and per chromosome, equal to scikit-learn on the same labels', needSk, async () => {
    for (const minOverlap of [1, 150]) {
      const res = await grover(['evaluate', bed, '--truth', truth, '--json', '--min-overlap', String(minOverlap)])
      assert.equal(res.code, 0, res.stderr)
      const j = JSON.parse(res.stdout)
      const t = JSON.parse(readFileSync(join(ROOT, 'models', 'ctcf', 'grover.json'), 'utf8')).threshold
      assert.equal(j.threshold, t, 'the BED names model ctcf, so its threshold is used')
      const y = preds.map((p) => label(p, minOverlap))
      const groups = [preds.map((_, i) => i), ...['chrA', 'chrB'].map((c) => preds.flatMap((p, i) => (p.chrom === c ? [i] : [])))]
      const want = sklearn(groups.map((g) => ({y: g.map((i) => y[i]!), s: g.map((i) => preds[i]!.score), t})))
      const got = [j, j.per_chrom.chrA, j.per_chrom.chrB]
      got.forEach((g, k) => {
        close(g.auroc, want[k]!.auroc, `auroc ${k}`)
        close(g.auprc, want[k]!.ap, `auprc ${k}`)
        close(g.best_f1, want[k]!.f1, `f1 ${k}`)
        close(g.best_f1_threshold, want[k]!.f1t, `f1 threshold ${k}`)
        close(g.mcc, want[k]!.mcc, `mcc ${k}`)
        assert.equal(g.n, groups[k]!.length)
        assert.equal(g.positives, groups[k]!.filter((i) => y[i]).length)
      })
    }
  })

  it('table on stdout: one row per chromosome and "all"; the same from bedGraph, TSV and bigWig input', async () => {
    const table = await grover(['evaluate', bed, '--truth', truth, '--threshold', '0.5'])
    assert.equal(table.code, 0, table.stderr)
    const rows = table.stdout.trim().split('\n').map((l) => l.split('\t'))
    assert.deepEqual(rows[0], ['chrom', 'n', 'positives', 'auroc', 'auprc', 'best_f1', 'best_f1_threshold', 'mcc'])
    assert.deepEqual(rows.slice(1).map((x) => x[0]), ['chrA', 'chrB', 'all'])
    const bg = join(dir, 'pred.bedGraph')
    writeFileSync(bg, preds.map((p) => `${p.chrom}\t${p.start}\t${p.end}\t${p.score}`).join('\n') + '\n')
    const tsv = join(dir, 'pred.tsv')
    writeFileSync(tsv, 'chrom\tstart\tend\tscore\tstrand\n' + preds.map((p) => `${p.chrom}\t${p.start}\t${p.end}\t${p.score}\t+`).join('\n') + '\n')
    for (const f of [bg, tsv]) {
      const other = await grover(['evaluate', f, '--truth', truth, '--threshold', '0.5'])
      assert.equal(other.stdout, table.stdout, f)
    }
    // bigWig: non-overlapping intervals only, so every other window
    const bw = join(dir, 'pred.bw')
    const w = new BigWigWriter(bw, [{name: 'chrA', size: 70_000}, {name: 'chrB', size: 70_000}])
    const half = preds.filter((_, i) => i % 2 === 0)
    for (const p of half) w.add(p.chrom, p.start, p.end, p.score)
    w.finish()
    const hb = join(dir, 'half.bed')
    writeFileSync(hb, half.map((p) => `${p.chrom}\t${p.start}\t${p.end}\tx\t${p.score}\t+`).join('\n') + '\n')
    const a = await grover(['evaluate', bw, '--truth', truth, '--threshold', '0.5', '--json'])
    const b = await grover(['evaluate', hb, '--truth', truth, '--threshold', '0.5', '--json'])
    assert.equal(a.code, 0, a.stderr)
    const ja = JSON.parse(a.stdout)
    const jb = JSON.parse(b.stdout)
    for (const k of ['n', 'positives', 'auroc', 'auprc', 'mcc']) assert.equal(ja[k], jb[k], k)
  })

  it('--truth-signal: stretches of a bigWig at least --min-signal are the peaks', async () => {
    const sig = join(dir, 'chip.bw')
    const w = new BigWigWriter(sig, [{name: 'chrA', size: 70_000}, {name: 'chrB', size: 70_000}])
    for (const c of ['chrA', 'chrB']) {
      const mine = peaks.filter((p) => p[0] === c).sort((x, y) => x[1] - y[1])
      let pos = 0
      for (const [, s, e] of mine) {
        if (s > pos) w.add(c, pos, s, 1)
        if (e > Math.max(s, pos)) w.add(c, Math.max(s, pos), e, 10)
        pos = Math.max(pos, e)
      }
      w.add(c, pos, 70_000, 1)
    }
    w.finish()
    const a = await grover(['evaluate', bed, '--truth-signal', sig, '--min-signal', '5', '--json'])
    const b = await grover(['evaluate', bed, '--truth', truth, '--json'])
    assert.equal(a.code, 0, a.stderr)
    const ja = JSON.parse(a.stdout)
    const jb = JSON.parse(b.stdout)
    for (const k of ['positives', 'auroc', 'auprc', 'mcc']) assert.equal(ja[k], jb[k], k)
  })

  it('--plot writes ROC and PR curves as SVG (roc → pr beside it)', async () => {
    const roc = join(dir, 'ctcf.roc.svg')
    const res = await grover(['evaluate', bed, '--truth', truth, '--plot', roc])
    assert.equal(res.code, 0, res.stderr)
    const svg = readFileSync(roc, 'utf8')
    assert.match(svg, /^<svg/)
    assert.match(svg, /AUROC 0\.\d{3}/)
    assert.match(svg, /false positive rate/)
    assert.match(readFileSync(join(dir, 'ctcf.pr.svg'), 'utf8'), /Precision–recall — AUPRC/)
    assert.equal(prPlotPath('out/roc.svg'), 'out/pr.svg')
    assert.equal(prPlotPath('out/curve.svg'), 'out/curve.pr.svg')
  })

  it('bad inputs: clear errors, non-zero exit', async () => {
    const both = await grover(['evaluate', bed])
    assert.equal(both.code, 2)
    assert.match(oneLine(both.stderr), /exactly one of --truth PEAKS\.bed or --truth-signal/)
    const noMin = await grover(['evaluate', bed, '--truth-signal', join(dir, 'chip.bw')])
    assert.match(oneLine(noMin.stderr), /--truth-signal needs --min-signal/)
    const junk = join(dir, 'junk.bed')
    writeFileSync(junk, 'chrA\t0\t100\tx\tnot-a-number\t+\n')
    const j = await grover(['evaluate', junk, '--truth', truth])
    assert.match(oneLine(j.stderr), /junk\.bed:1: score "not-a-number" in column 5 is not a number/)
    const renamed = join(dir, 'renamed.bed')
    writeFileSync(renamed, peaks.map(([c, s, e]) => `${c.slice(3)}\t${s}\t${e}`).join('\n') + '\n')
    const off = join(dir, 'nochr.bed')
    writeFileSync(off, preds.map((p) => `${p.chrom}\t${p.start}\t${p.end}\tctcf\t${p.score}\t+`).join('\n') + '\n')
    const m = await grover(['evaluate', off, '--truth', renamed])
    assert.equal(m.code, 2)
    assert.match(oneLine(m.stderr), /no peak is on a chromosome of the predictions/)
    const missing = await grover(['evaluate', join(dir, 'nope.bed'), '--truth', truth])
    assert.match(oneLine(missing.stderr), /cannot read predictions .*nope\.bed: ENOENT/)
  })

  it('warns when the predictions look thresholded (predict\'s default BED)', async () => {
    const top = join(dir, 'top.bed')
    writeFileSync(top, preds.filter((p) => p.score >= 0.6).map((p) => `${p.chrom}\t${p.start}\t${p.end}\tctcf\t${p.score}\t+`).join('\n') + '\n')
    const res = await grover(['evaluate', top, '--truth', truth, '--threshold', '0.6'])
    assert.match(oneLine(res.stderr), /looks like predict's default BED of predicted sites only/)
  })
})

describe('the shipped ctcf model on its own test set', () => {
  it('grover predict + evaluate reproduce the test AUROC and AUPRC that training recorded (PyTorch)', needSk, async () => {
    const dir = tmp()
    execFileSync(PY, [join(ROOT, 'scripts', 'data', 'ctcf_test_set.py'), dir], {stdio: 'ignore'})
    const scores = join(dir, 'scores.tsv')
    const p = await grover(['predict', join(dir, 'test.fa'), '--window', '1000', '--stride', '1000', '--threshold', '0', '-f', 'tsv', '-q', '-o', scores])
    assert.equal(p.code, 0, p.stderr)
    const e = await grover(['evaluate', scores, '--truth', join(dir, 'bound.bed'), '--model', 'ctcf', '--json'])
    assert.equal(e.code, 0, e.stderr)
    const j = JSON.parse(e.stdout)
    const meta = JSON.parse(readFileSync(join(ROOT, 'models', 'ctcf', 'grover.json'), 'utf8'))
    const test = meta.metrics?.test ?? meta.training?.test
    assert.ok(test, 'grover.json records test metrics')
    assert.equal(j.n, 600)
    assert.equal(j.positives, test.positives)
    assert.ok(Math.abs(j.auroc - test.auroc) < 2e-3, `${j.auroc} vs ${test.auroc}`)
    assert.ok(Math.abs(j.auprc - test.auprc) < 2e-3, `${j.auprc} vs ${test.auprc}`)
    assert.ok(existsSync(GENOME))
  })
})
