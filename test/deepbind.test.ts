import assert from 'node:assert/strict'
import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'

import {GENOME, grover, oneLine, PY, pyHas, ROOT, sh, tmp} from './helpers/util.js'

const hasTorch = pyHas('torch') && pyHas('onnx')
const skip = hasTorch ? false : process.env.CI ? false : 'python3-torch / python3-onnx not installed (apt-get install python3-torch python3-onnx)'
const PARAMS = join(ROOT, 'data', 'deepbind')
const script = (name: string) => join(ROOT, 'scripts', name)

/** DeepBind v0.11 README's published check values (model D00328.003): [sequence, N-padded windows, real-flank windows]. */
const CHECKS: Array<[string, number, number]> = [
  ['TACCACTAGGGGGCGCCACC', 17.682623, 17.682623],
  ['GAGGTTACGCGGCAAGATAA', -0.02618, -0.02618],
  ['AGACAGAGCTTCCATCAGCGCTAGCAGCAGAGACCATT', -0.248167, -0.910773],
  ['AGGTAATAATTTGCATGAAATAACTTGGAGAGGATAGC', -0.02618, -0.02618],
]

describe('scripts/export/export_deepbind.py: published DeepBind models → grover score bundles', {skip}, () => {
  const dir = tmp()
  const bundle = (id: string, mode: string) => join(dir, `${id}-${mode}`)
  before(async () => {
    for (const id of ['D00328.003', 'D00328.018']) {
      for (const mode of ['deepbind', 'flank']) {
        const r = await sh(PY, [script('export/export_deepbind.py'), join(PARAMS, `${id}.txt`), bundle(id, mode), '--windows', mode])
        assert.equal(r.code, 0, r.stderr)
        assert.match(r.stderr, /check: ONNX Runtime vs scripts\/models\/deepbind\.py .* max \|Δ\| = /)
      }
    }
  })

  it('grover predict reproduces DeepBind\'s published check values, both window modes (≤ 1e-4), as DeepBind\'s unbounded scores', async () => {
    const fa = join(dir, 'checks.fa')
    writeFileSync(fa, CHECKS.map(([s], i) => `>c${i}\n${s}\n`).join(''))
    for (const [mode, col] of [['deepbind', 1], ['flank', 2]] as const) {
      const r = await grover(['predict', fa, '--model', bundle('D00328.003', mode), '-f', 'tsv', '--window', '100', '-q'])
      assert.equal(r.code, 0, r.stderr)
      const lines = r.stdout.trim().split('\n')
      assert.equal(lines[0], 'chrom\tstart\tend\tscore\tstrand\tscore_plus\tscore_minus')
      lines.slice(1).forEach((l, i) => {
        const got = Number(l.split('\t')[3])
        assert.ok(Math.abs(got - CHECKS[i]![col]) <= 1e-4, `${mode} ${CHECKS[i]![0]}: ${got} vs ${CHECKS[i]![col]}`)
      })
      // 6 significant digits, not a squashed probability rounded to 4 decimals
      assert.equal(lines[1]!.split('\t')[3], '17.6826')
      assert.equal(lines[2]!.split('\t')[3], '-0.0261802')
    }
  })

  it('equals the numpy reference on real 1-kb chr22 windows, each strand (≤ 1e-4), and predict keeps the larger strand', async () => {
    for (const mode of ['deepbind', 'flank']) {
      const r = await grover(['predict', GENOME, '--model', bundle('D00328.018', mode), '--region', 'chr22_20M:1-12000', '--window', '1000', '--stride', '1000', '-f', 'tsv', '-q'])
      assert.equal(r.code, 0, r.stderr)
      const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
      assert.equal(rows.length, 12)
      const ref = await sh(PY, ['-c', `
import sys; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'scripts'))})
from models import deepbind
from common.dna import read_fasta, revcomp
p = deepbind.read_params(${JSON.stringify(join(PARAMS, 'D00328.018.txt'))})
seq = next(read_fasta(${JSON.stringify(GENOME)}))[1]
for i in range(12):
    w = seq[i * 1000:(i + 1) * 1000]
    print(deepbind._strand(p, deepbind.encode(w), "${mode}"), deepbind._strand(p, deepbind.encode(revcomp(w)), "${mode}"))
`])
      assert.equal(ref.code, 0, ref.stderr)
      ref.stdout.trim().split('\n').forEach((l, i) => {
        const [plus, minus] = l.split(' ').map(Number) as [number, number]
        const f = rows[i]!
        assert.ok(Math.abs(Number(f[5]) - plus) <= 1e-4 && Math.abs(Number(f[6]) - minus) <= 1e-4, `${mode} window ${i}: ${f.join(' ')} vs ${plus} ${minus}`)
        assert.ok(Math.abs(Number(f[3]) - Math.max(plus, minus)) <= 1e-4)
      })
    }
  })

  it('score and mutagenesis run on a DeepBind bundle (raw score deltas); BED output asks for --threshold', async () => {
    const b = bundle('D00328.018', 'deepbind')
    const m = await grover(['mutagenesis', GENOME, 'chr22_20M:1111-1120', '--model', b, '-q'])
    assert.equal(m.code, 0, m.stderr)
    assert.equal(m.stdout.trim().split('\n').length, 1 + 30)
    const s = await grover(['score', GENOME, join(ROOT, 'data', 'chr22_20M.dbsnp.vcf.gz'), '--model', b, '--region', 'chr22_20M:1-20000', '-q'])
    assert.equal(s.code, 0, s.stderr)
    assert.match(s.stdout, /##INFO=<ID=GROVER_DELTA,.*its raw score, the higher of the two strands/)
    const bed = await grover(['predict', GENOME, '--model', b, '--region', 'chr22_20M:1-5000', '-q'])
    assert.equal(bed.code, 2)
    assert.match(oneLine(bed.stderr), /reports raw scores and has no threshold in grover\.json: give --threshold SCORE/)
    const kept = await grover(['predict', GENOME, '--model', b, '--region', 'chr22_20M:1-5000', '-q', '--threshold', '5', '--no-motif'])
    assert.equal(kept.code, 0, kept.stderr)
    assert.ok(kept.stdout.trim().split('\n').every((l) => Number(l.split('\t')[4]) >= 5))
  })

  it('a file that is not a DeepBind parameter file stops with its name and leaves no bundle', async () => {
    const d = tmp()
    const cases: Array<[string, string, RegExp]> = [
      ['empty.txt', '', /empty\.txt is empty: not a DeepBind parameter file/],
      ['fasta.txt', '>s\nACGT\n', /fasta\.txt: line 1 should be '# deepbind 0\.1'/],
      ['short.txt', '# deepbind 0.1\nreverse_complement = 1\nnum_detectors = 2\ndetector_len = 3\nhas_avg_pooling = 0\nnum_hidden = 0\ndetectors = 1,2,3\n', /short\.txt:7: detectors has 3 values, but the sizes above need 24/],
      ['nan.txt', '# deepbind 0.1\nreverse_complement = x\n', /nan\.txt:2: reverse_complement should be a whole number/],
    ]
    for (const [name, text, message] of cases) {
      writeFileSync(join(d, name), text)
      const out = join(d, `out-${name}`)
      const r = await sh(PY, [script('export/export_deepbind.py'), join(d, name), out])
      assert.equal(r.code, 2, r.stderr)
      assert.match(r.stderr, message)
      assert.match(r.stderr, /no bundle written/)
      assert.ok(!existsSync(out), 'no bundle folder')
      assert.ok(!readdirSync(d).some((f) => f.includes('.tmp-export')), 'no temporary folder')
    }
  })
})
