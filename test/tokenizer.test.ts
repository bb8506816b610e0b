import assert from 'node:assert/strict'
import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {Tokenizer as HfTokenizer} from 'tokenizers'

import {GroverError} from '../src/errors.js'
import {expandOneHot} from '../src/tokenizers/onehot.js'
import {Tokenizer} from '../src/tokenizers/tokenizer.js'
import {genomeSeq, ROOT, rng, tmp} from './helpers/util.js'

const DIR = join(ROOT, 'test', 'fixtures', 'tokenizers')
const MODELS = join(ROOT, 'models')
const FIXTURES = [
  ...readdirSync(DIR).filter((f) => f.endsWith('.json')).map((f) => join(DIR, f)),
  join(ROOT, 'test', 'fixtures', 'tiny-ctcf', 'tokenizer.json'),
  // the shipped bundles' own tokenizers
  ...readdirSync(MODELS).map((m) => join(MODELS, m, 'tokenizer.json')).filter((f) => existsSync(f)),
]

/**
 * 110 kb of the real chr22 slice across the edge of its 100-kb N block (positions 450,000-560,000),
 * upper-cased as the model sees it, cut into windows of several sizes.
 */
function realWindows(): string[] {
  const seq = genomeSeq().slice(450_000, 560_000)
  assert.ok(seq.includes('N') && /[ACGT]/.test(seq))
  const out: string[] = []
  for (const size of [100, 512, 1000, 2000, 5000]) {
    for (let i = 0; i + size <= seq.length; i += size) out.push(seq.slice(i, i + size))
  }
  return out
}

/** Odd inputs: specials in the text, lower case, spaces, IUPAC codes, non-DNA characters, empty. */
function oddInputs(): string[] {
  const r = rng(3)
  const alphabet = 'ACGTACGTACGTNacgtnRYSW [MASK][CLS]-.'
  const out = ['', 'A', 'N', 'NNNN', '[MASK]', 'ACGT[MASK]ACGT', '[CLS]ACG[SEP]', 'ACGTAC<mask>GGTACCA', '<cls>AC', 'ACGTACGTN', 'NACGTACGTACG', 'ACGT ACGT', '  ACGT  ', 'acgtACGT', 'ACGTX', 'A-C.G']
  for (let k = 0; k < 300; k++) out.push(Array.from({length: 1 + Math.floor(r() * 80)}, () => alphabet[Math.floor(r() * alphabet.length)]).join(''))
  return out
}

describe('tokenizers (BPE, k-mer WordPiece, per-character WordLevel): ids identical to Hugging Face tokenizers (Rust)', () => {
  const windows = realWindows()
  const odd = oddInputs()
  for (const file of FIXTURES) {
    it(`${file.slice(ROOT.length + 1)}: ${windows.length} real windows (110 kb incl. N) and ${odd.length} odd inputs`, async () => {
      const hf = HfTokenizer.fromFile(file)
      const ours = await Tokenizer.fromFile(file)
      let tokens = 0
      for (const text of [...windows, ...odd]) {
        const ref = await hf.encode(text)
        const got = ours.encode(text)
        assert.deepEqual(got.ids, ref.getIds(), `ids differ for ${JSON.stringify(text.slice(0, 60))}`)
        assert.deepEqual(got.tokens, ref.getTokens(), `tokens differ for ${JSON.stringify(text.slice(0, 60))}`)
        assert.deepEqual(ours.encodeIds(text), got.ids)
        tokens += got.ids.length
      }
      assert.ok(tokens > 20_000)
    })
  }

  it('offsets point at the bases each token covers', async () => {
    const file = join(DIR, 'grover600.json')
    const ours = await Tokenizer.fromFile(file)
    const hf = HfTokenizer.fromFile(file)
    const text = genomeSeq().slice(10_000, 11_000)
    const got = ours.encode(text)
    const ref = await hf.encode(text)
    assert.deepEqual(got.offsets, ref.getOffsets())
    for (let i = 1; i < got.ids.length - 1; i++) assert.equal(text.slice(...got.offsets[i]!), got.tokens[i])
  })
})

describe('tokenizer kinds against their reference tables', () => {
  it('k-mer (Nucleotide Transformer): 6-mers left to right, remainder and N as single bases, <cls> first', async () => {
    const tok = await Tokenizer.fromFile(join(DIR, 'nt-kmer6.json'))
    assert.equal(tok.kind, 'kmer')
    assert.equal(tok.vocabSize, 4107)
    // NT's layout: <unk> <pad> <mask> <cls> <eos> <bos>, 6-mers over A,T,C,G in product order from 6, A T C G N last
    const kmerId = (k: string) => 6 + [...k].reduce((acc, c) => acc * 4 + 'ATCG'.indexOf(c), 0)
    const cases: Array<[string, string[]]> = [
      ['ACGTACGTA', ['<cls>', 'ACGTAC', 'G', 'T', 'A']],
      ['ACGNTTAAAAAA', ['<cls>', 'A', 'C', 'G', 'N', 'TTAAAA', 'A', 'A']],
      ['AAAAAATTTTTTGGGGGGCCCCCC', ['<cls>', 'AAAAAA', 'TTTTTT', 'GGGGGG', 'CCCCCC']],
      ['NNNNNNNACGTAC', ['<cls>', 'N', 'N', 'N', 'N', 'N', 'N', 'N', 'ACGTAC']],
      ['ACGTA<mask>CCCCCCT', ['<cls>', 'A', 'C', 'G', 'T', 'A', '<mask>', 'CCCCCC', 'T']],
    ]
    for (const [text, want] of cases) {
      const e = tok.encode(text)
      assert.deepEqual(e.tokens, want, text)
      for (const [i, t] of e.tokens.entries()) {
        if (/^[ACGT]{6}$/.test(t)) assert.equal(e.ids[i], kmerId(t))
      }
    }
    assert.deepEqual(tok.encode('ACGTAC').ids, [3, kmerId('ACGTAC')])
    assert.deepEqual(tok.encode('A').ids, [3, 4102])
    assert.deepEqual(tok.encode('ACGTACGG').offsets, [[0, 0], [0, 6], [6, 7], [7, 8]])
    assert.equal(tok.special('pad')?.token, '<pad>')
    assert.equal(tok.special('mask')?.id, 2)
    assert.deepEqual(tok.specialCounts, {before: 1, after: 0})
  })

  it('char (HyenaDNA): one token per base from its own table, [SEP] last, no [CLS]', async () => {
    const tok = await Tokenizer.fromFile(join(DIR, 'hyena-char.json'))
    assert.equal(tok.kind, 'char')
    assert.deepEqual(tok.encode('ACGTN').ids, [7, 8, 9, 10, 11, 1])
    assert.deepEqual(tok.encode('AXR').ids, [7, 6, 6, 1])
    assert.deepEqual(tok.encode('AC[MASK]G').ids, [7, 8, 3, 9, 1])
    assert.deepEqual(tok.encode('ACG').offsets, [[0, 1], [1, 2], [2, 3], [0, 0]])
    assert.deepEqual(tok.specialCounts, {before: 0, after: 1})
    assert.equal(tok.roleId('pad'), 4)
  })
})

describe('one-hot encoding (Enformer/Basenji/DanQ kind)', () => {
  it('one code per base (A C G T, anything else N), expanded to A,C,G,T rows: N 0.25 each, padding 0', () => {
    const tok = Tokenizer.oneHot()
    assert.equal(tok.kind, 'onehot')
    const e = tok.encode('ACGTNacgtRY-')
    assert.deepEqual(e.ids, [0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 4, 4])
    assert.deepEqual(e.offsets.slice(0, 3), [[0, 1], [1, 2], [2, 3]])
    assert.deepEqual(tok.specialCounts, {before: 0, after: 0})
    assert.equal(tok.roleId('pad'), 5)
    const x = expandOneHot([0, 3, 4, 5, 2, 5], 2, 3)
    assert.deepEqual(Array.from(x), [1, 0, 0, 0, 0, 0, 0, 1, 0.25, 0.25, 0.25, 0.25, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0])
  })
})

describe('tokenizer.json components grover refuses', () => {
  const base = () => JSON.parse(readFileSync(join(DIR, 'grover600.json'), 'utf8')) as Record<string, any>
  const cases: Array<[string, (j: Record<string, any>) => void, RegExp]> = [
    ['a Unigram model', (j) => (j.model.type = 'Unigram'), /tokenizer model "Unigram" is not supported/],
    ['an NFKC normalizer', (j) => (j.normalizer = {type: 'NFKC'}), /normalizer "NFKC" is not supported/],
    ['a ByteLevel pre-tokenizer', (j) => (j.pre_tokenizer = {type: 'ByteLevel'}), /pre-tokenizer "ByteLevel" is not supported/],
    ['a RobertaProcessing post-processor', (j) => (j.post_processor = {type: 'RobertaProcessing'}), /post-processor "RobertaProcessing" is not supported/],
    ['byte fallback', (j) => (j.model.byte_fallback = true), /byte_fallback is not supported/],
    ['a merge of unknown tokens', (j) => j.model.merges.push(['ZZ', 'Q']), /merge 600 \(ZZ \+ Q\) uses a token missing/],
    ['an unknown unk token', (j) => (j.model.unk_token = '<unk>'), /unk_token "<unk>" is not in the vocabulary/],
  ]
  for (const [what, edit, re] of cases) {
    it(`refuses ${what}, naming the file and component`, async () => {
      const j = base()
      edit(j)
      const f = join(tmp(), 'tokenizer.json')
      writeFileSync(f, JSON.stringify(j))
      await assert.rejects(Tokenizer.fromFile(f), (e: unknown) => e instanceof GroverError && re.test(e.message) && e.message.includes(f))
    })
  }
  it('refuses a file that is not JSON', async () => {
    const f = join(tmp(), 'tokenizer.json')
    writeFileSync(f, '{not json')
    await assert.rejects(Tokenizer.fromFile(f), /is not valid JSON/)
  })
})

describe('BPE merge loops', () => {
  it('GROVER-style merge tables take the rank-bucket loop; a table that re-makes tokens takes the heap loop; both equal HF', async () => {
    const base = JSON.parse(readFileSync(join(DIR, 'grover600.json'), 'utf8'))
    const ours = await Tokenizer.fromFile(join(DIR, 'grover600.json'))
    assert.equal(ours.model.monotone, true)
    // Insert, right after the first merge that uses a token, a merge that makes that token again from
    // another split: the token is then "made" after a merge that uses it, which breaks the rank order
    // the bucket loop relies on.
    const merges: string[] = base.model.merges.map((m: string | string[]) => (typeof m === 'string' ? m : m.join(' ')))
    const have = new Set(merges)
    const vocab: Record<string, number> = base.model.vocab
    const firstUse = new Map<string, number>()
    merges.forEach((m, r) => {
      for (const part of m.split(' ')) if (!firstUse.has(part)) firstUse.set(part, r)
    })
    const inserts: Array<[number, string]> = []
    for (const tok of Object.keys(vocab)) {
      const use = firstUse.get(tok)
      if (use === undefined || tok.length < 3 || !/^[ACGT]+$/.test(tok)) continue
      for (let cut = 1; cut < tok.length; cut++) {
        const m = `${tok.slice(0, cut)} ${tok.slice(cut)}`
        if (!have.has(m) && vocab[tok.slice(0, cut)] !== undefined && vocab[tok.slice(cut)] !== undefined) {
          inserts.push([use, m])
          have.add(m)
          break
        }
      }
      if (inserts.length >= 40) break
    }
    inserts.sort((a, b) => b[0] - a[0])
    for (const [use, m] of inserts) merges.splice(use + 1, 0, m)
    const added = inserts.length
    assert.ok(added >= 20)
    const file = join(tmp(), 'remade.json')
    writeFileSync(file, JSON.stringify({...base, model: {...base.model, merges}}))
    const heap = await Tokenizer.fromFile(file)
    assert.equal(heap.model.monotone, false)
    const hf = HfTokenizer.fromFile(file)
    for (const text of [...realWindows().slice(0, 400), ...oddInputs()]) {
      assert.deepEqual(heap.encodeIds(text), (await hf.encode(text)).getIds(), `ids differ for ${JSON.stringify(text.slice(0, 60))}`)
    }
  })
})
