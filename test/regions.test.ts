import assert from 'node:assert/strict'
import {writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GroverError} from '../src/errors.js'
import {normalizeRegions, parseRegion, readBedRegions, selectRegions, type SequenceIndex} from '../src/io/regions.js'
import {tmp} from './helpers/util.js'

const index: SequenceIndex = {
  names: ['chr1', 'chr2', 'HLA-A*01:01', 'weird:name'],
  lengths: new Map([['chr1', 1000], ['chr2', 500], ['HLA-A*01:01', 300], ['weird:name', 200]]),
}

describe('parseRegion (1-based inclusive in, 0-based half-open out)', () => {
  const cases: Array<[string, [string, number, number]]> = [
    ['chr1', ['chr1', 0, 1000]],
    ['chr1:1-1', ['chr1', 0, 1]],
    ['chr1:1-1000', ['chr1', 0, 1000]],
    ['chr1:1000-1000', ['chr1', 999, 1000]],
    ['chr1:101-200', ['chr1', 100, 200]],
    ['chr2:250', ['chr2', 249, 500]],
    ['chr1:1,000-1,000', ['chr1', 999, 1000]],
    ['{HLA-A*01:01}:10-20', ['HLA-A*01:01', 9, 20]],
    ['{weird:name}', ['weird:name', 0, 200]],
    ['weird:name', ['weird:name', 0, 200]],
    ['HLA-A*01:01', ['HLA-A*01:01', 0, 300]],
  ]
  for (const [text, [chrom, start, end]] of cases) {
    it(`${text} → ${chrom} [${start}, ${end})`, () => {
      assert.deepEqual(parseRegion(text, index), {chrom, start, end})
    })
  }

  const bad: Array<[string, RegExp]> = [
    ['chrX:1-10', /sequence "chrX" is not in the FASTA index\. Valid names: chr1, chr2/],
    ['1:1-10', /not in the FASTA index.*"chr1".*chr1 vs 1/],
    ['chr1:0-10', /start must be at least 1/],
    ['chr1:20-10', /end 10 is before start 20/],
    ['chr1:1-1001', /past the end of chr1 \(length 1000\)/],
    ['chr1:a-b', /not start-end with positive whole numbers/],
    ['chr1:-5', /not start-end/],
    ['chr1:5-', /not start-end/],
    ['{chr1:1-10', /missing "}"/],
  ]
  for (const [text, re] of bad) {
    it(`rejects ${text}`, () => {
      assert.throws(() => parseRegion(text, index), (e: unknown) => e instanceof GroverError && re.test(e.message))
    })
  }
})

describe('readBedRegions (0-based)', () => {
  it('reads intervals, skipping comments, track and browser lines', async () => {
    const f = join(tmp(), 'r.bed')
    writeFileSync(f, 'track name=x\n#comment\nbrowser position chr1\nchr1\t0\t10\tpeak1\nchr2\t5\t500\r\n\n')
    assert.deepEqual(await readBedRegions(f, index), [{chrom: 'chr1', start: 0, end: 10}, {chrom: 'chr2', start: 5, end: 500}])
  })
  const bad: Array<[string, RegExp]> = [
    ['chr1\t10\t5\n', /r\.bed:1: end 5 is not after start 10/],
    ['chr1\t-1\t5\n', /r\.bed:1: start and end must be non-negative whole numbers/],
    ['chr1\t1\n', /r\.bed:1: expected at least 3 tab-separated columns/],
    ['chr1\t0\t5\nchr9\t0\t5\n', /r\.bed:2: sequence "chr9" is not in the FASTA index/],
    ['chr2\t0\t501\n', /r\.bed:1: ends at 501, past the end of chr2/],
    ['#only a comment\n', /no regions found/],
  ]
  for (const [text, re] of bad) {
    it(`rejects ${JSON.stringify(text)}`, async () => {
      const f = join(tmp(), 'r.bed')
      writeFileSync(f, text)
      await assert.rejects(readBedRegions(f, index), (e: unknown) => e instanceof GroverError && re.test(e.message))
    })
  }
  it('names a missing file', async () => {
    await assert.rejects(readBedRegions('/nonexistent/x.bed', index), /cannot read BED file \/nonexistent\/x\.bed: ENOENT/)
  })
})

describe('normalizeRegions / selectRegions', () => {
  it('sorts by FASTA order and merges overlapping and touching regions', () => {
    const r = normalizeRegions([
      {chrom: 'chr2', start: 10, end: 20}, {chrom: 'chr1', start: 50, end: 60}, {chrom: 'chr1', start: 0, end: 50},
      {chrom: 'chr1', start: 100, end: 200}, {chrom: 'chr1', start: 150, end: 160},
    ], index)
    assert.deepEqual(r, [{chrom: 'chr1', start: 0, end: 60}, {chrom: 'chr1', start: 100, end: 200}, {chrom: 'chr2', start: 10, end: 20}])
  })
  it('defaults to every sequence, in index order', async () => {
    assert.deepEqual((await selectRegions(index)).map((r) => [r.chrom, r.end]), [['chr1', 1000], ['chr2', 500], ['HLA-A*01:01', 300], ['weird:name', 200]])
  })
})
