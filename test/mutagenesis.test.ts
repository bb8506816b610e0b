import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {strongestStretch, summarise} from '../src/pipeline/mutagenesis.js'
import {GENOME, genomeSeq, grover, oneLine, TINY, tmp, PY, pyHas} from './helpers/util.js'

const hasPyBigWig = pyHas('pyBigWig')

const rows = (tsv: string) => tsv.trim().split('\n').slice(1).map((l) => l.split('\t')).map((f) => ({pos: Number(f[1]), ref: f[2]!, alt: f[3]!, ref_score: Number(f[4]), alt_score: Number(f[5]), delta: Number(f[6])}))

describe('grover mutagenesis', () => {
  const d = tmp()
  const seq = genomeSeq()
  // 30 bases at 1-based 5001-5030; the tiny model's window is 1000 bp, centred on them: 4515-5515 (0-based 4515..5515)
  const REGION = 'chr22_20M:5001-5030'

  it('scores 3 substitutions per base; score_ref and a mutated window equal grover predict on those sequences', async () => {
    const r = await grover(['mutagenesis', GENOME, REGION, '--model', TINY, '-q', '--track', join(d, 't.bedGraph'), '--plot', join(d, 'logo.svg')])
    assert.equal(r.code, 0, r.stderr)
    const got = rows(r.stdout)
    assert.equal(got.length, 90)
    for (const x of got) {
      assert.equal(x.ref, seq[x.pos - 1])
      assert.notEqual(x.alt, x.ref)
      assert.ok(Math.abs(x.delta - (x.alt_score - x.ref_score)) < 2e-5)
    }
    // the reference window is the model window centred on the region
    const mid = Math.floor((5000 + 5030) / 2)
    const start = mid - 500
    const ctx = seq.slice(start, start + 1000)
    const pick = got[37]!
    const mutated = ctx.slice(0, pick.pos - 1 - start) + pick.alt + ctx.slice(pick.pos - start)
    const fa = join(d, 'two.fa')
    writeFileSync(fa, `>ref\n${ctx}\n>mut\n${mutated}\n`)
    const p = await grover(['predict', fa, '--model', TINY, '-q', '--threshold', '0', '-f', 'bedgraph'])
    const [refScore, mutScore] = p.stdout.trim().split('\n').map((l) => Number(l.split('\t')[3]))
    assert.ok(Math.abs(refScore! - pick.ref_score) < 1e-4, `${refScore} vs ${pick.ref_score}`)
    assert.ok(Math.abs(mutScore! - pick.alt_score) < 1e-4, `${mutScore} vs ${pick.alt_score}`)
    // the track is the per-base max |delta|; the logo draws one letter per base
    const track = readFileSync(join(d, 't.bedGraph'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'))
    assert.equal(track.length, 30)
    track.forEach((f, i) => {
      const mine = got.filter((x) => x.pos === 5001 + i)
      assert.equal(Number(f[1]), 5000 + i)
      assert.ok(Math.abs(Number(f[3]) - Math.max(...mine.map((x) => Math.abs(x.delta)))) < 2e-5)
    })
    const svg = readFileSync(join(d, 'logo.svg'), 'utf8')
    assert.match(svg, /^<svg/)
    assert.match(svg, /in-silico mutagenesis of chr22_20M:5001-5030/)
    assert.ok((svg.match(/font-size="100"/g) ?? []).length >= 20, 'letters drawn')
  })

  it('--track FILE.bw writes the same values as a bigWig (read with pyBigWig)', {skip: hasPyBigWig ? false : 'python3-pybigwig not installed'}, async () => {
    const r = await grover(['mutagenesis', GENOME, REGION, '--model', TINY, '-q', '--track', join(d, 't.bw')])
    assert.equal(r.code, 0, r.stderr)
    const want = readFileSync(join(d, 't.bedGraph'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split('\t')[3]))
    const got = JSON.parse(execFileSync(PY, ['-c', `import pyBigWig, json; b = pyBigWig.open(${JSON.stringify(join(d, 't.bw'))}); print(json.dumps(b.values("chr22_20M", 5000, 5030)))`], {encoding: 'utf8'}))
    got.forEach((v: number, i: number) => assert.ok(Math.abs(v - want[i]!) < 1e-5))
  })

  it('N bases are left out and counted; regions too long and non-classifier models are refused', async () => {
    const withN = join(d, 'withN.fa')
    writeFileSync(withN, `>s\n${seq.slice(10_000, 10_500)}NNN${seq.slice(10_503, 11_000)}\n`)
    const n = await grover(['mutagenesis', withN, 's:491-520', '--model', TINY])
    assert.equal(n.code, 0, n.stderr)
    assert.match(n.stderr, /81 substitutions at 27 bases scored, 3 N bases left out/)
    const long = await grover(['mutagenesis', GENOME, 'chr22_20M:1-6000', '--model', TINY])
    assert.equal(long.code, 2)
    assert.match(oneLine(long.stderr), /is 6,000 bp; mutagenesis scores 3 windows per base, so it takes regions of at most --max-bp 5,000 bp/)
    const lm = await grover(['mutagenesis', GENOME, REGION, '--model', 'grover-mini'])
    assert.match(oneLine(lm.stderr), /is a masked-lm bundle; mutagenesis needs a classification or score bundle/)
  })

  it('the default ctcf model looks at the CTCF motif: around the strongest JASPAR site of the slice, its strongest 19-bp stretch is the site', async () => {
    // JASPAR MA0139.1's best hit in the first 20 kb of the slice: chr22_20M:1111-1129 (1-based), log-odds 21.2
    const r = await grover(['mutagenesis', GENOME, 'chr22_20M:1001-1300', '-q'])
    assert.equal(r.code, 0, r.stderr)
    const s = strongestStretch(summarise(rows(r.stdout).map((x) => ({pos: x.pos - 1, ref: x.ref, alt: x.alt, scoreRef: x.ref_score, scoreAlt: x.alt_score, delta: x.delta}))), 19)!
    assert.ok(s.start < 1129 && 1110 < s.end, `strongest stretch ${s.start}-${s.end}`)
  })

  it('strongest stretch: the window of largest summed importance', () => {
    const bases = Array.from({length: 50}, (_, i) => ({pos: 100 + i, ref: 'A', maxAbs: 0, mean: i >= 20 && i < 25 ? -1 : 0.01}))
    const s = strongestStretch(bases, 5)!
    assert.deepEqual([s.start, s.end], [120, 125])
    assert.ok(Math.abs(s.importance - 5) < 1e-9)
    assert.equal(summarise([{pos: 1, ref: 'A', alt: 'C', scoreRef: 0.5, scoreAlt: 0.4, delta: -0.1}, {pos: 1, ref: 'A', alt: 'G', scoreRef: 0.5, scoreAlt: 0.7, delta: 0.2}])[0]!.maxAbs, 0.2)
  })
})
