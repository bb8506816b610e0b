/**
 * Pipeline overhead: end-to-end `predict` throughput divided by bare `session.run` throughput on the
 * same batches, in one process:
 *
 *   npm run -s bench:pipeline -- [--model ctcf-lm] [--region chr22_20M:1-200000] [--batch-size 16] [--device cpu]
 *
 * Bare: the batches predict would form (same windowing, tokenizer, padding) are built first, then only
 * session.run is timed over them. End to end: predict() itself (FASTA reading, tokenizing, batching,
 * softmax, formatting) writing to a sink that discards. Prints both and the ratio (target ≥ 0.9);
 * last line "<e2e tokens/s> <bare tokens/s> <ratio>".
 */
import {Writable} from 'node:stream'
import {join} from 'node:path'

import {Fasta} from '../src/io/fasta.js'
import {Sink} from '../src/io/output.js'
import {selectRegions} from '../src/io/regions.js'
import {loadBundle} from '../src/model/bundle.js'
import type {Device} from '../src/model/device.js'
import {ModelSession, padBatch, type TokenBatch} from '../src/model/session.js'
import {batchWindows} from '../src/pipeline/batches.js'
import {predict} from '../src/pipeline/predict.js'
import {keepBlocks, plan, withSequence} from '../src/pipeline/windows.js'

const argv = process.argv.slice(2).filter((a) => a !== '--')
const opt = (name: string, dflt: string) => {
  const i = argv.indexOf(`--${name}`)
  return i >= 0 ? argv[i + 1]! : dflt
}
const ROOT = join(import.meta.dirname, '..')
const fastaPath = opt('fasta', join(ROOT, 'data', 'chr22_20M.fa'))
const model = opt('model', 'ctcf-lm') // a token model: the pipeline this measures is tokenize → pad → run
const region = opt('region', 'chr22_20M:1-200000')
const batchSize = Number(opt('batch-size', '16'))
const device = opt('device', 'cpu') as Device
const log = (m: string) => process.stderr.write(m + '\n')

const bundle = await loadBundle(model)
const fasta = await Fasta.open(fastaPath)
const regions = await selectRegions(fasta.index, [region])
const {window, stride, max_tokens: maxTokens} = bundle.meta
const padId = bundle.tokenizer.tokenToId('[PAD]')!
const counts = {windows: 0, skippedN: 0, skippedLong: 0}
const batches: TokenBatch[] = []
const windows = withSequence(fasta, keepBlocks(plan(regions, window, stride), batchSize, () => true))
for await (const b of batchWindows(windows, {tokenizer: bundle.tokenizer, strands: ['+', '-'], maxTokens, maxN: 0.5, batchSize}, counts)) batches.push(padBatch(b.rows, padId))
const tokens = batches.reduce((a, b) => a + b.rows * b.tokens, 0)

const session = await ModelSession.open(bundle, {device})
await session.run(batches[0]!, 'logits') // warm-up
let t0 = process.hrtime.bigint()
for (const b of batches) await session.run(b, 'logits')
const bare = Number(process.hrtime.bigint() - t0) / 1e9
await session.release()

const discard = Sink.of(new Writable({write: (_c, _e, cb) => cb()}))
t0 = process.hrtime.bigint()
const s = await predict({fasta: fastaPath, model, regions: [region], strand: 'both', format: 'bed', threshold: 0, merge: false, batchSize, maxN: 0.5, device, progress: false, quiet: true, log}, discard)
const e2e = Number(process.hrtime.bigint() - t0) / 1e9
if (s.scored !== counts.windows - counts.skippedN - counts.skippedLong) throw new Error(`predict scored ${s.scored} windows, the bare run ${counts.windows - counts.skippedN - counts.skippedLong}`)

process.stderr.write(`${model} on ${region}: ${s.scored} windows × 2 strands in ${batches.length} batches of ≤ ${batchSize} windows, ${tokens} padded tokens\n`)
process.stderr.write(`bare session.run: ${(tokens / bare).toFixed(0)} tokens/s (${bare.toFixed(2)} s)\n`)
process.stderr.write(`predict end to end: ${(tokens / e2e).toFixed(0)} tokens/s (${e2e.toFixed(2)} s, session start included)\n`)
process.stderr.write(`ratio end-to-end / bare: ${(bare / e2e).toFixed(3)}\n`)
console.log(`${(tokens / e2e).toFixed(0)} ${(tokens / bare).toFixed(0)} ${(bare / e2e).toFixed(3)}`)
