import assert from 'node:assert/strict'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {Tokenizer as HfTokenizer} from 'tokenizers'

import {GENOME, genomeSeq, grover, sh, TINY} from './helpers/util.js'

const hf = HfTokenizer.fromFile(join(TINY, 'tokenizer.json'))
const SEQ = 'TAGAGACGAGGTTTGATCATGTTACCCNNACGT'

describe('grover tokenize', () => {
  it('prints the tokens of a sequence argument (no special tokens), as HF tokenizers cuts it', async () => {
    const r = await grover(['tokenize', SEQ.toLowerCase(), '-m', TINY])
    assert.equal(r.code, 0, r.stderr)
    const ref = (await hf.encode(SEQ, undefined, {addSpecialTokens: false})).getTokens()
    assert.equal(r.stdout, ref.join(' ') + '\n')
  })

  it('--ids prints what the model is fed, special tokens included', async () => {
    const r = await grover(['tokenize', SEQ, '-m', TINY, '--ids'])
    assert.equal(r.stdout.trim(), (await hf.encode(SEQ)).getIds().join(' '))
    const m = await grover(['tokenize', 'ACGT[MASK]ACGT', '-m', TINY, '--ids'])
    assert.equal(m.stdout.trim(), (await hf.encode('ACGT[MASK]ACGT')).getIds().join(' '))
  })

  it('--json on a FASTA region: genome offsets that cover the region base by base (checked with samtools)', async () => {
    const r = await grover(['tokenize', GENOME, '--region', 'chr22_20M:1001-1250', '-m', TINY, '--json'])
    assert.equal(r.code, 0, r.stderr)
    const obj = JSON.parse(r.stdout)
    assert.equal(obj.name, 'chr22_20M:1001-1250')
    const ref = (await sh('samtools', ['faidx', GENOME, 'chr22_20M:1001-1250'])).stdout.split('\n').slice(1).join('')
    assert.equal(obj.tokens[0], '[CLS]')
    assert.equal(obj.offsets[0], null)
    let pos = 1000
    for (let i = 1; i < obj.tokens.length - 1; i++) {
      const [a, b] = obj.offsets[i]
      assert.equal(a, pos)
      assert.equal(ref.slice(a - 1000, b - 1000), obj.tokens[i])
      pos = b
    }
    assert.equal(pos, 1250)
    assert.deepEqual(obj.ids, (await hf.encode(ref)).getIds())
  })

  it('cuts long FASTA regions into the model\'s windows, one line each', async () => {
    const r = await grover(['tokenize', GENOME, '--region', 'chr22_20M:1-2500', '-m', TINY, '--window', '1000'])
    assert.deepEqual(r.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['chr22_20M:1-1000', 'chr22_20M:1001-2000', 'chr22_20M:1501-2500'])
  })

  it('reads standard input: one sequence per line, or FASTA', async () => {
    const raw = await sh(process.execPath, ['bin/run.js', 'tokenize', '-', '-m', TINY, '--ids'], {input: 'ACGT\nTTTTGGG\n'})
    assert.deepEqual(raw.stdout.trim().split('\n'), [(await hf.encode('ACGT')).getIds().join(' '), (await hf.encode('TTTTGGG')).getIds().join(' ')])
    const fa = await sh(process.execPath, ['bin/run.js', 'tokenize', '-', '-m', TINY], {input: '>a desc\nACGT\nac\n>b\nTTTT\n'})
    assert.equal(fa.stdout, `a\t${(await hf.encode('ACGTAC', undefined, {addSpecialTokens: false})).getTokens().join(' ')}\nb\t${(await hf.encode('TTTT', undefined, {addSpecialTokens: false})).getTokens().join(' ')}\n`)
  })

  it('--stats: totals agree with a direct count', async () => {
    const r = await grover(['tokenize', GENOME, '--region', 'chr22_20M:1-20000', '-m', TINY, '--stats'])
    assert.equal(r.code, 0, r.stderr)
    const get = (k: string) => Number(new RegExp(`^${k}\\t(.+)$`, 'm').exec(r.stdout)![1])
    const seq = genomeSeq().slice(0, 20000)
    let tokens = 0
    for (let i = 0; i < 20000; i += 1000) tokens += (await hf.encode(seq.slice(i, i + 1000), undefined, {addSpecialTokens: false})).getIds().length
    assert.equal(get('bases'), 20000)
    assert.equal(get('tokens'), tokens)
    assert.equal(get('tokens_per_kb'), Number(((tokens / 20000) * 1000).toFixed(2)))
    const hist = r.stdout.split('# token length histogram\n')[1]!.split('\n\n')[0]!.split('\n').slice(1)
    assert.equal(hist.reduce((a, l) => a + Number(l.split('\t')[1]), 0), tokens)
    // 16,499 bp in 1-kb windows: the last window (15,499-16,499) overlaps the one before by 501 bp
    const t = await grover(['tokenize', GENOME, '--region', 'chr22_20M:1-16499', '-m', TINY, '--stats'])
    const get2 = (k: string) => Number(new RegExp(`^${k}\\t(.+)$`, 'm').exec(t.stdout)![1])
    assert.deepEqual([get2('bases'), get2('bases_tokenized')], [16499, 17000])
  })

  it('refuses what is neither a sequence nor a file', async () => {
    const a = await grover(['tokenize', 'data/nope.fa', '-m', TINY])
    assert.equal(a.code, 2)
    assert.match(a.stderr, /data\/nope\.fa: no such file/)
    const b = await grover(['tokenize', 'ACGT!!', '-m', TINY])
    assert.equal(b.code, 2)
    assert.match(b.stderr, /is not a DNA sequence/)
    const c = await sh(process.execPath, ['bin/run.js', 'tokenize', '-', '-m', TINY], {input: 'ACGT\nhello world\n'})
    assert.equal(c.code, 2)
    assert.match(c.stderr, /standard input line 2/)
  })
})
