import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {RecordFormatter, resumePointOf, type ScoredWindow, WindowMerger} from '../src/io/records.js'
import {scoreWindow} from '../src/pipeline/predict.js'

const rec = (start: number, end: number, score: number, chrom = 'chr1'): ScoredWindow =>
  ({chrom, start, end, score, strand: '+', plus: score, minus: undefined, probs: [1 - score, score]})

describe('scoreWindow: strands combined into a record', () => {
  it('averages the strands and reports the higher one', () => {
    const w = {chrom: 'c', start: 0, end: 10}
    const r = scoreWindow(w, [{strand: '+', value: 0.2, probs: [0.8, 0.2]}, {strand: '-', value: 0.6, probs: [0.4, 0.6]}])
    assert.ok(Math.abs(r.score - 0.4) < 1e-12)
    assert.equal(r.strand, '-')
    assert.equal(r.plus, 0.2)
    assert.equal(r.minus, 0.6)
    assert.ok(Math.abs(r.probs[0]! - 0.6) < 1e-12)
    const one = scoreWindow(w, [{strand: '-', value: 0.7, probs: [0.3, 0.7]}])
    assert.deepEqual([one.score, one.strand, one.plus, one.minus], [0.7, '-', undefined, 0.7])
  })
  it('raw scores (DeepBind) combine as the bundle says: the larger strand', () => {
    const r = scoreWindow({chrom: 'c', start: 0, end: 10}, [{strand: '+', value: -2.5, probs: []}, {strand: '-', value: 17.68, probs: []}], (v) => Math.max(...v))
    assert.deepEqual([r.score, r.strand, r.probs], [17.68, '-', []])
    const f = new RecordFormatter('tsv', 'db', [], [], false, true)
    assert.equal(f.header(), 'chrom\tstart\tend\tscore\tstrand\tscore_plus\tscore_minus')
    assert.equal(f.line(r), 'c\t0\t10\t17.68\t-\t-2.5\t17.68')
    assert.equal(new RecordFormatter('bedgraph', 'db', [], [], false, true).line({...r, score: -0.0261801742}), 'c\t0\t10\t-0.0261802')
  })
})

describe('RecordFormatter', () => {
  const r: ScoredWindow = {chrom: 'chr1', start: 99, end: 1099, score: 0.87654, strand: '-', plus: 0.8, minus: 0.95308, probs: [0.12346, 0.87654]}
  it('writes BED6 with a probability score', () => {
    assert.equal(new RecordFormatter('bed', 'ctcf', ['unbound', 'bound']).line(r), 'chr1\t99\t1099\tctcf\t0.8765\t-')
  })
  it('writes bedGraph', () => {
    assert.equal(new RecordFormatter('bedgraph', 'ctcf', ['unbound', 'bound']).line(r), 'chr1\t99\t1099\t0.8765')
  })
  it('writes TSV with a header naming every column, NA for a strand not scored', () => {
    const f = new RecordFormatter('tsv', 'ctcf', ['unbound', 'bound'])
    assert.equal(f.header(), 'chrom\tstart\tend\tscore\tstrand\tscore_plus\tscore_minus\tprob_unbound\tprob_bound')
    assert.equal(f.line({...r, minus: undefined}), 'chr1\t99\t1099\t0.8765\t-\t0.8000\tNA\t0.1235\t0.8765')
    assert.equal(new RecordFormatter('bed', 'x', ['a', 'b']).header(), undefined)
  })
})

describe('WindowMerger', () => {
  it('joins overlapping and touching windows, keeping the maximum score', () => {
    const m = new WindowMerger()
    const out = [rec(0, 10, 0.6), rec(5, 15, 0.9), rec(15, 25, 0.7), rec(30, 40, 0.8), rec(0, 10, 0.5, 'chr2')].map((x) => m.push(x))
    out.push(m.flush())
    const got = out.filter((x) => x !== undefined).map((x) => [x.chrom, x.start, x.end, x.score])
    assert.deepEqual(got, [['chr1', 0, 25, 0.9], ['chr1', 30, 40, 0.8], ['chr2', 0, 10, 0.5]])
  })
})

describe('resumePointOf', () => {
  const order = new Map([['chr1', 0], ['chr2', 1]])
  it('windows up to the last record\'s start are done; with --merge up to its end', () => {
    assert.deepEqual(resumePointOf('chr2\t200\t1200\tctcf\t0.9\t+', 'bed', false, order), {point: {chrom: 1, pos: 200}, label: 'chr2:201-1200'})
    assert.deepEqual(resumePointOf('chr2\t200\t1200\tctcf\t0.9\t+', 'bed', true, order), {point: {chrom: 1, pos: 1200}, label: 'chr2:201-1200'})
  })
  it('nothing written yet (no line, or a TSV header alone) resumes from the start', () => {
    assert.equal(resumePointOf(undefined, 'bed', false, order), undefined)
    assert.equal(resumePointOf('chrom\tstart\tend\tname', 'tsv', false, order), undefined)
  })
  it('a line that is not a record of this FASTA stops the run', () => {
    assert.throws(() => resumePointOf('chrX\t0\t10', 'bed', false, order), /not a bed record of this FASTA/)
    assert.throws(() => resumePointOf('chr1\tten\t20', 'bedgraph', false, order), /not a bedgraph record/)
    assert.throws(() => resumePointOf('chr1\t10', 'bed', false, order), /not a bed record/)
  })
})
