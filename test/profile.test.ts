import assert from 'node:assert/strict'
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {BigWig} from '@gmod/bbi'
import {LocalFile} from 'generic-filehandle2'

import {GroverError} from '../src/errors.js'
import type {ProfileMeta} from '../src/model/bundle.js'
import {checkProfileStride, fmt, ProfileStitcher, profileWindows, selectTracks} from '../src/pipeline/profile.js'
import {GENOME, grover, PY, pyHas, ROOT, rng, sh, tmp} from './helpers/util.js'

/** Bins written for `regions` (each window assumed full length unless shorter than the model). */
function stitched(p: ProfileMeta, window: number, stride: number, regions: Array<{chrom: string; start: number; end: number}>) {
  const st = new ProfileStitcher(p, stride)
  const out: Array<[string, number, number, number]> = [] // chrom, start, end, window index
  let k = 0
  for (const w of profileWindows(regions, window, stride, p.bin_size)) {
    const len = w.end - w.start
    const [j0, j1] = st.keep(w, len)
    for (let j = j0; j < j1; j++) {
      const a = w.start + p.offset + j * p.bin_size
      out.push([w.chrom, a, Math.min(a + p.bin_size, w.start + len), k])
    }
    k++
  }
  return out
}

describe('profile stitching: central bins of each window, tiled without gaps or overlaps', () => {
  it('random regions, bin sizes and strides: bins contiguous from region start + offset to within a bin of region end − offset', () => {
    const r = rng(11)
    for (let trial = 0; trial < 400; trial++) {
      const bin = [8, 16, 32, 128][Math.floor(r() * 4)]!
      const bins = 2 + Math.floor(r() * 20)
      const offset = bin * Math.floor(r() * 10)
      const p = {bin_size: bin, bins, offset}
      const window = 2 * offset + bins * bin
      const span = bins * bin
      const strides = [span, ...Array.from({length: bins}, (_, i) => span - 2 * bin * (i + 1)).filter((s) => s > 0)]
      const stride = strides[Math.floor(r() * strides.length)]!
      const start = Math.floor(r() * 1000)
      const end = start + window + Math.floor(r() * 8 * window)
      const out = stitched(p, window, stride, [{chrom: 'c', start, end}])
      assert.ok(out.length > 0)
      assert.equal(out[0]![1], start + offset, `trial ${trial}: first bin`)
      for (let i = 1; i < out.length; i++) assert.equal(out[i]![1], out[i - 1]![2], `trial ${trial}: bins ${i - 1} and ${i} do not touch`)
      const lastEnd = out.at(-1)![2]
      assert.ok(lastEnd <= end - offset && lastEnd > end - offset - bin, `trial ${trial}: last end ${lastEnd} vs ${end - offset}`)
      // interior windows contribute only their central stride bp
      if (stride < span) {
        const first = new Map<number, number>()
        for (const [, a, , k] of out) if (!first.has(k)) first.set(k, a)
        for (const [k, a] of first) if (k > 0 && k < first.size - 1) assert.equal((a - start - offset - (span - stride) / 2) % stride, 0)
      }
    }
  })

  it('two regions on one chromosome are stitched separately; a region shorter than the model gets the whole bins its bases fill', () => {
    const p = {bin_size: 32, bins: 32, offset: 512}
    const out = stitched(p, 2048, 1024, [{chrom: 'c', start: 0, end: 5000}, {chrom: 'c', start: 6000, end: 7500}])
    assert.deepEqual(out.filter(([, a]) => a >= 6000).map(([, a, b]) => [a, b]).slice(0, 2), [[6512, 6544], [6544, 6576]])
    const lastShort = out.filter(([, a]) => a >= 6000).at(-1)!
    assert.equal(lastShort[2], 7472) // the 1,500-bp region is one 1,500-bp window (zero-padded for the model): bins its bases fill, up to 7,500
  })

  it('refuses strides that split bins or leave an uneven margin, and picks tracks by name or 0-based index', () => {
    const p = {bin_size: 32, bins: 32, offset: 512}
    checkProfileStride(p, 1024)
    checkProfileStride(p, 960)
    assert.throws(() => checkProfileStride(p, 1000), /does not fit the model's output of 32 bins of 32 bp/)
    assert.throws(() => checkProfileStride(p, 992), /a multiple of 64/)
    assert.throws(() => checkProfileStride(p, 2048), GroverError)
    const tracks = ['dnase', 'ctcf', 'h3k27ac']
    assert.deepEqual(selectTracks(tracks, {format: 'tsv'}), [0, 1, 2])
    assert.deepEqual(selectTracks(tracks, {format: 'bedgraph', track: 'ctcf'}), [1])
    assert.deepEqual(selectTracks(tracks, {format: 'bigwig', trackIndex: 2}), [2])
    assert.throws(() => selectTracks(tracks, {format: 'bedgraph'}), /predicts 3 tracks .*choose it with --track NAME or --track-index N/)
    assert.throws(() => selectTracks(tracks, {format: 'bedgraph', trackIndex: 3}), /--track-index 3 is out of range: the model has 3 tracks \(0-2, 0-based\)/)
    assert.throws(() => selectTracks(tracks, {format: 'bedgraph', track: 'atac'}), /no such track. Its tracks: dnase, ctcf, h3k27ac/)
    assert.deepEqual([fmt(0.5), fmt(1.44830e-24), fmt(123456789.5), fmt(2)], ['0.5', '1.4483e-24', '1.23457e+8', '2'])
  })
})

const skip = pyHas('torch') && pyHas('onnx') ? false : process.env.CI ? false : 'python3-torch / python3-onnx not installed'

describe('a profile bundle (Basenji-like CNN, random weights) through grover predict', {skip}, () => {
  const d = tmp('grover-profile-')
  const ck = join(d, 'profile.pth.tar')
  const out = join(d, 'profile')
  const py = (args: string[]) => sh(PY, args, {cwd: join(ROOT, 'scripts')})

  it('exports with ONNX vs PyTorch ≤ 1e-4; TSV bins equal PyTorch (both strands averaged) on the real slice', async () => {
    assert.equal((await py([join(ROOT, 'scripts', 'fixtures', 'make_onehot_checkpoint.py'), ck, '--arch', 'profile'])).code, 0)
    const r = await py([join(ROOT, 'scripts', 'export', 'export_onehot.py'), ck, out, '--arch', 'profile', '--sequence-length', '2048', '--track-names', 'dnase,ctcf,h3k27ac'])
    assert.equal(r.code, 0, r.stderr)
    const m = /max \|Δ\| = ([0-9.e+-]+) \(tolerance 0\.0001\) \[profile \(3, 32, 3\)\]/.exec(r.stderr)
    assert.ok(m && Number(m[1]) <= 1e-4, r.stderr)
    const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
    assert.deepEqual([meta.task, meta.profile, meta.stride, meta.tracks], ['profile', {bin_size: 32, bins: 32, offset: 512}, 1024, ['dnase', 'ctcf', 'h3k27ac']])

    const p = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:3001-8000', '--format', 'tsv', '-q'])
    assert.equal(p.code, 0, p.stderr)
    const lines = p.stdout.trim().split('\n')
    assert.equal(lines[0], 'chrom\tstart\tend\tdnase\tctcf\th3k27ac')
    const rows = lines.slice(1).map((l) => l.split('\t'))
    assert.equal(rows[0]![1], '3512')
    assert.equal(rows.length, (7480 - 3512) / 32)
    // PyTorch on the same windows: 3000, 4024, 5048 and the tail (5952 = end − 2048) moved onto the bin grid: 5944
    const ref = await py(['-c', `
import json, torch
from common.dna import read_fasta, revcomp
from models.onehot import ProfileCNN, profile_sizes, one_hot
sd = torch.load(${JSON.stringify(ck)})["state_dict"]
m = ProfileCNN(profile_sizes(sd, 2048, 32)); m.load_state_dict(sd); m.eval()
seq = next(read_fasta(${JSON.stringify(GENOME)}))[1]
out = {}
with torch.no_grad():
    for s in (3000, 4024, 5048, 5944):
        w = seq[s:s + 2048]
        f = m(one_hot(w)[None].permute(0, 2, 1))[0]
        r = m(one_hot(revcomp(w))[None].permute(0, 2, 1))[0].flip(0)
        for j in range(32):
            out[s + 512 + 32 * j] = ((f[j] + r[j]) / 2).tolist()
print(json.dumps(out))`])
    assert.equal(ref.code, 0, ref.stderr)
    const want = JSON.parse(ref.stdout) as Record<string, number[]>
    for (const row of rows) {
      const w = want[row[1]!]
      assert.ok(w, `no reference bin at ${row[1]}`)
      row.slice(3).forEach((v, t) => assert.ok(Math.abs(Number(v) - w[t]!) <= 1e-4 * Math.max(1, Math.abs(w[t]!)), `bin ${row[1]} track ${t}: ${v} vs ${w[t]}`))
    }
  })

  it('bedGraph of one track (--track / --track-index) and a bigWig that reads back the same values', async () => {
    const tsv = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:3001-8000', '--format', 'tsv', '-q'])
    const ctcf = tsv.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')).map((f) => `${f[0]}\t${f[1]}\t${f[2]}\t${f[4]}`)
    const bg = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:3001-8000', '--format', 'bedgraph', '--track', 'ctcf', '-q'])
    assert.equal(bg.code, 0, bg.stderr)
    assert.deepEqual(bg.stdout.trim().split('\n'), ctcf)
    const bg1 = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:3001-8000', '--format', 'bedgraph', '--track-index', '1', '-q'])
    assert.equal(bg1.stdout, bg.stdout)
    const bw = join(d, 'ctcf.bw')
    const w = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:3001-8000', '--format', 'bigwig', '--track', 'ctcf', '-o', bw, '-q'])
    assert.equal(w.code, 0, w.stderr)
    const feats = await new BigWig({filehandle: new LocalFile(bw)}).getFeatures('chr22_20M', 0, 1_000_000)
    assert.equal(feats.length, ctcf.length)
    feats.forEach((f, i) => {
      const [, a, b, v] = ctcf[i]!.split('\t')
      assert.deepEqual([f.start, f.end], [Number(a), Number(b)])
      assert.ok(Math.abs(f.score - Number(v)) <= 1e-5 * Math.max(1, Math.abs(Number(v))))
    })
  })

  it('refuses what profile output cannot be, with the fix', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[], /--format bed is not for profile models .*use --format bedgraph, bigwig/],
      [['--format', 'bedgraph'], /predicts 3 tracks/],
      [['--format', 'tsv', '--merge'], /--merge is not for profile models/],
      [['--format', 'tsv', '--window', '1000'], /--window is not for profile models .*takes exactly 2048 bp/],
      [['--format', 'tsv', '--stride', '1000'], /--stride 1000 does not fit/],
    ]
    for (const [args, re] of cases) {
      const r = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:3001-8000', ...args, '-q'])
      assert.notEqual(r.code, 0)
      assert.match(r.stderr.replace(/\s*›\s*/g, ' '), re)
    }
  })
})
