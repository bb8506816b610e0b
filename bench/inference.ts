/**
 * Inference throughput: onnxruntime-node (grover's session) vs PyTorch on the same weights, for a
 * GROVER-base-shaped BERT (12 layers, hidden 768, 12 heads, 512 tokens; random weights), in one run:
 *
 *   npm run -s bench:inference -- [--batch 4] [--tokens 512] [--reps 5] [--threads N] [--device cpu|cuda] [--fp16]
 *
 * The first run writes the checkpoint and its bundle to build/bench/ with the export scripts
 * (scripts/fixtures/make_hf_checkpoint.py --full, scripts/export/export_hf.py, which checks ONNX against PyTorch).
 * Prints both throughputs (median of --reps after a warm-up) and the ratio; last line
 * "<onnx tokens/s> <pytorch tokens/s> <ratio>".
 */
import {execFileSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {availableParallelism} from 'node:os'
import {join} from 'node:path'

import {loadBundle} from '../src/model/bundle.js'
import type {Device} from '../src/model/device.js'
import {ModelSession, padBatch} from '../src/model/session.js'
import {mulberry32} from '../src/random.js'

const argv = process.argv.slice(2).filter((a) => a !== '--')
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : dflt
}
const batch = Number(opt('batch', '4'))
const tokens = Number(opt('tokens', '512'))
const reps = Number(opt('reps', '5'))
const threads = Number(opt('threads', String(availableParallelism())))
const device = opt('device', 'cpu') as Device
const fp16 = argv.includes('--fp16')
// Debian's python3-torch here; on the GPU machine its own python3 (PyTorch with CUDA): GROVER_PYTHON=python3
const PY = process.env.GROVER_PYTHON ?? '/usr/bin/python3'
const ROOT = join(import.meta.dirname, '..')
const dir = join(ROOT, 'build', 'bench')
const ckpt = join(dir, 'grover-base-ckpt')
const bundleDir = join(dir, fp16 ? 'grover-base-fp16' : 'grover-base')

if (!existsSync(join(ckpt, 'config.json'))) {
  execFileSync(PY, [join(ROOT, 'scripts', 'fixtures', 'make_hf_checkpoint.py'), ckpt, '--full', '--task', 'classification', '--tokenizer', join(ROOT, 'models', 'grover-mini', 'tokenizer.json')], {stdio: 'inherit'})
}
if (!existsSync(join(bundleDir, 'model.onnx'))) {
  execFileSync(PY, [join(ROOT, 'scripts', 'export', 'export_hf.py'), ckpt, bundleDir, '--task', 'classification', ...(fp16 ? ['--fp16'] : [])], {stdio: 'inherit'})
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const bundle = await loadBundle(bundleDir)
const session = await ModelSession.open(bundle, {device, threads})
const r = mulberry32(1)
const rows = Array.from({length: batch}, () => Array.from({length: tokens}, () => 5 + Math.floor(r() * (bundle.tokenizer.vocabSize - 5))))
const b = padBatch(rows, 0)
await session.run(b, 'logits') // warm-up
const ort: number[] = []
for (let i = 0; i < reps; i++) {
  const t0 = process.hrtime.bigint()
  await session.run(b, 'logits')
  ort.push(Number(process.hrtime.bigint() - t0) / 1e9)
}
await session.release()
const torch = JSON.parse(execFileSync(PY, [join(ROOT, 'bench', 'inference_torch.py'), ckpt, '--batch', String(batch), '--tokens', String(tokens), '--reps', String(reps),
  '--threads', String(threads), '--device', device === 'cpu' ? 'cpu' : 'cuda', ...(fp16 ? ['--fp16'] : [])], {encoding: 'utf8'}))
const n = batch * tokens
const ortRate = n / median(ort)
const torchRate = n / median(torch.seconds)
process.stderr.write(`GROVER-base shape (12 × 768, 12 heads), batch ${batch} × ${tokens} tokens, ${threads} threads, device ${device}${fp16 ? ', fp16' : ''}\n`)
process.stderr.write(`onnxruntime-node ${session.provider}: ${ortRate.toFixed(0)} tokens/s (median ${median(ort).toFixed(3)} s of ${reps})\n`)
process.stderr.write(`PyTorch ${torch.torch} ${torch.device} ${torch.dtype}: ${torchRate.toFixed(0)} tokens/s (median ${median(torch.seconds).toFixed(3)} s of ${reps})\n`)
process.stderr.write(`ratio ONNX/PyTorch: ${(ortRate / torchRate).toFixed(2)}x\n`)
console.log(`${ortRate.toFixed(0)} ${torchRate.toFixed(0)} ${(ortRate / torchRate).toFixed(3)}`)
