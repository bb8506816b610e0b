import assert from 'node:assert/strict'
import {existsSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, ROOT, sh, tmp} from './helpers/util.js'

/**
 * scripts/export/export_hf.py on checkpoints written in exactly the Hugging Face layout with random weights
 * (scripts/fixtures/make_hf_checkpoint.py). Needs Debian's /usr/bin/python3 with python3-torch and python3-onnx
 * (.ci/run installs them). GROVER_TEST_FULL=1 adds the full GROVER configuration (12 × 768, slow).
 */
const PY = '/usr/bin/python3'
const hasTorch = (await sh(PY, ['-c', 'import torch, onnx'])).code === 0
const skip = hasTorch ? false : process.env.CI ? false : 'python3-torch / python3-onnx not installed (apt-get install python3-torch python3-onnx)'
const script = (name: string) => join(ROOT, 'scripts', name)

async function py(args: string[]) {
  return sh(PY, args, {cwd: join(ROOT, 'scripts')})
}

describe('scripts/export/export_hf.py: Hugging Face BERT checkpoint → grover bundle', {skip}, () => {
  const d = tmp('grover-export-')
  it('exports a masked-LM checkpoint (safetensors, tied decoder) and checks ONNX against PyTorch ≤ 1e-4', async () => {
    const ck = join(d, 'mlm-ck')
    assert.equal((await py([script('fixtures/make_hf_checkpoint.py'), ck])).code, 0)
    assert.ok(existsSync(join(ck, 'model.safetensors')) && existsSync(join(ck, 'config.json')) && existsSync(join(ck, 'tokenizer.json')))
    const r = await py([script('export/export_hf.py'), ck, join(d, 'mlm')])
    assert.equal(r.code, 0, r.stderr)
    const m = /max \|Δ\| = ([0-9.e+-]+) \(tolerance 0\.0001, fp32, output \(3, 40, 610\)\)/.exec(r.stderr)
    assert.ok(m, r.stderr)
    assert.ok(Number(m[1]) <= 1e-4)
    const meta = JSON.parse(readFileSync(join(d, 'mlm', 'grover.json'), 'utf8'))
    assert.equal(meta.task, 'masked-lm')
    assert.equal(meta.max_tokens, 512)
    assert.equal(meta.architecture.num_hidden_layers, 2)
    assert.match(meta.provenance.weights_sha256, /^[0-9a-f]{64}$/)
    const p = await grover(['predict', GENOME, '--model', join(d, 'mlm'), '-q'])
    assert.notEqual(p.code, 0)
    assert.match(p.stderr, /is a masked-lm bundle; predict needs a classification/)
  })

  it('an exported GROVER-layout masked-LM (with --attentions) runs fill, embed, score and attention', async () => {
    const ck = join(d, 'mlm-ck')
    const out = join(d, 'mlm-attn')
    const r = await py([script('export/export_hf.py'), ck, out, '--attentions'])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /attention graph vs PyTorch: max \|Δ\| = [0-9.e+-]+/)
    const fill = await grover(['fill', 'TGGGAAGGTGGGGAGG[MASK]TGCTCACC', '--model', out, '-k', '2'])
    assert.equal(fill.code, 0, fill.stderr)
    assert.equal(fill.stdout.trim().split('\n').length, 3)
    const emb = await grover(['embed', GENOME, '--model', out, '--region', 'chr22_20M:1-1000', '-q'])
    assert.equal(emb.code, 0, emb.stderr)
    assert.equal(emb.stdout.trim().split('\n')[1]!.split('\t').length, 3 + 64)
    const sc = await grover(['score', GENOME, join(ROOT, 'data', 'chr22_20M.dbsnp.vcf.gz'), '--model', out, '--region', 'chr22_20M:1-3000', '--format', 'tsv', '-q'])
    assert.equal(sc.code, 0, sc.stderr)
    assert.ok(sc.stdout.trim().split('\n').length > 5)
    const att = await grover(['attention', GENOME, 'chr22_20M:1-200', '--model', out, '--format', 'bedgraph'])
    assert.equal(att.code, 0, att.stderr)
    assert.ok(att.stdout.trim().split('\n').length > 10)
  })

  it('exports a fine-tuned classifier (pytorch_model.bin) in fp32 and fp16, and grover predict runs it', async () => {
    const ck = join(d, 'cls-ck')
    assert.equal((await py([script('fixtures/make_hf_checkpoint.py'), ck, '--task', 'classification', '--format', 'bin'])).code, 0)
    for (const [flag, tol] of [[[], '0.0001'], [['--fp16'], '0.01']] as Array<[string[], string]>) {
      const out = join(d, `cls${flag.join('')}`)
      const r = await py([script('export/export_hf.py'), ck, out, ...flag, '--name', 'my-ctcf', '--threshold', '0.7'])
      assert.equal(r.code, 0, r.stderr)
      const m = new RegExp(`max \\|Δ\\| = ([0-9.e+-]+) \\(tolerance ${tol.replace('.', '\\.')}`).exec(r.stderr)
      assert.ok(m && Number(m[1]) <= Number(tol), r.stderr)
      const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
      assert.deepEqual([meta.name, meta.labels, meta.positive_label, meta.threshold, meta.onnx.precision], ['my-ctcf', ['unbound', 'bound'], 'bound', 0.7, flag.length ? 'fp16' : 'fp32'])
      const p = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:1-3000', '--format', 'tsv', '-q'])
      assert.equal(p.code, 0, p.stderr)
      assert.equal(p.stdout.trim().split('\n').length, 6)
    }
  })

  it('refuses a checkpoint without tokenizer.json, and a task the weights cannot serve', async () => {
    const ck = join(d, 'mlm-ck2')
    assert.equal((await py([script('fixtures/make_hf_checkpoint.py'), ck])).code, 0)
    const wrongTask = await py([script('export/export_hf.py'), ck, join(d, 'x'), '--task', 'classification'])
    assert.equal(wrongTask.code, 2)
    assert.match(wrongTask.stderr, /lacks \d+ parameters the classification model needs/)
    rmSync(join(ck, 'tokenizer.json'))
    const noTok = await py([script('export/export_hf.py'), ck, join(d, 'y')])
    assert.equal(noTok.code, 2)
    assert.match(noTok.stderr, /has no tokenizer\.json/)
  })

  it('exports a DNABERT-2-layout checkpoint (ALiBi, fused Wqkv, GLU, 4,096-token BPE) that fill, embed and predict run', async () => {
    for (const task of ['masked-lm', 'classification']) {
      const ck = join(d, `dnabert2-${task}-ck`)
      const mk = await py([script('fixtures/make_hf_checkpoint.py'), ck, '--dnabert2', '--task', task])
      assert.equal(mk.code, 0, mk.stderr)
      const keys = await py(['-c', `from common.safetensors_io import load_file; print(' '.join(sorted(load_file(${JSON.stringify(join(ck, 'model.safetensors'))}))))`])
      assert.match(keys.stdout, /bert\.encoder\.layer\.0\.attention\.self\.Wqkv\.weight/)
      assert.match(keys.stdout, /bert\.encoder\.layer\.0\.mlp\.gated_layers\.weight/)
      assert.doesNotMatch(keys.stdout, /position_embeddings/)
      const out = join(d, `dnabert2-${task}`)
      const r = await py([script('export/export_hf.py'), ck, out, ...(task === 'masked-lm' ? ['--attentions'] : [])])
      assert.equal(r.code, 0, r.stderr)
      const m = /max \|Δ\| = ([0-9.e+-]+) \(tolerance 0\.0001, fp32/.exec(r.stderr)
      assert.ok(m && Number(m[1]) <= 1e-4, r.stderr)
      const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
      assert.equal(meta.architecture.type, 'dnabert2')
      assert.equal(meta.architecture.vocab_size, 4096)
      if (task === 'masked-lm') {
        const fill = await grover(['fill', 'TGGGAAGGTGGGGAGG[MASK]TGCTCACC', '--model', out, '-k', '2'])
        assert.equal(fill.code, 0, fill.stderr)
        const emb = await grover(['embed', GENOME, '--model', out, '--region', 'chr22_20M:1-1000', '-q'])
        assert.equal(emb.code, 0, emb.stderr)
        assert.equal(emb.stdout.trim().split('\n')[1]!.split('\t').length, 3 + 64)
        const att = await grover(['attention', GENOME, 'chr22_20M:1-200', '--model', out, '--format', 'bedgraph'])
        assert.equal(att.code, 0, att.stderr)
      } else {
        const p = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:1-3000', '--format', 'tsv', '-q'])
        assert.equal(p.code, 0, p.stderr)
        assert.equal(p.stdout.trim().split('\n').length, 6)
      }
    }
    // ALiBi slopes as the paper defines them, for 12 heads (not a power of two) and 8
    const sl = await py(['-c', 'import json; from models.bert import alibi_slopes; print(json.dumps([alibi_slopes(12), alibi_slopes(8)]))'])
    const [s12, s8] = JSON.parse(sl.stdout) as number[][]
    assert.deepEqual(s8!.map((x) => Math.log2(x)), [-1, -2, -3, -4, -5, -6, -7, -8])
    assert.deepEqual(s12!.map((x) => Math.round(Math.log2(x) * 1e9) / 1e9), [-1, -2, -3, -4, -5, -6, -7, -8, -0.5, -1.5, -2.5, -3.5])
  })

  it('full GROVER configuration (12 layers, hidden 768, 12 heads, 3072, 512 positions)', {skip: process.env.GROVER_TEST_FULL ? false : 'set GROVER_TEST_FULL=1'}, async () => {
    const ck = join(d, 'full-ck')
    assert.equal((await py([script('fixtures/make_hf_checkpoint.py'), ck, '--full'])).code, 0)
    const r = await py([script('export/export_hf.py'), ck, join(d, 'full')])
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /tolerance 0\.0001, fp32, output \(3, 40, 610\)/)
    const h = await py([script('export/export_hf.py'), ck, join(d, 'full16'), '--fp16'])
    assert.equal(h.code, 0, h.stderr)
    assert.match(h.stderr, /tolerance 0\.01, fp16, output \(3, 40, 610\)/)
  })
})

describe('scripts/export/export_onehot.py: DanQ checkpoint (Selene layout) → one-hot grover bundle', {skip}, () => {
  const d = tmp('grover-export-onehot-')
  const ck = join(d, 'best_model.pth.tar')
  const out = join(d, 'danq')

  it('exports a reduced DanQ with random weights, ONNX vs PyTorch ≤ 1e-4, and refuses a wrong length or target', async () => {
    assert.equal((await py([script('fixtures/make_onehot_checkpoint.py'), ck])).code, 0)
    const r = await py([script('export/export_onehot.py'), ck, out, '--target', '2', '--target-name', 'ctcf'])
    assert.equal(r.code, 0, r.stderr)
    const m = /max \|Δ\| = ([0-9.e+-]+) \(tolerance 0\.0001\)/.exec(r.stderr)
    assert.ok(m && Number(m[1]) <= 1e-4, r.stderr)
    const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
    assert.deepEqual([meta.tokenizer, meta.window, meta.labels, meta.architecture.positions], [{kind: 'onehot'}, 1000, ['not_ctcf', 'ctcf'], 75])
    assert.ok(!existsSync(join(out, 'tokenizer.json')))
    const len = await py([script('export/export_onehot.py'), ck, join(d, 'x'), '--sequence-length', '600'])
    assert.equal(len.code, 2)
    assert.match(len.stderr, /expect 75 positions after pooling, a 600-bp input gives 44/)
    const tgt = await py([script('export/export_onehot.py'), ck, join(d, 'x'), '--target', '3'])
    assert.equal(tgt.code, 2)
    assert.match(tgt.stderr, /--target 3 is out of range: the model has 3 targets/)
  })

  it('grover predict feeds it one-hot windows: per-strand probabilities equal PyTorch on the same bases', async () => {
    const p = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:2001-4700', '--format', 'tsv', '-q'])
    assert.equal(p.code, 0, p.stderr)
    const rows = p.stdout.trim().split('\n').slice(1).map((l) => l.split('\t'))
    // 2,700 bp: windows at 0, 200, …, 1600 and the tail window ending at the region end
    assert.deepEqual(rows.map((r) => Number(r[1])), [2000, 2200, 2400, 2600, 2800, 3000, 3200, 3400, 3600, 3700])
    const ref = await py(['-c', `
import json, sys, torch
from common.dna import read_fasta, revcomp
from models.onehot import DanQ, danq_sizes, one_hot
sd = torch.load(${JSON.stringify(ck)})["state_dict"]
m = DanQ(danq_sizes(sd, 1000)); m.load_state_dict(sd); m.eval()
seq = next(read_fasta(${JSON.stringify(GENOME)}))[1]
starts = ${JSON.stringify(rows.map((r) => Number(r[1])))}
out = []
with torch.no_grad():
    for s in starts:
        w = seq[s:s + 1000]
        out.append([float(m(torch.stack([one_hot(x)]).permute(0, 2, 1))[0, 2]) for x in (w, revcomp(w))])
print(json.dumps(out))`])
    assert.equal(ref.code, 0, ref.stderr)
    const want = JSON.parse(ref.stdout) as number[][]
    rows.forEach((r, i) => {
      assert.ok(Math.abs(Number(r[5]) - want[i]![0]!) <= 1e-4, `+ strand at ${r[1]}: ${r[5]} vs ${want[i]![0]}`)
      assert.ok(Math.abs(Number(r[6]) - want[i]![1]!) <= 1e-4, `- strand at ${r[1]}: ${r[6]} vs ${want[i]![1]}`)
    })
  })

  it('a short sequence is zero-padded to the model length; tokenize shows one code per base', async () => {
    const fa = join(d, 'short.fa')
    writeFileSync(fa, '>s\nACGTNACGTACGGT\n')
    const p = await grover(['predict', fa, '--model', out, '--format', 'tsv', '-q'])
    assert.equal(p.code, 0, p.stderr)
    assert.deepEqual(p.stdout.trim().split('\n')[1]!.split('\t').slice(0, 3), ['s', '0', '14'])
    const t = await grover(['tokenize', 'ACGTNACR', '--model', out])
    assert.equal(t.code, 0, t.stderr)
    assert.equal(t.stdout.trim(), 'A C G T N A C N')
    const e = await grover(['embed', fa, '--model', out, '-q'])
    assert.notEqual(e.code, 0)
    assert.match(e.stderr.replace(/\s*›\s*/g, ' '), /no "last_hidden_state" output .*One-hot models \(DanQ, profile CNNs\) are exported without it/)
  })
})

describe('scripts/export/export_nt.py: Nucleotide Transformer checkpoint (HF ESM layout, vocab.txt) → k-mer grover bundle', {skip}, () => {
  const d = tmp('grover-export-nt-')

  for (const version of ['v1', 'v2']) {
    it(`NT ${version} masked-LM with random weights: ONNX vs PyTorch ≤ 1e-4, and fill / embed / score run on it`, async () => {
      const ck = join(d, `nt-${version}`)
      assert.equal((await py([script('fixtures/make_nt_checkpoint.py'), ck, '--version', version])).code, 0)
      const out = join(d, `nt-${version}-bundle`)
      const r = await py([script('export/export_nt.py'), ck, out, '--attentions'])
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stderr, /attention graph vs PyTorch: max \|Δ\| = [0-9.e+-]+/)
      const att = await grover(['attention', GENOME, 'chr22_20M:1-200', '--model', out, '--format', 'bedgraph'])
      assert.equal(att.code, 0, att.stderr)
      assert.ok(att.stdout.trim().split('\n').length > 10)
      for (const m of r.stderr.matchAll(/max \|Δ\| = ([0-9.e+-]+) \(tolerance 0\.0001/g)) assert.ok(Number(m[1]) <= 1e-4, r.stderr)
      assert.match(r.stderr, /output \(3, 40, 4107\)\) \[logits\]/)
      const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
      assert.deepEqual([meta.tokenizer.kind, meta.architecture.glu, meta.architecture.position_embedding_type], ['kmer', version === 'v2', version === 'v2' ? 'rotary' : 'absolute'])
      assert.equal(meta.max_tokens, version === 'v2' ? 2050 : 1000)
      assert.equal(meta.window, version === 'v2' ? 6000 : 5994)
      const fill = await grover(['fill', 'ACGTACGGTACC[MASK]GGTACCAAT', '--model', out, '-k', '3'])
      assert.equal(fill.code, 0, fill.stderr)
      assert.match(fill.stdout.trim().split('\n')[1]!, /^1\t1\t[ACGTN<>a-z]+\t\d+\t0\.\d+$/)
      const emb = await grover(['embed', GENOME, '--model', out, '--region', 'chr22_20M:1-5994', '-q'])
      assert.equal(emb.code, 0, emb.stderr)
      assert.equal(emb.stdout.trim().split('\n')[1]!.split('\t').length, 3 + 64)
      const sc = await grover(['score', GENOME, join(ROOT, 'data', 'chr22_20M.dbsnp.vcf.gz'), '--model', out, '--region', 'chr22_20M:1-20000', '--format', 'tsv', '-q'])
      assert.equal(sc.code, 0, sc.stderr)
      assert.ok(sc.stdout.trim().split('\n').length > 20)
    })
  }

  it('an NT classifier runs in predict; a checkpoint without vocab.txt or of another model type is refused', async () => {
    const ck = join(d, 'nt-cls')
    assert.equal((await py([script('fixtures/make_nt_checkpoint.py'), ck, '--task', 'classification'])).code, 0)
    const out = join(d, 'nt-cls-bundle')
    const r = await py([script('export/export_nt.py'), ck, out, '--window', '1200', '--stride', '600'])
    assert.equal(r.code, 0, r.stderr)
    const p = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:1-3000', '--format', 'tsv', '-q'])
    assert.equal(p.code, 0, p.stderr)
    assert.equal(p.stdout.trim().split('\n')[0], 'chrom\tstart\tend\tscore\tstrand\tscore_plus\tscore_minus\tprob_non_promoter\tprob_promoter')
    assert.equal(p.stdout.trim().split('\n').length, 1 + 4)
    rmSync(join(ck, 'vocab.txt'))
    const noVocab = await py([script('export/export_nt.py'), ck, join(d, 'x')])
    assert.equal(noVocab.code, 2)
    assert.match(noVocab.stderr, /has no vocab\.txt/)
    const bert = await py([script('export/export_nt.py'), join(d, '..', 'does-not-exist'), join(d, 'y')])
    assert.equal(bert.code, 2)
    assert.match(bert.stderr, /has no config\.json/)
  })
})

describe('scripts/export/export_hyena.py: HyenaDNA checkpoint (HF port layout) → char-tokenizer grover bundle', {skip}, () => {
  const d = tmp('grover-export-hyena-')

  it('HyenaDNAForCausalLM → embedding bundle: ONNX vs PyTorch ≤ 1e-4; the time-domain long convolution equals HyenaDNA\'s FFT one', async () => {
    const ck = join(d, 'hy')
    assert.equal((await py([script('fixtures/make_hyena_checkpoint.py'), ck])).code, 0)
    const out = join(d, 'hy-bundle')
    const r = await py([script('export/export_hyena.py'), ck, out])
    assert.equal(r.code, 0, r.stderr)
    const m = /max \|Δ\| = ([0-9.e+-]+) \(tolerance 0\.0001, fp32, output \(3, 40, 128\)\) \[last_hidden_state\]/.exec(r.stderr)
    assert.ok(m && Number(m[1]) <= 1e-4, r.stderr)
    const meta = JSON.parse(readFileSync(join(out, 'grover.json'), 'utf8'))
    assert.deepEqual([meta.task, meta.tokenizer.kind, meta.max_tokens, meta.window], ['embedding', 'char', 1026, 1024])
    // HyenaDNA's own formulation: fftconv(u, k, D) with the filter cut to L, FFT size 2L
    const ref = await py(['-c', `
import torch
from models import hyena
from common.safetensors_io import load_file
import json
cfg = hyena.HyenaConfig(**json.load(open(${JSON.stringify(join(ck, 'config.json'))})))
m = hyena.HyenaDNAForCausalLM(cfg); m.load_state_dict(load_file(${JSON.stringify(join(ck, 'model.safetensors'))})); m.eval()
ids = torch.randint(7, 12, (2, 300), generator=torch.Generator().manual_seed(1))
with torch.no_grad():
    ours = m(ids)[0]
    def fft_forward(self, u):
        L = u.shape[-2]
        u = self.in_proj(u).transpose(1, 2)
        x0, x1, v = self.short_filter(u)[..., :L].split(self.d, dim=1)
        k = self.filter_fn.filter(L)[0].transpose(0, 1)
        v = v * x1
        n = 2 * L
        y = torch.fft.irfft(torch.fft.rfft(v, n=n) * torch.fft.rfft(k, n=n) / n, n=n, norm='forward')[..., :L]
        v = y + v * self.filter_fn.bias.unsqueeze(-1)
        return self.out_proj((v * x0).transpose(1, 2))
    hyena.HyenaOperator.forward = fft_forward
    theirs = m(ids)[0]
print(float((ours - theirs).abs().max()), float(theirs.abs().max()))`])
    assert.equal(ref.code, 0, ref.stderr)
    const [delta, scale] = ref.stdout.trim().split(' ').map(Number)
    assert.ok(delta! <= 1e-4 * Math.max(1, scale!), `time-domain vs FFT: ${delta} (scale ${scale})`)
    const emb = await grover(['embed', GENOME, '--model', out, '--region', 'chr22_20M:1-1000', '-q'])
    assert.equal(emb.code, 0, emb.stderr)
    assert.equal(emb.stdout.trim().split('\n')[1]!.split('\t').length, 3 + 128)
    const tok = await grover(['tokenize', 'ACGTNR', '--model', out, '--ids'])
    assert.equal(tok.stdout.trim(), '7 8 9 10 11 6 1')
    const fill = await grover(['fill', 'ACGT[MASK]ACGT', '--model', out])
    assert.notEqual(fill.code, 0)
    assert.match(fill.stderr.replace(/\s*›\s*/g, ' '), /is a embedding bundle|fill needs a masked-LM bundle/)
  })

  it('HyenaDNAForSequenceClassification → classifier that predict runs; windows over max_seq_len are refused at export', async () => {
    const ck = join(d, 'hyc')
    assert.equal((await py([script('fixtures/make_hyena_checkpoint.py'), ck, '--task', 'classification'])).code, 0)
    const out = join(d, 'hyc-bundle')
    const r = await py([script('export/export_hyena.py'), ck, out, '--window', '500'])
    assert.equal(r.code, 0, r.stderr)
    const p = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:1-2000', '--format', 'tsv', '-q'])
    assert.equal(p.code, 0, p.stderr)
    assert.equal(p.stdout.trim().split('\n').length, 1 + 7)
    const long = await py([script('export/export_hyena.py'), ck, join(d, 'x'), '--window', '2000'])
    assert.equal(long.code, 2)
    assert.match(long.stderr, /--window 2000 bp is 2001 tokens with \[SEP\], more than the model's 1026/)
    // a shorter fixed length: same results for inputs up to it (the filter's first taps), cheaper graph
    const short = join(d, 'hyc-512')
    const s5 = await py([script('export/export_hyena.py'), ck, short, '--max-length', '512'])
    assert.equal(s5.code, 0, s5.stderr)
    assert.deepEqual([JSON.parse(readFileSync(join(short, 'grover.json'), 'utf8')).max_tokens, JSON.parse(readFileSync(join(short, 'grover.json'), 'utf8')).window], [512, 510])
    const a = await grover(['predict', GENOME, '--model', out, '--region', 'chr22_20M:1-500', '--format', 'tsv', '-q'])
    const b = await grover(['predict', GENOME, '--model', short, '--region', 'chr22_20M:1-500', '--format', 'tsv', '-q'])
    assert.equal(a.code, 0, a.stderr)
    const score = (t: string) => Number(t.trim().split('\n')[1]!.split('\t')[5])
    assert.ok(Math.abs(score(a.stdout) - score(b.stdout)) <= 1e-4, `${a.stdout} vs ${b.stdout}`)
  })
})
