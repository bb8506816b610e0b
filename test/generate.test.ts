import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, ROOT, TINY, tmp} from './helpers/util.js'

const MLM = join(ROOT, 'test', 'fixtures', 'tiny-mlm')

function records(fasta: string): Array<{name: string; seq: string}> {
  return fasta.split('>').slice(1).map((r) => {
    const [head, ...lines] = r.split('\n')
    return {name: head!, seq: lines.join('')}
  })
}

const ref = (JSON.parse(readFileSync(join(MLM, 'reference.json'), 'utf8')) as {generate: {prompt: string; length: number; sequence: string}}).generate

describe('grover generate', () => {
  it('greedy unmasking writes what the same algorithm in PyTorch writes (scripts/fixtures/fixture_reference.py)', async () => {
    const r = await grover(['generate', '--model', MLM, '--length', String(ref.length), '--prompt', ref.prompt])
    assert.equal(r.code, 0, r.stderr)
    assert.equal(records(r.stdout)[0]!.seq, ref.sequence)
  })

  it('writes --n sequences of exactly --length bp after the prompt, only A/C/G/T, reproducibly by seed', async () => {
    const args = ['generate', '--model', MLM, '--length', '137', '--n', '3', '--temperature', '1', '--seed', '5', '--prompt', 'acgtacgt']
    const a = await grover(args)
    assert.equal(a.code, 0, a.stderr)
    const recs = records(a.stdout)
    assert.equal(recs.length, 3)
    for (const r of recs) {
      assert.equal(r.seq.length, 8 + 137)
      assert.ok(r.seq.startsWith('ACGTACGT'))
      assert.match(r.seq, /^[ACGT]+$/)
    }
    assert.match(recs[0]!.name, /seed=5 temperature=1/)
    assert.equal((await grover(args)).stdout, a.stdout, 'same seed, same sequences')
    assert.notEqual(recs[0]!.seq, recs[1]!.seq, 'samples differ')
    const lines = a.stdout.trim().split('\n').filter((l) => !l.startsWith('>'))
    assert.ok(lines.every((l) => l.length <= 60))
  })

  it('fills every N stretch of a region with the same number of bases and leaves the rest unchanged', async () => {
    const d = tmp()
    const f = join(d, 's.fa')
    const left = 'ACGTTGCAACGTAGGCTAGCTTAGGCATCGATCGGGCTA'
    const right = 'ACGTTTGACCAGTGGCATTACGATCGGATC'
    writeFileSync(f, `>s\n${left}${'N'.repeat(77)}${right}${'N'.repeat(5)}GGTAC\n`)
    const r = await grover(['generate', f, '--model', MLM, '--region', 's', '--n', '2', '--temperature', '0.8'])
    assert.equal(r.code, 0, r.stderr)
    for (const rec of records(r.stdout)) {
      assert.equal(rec.seq.length, left.length + 77 + right.length + 5 + 5)
      assert.match(rec.seq, /^[ACGT]+$/)
      assert.ok(rec.seq.startsWith(left))
      assert.equal(rec.seq.slice(left.length + 77, left.length + 77 + right.length), right)
      assert.ok(rec.seq.endsWith('GGTAC'))
    }
  })

  it('fills the bundled genome\'s N block edge with real flanks (region of 2 kb)', async () => {
    const r = await grover(['generate', GENOME, '--model', MLM, '--region', 'chr22_20M:499501-500500'])
    assert.equal(r.code, 0, r.stderr)
    const [rec] = records(r.stdout)
    assert.equal(rec!.seq.length, 1000)
    assert.match(rec!.seq, /^[ACGT]+$/)
  })

  it('refuses a classifier bundle and a request without --length or FASTA', async () => {
    const a = await grover(['generate', '--model', TINY, '--length', '10'])
    assert.equal(a.code, 2)
    assert.match(a.stderr.replace(/\s*\n\s*›\s*/g, ' '), /generate needs a masked-LM bundle/)
    const b = await grover(['generate', '--model', MLM])
    assert.equal(b.code, 2)
    assert.match(b.stderr.replace(/\s*\n\s*›\s*/g, ' '), /give --length BP/)
  })
})
