import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {bash, GENOME, genomeSeq, grover, ROOT, TINY, tmp} from './helpers/util.js'

const REGION = 'chr22_20M:1-30000'
const base = ['predict', GENOME, '--model', TINY, '-q']

describe('grover --help', () => {
  it('lists the commands', async () => {
    const r = await grover(['--help'])
    assert.equal(r.code, 0)
    assert.match(r.stdout, /predict\s+Scan a genome/)
  })
  it('predict --help shows flags and real examples', async () => {
    const r = await grover(['predict', '--help'])
    assert.equal(r.code, 0)
    for (const s of ['--model', '--region', '--regions', '--window', '--stride', '--strand', '--format', '--threshold', '--merge', '--output', '--batch-size', 'EXAMPLES', '1-based inclusive']) assert.ok(r.stdout.includes(s), s)
  })
  it('cold --help does not load onnxruntime', async () => {
    const r = await bash(`NODE_DEBUG=module node bin/run.js predict --help 2>&1 >/dev/null | grep -c onnxruntime || true`)
    assert.equal(r.stdout.trim(), '0')
  })
})

describe('grover predict', () => {
  it('streams BED6 to stdout: sorted, in bounds, scores in [0, 1], summary on stderr', async () => {
    const r = await grover(['predict', GENOME, '--model', TINY, '--region', REGION, '--threshold', '0'])
    assert.equal(r.code, 0, r.stderr)
    const lines = r.stdout.trim().split('\n')
    assert.equal(lines.length, 59) // 30 kb, window 1000, stride 500: 59 windows
    for (const l of lines) {
      const [chrom, s, e, name, score, strand] = l.split('\t')
      assert.equal(chrom, 'chr22_20M')
      assert.ok(Number(s) >= 0 && Number(e) <= 30000 && Number(e) - Number(s) === 1000)
      assert.equal(name, 'tiny-ctcf')
      assert.ok(Number(score) >= 0 && Number(score) <= 1)
      assert.match(strand!, /^[+-]$/)
    }
    assert.match(r.stderr, /59 windows scored, 0 skipped, 59 records written; 30,000 bp/)
    assert.match(r.stderr, /untrained/)
  })

  it('the default BED keeps only windows at or above the model threshold; --threshold 0 keeps all', async () => {
    const all = await grover([...base, '--region', REGION, '--format', 'tsv'])
    const bed = await grover([...base, '--region', REGION])
    const rows = all.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
    const expected = rows.filter((f) => Number(f[3]) >= 0.5).map((f) => `${f[0]}\t${f[1]}\t${f[2]}\ttiny-ctcf\t${f[3]}\t${f[4]}`)
    assert.deepEqual(bed.stdout.trim() === '' ? [] : bed.stdout.trim().split('\n'), expected)
    assert.equal(rows.length, 59)
  })

  it('TSV has a header with every score column, bedGraph has four columns', async () => {
    const tsv = await grover([...base, '--region', REGION, '--format', 'tsv'])
    assert.equal(tsv.stdout.split('\n')[0], 'chrom\tstart\tend\tscore\tstrand\tscore_plus\tscore_minus\tprob_unbound\tprob_bound')
    const bg = await grover([...base, '--region', REGION, '--format', 'bedgraph'])
    const lines = bg.stdout.trim().split('\n')
    assert.equal(lines.length, 59)
    assert.ok(lines.every((l) => l.split('\t').length === 4))
  })

  it('--strand + and - score one strand each; both is their mean', async () => {
    const get = async (strand: string) => (await grover([...base, '--region', 'chr22_20M:1-5000', '--format', 'tsv', '--strand', strand])).stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
    const [both, plus, minus] = await Promise.all([get('both'), get('+'), get('-')])
    for (let i = 0; i < both.length; i++) {
      assert.equal(plus[i]![6], 'NA')
      assert.equal(minus[i]![5], 'NA')
      assert.equal(plus[i]![4], '+')
      assert.equal(minus[i]![4], '-')
      const mean = (Number(plus[i]![3]) + Number(minus[i]![3])) / 2
      assert.ok(Math.abs(Number(both[i]![3]) - mean) <= 1e-4 + 1e-9, `window ${i}`)
    }
  })

  it('scores do not depend on the batch size', async () => {
    const a = await grover([...base, '--region', REGION, '--format', 'bedgraph', '--batch-size', '1'])
    const b = await grover([...base, '--region', REGION, '--format', 'bedgraph', '--batch-size', '7'])
    assert.equal(a.code, 0, a.stderr)
    assert.equal(b.code, 0, b.stderr)
    assert.ok(a.stdout.trim().split('\n').length > 5, 'windows were scored')
    assert.equal(a.stdout, b.stdout)
  })

  it('-o writes the same bytes as stdout, through a temporary file', async () => {
    const d = tmp()
    const out = join(d, 'sites.bed')
    const r = await grover([...base, '--region', REGION, '--threshold', '0', '-o', out])
    assert.equal(r.code, 0, r.stderr)
    const stdout = await grover([...base, '--region', REGION, '--threshold', '0'])
    assert.equal(readFileSync(out, 'utf8'), stdout.stdout)
    assert.deepEqual(readdirSync(d), ['sites.bed'])
  })

  it('| head -1 ends quietly with exit 0', async () => {
    const r = await bash(`set -o pipefail; node bin/run.js predict ${GENOME} --model ${TINY} --threshold 0 | head -1`)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim().split('\n').length, 1)
    assert.doesNotMatch(r.stderr, /EPIPE|Error/)
  })

  it('skips and counts mostly-N windows, scores the last window of a sequence and short sequences whole', async () => {
    const d = tmp()
    const f = join(d, 'short.fa')
    const real = genomeSeq()
    writeFileSync(f, `>s1\n${real.slice(0, 320)}\n>s2\n${'N'.repeat(1500)}${real.slice(1000, 1800)}\n`)
    const r = await grover(['predict', f, '--model', TINY, '--threshold', '0', '--format', 'bedgraph'])
    assert.equal(r.code, 0, r.stderr)
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 3).join(' ')), ['s1 0 320', 's2 1300 2300'])
    // s2:1000-2000 is half N: not "mostly N", but its 500 single-N tokens put it over the 512-token limit
    assert.match(r.stderr, /2 windows scored, 3 skipped \(2 mostly N, 1 over the model's token limit\)/)
    assert.match(r.stderr, /note: 1 windows tokenized to more than the model's 512 tokens .* Use a smaller --window/)
    assert.ok(existsSync(f + '.fai'))
  })

  it('--regions BED, and --merge joins overlapping windows like bedtools merge', async () => {
    const d = tmp()
    const bed = join(d, 'r.bed')
    writeFileSync(bed, 'chr22_20M\t10000\t20000\nchr22_20M\t0\t5000\n')
    const merged = await grover([...base, '--regions', bed, '--threshold', '0', '--merge'])
    assert.equal(merged.stdout.trim(), `chr22_20M\t0\t5000\ttiny-ctcf\t${maxScore(await grover([...base, '--region', 'chr22_20M:1-5000', '--format', 'bedgraph']))}\t${merged.stdout.split('\t')[5]!.split('\n')[0]}\nchr22_20M\t10000\t20000\ttiny-ctcf\t${maxScore(await grover([...base, '--region', 'chr22_20M:10001-20000', '--format', 'bedgraph']))}\t${merged.stdout.trim().split('\n')[1]!.split('\t')[5]}`)
  })
})

function maxScore(r: {stdout: string}): string {
  return r.stdout.trim().split('\n').map((l) => l.split('\t')[3]!).reduce((a, b) => (Number(b) > Number(a) ? b : a))
}

describe('BED output works with bedtools', () => {
  it('bedtools sort changes nothing; merge and intersect accept it', async () => {
    const d = tmp()
    const out = join(d, 'all.bed')
    const two = join(d, 'two.bed')
    writeFileSync(two, 'chr22_20M\t0\t1000\nchr22_20M\t40000\t41000\n')
    await grover([...base, '--regions', two, '--region', 'chr22_20M:20001-30000', '--threshold', '0', '-o', out])
    const sorted = await bash(`bedtools sort -i ${out} | cmp - ${out}`)
    assert.equal(sorted.code, 0, sorted.stdout + sorted.stderr)
    const merged = await bash(`bedtools merge -i ${out} -d 100 -c 5 -o max`)
    assert.equal(merged.code, 0, merged.stderr)
    assert.deepEqual(merged.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 3).join(' ')), ['chr22_20M 0 1000', 'chr22_20M 20000 30000', 'chr22_20M 40000 41000'])
    const inter = await bash(`bedtools intersect -a ${out} -b ${two} -u | wc -l`)
    assert.equal(inter.code, 0)
    assert.equal(inter.stdout.trim(), '2')
  })
})

describe('progress and interruption', () => {
  it('draws a progress bar on stderr only when stderr is a terminal', async () => {
    const d = tmp()
    const out = join(d, 'o.bed')
    // `script` gives the command a pseudo-terminal, as an interactive shell would.
    const tty = await bash(`script -qec "node bin/run.js predict ${GENOME} --model ${TINY} --region chr22_20M:1-60000 -o ${out}" /dev/null`)
    assert.equal(tty.code, 0, tty.stdout)
    assert.match(tty.stdout, /\/60000 bp \| \d+ windows \| [\d.]+ windows\/s \| ETA/)
    const pipe = await grover(['predict', GENOME, '--model', TINY, '--region', 'chr22_20M:1-60000', '-o', out])
    assert.doesNotMatch(pipe.stderr, /ETA/)
    assert.match(pipe.stderr, /grover predict: 119 windows scored/)
  })

  it('Ctrl-C on a terminal clears the progress bar and shows the cursor before the last message', async () => {
    const d = tmp()
    const out = join(d, 'o.bed')
    const r = await bash(`script -qec "bash -c 'node bin/run.js predict ${GENOME} --model ${TINY} --stride 100 -o ${out} & pid=\\$!; sleep 3; kill -INT \\$pid; wait \\$pid; echo rc=\\$?'" /dev/null`)
    assert.match(r.stdout, /rc=130/)
    const tail = r.stdout.slice(r.stdout.lastIndexOf('ETA'))
    const clear = tail.indexOf('\x1b[2K')
    const msg = tail.indexOf('grover: interrupted')
    assert.ok(clear >= 0 && msg > clear, 'the bar line is erased before the message')
    assert.ok(tail.includes('\x1b[?25h'), 'the cursor is shown again')
    assert.ok(existsSync(`${out}.partial`))
  })

  it('Ctrl-C (SIGINT) stops with exit 130, keeps complete records in FILE.partial and no FILE', async () => {
    const d = tmp()
    const out = join(d, 'o.bed')
    const r = await bash(`node bin/run.js predict ${GENOME} --model ${TINY} --threshold 0 --batch-size 2 --stride 100 -o ${out} & pid=$!; sleep 3; kill -INT $pid; wait $pid`)
    assert.equal(r.code, 130, r.stderr)
    assert.match(r.stderr, /interrupted; complete records so far are kept in .*o\.bed\.partial/)
    assert.ok(!existsSync(out))
    const lines = readFileSync(out + '.partial', 'utf8').split('\n')
    assert.equal(lines.pop(), '') // ends with a newline: no half-written record
    assert.ok(lines.length > 0)
    for (const l of lines) assert.match(l, /^chr22_20M\t\d+\t\d+\ttiny-ctcf\t[01]\.\d{4}\t[+-]$/)
  })
})

describe('other species', () => {
  it('predict, embed and tokenize run unchanged on a non-human genome (orangutan mtDNA)', async () => {
    const fa = join(ROOT, 'data', 'other', 'MT-orang.fa')
    const p = await grover(['predict', fa, '--threshold', '0', '-f', 'bedgraph', '-q'])
    assert.equal(p.code, 0, p.stderr)
    const rows = p.stdout.trim().split('\n').map((l) => l.split('\t'))
    assert.equal(rows.length, 79)
    assert.ok(rows.every((f) => f[0] === 'MT_orang' && Number(f[2]) <= 16_499))
    const e = await grover(['embed', fa, '-q'])
    assert.equal(e.code, 0, e.stderr)
    assert.equal(e.stdout.trim().split('\n').length, 1 + 79)
  })
})
