import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {formatG} from '../src/io/motif-hits.js'
import {detectMotifFormat, parseHomer, parseJaspar, parseMeme} from '../src/io/motifs.js'
import {Pssm, PSSM_RANGE, qvaluesByScore} from '../src/pipeline/pssm.js'
import {bash, GENOME, grover, oneLine, PY, pyHas, ROOT, rng, sh, tmp} from './helpers/util.js'

const JASPAR = join(ROOT, 'data', 'MA0139.1.jaspar')
const hasBio = pyHas('Bio')
const skipBio = hasBio ? false : process.env.CI ? false : 'python3-biopython not installed (apt-get install python3-biopython)'

/**
 * MA0139.1 in MEME minimal format and HOMER's. The MEME probabilities are whole counts out of nsites = 1000
 * (largest remainders), because Biopython's reader rounds probability × nsites to whole counts.
 */
function otherFormats(dir: string): {meme: string; homer: string} {
  const m = parseJaspar(readFileSync(JASPAR, 'utf8'), JASPAR)[0]!
  const rows = m.freqs.map((r) => {
    const c = r.map((x) => Math.floor(x * 1000))
    const order = r.map((x, b) => [x * 1000 - c[b]!, b] as const).sort((a, b) => b[0] - a[0])
    for (let k = 0; k < 1000 - c.reduce((a, b) => a + b, 0); k++) c[order[k]![1]]!++
    return c.map((x) => (x / 1000).toFixed(3)).join(' ')
  })
  const meme = join(dir, 'ctcf.meme')
  writeFileSync(meme, ['MEME version 4', '', 'ALPHABET= ACGT', '', 'strands: + -', '', 'Background letter frequencies', 'A 0.3 C 0.2 G 0.2 T 0.3', '',
    `MOTIF MA0139.1 CTCF`, `letter-probability matrix: alength= 4 w= ${rows.length} nsites= 1000 E= 0`, ...rows, '',
    'MOTIF SHORT short', 'letter-probability matrix: alength= 4 w= 6 nsites= 10 E= 0', '0.7 0.1 0.1 0.1', '0.1 0.1 0.7 0.1', '0.1 0.7 0.1 0.1', '0.3 0.2 0.3 0.2', '0.1 0.1 0.1 0.7', '0.4 0.1 0.4 0.1', ''].join('\n'))
  const homer = join(dir, 'ctcf.motif')
  writeFileSync(homer, [`>CCGCGNGGNGGCAG\tCTCF(Zf)/test\t8.0`, ...m.freqs.map((r) => r.map((x) => x.toFixed(4)).join('\t')), ''].join('\n'))
  return {meme, homer}
}

describe('motif files', () => {
  it('JASPAR (bracket and bare .pfm), MEME minimal and HOMER read to the same frequencies', () => {
    const text = readFileSync(JASPAR, 'utf8')
    const [j] = parseJaspar(text, 'x.jaspar')
    assert.equal(j!.id, 'MA0139.1')
    assert.equal(j!.name, 'CTCF')
    assert.equal(j!.freqs.length, 19)
    assert.deepEqual(j!.totals!.slice(0, 2), [913, 913]) // MA0139.1's first column totals: 87+291+76+459, 167+145+414+187
    const bare = text.split('\n').map((l) => l.replace(/^[ACGT]\s*\[|\]/g, '')).join('\n')
    assert.deepEqual(parseJaspar(bare, 'x.pfm')[0]!.freqs, j!.freqs)
    assert.equal(detectMotifFormat(text), 'jaspar')
    assert.equal(detectMotifFormat(bare), 'jaspar')
    const d = tmp()
    const {meme, homer} = otherFormats(d)
    const mm = parseMeme(readFileSync(meme, 'utf8'), meme)
    assert.deepEqual(mm.background, [0.3, 0.2, 0.2, 0.3])
    assert.equal(mm.motifs.length, 2)
    assert.equal(mm.motifs[1]!.sites, 10)
    mm.motifs[0]!.freqs.forEach((r, i) => r.forEach((x, b) => assert.ok(Math.abs(x - j!.freqs[i]![b]!) < 1e-3)))
    const h = parseHomer(readFileSync(homer, 'utf8'), homer)
    assert.equal(h[0]!.id, 'CTCF(Zf)/test')
    assert.equal(h[0]!.sites, undefined)
    assert.equal(detectMotifFormat(readFileSync(meme, 'utf8')), 'meme')
    assert.equal(detectMotifFormat(readFileSync(homer, 'utf8')), 'homer')
  })

  it('several motifs in one JASPAR .txt', () => {
    const text = readFileSync(JASPAR, 'utf8')
    const two = text + '\n' + text.replace('MA0139.1', 'MA0139.2')
    assert.deepEqual(parseJaspar(two, 'x.txt').map((m) => m.id), ['MA0139.1', 'MA0139.2'])
  })
})

describe('p-values (exact, by dynamic programming over the scaled matrix)', () => {
  it('equal an exhaustive enumeration of all 4^k sites for short motifs, uniform and skewed backgrounds', () => {
    const r = rng(4)
    for (const [k, bg] of [[5, [0.25, 0.25, 0.25, 0.25]], [8, [0.3, 0.2, 0.2, 0.3]], [7, [0.1, 0.4, 0.35, 0.15]]] as const) {
      const freqs = Array.from({length: k}, () => {
        const v = [r(), r(), r(), r()].map((x) => x ** 2 + 0.01)
        const t = v.reduce((a, b) => a + b, 0)
        return v.map((x) => x / t)
      })
      const p = new Pssm({id: 'm', name: '', freqs, sites: 12, where: 'test'}, [...bg], 0.1)
      const exact = new Float64Array(PSSM_RANGE * k + 1)
      for (let x = 0; x < 4 ** k; x++) {
        let s = 0
        let pr = 1
        for (let i = 0, y = x; i < k; i++, y >>= 2) {
          s += p.scaled[i * 5 + (y & 3)]!
          pr *= bg[y & 3]!
        }
        exact[s] += pr
      }
      let tail = 0
      for (let s = exact.length - 1; s >= 0; s--) {
        tail += exact[s]!
        assert.ok(Math.abs(p.pv[s]! - tail) <= 1e-12, `k=${k} s=${s}: ${p.pv[s]} vs ${tail}`)
      }
      assert.ok(Math.abs(p.pv[0]! - 1) < 1e-12)
    }
  })

  it('Benjamini–Hochberg from hit counts: ties share the largest rank, step-up, at most 1', () => {
    const pv = new Float64Array([1, 0.5, 0.1, 0.01, 0.001])
    const q = qvaluesByScore(new Map([[4, 2], [3, 1], [2, 3]]), pv, 100)
    // ranks: score 4 (p .001) → 2, score 3 (p .01) → 3, score 2 (p .1) → 6
    assert.ok(Math.abs(q.get(4)! - 0.05) < 1e-12)
    assert.ok(Math.abs(q.get(3)! - 1 / 3) < 1e-12)
    assert.equal(q.get(2), 1)
  })

  it('formats p-values as C printf %.3g does', () => {
    assert.deepEqual([4.03e-8, 7e-5, 0.0001, 0.000123456, 0.0362, 1, 0.5, 123.4].map((x) => formatG(x)), ['4.03e-08', '7e-05', '0.0001', '0.000123', '0.0362', '1', '0.5', '123'])
  })
})

describe('grover motifs', () => {
  it('scores equal Biopython\'s Bio.motifs PSSM on real DNA, every position and strand (JASPAR, MEME, HOMER; ≤ 1e-4)', {skip: skipBio}, async () => {
    const d = tmp()
    const {meme, homer} = otherFormats(d)
    const region = {chrom: 'chr22_20M', start: 3000, end: 23000}
    for (const [file, fmt, bioFmt, bg] of [[JASPAR, 'jaspar', 'jaspar', 'uniform'], [meme, 'meme', 'minimal', 'motif'], [homer, 'homer', 'homer', 'uniform']] as const) {
      const g = await grover(['motifs', GENOME, '--motifs', file, '--region', `chr22_20M:${region.start + 1}-${region.end}`, '--pvalue', '1', '--no-qvalue', '-q', '--background', bg])
      assert.equal(g.code, 0, g.stderr)
      const bgv = bg === 'motif' ? [0.3, 0.2, 0.2, 0.3] : [0.25, 0.25, 0.25, 0.25]
      const ref = await sh(PY, [join(ROOT, 'scripts', 'fixtures', 'motif_reference.py'), 'scores', file, bioFmt, GENOME, region.chrom, String(region.start), String(region.end), '0.1', ...bgv.map(String)])
      assert.equal(ref.code, 0, ref.stderr)
      const want = new Map(ref.stdout.trim().split('\n').map((l) => {
        const f = l.split('\t')
        return [`${f[0]}:${f[1]}:${f[2]}`, Number(f[3])]
      }))
      const got = g.stdout.trim().split('\n').map((l) => l.split('\t'))
      // every position (ending inside the region) and strand of every motif, nothing more
      assert.equal(got.length, want.size, `${fmt}: ${got.length} lines vs Biopython's ${want.size}`)
      let worst = 0
      for (const f of got) {
        const w = want.get(`${f[3]}:${f[1]}:${f[5]}`)
        assert.ok(w !== undefined, `${fmt}: ${f.slice(0, 6).join(' ')} not in Biopython's output`)
        worst = Math.max(worst, Math.abs(Number(f[4]) - w))
      }
      assert.ok(worst <= 1e-4, `${fmt}: max |grover − Biopython| = ${worst}`)
    }
  })

  it('calibrated: on random i.i.d. DNA the hits are p-value × tests (both strands), within noise', async () => {
    const d = tmp()
    const r = rng(21)
    const n = 2_000_000
    const chunks: string[] = []
    for (let i = 0; i < n; i += 60) chunks.push(Array.from({length: Math.min(60, n - i)}, () => 'ACGT'[Math.floor(r() * 4)]).join(''))
    writeFileSync(join(d, 'iid.fa'), `>iid\n${chunks.join('\n')}\n`)
    for (const p of ['1e-3', '1e-4']) {
      const g = await grover(['motifs', join(d, 'iid.fa'), '--motifs', JASPAR, '--background', 'uniform', '--pvalue', p, '--no-qvalue'])
      assert.equal(g.code, 0, g.stderr)
      const hits = g.stdout.trim().split('\n').length
      const tests = 2 * (n - 19 + 1)
      const expected = Number(p) * tests
      // the p-value of the weakest reported score is a little under the threshold (the scores are discrete)
      assert.ok(hits <= expected + 4 * Math.sqrt(expected) && hits >= 0.7 * expected - 4 * Math.sqrt(expected), `p < ${p}: ${hits} hits, ${expected.toFixed(0)} expected`)
      assert.match(g.stderr, new RegExp(`${tests.toLocaleString('en-US')} tests`))
    }
  })

  it('q-values equal Benjamini–Hochberg over every position and strand (numpy, from the definition)', async () => {
    const g = await grover(['motifs', GENOME, '--motifs', JASPAR, '--region', 'chr22_20M:1-30000', '--pvalue', '1'])
    assert.equal(g.code, 0, g.stderr)
    const d = tmp()
    writeFileSync(join(d, 'all.bed'), g.stdout)
    const tests = Number(/\(([\d,]+) tests/.exec(g.stderr)![1]!.replace(/,/g, ''))
    assert.equal(g.stdout.trim().split('\n').length, tests, 'with --pvalue 1 every test is a hit')
    const ref = await sh(PY, [join(ROOT, 'scripts', 'fixtures', 'motif_reference.py'), 'bh', join(d, 'all.bed')], {input: `MA0139.1 ${tests}\n`})
    assert.equal(ref.code, 0, ref.stderr)
    const want = ref.stdout.trim().split('\n').map(Number)
    const got = g.stdout.trim().split('\n').map((l) => Number(l.split('\t')[7]))
    let worst = 0
    got.forEach((q, i) => (worst = Math.max(worst, Math.abs(q - want[i]!) / want[i]!)))
    assert.ok(worst < 0.02, `largest relative difference ${worst} (p-values are printed to 3 digits)`)
    // and a real filter: --qvalue keeps exactly the hits at or under it
    const f = await grover(['motifs', GENOME, '--motifs', JASPAR, '--qvalue', '0.3', '-q'])
    const all = await grover(['motifs', GENOME, '--motifs', JASPAR, '-q'])
    const keep = all.stdout.trim().split('\n').filter((l) => Number(l.split('\t')[7]) <= 0.3)
    assert.deepEqual(f.stdout.trim().split('\n'), keep)
  })

  it('output: BED6+3 sorted as bedtools sorts it, FIMO TSV columns, --max-strand, --no-qvalue streams the same hits', async () => {
    const bed = await bash(`node bin/run.js motifs ${GENOME} --motifs ${JASPAR} -q > /tmp/grover-motifs-$$.bed && bedtools sort -i /tmp/grover-motifs-$$.bed | cmp - /tmp/grover-motifs-$$.bed && wc -l < /tmp/grover-motifs-$$.bed; rm -f /tmp/grover-motifs-$$.bed`)
    assert.equal(bed.code, 0, bed.stderr)
    assert.ok(Number(bed.stdout.trim()) > 100)
    const b = await grover(['motifs', GENOME, '--motifs', JASPAR, '-q'])
    const first = b.stdout.split('\n')[0]!.split('\t')
    assert.equal(first.length, 9)
    assert.equal(first[8]!.length, 19)
    assert.equal(Number(first[2]) - Number(first[1]), 19)
    const t = await grover(['motifs', GENOME, '--motifs', JASPAR, '-q', '-f', 'tsv'])
    const lines = t.stdout.trim().split('\n')
    assert.equal(lines[0], 'motif_id\tmotif_alt_id\tsequence_name\tstart\tstop\tstrand\tscore\tp-value\tq-value\tmatched_sequence')
    const t1 = lines[1]!.split('\t')
    assert.deepEqual([t1[0], t1[1], t1[2], Number(t1[3]) - 1, Number(t1[4])], ['MA0139.1', 'CTCF', first[0], Number(first[1]), Number(first[2])])
    // the matched sequence is the genome's on +, its reverse complement on −
    const seq = readFileSync(GENOME, 'utf8').split('\n').slice(1).join('')
    for (const l of b.stdout.trim().split('\n').slice(0, 30)) {
      const f = l.split('\t')
      const site = seq.slice(Number(f[1]), Number(f[2])).toUpperCase()
      const rc = site.split('').reverse().map((c) => ({A: 'T', C: 'G', G: 'C', T: 'A'})[c] ?? c).join('')
      assert.equal(f[8], f[5] === '+' ? site : rc)
    }
    const ms = await grover(['motifs', GENOME, '--motifs', JASPAR, '-q', '--max-strand'])
    const starts = ms.stdout.trim().split('\n').map((l) => l.split('\t')[1])
    assert.equal(new Set(starts).size, starts.length, 'one strand per position')
    const streamed = await grover(['motifs', GENOME, '--motifs', JASPAR, '-q', '--no-qvalue'])
    assert.deepEqual(streamed.stdout.trim().split('\n').map((l) => l.split('\t').filter((_, i) => i !== 7).join('\t')),
      b.stdout.trim().split('\n').map((l) => l.split('\t').filter((_, i) => i !== 7).join('\t')))
    assert.ok(streamed.stdout.trim().split('\n').every((l) => l.split('\t')[7] === 'NA'))
  })

  it('regions, bgzip FASTA and -o: the same hits', async () => {
    const d = tmp()
    await bash(`cp ${GENOME} ${d}/g.fa && bgzip -@2 ${d}/g.fa && samtools faidx ${d}/g.fa.gz`)
    const a = await grover(['motifs', GENOME, '--motifs', JASPAR, '-q', '--region', 'chr22_20M:100001-300000'])
    const o = join(d, 'out.bed')
    const b = await grover(['motifs', join(d, 'g.fa.gz'), '--motifs', JASPAR, '-q', '--region', 'chr22_20M:100001-300000', '-o', o])
    assert.equal(b.code, 0, b.stderr)
    assert.equal(readFileSync(o, 'utf8'), a.stdout)
    assert.ok(a.stdout.trim().split('\n').every((l) => Number(l.split('\t')[1]) >= 100000 && Number(l.split('\t')[2]) <= 300000))
  })
})

describe('predict marks the best motif site of each record', () => {
  it('BED8 by default with ctcf\'s own JASPAR MA0139.1: thick span = the best grover-motifs hit inside, strand = its orientation', async () => {
    const region = 'chr22_20M:1-200000'
    const p = await grover(['predict', GENOME, '--region', region, '-q'])
    assert.equal(p.code, 0, p.stderr)
    const m = await grover(['motifs', GENOME, '--motifs', join(ROOT, 'models', 'ctcf', 'MA0139.1.jaspar'), '--region', region, '-q', '--no-qvalue'])
    const hits = m.stdout.trim().split('\n').map((l) => l.split('\t')).map((f) => ({start: Number(f[1]), end: Number(f[2]), strand: f[5]!, score: Number(f[4]), p: Number(f[6])}))
    const recs = p.stdout.trim().split('\n').map((l) => l.split('\t'))
    assert.ok(recs.length > 10)
    let withSite = 0
    for (const f of recs) {
      assert.equal(f.length, 8)
      const [s, e, ts, te] = [Number(f[1]), Number(f[2]), Number(f[6]), Number(f[7])]
      const inside = hits.filter((h) => h.start >= s && h.end <= e).sort((a, b) => a.p - b.p || b.score - a.score || a.start - b.start)
      if (inside.length === 0) {
        assert.deepEqual([ts, te], [s, s], `no site in ${f.join(' ')}`)
        continue
      }
      withSite++
      assert.deepEqual([ts, te, f[5]], [inside[0]!.start, inside[0]!.end, inside[0]!.strand], f.join(' '))
    }
    assert.ok(withSite > 0)
    const no = await grover(['predict', GENOME, '--region', region, '-q', '--no-motif'])
    assert.ok(no.stdout.trim().split('\n').every((l) => l.split('\t').length === 6))
    assert.deepEqual(no.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 5)), recs.map((f) => f.slice(0, 5)))
  })

  it('--merge: the merged site\'s best hit; TSV with --motifs: motif_* columns; bedGraph refuses --motifs', async () => {
    const region = 'chr22_20M:1-100000'
    const merged = await grover(['predict', GENOME, '--region', region, '-q', '--merge'])
    const windows = await grover(['predict', GENOME, '--region', region, '-q'])
    const w = windows.stdout.trim().split('\n').map((l) => l.split('\t'))
    for (const f of merged.stdout.trim().split('\n').map((l) => l.split('\t'))) {
      if (f[6] === f[7]) continue
      // the merged record's site is the best of its windows' sites (ties: the leftmost)
      const inside = w.filter((g) => Number(g[1]) >= Number(f[1]) && Number(g[2]) <= Number(f[2]) && g[6] !== g[7])
      assert.ok(inside.some((g) => g[6] === f[6] && g[7] === f[7]), f.join(' '))
    }
    const t = await grover(['predict', GENOME, '--region', region, '-q', '-f', 'tsv', '--motifs', JASPAR])
    const head = t.stdout.split('\n')[0]!.split('\t')
    assert.deepEqual(head.slice(-5), ['motif_start', 'motif_end', 'motif_strand', 'motif_score', 'motif_pvalue'])
    const plain = await grover(['predict', GENOME, '--region', region, '-q', '-f', 'tsv'])
    assert.equal(plain.stdout.split('\n')[0]!.split('\t').length, head.length - 5, 'TSV has motif columns only with --motifs')
    const bg = await grover(['predict', GENOME, '--region', region, '-q', '-f', 'bedgraph', '--motifs', JASPAR])
    assert.equal(bg.code, 2)
    assert.match(oneLine(bg.stderr), /--motifs adds the best motif site to each record, which bedGraph cannot hold/)
  })
})
