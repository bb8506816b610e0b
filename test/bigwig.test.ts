import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {BigWig} from '@gmod/bbi'

import {BigWigWriter} from '../src/io/bigwig-writer.js'
import {SignalTrack} from '../src/io/bigwig.js'
import {OverlapAverager} from '../src/pipeline/stitch.js'
import {bash, GENOME, grover, oneLine, rng, ROOT, TINY, tmp, PY, pyHas} from './helpers/util.js'

const hasPyBigWig = pyHas('pyBigWig')
const needPy = hasPyBigWig ? {} : {skip: 'Debian python3-pybigwig not installed (apt-get install python3-pybigwig)'}
/** Run a Python snippet with pyBigWig; it prints JSON. */
function py(code: string): any {
  return JSON.parse(execFileSync(PY, ['-c', 'import json, pyBigWig\n' + code], {encoding: 'utf8', maxBuffer: 1 << 28}))
}

const GC = join(ROOT, 'data', 'tracks', 'chr22_20M.gc.bw')
const PWM = join(ROOT, 'data', 'tracks', 'chr22_20M.ctcf_pwm.bw')
const CHROM = 'chr22_20M'

interface Item {chrom: string; start: number; end: number; value: number}

/** Random sorted, non-overlapping intervals over chromosomes of odd sizes. */
function randomItems(seed: number) {
  const r = rng(seed)
  const chroms = [{name: 'chrB', size: 250_000}, {name: 'chr10', size: 7_321}, {name: 'chrA_random', size: 120_003}, {name: 'chrM', size: 16_569}]
  const items: Item[] = []
  for (const c of chroms) {
    let pos = Math.floor(r() * 50)
    while (true) {
      const len = 1 + Math.floor(r() * 300)
      if (pos + len > c.size) break
      items.push({chrom: c.name, start: pos, end: pos + len, value: Math.round((r() * 20 - 5) * 1000) / 1000})
      pos += len + (r() < 0.3 ? Math.floor(r() * 500) : 0)
    }
  }
  return {chroms, items}
}

function writeItems(path: string, chroms: Array<{name: string; size: number}>, items: Item[], opts = {}): BigWigWriter {
  const w = new BigWigWriter(path, chroms, opts)
  for (const it of items) w.add(it.chrom, it.start, it.end, it.value)
  w.finish()
  return w
}

describe('bigWig writer', () => {
  const dir = tmp()
  const {chroms, items} = randomItems(11)
  // small blocks and sections force multi-level B+ and R-trees
  const path = join(dir, 'random.bw')
  const w = writeItems(path, chroms, items, {itemsPerSlot: 50, blockSize: 3, zoomBase: 100})

  it('@gmod/bbi reads back every interval, value and chromosome', async () => {
    const bw = new BigWig({path})
    const h = await bw.getHeader()
    assert.deepEqual(Object.values(h.refsByNumber).map((r) => [r.name, r.length]).sort(), chroms.map((c) => [c.name, c.size]).sort())
    for (const c of chroms) {
      const got = await bw.getFeatures(c.name, 0, c.size, {scale: 1})
      const want = items.filter((i) => i.chrom === c.name)
      assert.equal(got.length, want.length, c.name)
      got.forEach((g, k) => {
        assert.equal(g.start, want[k]!.start)
        assert.equal(g.end, want[k]!.end)
        assert.equal(g.score, Math.fround(want[k]!.value))
      })
    }
    assert.equal(h.zoomLevels.length, w.reductions.length)
  })

  it('zoom levels hold the min, max and mean of each bin (read with @gmod/bbi)', async () => {
    const bw = new BigWig({path})
    for (const [level, r] of w.reductions.entries()) {
      if (level > 2) break
      const c = chroms[0]!
      const got = await bw.getFeatures(c.name, 0, c.size, {basesPerSpan: r})
      assert.ok(got.length > 0)
      for (const g of got.slice(0, 200)) {
        const bin = Math.floor(g.start / r)
        let min = Infinity
        let max = -Infinity
        let sum = 0
        let n = 0
        for (const it of items) {
          if (it.chrom !== c.name) continue
          const o = Math.min(it.end, (bin + 1) * r) - Math.max(it.start, bin * r)
          if (o <= 0) continue
          const v = Math.fround(it.value)
          min = Math.min(min, v)
          max = Math.max(max, v)
          sum += v * o
          n += o
        }
        assert.equal(g.minScore, min)
        assert.equal(g.maxScore, max)
        assert.ok(Math.abs(g.score - sum / n) < 1e-3 * Math.max(1, Math.abs(sum / n)), `bin ${bin} of level ${r}`)
      }
    }
  })

  it('pyBigWig (libBigWig) reads the same chromosomes, intervals, header totals and zoom summaries', needPy, () => {
    const got = py(`
b = pyBigWig.open(${JSON.stringify(path)})
out = {"chroms": b.chroms(), "header": b.header(), "intervals": {c: b.intervals(c) for c in b.chroms()},
       "zoom_mean": b.stats("chrB", 0, 250000, type="mean"), "exact_mean": b.stats("chrB", 0, 250000, type="mean", exact=True),
       "zoom_max": b.stats("chrB", 1000, 90000, type="max"), "zoom_min": b.stats("chrB", 1000, 90000, type="min")}
print(json.dumps(out))`)
    assert.deepEqual(got.chroms, Object.fromEntries(chroms.map((c) => [c.name, c.size])))
    for (const c of chroms) {
      const want = items.filter((i) => i.chrom === c.name).map((i) => [i.start, i.end, Math.fround(i.value)])
      assert.deepEqual(got.intervals[c.name], want, c.name)
    }
    const covered = items.reduce((a, i) => a + i.end - i.start, 0)
    assert.equal(got.header.nBasesCovered, covered)
    assert.equal(got.header.nLevels, w.reductions.length)
    assert.equal(got.header.minVal, Math.trunc(Math.min(...items.map((i) => Math.fround(i.value)))))
    assert.ok(Math.abs(got.zoom_mean[0] - got.exact_mean[0]) < 1e-3, `zoom ${got.zoom_mean} vs exact ${got.exact_mean}`)
    const inRange = items.filter((i) => i.chrom === 'chrB' && i.end > 1000 && i.start < 90000).map((i) => Math.fround(i.value))
    assert.equal(got.zoom_max[0], Math.max(...inRange))
    assert.equal(got.zoom_min[0], Math.min(...inRange))
  })

  it('refuses unsorted, overlapping, out-of-bounds and undeclared intervals', () => {
    const w2 = new BigWigWriter(join(dir, 'bad.bw'), [{name: 'c1', size: 1000}, {name: 'c2', size: 1000}])
    w2.add('c1', 10, 20, 1)
    assert.throws(() => w2.add('c1', 15, 30, 1), /overlaps or comes before/)
    assert.throws(() => w2.add('c1', 990, 1001, 1), /outside c1/)
    assert.throws(() => w2.add('c3', 1, 2, 1), /not declared/)
    assert.throws(() => w2.add('c1', 30, 40, Number.NaN), /not a finite number/)
    w2.add('c2', 0, 5, 2)
    assert.throws(() => w2.add('c1', 100, 200, 1), /overlaps or comes before/)
    w2.close(true)
    assert.ok(!existsSync(join(dir, 'bad.bw')))
    assert.ok(!existsSync(join(dir, 'bad.bw.zoom0')), 'spill files are removed')
  })

  it('an empty file (no intervals) is still a valid bigWig', async () => {
    const p = join(dir, 'empty.bw')
    writeItems(p, [{name: 'c1', size: 5000}], [])
    const bw = new BigWig({path: p})
    assert.deepEqual(await bw.getFeatures('c1', 0, 5000, {scale: 1}), [])
  })
})

describe('per-base mean of overlapping windows', () => {
  it('equals the brute-force per-base mean, joins equal neighbours and leaves gaps empty', () => {
    const r = rng(5)
    for (let trial = 0; trial < 200; trial++) {
      const window = 1 + Math.floor(r() * 40)
      const stride = 1 + Math.floor(r() * window)
      const len = Math.floor(r() * 300)
      const wins: Array<{start: number; end: number; score: number}> = []
      for (let s = 0; s + window <= len; s += stride) if (r() < 0.85) wins.push({start: s, end: s + window, score: Math.floor(r() * 4) / 4})
      if (len > window && r() < 0.5) wins.push({start: len - window, end: len, score: 0.5}) // the tail window
      wins.sort((a, b) => a.start - b.start)
      const segs: Array<[number, number, number]> = []
      const avg = new OverlapAverager((_c, s, e, v) => segs.push([s, e, v]))
      for (const w of wins) avg.push('c', w.start, w.end, w.score)
      avg.flush()
      const got = new Map<number, number>()
      for (const [s, e, v] of segs) for (let i = s; i < e; i++) got.set(i, v)
      for (let i = 0; i < len; i++) {
        const over = wins.filter((w) => w.start <= i && i < w.end)
        if (over.length === 0) assert.ok(!got.has(i), `base ${i} has no window`)
        else assert.equal(got.get(i), Math.fround(over.reduce((a, w) => a + w.score, 0) / over.length), `trial ${trial} base ${i}`)
      }
      for (let k = 1; k < segs.length; k++) {
        assert.ok(segs[k]![0] >= segs[k - 1]![1], 'segments do not overlap')
        assert.ok(!(segs[k]![0] === segs[k - 1]![1] && segs[k]![2] === segs[k - 1]![2]), 'equal neighbours are joined')
      }
    }
  })
})

describe('bigWig signal reader', () => {
  it('mean/max over covered bases agree with pyBigWig exact stats on the real tracks', needPy, async () => {
    const r = rng(3)
    const regions = Array.from({length: 60}, () => {
      const s = Math.floor(r() * 990_000)
      return [s, s + 1 + Math.floor(r() * 5000)]
    })
    const want = py(`
out = []
for path in (${JSON.stringify(GC)}, ${JSON.stringify(PWM)}):
    b = pyBigWig.open(path)
    out.append([[b.stats("${CHROM}", s, e, type="mean", exact=True)[0], b.stats("${CHROM}", s, e, type="max", exact=True)[0], (b.stats("${CHROM}", s, e, type="coverage", exact=True)[0] or 0) * (e - s)] for s, e in ${JSON.stringify(regions)}])
print(json.dumps(out))`)
    for (const [k, path] of [GC, PWM].entries()) {
      const t = await SignalTrack.open(path, '--signal')
      for (const [i, [s, e]] of regions.entries()) {
        const got = await t.stats(CHROM, s!, e!)
        const [mean, max, cov] = want[k][i]
        if (mean === null) {
          assert.equal(got, undefined)
          continue
        }
        assert.ok(got, `${path} ${s}-${e}`)
        assert.ok(Math.abs(got.mean - mean) < 1e-5, `${s}-${e}: ${got.mean} vs ${mean}`)
        assert.equal(Math.fround(got.max), Math.fround(max))
        assert.equal(got.covered, Math.round(cov))
      }
    }
  })

  it('refuses a file that is not a bigWig, and a naming mismatch, with the fix', async () => {
    await assert.rejects(SignalTrack.open(GENOME, '--signal'), /not a bigWig file/)
    const t = await SignalTrack.open(GC, '--signal')
    assert.throws(() => t.checkNames(['22_20M'], '--signal'), /none of the scanned chromosomes.*--chrom-alias/s)
    assert.deepEqual(t.checkNames([CHROM, 'chrM'], '--signal'), ['chrM'])
  })
})

describe('grover predict with tracks', () => {
  const dir = tmp()
  const REGION = `${CHROM}:1-40000`

  it('--format bigwig: the per-base mean of the bedGraph windows, all FASTA chromosomes, zoom levels', needPy, async () => {
    const bw = join(dir, 'scores.bw')
    const a = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--format', 'bigwig', '-o', bw])
    assert.equal(a.code, 0, a.stderr)
    const b = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--format', 'bedgraph', '--threshold', '0'])
    assert.equal(b.code, 0, b.stderr)
    const wins = b.stdout.trim().split('\n').map((l) => l.split('\t')).map((f) => ({start: Number(f[1]), end: Number(f[2]), score: Number(f[3])}))
    const got = py(`
b = pyBigWig.open(${JSON.stringify(bw)})
print(json.dumps({"chroms": b.chroms(), "header": b.header(), "values": b.values("${CHROM}", 0, 40000)}))`)
    assert.deepEqual(got.chroms, {[CHROM]: 1_000_000})
    assert.ok(got.header.nLevels >= 3)
    for (let i = 0; i < 40000; i += 7) {
      const over = wins.filter((w) => w.start <= i && i < w.end)
      // bedGraph rounds to 4 decimals; the bigWig holds float32 means of unrounded scores
      assert.ok(Math.abs(got.values[i] - over.reduce((x, w) => x + w.score, 0) / over.length) < 1e-4, `base ${i}`)
    }
  })

  it('Ctrl-C during --format bigwig: exit 130, no FILE.bw, a valid bigWig of what was scored in FILE.bw.partial', needPy, async () => {
    const out = join(dir, 'int.bw')
    const r = await bash(`node bin/run.js predict ${GENOME} --model ${TINY} --batch-size 2 --stride 100 --format bigwig -o ${out} & pid=$!; sleep 3; kill -INT $pid; wait $pid`)
    assert.equal(r.code, 130, r.stderr)
    assert.match(oneLine(r.stderr), /interrupted; complete records so far are kept in .*int\.bw\.partial/)
    assert.ok(!existsSync(out))
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('int.bw') && f !== 'int.bw.partial'), [], 'no temporary or spill files left')
    const got = py(`
b = pyBigWig.open(${JSON.stringify(out + '.partial')})
iv = b.intervals("${CHROM}")
print(json.dumps({"n": len(iv), "first": iv[0][0], "last": iv[-1][1]}))`)
    assert.ok(got.n > 0)
    assert.equal(got.first, 0)
    assert.ok(got.last < 1_000_000, 'stopped before the end')
  })

  it('--format bigwig needs -o, and refuses --signal and --merge', async () => {
    const r1 = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--format', 'bigwig'])
    assert.equal(r1.code, 2)
    assert.match(oneLine(r1.stderr), /needs -o FILE\.bw/)
    const r2 = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--format', 'bigwig', '-o', join(dir, 'x.bw'), '--signal', GC])
    assert.equal(r2.code, 2)
    assert.match(oneLine(r2.stderr), /--signal adds signal_mean and signal_max columns/)
    assert.ok(!existsSync(join(dir, 'x.bw')))
    const r3 = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--format', 'bedgraph', '--signal', GC])
    assert.match(oneLine(r3.stderr), /Use --format bed or --format tsv/)
  })

  it('--signal adds signal_mean and signal_max (TSV header, BED columns) equal to pyBigWig exact stats', needPy, async () => {
    const t = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '-f', 'tsv', '--signal', PWM])
    assert.equal(t.code, 0, t.stderr)
    const lines = t.stdout.trim().split('\n')
    const head = lines[0]!.split('\t')
    assert.deepEqual(head.slice(-2), ['signal_mean', 'signal_max'])
    const rows = lines.slice(1).map((l) => l.split('\t'))
    const want = py(`
b = pyBigWig.open(${JSON.stringify(PWM)})
print(json.dumps([[b.stats("${CHROM}", s, e, exact=True)[0], b.stats("${CHROM}", s, e, type="max", exact=True)[0]] for s, e in ${JSON.stringify(rows.map((f) => [Number(f[1]), Number(f[2])]))}]))`)
    rows.forEach((f, i) => {
      assert.equal(f.at(-2), want[i][0].toFixed(4))
      assert.equal(f.at(-1), want[i][1].toFixed(4))
    })
    const b = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--threshold', '0', '--signal', PWM])
    assert.equal(b.stdout.trim().split('\n')[0]!.split('\t').length, 8, 'BED6 + 2')
  })

  it('--restrict-to scans only padded stretches where the signal reaches --min-signal, and says how much', needPy, async () => {
    const r = await grover(['predict', GENOME, '--model', TINY, '-r', `${CHROM}:1-200000`, '-f', 'bedgraph', '--threshold', '0', '--restrict-to', GC, '--min-signal', '0.7'])
    assert.equal(r.code, 0, r.stderr)
    const m = /scanning ([0-9,]+) of 200,000 bp \(([0-9.]+)%\) in ([0-9,]+) stretches/.exec(r.stderr)
    assert.ok(m, r.stderr)
    // independent: stretches ≥ 0.7 from pyBigWig, padded by 500 bp (window 1000), clipped, merged
    const want = py(`
b = pyBigWig.open(${JSON.stringify(GC)})
iv = [(s, e) for s, e, v in b.intervals("${CHROM}", 0, 200000) if v >= 0.7]
out = []
for s, e in iv:
    s, e = max(0, s - 500), min(200000, e + 500)
    if out and s <= out[-1][1]:
        out[-1][1] = max(out[-1][1], e)
    else:
        out.append([s, e])
print(json.dumps(out))`) as Array<[number, number]>
    assert.equal(Number(m[1]!.replaceAll(',', '')), want.reduce((a, [s, e]) => a + e - s, 0))
    assert.equal(Number(m[3]!.replaceAll(',', '')), want.length)
    const wins = r.stdout.trim().split('\n').map((l) => l.split('\t').map(Number))
    for (const [, s, e] of wins) assert.ok(want.some(([a, b]) => s! >= a && e! <= b), `window ${s}-${e} lies in a stretch`)
    for (const [a, b] of want) assert.ok(wins.some(([, s, e]) => s === a || e === b), `stretch ${a}-${b} is scanned`)
  })

  it('chromosome names differing between FASTA and bigWig: a clear error, fixed by --chrom-alias', async () => {
    // the same GC values, under the name a no-"chr" assembly would use
    const src = await SignalTrack.open(GC, '--signal')
    const renamed = join(dir, 'nochr.bw')
    writeItems(renamed, [{name: '22_20M', size: 1_000_000}], (await src.intervals(CHROM, 0, 1_000_000)).map((f) => ({chrom: '22_20M', ...f, value: f.score})))
    const bad = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--signal', renamed])
    assert.equal(bad.code, 2)
    assert.match(oneLine(bad.stderr), /none of the scanned chromosomes \(chr22_20M\) is in the bigWig.*calls "chr22_20M" "22_20M".*--chrom-alias/s)
    const alias = join(dir, 'alias.tsv')
    writeFileSync(alias, '# FASTA\tbigWig\nchr22_20M\t22_20M\n')
    const good = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--threshold', '0', '-f', 'tsv', '--signal', renamed, '--chrom-alias', alias])
    assert.equal(good.code, 0, good.stderr)
    const same = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--threshold', '0', '-f', 'tsv', '--signal', GC])
    assert.equal(good.stdout, same.stdout)
    writeFileSync(alias, 'chr22_20M\n')
    const broken = await grover(['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--signal', renamed, '--chrom-alias', alias])
    assert.match(oneLine(broken.stderr), /alias\.tsv:1: expected two columns/)
  })

  it('--restrict-to without --min-signal, and a non-bigWig track, are refused before any work', async () => {
    const a = await grover(['predict', GENOME, '--model', TINY, '-q', '--restrict-to', GC])
    assert.match(oneLine(a.stderr), /--restrict-to needs --min-signal/)
    const b = await grover(['predict', GENOME, '--model', TINY, '-q', '--signal', GENOME])
    assert.match(oneLine(b.stderr), /not a bigWig file/)
    assert.equal(b.code, 2)
    assert.ok(readFileSync(GC).length > 0)
  })
})
