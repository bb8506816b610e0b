import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {countAmbiguous, reverseComplement} from '../src/dna.js'
import {GroverError} from '../src/errors.js'
import {checkWindowing, countWindows, tile} from '../src/pipeline/windows.js'
import {rng} from './helpers/util.js'

const spans = (start: number, end: number, w: number, s: number) => [...tile({chrom: 'c', start, end}, w, s)].map((r) => [r.start, r.end])

describe('tile', () => {
  it('tiles exactly when the region is a multiple of the stride', () => {
    assert.deepEqual(spans(0, 30, 10, 10), [[0, 10], [10, 20], [20, 30]])
  })
  it('adds a last window ending at the region end when the tail would be lost', () => {
    assert.deepEqual(spans(0, 35, 10, 10), [[0, 10], [10, 20], [20, 30], [25, 35]])
    assert.deepEqual(spans(0, 26, 10, 5), [[0, 10], [5, 15], [10, 20], [15, 25], [16, 26]])
  })
  it('starts at the region start (0-based) and ends at its end', () => {
    assert.deepEqual(spans(100, 125, 10, 10), [[100, 110], [110, 120], [115, 125]])
  })
  it('scores a region shorter than a window as one window of its own length', () => {
    assert.deepEqual(spans(0, 7, 10, 5), [[0, 7]])
    assert.deepEqual(spans(3, 13, 10, 5), [[3, 13]])
  })
  it('yields nothing for an empty region', () => {
    assert.deepEqual(spans(5, 5, 10, 5), [])
  })
  it('covers every base, keeps windows sorted and in bounds, and countWindows agrees (random cases)', () => {
    const r = rng(1)
    for (let k = 0; k < 2000; k++) {
      const start = Math.floor(r() * 100)
      const len = 1 + Math.floor(r() * 300)
      const w = 1 + Math.floor(r() * 60)
      const s = 1 + Math.floor(r() * w)
      const got = spans(start, start + len, w, s)
      assert.equal(got.length, countWindows({chrom: 'c', start, end: start + len}, w, s))
      const covered = new Uint8Array(len)
      let prev = -1
      for (const [a, b] of got) {
        assert.ok(a! > prev && a! >= start && b! <= start + len && b! - a! === Math.min(w, len))
        prev = a!
        for (let i = a!; i < b!; i++) covered[i - start] = 1
      }
      assert.ok(covered.every((x) => x === 1), `uncovered base for start=${start} len=${len} w=${w} s=${s}`)
    }
  })
})

describe('checkWindowing', () => {
  it('rejects a stride larger than the window, and non-positive values', () => {
    assert.throws(() => checkWindowing(100, 200, 'options'), (e: unknown) => e instanceof GroverError && /stride 200 is larger than window 100/.test(e.message))
    assert.throws(() => checkWindowing(0, 1, 'options'), /window must be a positive whole number/)
    assert.throws(() => checkWindowing(10, 0, 'options'), /stride must be a positive whole number/)
    assert.doesNotThrow(() => checkWindowing(10, 10, 'options'))
  })
})

describe('reverseComplement', () => {
  const cases: Array<[string, string]> = [
    ['ACGT', 'ACGT'],
    ['AACCGGTTN', 'NAACCGGTT'],
    ['acgtn', 'nacgt'],
    ['AcGtNn', 'nNaCgT'],
    ['RYKMBVDHSW', 'WSDHBVKMRY'],
    ['', ''],
  ]
  for (const [a, b] of cases) it(`${a || '(empty)'} → ${b || '(empty)'}`, () => assert.equal(reverseComplement(a), b))
  it('is its own inverse', () => {
    const r = rng(2)
    const s = Array.from({length: 5000}, () => 'ACGTNacgtn'[Math.floor(r() * 10)]).join('')
    assert.equal(reverseComplement(reverseComplement(s)), s)
  })
})

describe('countAmbiguous', () => {
  it('counts everything that is not A/C/G/T in either case', () => {
    assert.equal(countAmbiguous('ACGTacgt'), 0)
    assert.equal(countAmbiguous('NNNACGTn'), 4)
    assert.equal(countAmbiguous('RYacgt'), 2)
  })
})
