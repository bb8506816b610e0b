import assert from 'node:assert/strict'
import {chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GroverError} from '../src/errors.js'
import {buildFai, formatFai} from '../src/io/faidx.js'
import {Fasta} from '../src/io/fasta.js'
import {tile, windowsOf} from '../src/pipeline/windows.js'
import {GENOME, rng, sh, tmp} from './helpers/util.js'

/** A multi-sequence FASTA with mixed line widths, soft-masking and a short last line. */
function writeSmallFasta(dir: string, eol = '\n'): string {
  const r = rng(5)
  const base = () => 'ACGTacgtN'[Math.floor(r() * 9)]
  const seqs: Array<[string, number, number]> = [['seqA desc', 1234, 60], ['seqB', 50, 50], ['seqC', 7, 80], ['seqD x y', 999, 70]]
  let text = ''
  for (const [name, len, width] of seqs) {
    const s = Array.from({length: len}, base).join('')
    text += `>${name}${eol}`
    for (let i = 0; i < len; i += width) text += s.slice(i, i + width) + eol
  }
  const f = join(dir, 'small.fa')
  writeFileSync(f, text)
  return f
}

describe('FASTA index: grover builds the same .fai as samtools faidx', () => {
  it('on the real 1 Mb chr22 slice', async () => {
    const d = tmp()
    const f = join(d, 'g.fa')
    copyFileSync(GENOME, f)
    const ours = formatFai(await buildFai(f))
    assert.equal((await sh('samtools', ['faidx', f])).code, 0)
    assert.equal(ours, readFileSync(f + '.fai', 'utf8'))
  })
  for (const eol of ['\n', '\r\n']) {
    it(`on a multi-sequence file with mixed widths (${JSON.stringify(eol)} line ends)`, async () => {
      const f = writeSmallFasta(tmp(), eol)
      const ours = formatFai(await buildFai(f))
      assert.equal((await sh('samtools', ['faidx', f])).code, 0)
      assert.equal(ours, readFileSync(f + '.fai', 'utf8'))
    })
  }
  it('rejects ragged lines and duplicate names with file:line', async () => {
    const d = tmp()
    writeFileSync(join(d, 'r.fa'), '>a\nACGT\nACGTAA\nAC\n')
    await assert.rejects(buildFai(join(d, 'r.fa')), (e: unknown) => e instanceof GroverError && /r\.fa:3: sequence "a" has lines of different lengths/.test(e.message))
    writeFileSync(join(d, 'd.fa'), '>a\nACGT\n>a\nAC\n')
    await assert.rejects(buildFai(join(d, 'd.fa')), /d\.fa:3: duplicate sequence name "a"/)
    writeFileSync(join(d, 'e.fa'), '')
    await assert.rejects(buildFai(join(d, 'e.fa')), /no sequences found/)
    writeFileSync(join(d, 'x.fa'), 'ACGT\n>a\nAC\n')
    await assert.rejects(buildFai(join(d, 'x.fa')), /x\.fa:1: sequence data before the first ">"/)
  })
})

async function samtoolsFetch(file: string, regions: Array<[string, number, number]>): Promise<string[]> {
  const res = await sh('samtools', ['faidx', file, ...regions.map(([c, s, e]) => `${c}:${s + 1}-${e}`)])
  assert.equal(res.code, 0, res.stderr)
  return res.stdout.split('>').slice(1).map((rec) => rec.split('\n').slice(1).join('').toUpperCase())
}

describe('FASTA reading: window bases equal samtools faidx and bedtools getfasta', () => {
  const r = rng(7)
  const windows: Array<[string, number, number]> = Array.from({length: 300}, () => {
    const len = 1 + Math.floor(r() * 3000)
    const start = Math.floor(r() * (1_000_000 - len))
    return ['chr22_20M', start, start + len]
  })
  windows.push(['chr22_20M', 0, 1], ['chr22_20M', 999_999, 1_000_000], ['chr22_20M', 499_990, 500_100])

  it('plain FASTA, 303 random windows vs samtools faidx', async () => {
    const fa = await Fasta.open(GENOME)
    const ref = await samtoolsFetch(GENOME, windows)
    for (let i = 0; i < windows.length; i++) assert.equal(await fa.fetch(...windows[i]!), ref[i], `window ${windows[i]}`)
  })

  it('bgzip FASTA with .fai + .gzi, the same windows', async () => {
    const d = tmp()
    const gz = join(d, 'g.fa.gz')
    assert.equal((await sh('bash', ['-c', `bgzip -c ${GENOME} > ${gz} && samtools faidx ${gz}`])).code, 0)
    assert.ok(existsSync(gz + '.gzi'))
    const fa = await Fasta.open(gz)
    const ref = await samtoolsFetch(GENOME, windows)
    for (let i = 0; i < windows.length; i++) assert.equal(await fa.fetch(...windows[i]!), ref[i], `window ${windows[i]}`)
  })

  it('tiled windows of a soft-masked multi-sequence file vs bedtools getfasta (upper-cased)', async () => {
    const d = tmp()
    const f = writeSmallFasta(d)
    const fa = await Fasta.open(f) // builds the .fai
    assert.ok(existsSync(f + '.fai'))
    const regions = fa.index.names.map((chrom) => ({chrom, start: 0, end: fa.index.lengths.get(chrom)!}))
    const got = []
    for await (const w of windowsOf(fa, regions, 100, 37, 256)) got.push(w)
    const expectedWindows = regions.flatMap((reg) => [...tile(reg, 100, 37)])
    assert.deepEqual(got.map((w) => [w.chrom, w.start, w.end]), expectedWindows.map((w) => [w.chrom, w.start, w.end]))
    const bed = join(d, 'w.bed')
    writeFileSync(bed, got.map((w) => `${w.chrom}\t${w.start}\t${w.end}\n`).join(''))
    const res = await sh('bedtools', ['getfasta', '-fi', f, '-bed', bed, '-tab'])
    assert.equal(res.code, 0, res.stderr)
    const ref = res.stdout.trim().split('\n').map((l) => l.split('\t')[1]!.toUpperCase())
    assert.deepEqual(got.map((w) => w.seq), ref)
    assert.ok(got.every((w) => w.seq === w.seq.toUpperCase()))
  })
})

describe('FASTA errors', () => {
  it('missing file', async () => {
    await assert.rejects(Fasta.open('/nonexistent/g.fa'), /FASTA file not found: \/nonexistent\/g\.fa/)
  })
  it('bgzip without .gzi names the missing file and the fix', async () => {
    const d = tmp()
    const gz = join(d, 'g.fa.gz')
    await sh('bash', ['-c', `head -c 100000 ${GENOME} | bgzip -c > ${gz}`])
    await assert.rejects(Fasta.open(gz), (e: unknown) => e instanceof GroverError && e.message.includes(`${gz}.fai, ${gz}.gzi`) && e.message.includes(`samtools faidx ${gz}`))
  })
  it('plain gzip is refused with how to recompress', async () => {
    const d = tmp()
    const gz = join(d, 'g.fa.gz')
    await sh('bash', ['-c', `head -c 100000 ${GENOME} | gzip -c > ${gz}`])
    await assert.rejects(Fasta.open(gz), /gzip-compressed but not with bgzip.*bgzip/)
  })
  it('unindexed FASTA in a read-only folder: tells the user to run samtools faidx', async (t) => {
    if (process.getuid?.() === 0) {
      // root ignores directory permissions; simulate with a folder that cannot exist instead
      const d = tmp()
      const f = join(d, 'g.fa')
      writeFileSync(f, '>a\nACGT\n')
      chmodSync(d, 0o555)
      const fai = f + '.fai'
      // make the index path unwritable for root too: a directory in its place
      const {mkdirSync} = await import('node:fs')
      mkdirSync(fai + '.tmp-' + process.pid)
      await assert.rejects(Fasta.open(f), /has no index .* cannot write one there .*samtools faidx/)
      chmodSync(d, 0o755)
      t.diagnostic('ran as root: unwritable index path simulated')
      return
    }
    const d = tmp()
    const f = join(d, 'g.fa')
    writeFileSync(f, '>a\nACGT\n')
    chmodSync(d, 0o555)
    await assert.rejects(Fasta.open(f), /has no index .* cannot write one there .*samtools faidx/)
    chmodSync(d, 0o755)
  })
  it('stale index (FASTA shorter than the .fai says) is caught up front', async () => {
    const d = tmp()
    const f = join(d, 'g.fa')
    writeFileSync(f, '>a\nACGTACGT\nACGT\n')
    await Fasta.open(f)
    writeFileSync(f, '>a\nACGT\n')
    await assert.rejects(Fasta.open(f), /does not match .* stale/)
  })
})
