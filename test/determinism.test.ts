import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {GENOME, grover, TINY} from './helpers/util.js'

const REGION = 'chr22_20M:480001-560000' // crosses into the N block: skipped windows change batch sizes
const base = ['predict', GENOME, '--model', TINY, '-q', '-r', REGION, '--threshold', '0', '-f', 'tsv']

/** Rows of a TSV as [key, numbers]. */
const rows = (tsv: string) => tsv.trim().split('\n').slice(1).map((l) => l.split('\t')).map((f) => ({key: f.slice(0, 3).join(':') + f[4], nums: [f[3], ...f.slice(5)].map(Number)}))

describe('determinism', () => {
  it('the same inputs and flags give byte-identical output, run after run', async () => {
    const a = await grover([...base, '-b', '4'])
    const b = await grover([...base, '-b', '4'])
    assert.equal(a.code, 0, a.stderr)
    assert.equal(a.stdout, b.stdout)
  })

  it('batch sizes and thread counts change scores by at most the float tolerance (1e-4 after rounding to 4 decimals)', async () => {
    const ref = await grover([...base, '-b', '16', '--threads', '2'])
    const want = rows(ref.stdout)
    assert.ok(want.length > 30, `${want.length} rows`)
    for (const flags of [['-b', '1', '--threads', '1'], ['-b', '3', '--threads', '2'], ['-b', '7', '--threads', '1']]) {
      const got = rows((await grover([...base, ...flags])).stdout)
      assert.equal(got.length, want.length, flags.join(' '))
      got.forEach((g, i) => {
        // the strand column may flip only where the two strands tie within the tolerance
        assert.equal(g.key.slice(0, -1), want[i]!.key.slice(0, -1))
        g.nums.forEach((x, k) => assert.ok(Math.abs(x - want[i]!.nums[k]!) <= 1.0001e-4, `${flags.join(' ')} row ${i} col ${k}: ${x} vs ${want[i]!.nums[k]}`))
      })
    }
  })
})
