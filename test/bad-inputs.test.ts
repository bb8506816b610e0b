/**
 * The bad-input catalogue: every case runs the built binary as a user would, with -o FILE, and checks
 * the message (what, where, how to fix), the exit code, that no stack trace is printed and that no
 * output file that looks complete is left behind. A few inputs that look bad but are valid (CRLF line
 * ends, IUPAC codes, BED track lines) are handled, and checked too.
 */
import assert from 'node:assert/strict'
import {cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {before, describe, it} from 'node:test'

import {bash, GENOME, genomeSeq, grover, oneLine, ROOT, TINY, tmp} from './helpers/util.js'

const d = tmp()
const file = (name: string, text: string | Buffer) => {
  const p = join(d, name)
  writeFileSync(p, text)
  return p
}
const fasta = (name: string, records: Array<[string, string]>, eol = '\n') =>
  file(name, records.map(([h, s]) => `>${h}${eol}${(s.match(/.{1,60}/g) ?? []).join(eol)}${eol}`).join(''))
const seq = genomeSeq()
const dna = (start: number, len: number) => seq.slice(start, start + len)
const meta = JSON.parse(readFileSync(join(TINY, 'grover.json'), 'utf8'))
const bundle = (name: string, change: (dir: string) => void) => {
  const dir = join(d, name)
  cpSync(TINY, dir, {recursive: true})
  change(dir)
  return dir
}
const VCF_HEAD = '##fileformat=VCFv4.2\n##contig=<ID=chr22_20M,length=1000000>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n'
const P = ['predict', '--model', TINY]
const small = ['--region', 'chr22_20M:1-3000']

interface Case {
  what: string
  args: () => string[]
  /** the message, matched on stderr with oclif's line wrapping undone */
  message: RegExp
  /** expected exit code (0 for inputs that are handled) */
  exit?: number
  /** the output goes to stdout instead of -o (e.g. the disk-full case) */
  shell?: (args: string[]) => string
}

const cases: Case[] = [
  // FASTA
  {what: 'missing FASTA', args: () => [...P, join(d, 'nope.fa')], message: /FASTA file not found: .*nope\.fa\. Check the path\./},
  {what: 'empty FASTA (0 bytes)', args: () => [...P, file('empty.fa', '')], message: /empty\.fa: no sequences found \(no ">" header line\)\. Is this a FASTA file\?/},
  {what: 'truncated FASTA: a header and no bases', args: () => [...P, fasta('trunc.fa', [['a', dna(0, 500)], ['b', '']])], message: /trunc\.fa: sequence "b" has a header but no bases\. The file may be truncated/},
  {what: 'FASTA truncated after it was indexed (stale .fai)', args: () => {
    const p = fasta('stale.fa', [['a', dna(0, 5000)]])
    writeFileSync(`${p}.fai`, 'a\t9000\t3\t60\t61\n')
    return [...P, p]
  }, message: /stale\.fa\.fai does not match .*stale\.fa: sequence "a" would end at byte \d+ but the file has \d+ bytes\. The index is stale; delete it and run "samtools faidx/},
  {what: 'bgzip FASTA without .gzi', args: () => [...P, join(d, 'g.fa.gz')], message: /bgzip FASTA .*g\.fa\.gz needs its index files; missing: .*\.fai, .*\.gzi\. Create them with: samtools faidx/},
  {what: 'plain gzip FASTA', args: () => [...P, join(d, 'plain.fa.gz')], message: /plain\.fa\.gz is gzip-compressed but not with bgzip.*Recompress it: zcat/},
  {what: 'duplicate sequence names', args: () => [...P, fasta('dup.fa', [['a', dna(0, 300)], ['a', dna(300, 300)]])], message: /dup\.fa:\d+: duplicate sequence name "a"/},
  {what: 'ragged lines (a short line inside a record)', args: () => [...P, file('ragged.fa', `>a\n${dna(0, 60)}\n${dna(60, 30)}\n${dna(90, 60)}\n`)], message: /ragged\.fa:4: sequence "a" has lines of different lengths \(only the last line of a sequence may be shorter\)\. Reformat it/},
  {what: 'protein FASTA', args: () => [...P, fasta('protein.fa', [['sp|P69905|HBA_HUMAN', 'MVLSPADKTNVKAAWGKVGAHAGEYGAEALERMFLSFPTTKTYFPHFDLSHGSAQVKGHGKKVADALTNAVAHVDDMPNALSALSDLHAHKLRVDPVNFKLLSHCLLVTLAAHLPAEFTPAVHASLDKFLASVSTVLTSKYR']])], message: /has "[^"]" at position \d+ \(1-based\), which is not a DNA base or IUPAC code\. Is this a protein FASTA\?/},
  {what: 'a BED file given as the FASTA', args: () => [...P, file('regions-as-fasta.bed', 'chr1\t100\t200\n')], message: /regions-as-fasta\.bed:1: sequence data before the first ">" header line\. Is this a FASTA file\?/},
  {what: 'CRLF line ends are read like LF (handled)', args: () => [...P, '--threshold', '0', fasta('crlf.fa', [['a', dna(0, 4000)]], '\r\n')], message: /grover predict: 7 windows scored, 0 skipped/, exit: 0},
  {what: 'IUPAC ambiguity codes count as N (handled)', args: () => [...P, '--threshold', '0', fasta('iupac.fa', [['a', dna(0, 2000) + 'RYKMSWBDHV'.repeat(150) + dna(2000, 1000)]])], message: /windows scored, \d+ skipped \(\d+ mostly N/, exit: 0},
  // regions
  {what: 'BED with browser/track/# header lines (handled)', args: () => [...P, GENOME, '--regions', file('header.bed', 'browser position chr22_20M:1-100\ntrack name=x\n# comment\nchr22_20M\t0\t2000\n'), '--threshold', '0'], message: /grover predict: \d+ windows scored/, exit: 0},
  {what: 'BED with start > end', args: () => [...P, GENOME, '--regions', file('swap.bed', 'chr22_20M\t5000\t1000\n')], message: /swap\.bed:1: end 1000 is not after start 5000; a BED interval needs start < end\./},
  {what: 'BED with a negative coordinate', args: () => [...P, GENOME, '--regions', file('neg.bed', 'chr22_20M\t-10\t1000\n')], message: /neg\.bed:1: start and end must be non-negative whole numbers \(BED is 0-based\), got "-10" and "1000"\./},
  {what: 'BED with a non-numeric coordinate', args: () => [...P, GENOME, '--regions', file('nan.bed', 'chr22_20M\t100\t2e3\n')], message: /nan\.bed:1: start and end must be non-negative whole numbers/},
  {what: 'BED with too few columns', args: () => [...P, GENOME, '--regions', file('two.bed', 'chr22_20M 100 200\n')], message: /two\.bed:1: expected at least 3 tab-separated columns \(chrom start end\), found 1\./},
  {what: 'BED region past the end of the sequence', args: () => [...P, GENOME, '--regions', file('past.bed', 'chr22_20M\t999000\t1000001\n')], message: /past\.bed:1: ends at 1000001, past the end of chr22_20M \(length 1000000\)/},
  {what: 'BED with no regions', args: () => [...P, GENOME, '--regions', file('none.bed', '# nothing\n')], message: /none\.bed: no regions found\./},
  {what: 'region string past the end', args: () => [...P, GENOME, '--region', 'chr22_20M:1-2000000'], message: /past the end of chr22_20M \(length 1000000\)\. Use coordinates within 1-1000000\./},
  {what: 'region string that is not start-end', args: () => [...P, GENOME, '--region', 'chr22_20M:10-x'], message: /"10-x" is not start-end with positive whole numbers/},
  {what: 'region string starting at 0 (1-based like samtools)', args: () => [...P, GENOME, '--region', 'chr22_20M:0-100'], message: /start must be at least 1 \(region strings are 1-based, like samtools\)/},
  {what: 'unknown chromosome', args: () => [...P, GENOME, '--region', 'chrX:1-1000'], message: /sequence "chrX" is not in the FASTA index\. Valid names: chr22_20M/},
  {what: 'chromosome naming mismatch (chr1 vs 1)', args: () => [...P, fasta('nochr.fa', [['1', dna(0, 3000)]]), '--region', 'chr1:1-1000'], message: /sequence "chr1" is not in the FASTA index.*The FASTA calls it "1": chromosome naming differs \(chr1 vs 1\)/},
  // VCF (grover score)
  {what: 'VCF REF that does not match the FASTA', args: () => ['score', GENOME, file('mismatch.vcf', VCF_HEAD + `chr22_20M\t1001\t.\t${seq[1000] === 'A' ? 'C' : 'A'}\tG\t.\t.\t.\n`), '--model', TINY], message: /mismatch\.vcf:4: REF [AC] at chr22_20M:1001 does not match the FASTA \([ACGTN]+\)\. Is the VCF for another assembly\? Use --skip-mismatch to skip such records\./},
  {what: 'VCF line with too few columns', args: () => ['score', GENOME, file('short.vcf', VCF_HEAD + 'chr22_20M\t1001\t.\tA\n'), '--model', TINY], message: /short\.vcf:4: /},
  // bundles
  {what: 'unknown model name', args: () => ['predict', GENOME, '--model', 'nosuchmodel'], message: /model "nosuchmodel" is neither a bundle folder nor a shipped model\. Shipped models: ctcf, ctcf-lm, grover-mini, prom300\. /},
  {what: 'bundle without grover.json', args: () => ['predict', GENOME, ...small, '--model', bundle('no-meta', (b) => rmSync(join(b, 'grover.json')))], message: /grover\.json is missing/},
  {what: 'grover.json that is not JSON', args: () => ['predict', GENOME, ...small, '--model', bundle('bad-json', (b) => writeFileSync(join(b, 'grover.json'), '{"task": '))], message: /grover\.json is not valid JSON/},
  {what: 'grover.json without "task"', args: () => ['predict', GENOME, ...small, '--model', bundle('no-task', (b) => writeFileSync(join(b, 'grover.json'), JSON.stringify({...meta, task: undefined})))], message: /grover\.json: "task" /},
  {what: 'grover.json without "window"', args: () => ['predict', GENOME, ...small, '--model', bundle('no-window', (b) => writeFileSync(join(b, 'grover.json'), JSON.stringify({...meta, window: undefined})))], message: /grover\.json: "window" /},
  {what: 'positive label not among the labels', args: () => ['predict', GENOME, ...small, '--model', bundle('bad-positive', (b) => writeFileSync(join(b, 'grover.json'), JSON.stringify({...meta, positive_label: 'maybe'})))], message: /"positive_label" must be one of the labels \(unbound, bound\)/},
  {what: 'labels that do not match the model output', args: () => ['predict', GENOME, ...small, '--model', bundle('wrong-labels', (b) => writeFileSync(join(b, 'grover.json'), JSON.stringify({...meta, labels: ['a', 'b', 'bound']})))], message: /has shape \[\d+, 2\], but grover\.json declares 3 labels \(a, b, bound\): expected \[batch, 3\]/},
  {what: 'truncated ONNX model', args: () => ['predict', GENOME, ...small, '--model', bundle('corrupt', (b) => writeFileSync(join(b, 'model.onnx'), readFileSync(join(TINY, 'model.onnx')).subarray(0, 5000)))], message: /could not be loaded by ONNX Runtime.*re-export/},
  {what: 'a text file in place of the ONNX model', args: () => ['predict', GENOME, ...small, '--model', bundle('text-onnx', (b) => writeFileSync(join(b, 'model.onnx'), 'not a model\n'))], message: /could not be loaded by ONNX Runtime/},
  {what: 'tokenizer that does not match the model vocabulary', args: () => ['predict', GENOME, ...small, '--model', bundle('big-vocab', (b) => writeFileSync(join(b, 'grover.json'), JSON.stringify({...meta, architecture: {...meta.architecture, vocab_size: 40}})))], message: /the tokenizer has \d+ ids but the model's vocabulary has 40: they do not belong together/},
  {what: 'tokenizer.json that is not JSON', args: () => ['predict', GENOME, ...small, '--model', bundle('bad-tok', (b) => writeFileSync(join(b, 'tokenizer.json'), '{"model": {'))], message: /tokenizer\.json/},
  // options
  {what: 'stride larger than window', args: () => [...P, GENOME, '--window', '100', '--stride', '200'], message: /stride 200 is larger than window 100, which would leave bases between windows unscored\. Use --stride ≤ --window\./},
  {what: 'window of 0 bp', args: () => [...P, GENOME, '--window', '0'], message: /window must be a positive whole number of bp, got 0/},
  {what: 'threshold out of range', args: () => [...P, GENOME, '--threshold', '1.5'], message: /--threshold must be a probability between 0 and 1, got 1\.5/},
  {what: '--max-n out of range', args: () => [...P, GENOME, '--max-n', '2'], message: /--max-n must be a fraction between 0 and 1, got 2/},
  {what: 'non-numeric --threshold', args: () => [...P, GENOME, '--threshold', 'high'], message: /--threshold must be a number, got "high"/},
  // motif files (grover motifs, predict --motifs)
  {what: 'missing motif file', args: () => ['motifs', GENOME, '--motifs', join(d, 'nope.jaspar')], message: /motif file .*nope\.jaspar does not exist\./},
  {what: 'empty motif file', args: () => ['motifs', GENOME, '--motifs', file('empty.jaspar', '\n')], message: /motif file .*empty\.jaspar is empty\. Give a JASPAR, MEME or HOMER motif file\./},
  {what: 'motif file of unknown format', args: () => ['motifs', GENOME, '--motifs', file('what.txt', 'hello motif\n1 2 3\n')], message: /what\.txt: not a motif file grover knows \(JASPAR \.jaspar\/\.pfm\/\.txt, MEME, HOMER \.motif\)\. Name its format with --format-in/},
  {what: 'JASPAR motif with ragged rows', args: () => ['motifs', GENOME, '--motifs', file('ragged.jaspar', '>M1 x\nA [ 1 2 3 ]\nC [ 1 2 3 ]\nG [ 1 2 ]\nT [ 1 2 3 ]\n')], message: /ragged\.jaspar:1: motif M1's G row has 2 counts but its A row has 3: the rows are ragged\. Fix the motif file\./},
  {what: 'JASPAR motif with a non-numeric count', args: () => ['motifs', GENOME, '--motifs', file('nan.jaspar', '>M1 x\nA [ 1 2 3 ]\nC [ 1 x 3 ]\nG [ 1 2 3 ]\nT [ 1 2 3 ]\n')], message: /nan\.jaspar:3: "x" is not a number \(a count of motif M1\)\. Fix the motif file\./},
  {what: 'JASPAR motif with a negative count', args: () => ['motifs', GENOME, '--motifs', file('neg.jaspar', '>M1 x\nA [ 1 2 3 ]\nC [ 1 -2 3 ]\nG [ 1 2 3 ]\nT [ 1 2 3 ]\n')], message: /neg\.jaspar:1: motif M1 position 2 has a negative count \(2 -2 2 2\)\. Fix the motif file\./},
  {what: 'JASPAR motif with an all-zero column', args: () => ['motifs', GENOME, '--motifs', file('zero.jaspar', '>M1 x\nA [ 1 0 3 ]\nC [ 1 0 3 ]\nG [ 1 0 3 ]\nT [ 1 0 3 ]\n')], message: /zero\.jaspar:1: motif M1 position 2 is all zero: it says nothing about the bases there\./},
  {what: 'MEME motif with a row of 3 probabilities', args: () => ['motifs', GENOME, '--motifs', file('bad.meme', 'MEME version 4\n\nMOTIF M1\nletter-probability matrix: alength= 4 w= 2 nsites= 20\n0.25 0.25 0.5\n0.25 0.25 0.25 0.25\n')], message: /bad\.meme:5: motif M1 has a row of 3 probabilities; each position needs four \(A C G T\)/},
  {what: 'HOMER motif with a non-numeric value', args: () => ['motifs', GENOME, '--motifs', file('bad.motif', '>ACG\tM1\t5.0\n0.1 0.2 0.3 0.4\n0.1 0.2 abc 0.4\n')], message: /bad\.motif:3: "abc" is not a number \(a probability of motif M1\)/},
  {what: '--pvalue outside (0, 1]', args: () => ['motifs', GENOME, '--motifs', join(ROOT, 'data', 'MA0139.1.jaspar'), '--pvalue', '0'], message: /--pvalue must be in \(0, 1\], got 0\./},
  {what: 'missing background file', args: () => ['motifs', GENOME, '--motifs', join(ROOT, 'data', 'MA0139.1.jaspar'), '--background', join(d, 'nobg.txt')], message: /background file .*nobg\.txt does not exist\. Give a MEME background file/},
  {what: 'predict --motifs with a bad motif file', args: () => [...P, GENOME, ...small, '--motifs', file('ragged2.jaspar', '>M1 x\nA [ 1 2 3 ]\nC [ 1 2 ]\nG [ 1 2 3 ]\nT [ 1 2 3 ]\n')], message: /ragged2\.jaspar:1: motif M1's C row has 2 counts/},
  // output
  {what: 'output folder that does not exist', args: () => [...P, GENOME, ...small, '-o', '/nonexistent/dir/out.bed'], message: /cannot write output file \/nonexistent\/dir\/out\.bed: ENOENT\. Check that the folder \/nonexistent\/dir exists and is writable\./, exit: 2},
  {what: 'disk full (stdout on /dev/full)', args: () => [...P, GENOME, '--region', 'chr22_20M:1-20000', '--threshold', '0'], shell: (a) => `node bin/run.js ${a.join(' ')} > /dev/full`, message: /cannot write standard output: the disk is full\. Free space or write elsewhere with -o\./, exit: 1},
]

describe('bad inputs: clear message, non-zero exit, no output file', () => {
  before(async () => {
    const a = await bash(`head -c 50000 ${GENOME} | bgzip -c > ${join(d, 'g.fa.gz')} && head -c 50000 ${GENOME} | gzip -c > ${join(d, 'plain.fa.gz')}`)
    assert.equal(a.code, 0, a.stderr)
  })

  it('the catalogue holds at least 30 failing inputs', () => {
    assert.ok(cases.filter((c) => (c.exit ?? 2) !== 0).length >= 30)
  })

  for (const c of cases) {
    it(c.what, async () => {
      const out = join(d, 'out.bed')
      const args = c.args()
      const r = c.shell ? await bash(c.shell(args)) : await grover([...args, ...(args.includes('-o') ? [] : ['-o', out])], {cwd: ROOT})
      const msg = oneLine(r.stderr)
      assert.match(msg, c.message)
      if ((c.exit ?? 2) === 0) {
        assert.equal(r.code, 0, msg)
        assert.ok(existsSync(out))
        rmSync(out)
        return
      }
      assert.equal(r.code, c.exit ?? 2, msg)
      assert.doesNotMatch(r.stderr, /\n\s+at .*\.js:\d+/, 'no stack trace')
      assert.ok(!existsSync(out), 'no output file')
      assert.deepEqual(readdirSync(d).filter((f) => f.startsWith('out.bed')), [], 'no temporary or partial file')
    })
  }
})
