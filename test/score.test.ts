import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {bash, GENOME, grover, ROOT, TINY, tmp} from './helpers/util.js'

const MLM = join(ROOT, 'test', 'fixtures', 'tiny-mlm')
const DBSNP = join(ROOT, 'data', 'chr22_20M.dbsnp.vcf.gz')
type ScoreRef = Array<{pos: number; ref: string; alt: string; value: number}>
const llrRef = (JSON.parse(readFileSync(join(MLM, 'reference.json'), 'utf8')) as {score_llr: ScoreRef}).score_llr
const deltaRef = (JSON.parse(readFileSync(join(TINY, 'reference.json'), 'utf8')) as {score_delta: ScoreRef}).score_delta

function vcf(records: string[]): string {
  return ['##fileformat=VCFv4.2', '##contig=<ID=chr22_20M,length=1000000>', '#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO', ...records].join('\n') + '\n'
}

describe('data/chr22_20M.dbsnp.vcf.gz (made by scripts/data/snp_to_vcf.py)', () => {
  it('every REF allele equals samtools faidx at its position', async () => {
    const r = await bash(`zcat ${DBSNP} | grep -v '^#' | awk '{print $1":"$2"-"$2+length($4)-1"\\t"$4}' > /tmp/grover-refs.txt; cut -f1 /tmp/grover-refs.txt | samtools faidx ${GENOME} -r - | awk '/^>/{if(s)print s; s=""; next}{s=s $0} END{print s}' | paste - /tmp/grover-refs.txt | awk -F'\\t' 'toupper($1)!=$3' | wc -l`)
    assert.equal(r.code, 0, r.stderr)
    assert.equal(r.stdout.trim(), '0')
    const n = await bash(`zcat ${DBSNP} | grep -vc '^#'`)
    assert.equal(n.stdout.trim(), '3502')
  })
})

describe('grover score vs PyTorch (SNV, deletion, insertion)', () => {
  const cases: Array<[string, string, ScoreRef, string]> = [['masked-LM llr', MLM, llrRef, 'llr'], ['classifier delta', TINY, deltaRef, 'delta']]
  for (const [what, model, ref, col] of cases) {
    it(what, async () => {
      const d = tmp()
      const f = join(d, 'v.vcf')
      writeFileSync(f, vcf(ref.map((v) => `chr22_20M\t${v.pos}\t.\t${v.ref}\t${v.alt}\t.\t.\t.`)))
      const r = await grover(['score', GENOME, f, '--model', model, '--format', 'tsv', '-q'])
      assert.equal(r.code, 0, r.stderr)
      const rows = r.stdout.trim().split('\n')
      assert.equal(rows[0], `chrom\tpos\tid\tref\talt\t${col}`)
      rows.slice(1).forEach((l, i) => {
        const fld = l.split('\t')
        assert.deepEqual(fld.slice(0, 5), ['chr22_20M', String(ref[i]!.pos), '.', ref[i]!.ref, ref[i]!.alt])
        assert.ok(Math.abs(Number(fld[5]) - ref[i]!.value) <= 2e-4, `${fld[5]} vs ${ref[i]!.value}`)
      })
    })
  }
})

describe('grover score: VCF in and out', () => {
  it('scores all 3,502 real dbSNP variants from bgzip; the VCF keeps every record and declares the INFO field', async () => {
    const d = tmp()
    const out = join(d, 'scored.vcf')
    const r = await grover(['score', GENOME, DBSNP, '--model', MLM, '-o', out])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /3,502 records, 3,502 alleles, 3,502 scored, 0 not scorable/)
    const lines = readFileSync(out, 'utf8').trim().split('\n')
    const header = lines.findIndex((l) => l.startsWith('#CHROM'))
    const info = lines.findIndex((l) => l.startsWith('##INFO=<ID=GROVER_LLR,Number=A,Type=Float'))
    assert.ok(info >= 0 && info < header)
    const data = lines.slice(header + 1)
    assert.equal(data.length, 3502)
    const orig = (await bash(`zcat ${DBSNP} | grep -v '^#'`)).stdout.trim().split('\n')
    data.forEach((l, i) => {
      const f = l.split('\t')
      assert.deepEqual(f.slice(0, 7), orig[i]!.split('\t').slice(0, 7))
      assert.match(f[7]!, /^GROVER_LLR=-?\d+\.\d{4}$/)
    })
  })

  it('--region reads a bgzip VCF through its tabix index; a plain VCF is filtered; both equal the full run\'s rows', async () => {
    const region = ['--region', 'chr22_20M:100001-130000', '--region', 'chr22_20M:2001-5000']
    const viaIndex = await grover(['score', GENOME, DBSNP, '--model', MLM, '--format', 'tsv', '-q', ...region])
    assert.equal(viaIndex.code, 0, viaIndex.stderr)
    const d = tmp()
    const plain = join(d, 'plain.vcf')
    writeFileSync(plain, (await bash(`zcat ${DBSNP}`)).stdout)
    const filtered = await grover(['score', GENOME, plain, '--model', MLM, '--format', 'tsv', '-q', ...region])
    assert.equal(filtered.stdout, viaIndex.stdout)
    const rows = viaIndex.stdout.trim().split('\n').slice(1)
    const expected = (await bash(`zcat ${DBSNP} | awk '!/^#/ && (($2 > 2000 && $2 <= 5000) || ($2 > 100000 && $2 <= 130000))' | wc -l`)).stdout.trim()
    assert.equal(String(rows.length), expected)
    assert.ok(rows.length > 50)
    const positions = rows.map((l) => Number(l.split('\t')[1]))
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'sorted by position')
  })

  it('splits multi-allelic records, gives "." to symbolic alleles, appends to existing INFO', async () => {
    const d = tmp()
    const f = join(d, 'm.vcf')
    writeFileSync(f, vcf(['chr22_20M\t146\tm1\tG\tA,C,<DEL>\t50\tPASS\tDP=10']))
    const r = await grover(['score', GENOME, f, '--model', MLM])
    assert.equal(r.code, 0, r.stderr)
    const rec = r.stdout.trim().split('\n').at(-1)!.split('\t')
    assert.match(rec[7]!, /^DP=10;GROVER_LLR=-?\d+\.\d{4},-?\d+\.\d{4},\.$/)
    assert.match(r.stderr, /1 records, 3 alleles, 2 scored, 1 not scorable/)
    const t = await grover(['score', GENOME, f, '--model', MLM, '--format', 'tsv', '-q'])
    assert.deepEqual(t.stdout.trim().split('\n').slice(1).map((l) => l.split('\t')[4]), ['A', 'C', '<DEL>'])
  })

  it('a REF mismatch names the line; --skip-mismatch skips and counts it', async () => {
    const d = tmp()
    const f = join(d, 'x.vcf')
    writeFileSync(f, vcf(['chr22_20M\t146\t.\tG\tA\t.\t.\t.', 'chr22_20M\t428\t.\tA\tT\t.\t.\t.']))
    const r = await grover(['score', GENOME, f, '--model', MLM, '-o', join(d, 'out.vcf')])
    assert.equal(r.code, 2)
    assert.match(r.stderr.replace(/\s*\n\s*›\s*/g, ' '), /x\.vcf:5: REF A at chr22_20M:428 does not match the FASTA \(G\).*--skip-mismatch/)
    const s = await grover(['score', GENOME, f, '--model', MLM, '--skip-mismatch', '--format', 'tsv'])
    assert.equal(s.code, 0, s.stderr)
    assert.equal(s.stdout.trim().split('\n').length, 2)
    assert.match(s.stderr, /skipped 1 records whose REF does not match/)
  })

  it('unknown chromosome and malformed lines are clear errors', async () => {
    const d = tmp()
    const f = join(d, 'c.vcf')
    writeFileSync(f, vcf(['22\t146\t.\tG\tA\t.\t.\t.']))
    const r = await grover(['score', GENOME, f, '--model', MLM])
    assert.equal(r.code, 2)
    assert.match(r.stderr.replace(/\s*\n\s*›\s*/g, ' '), /c\.vcf:4: chromosome "22" is not in .*chr22_20M/)
    writeFileSync(f, vcf(['chr22_20M\tx\t.\tG\tA\t.\t.\t.']))
    const m = await grover(['score', GENOME, f, '--model', MLM])
    assert.match(m.stderr.replace(/\s*\n\s*›\s*/g, " "), /c\.vcf:4: POS "x" is not a positive whole number/)
  })
})
