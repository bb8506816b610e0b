import {createHash} from 'node:crypto'
import {copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile} from 'node:fs/promises'
import {homedir} from 'node:os'
import {basename, join, resolve} from 'node:path'

import {GroverError} from '../errors.js'
import {type Example, type LabelledInputs, loadExamples, readSplitFile, type SplitPart} from '../io/labels.js'
import {tmpPath, writeFileAtomically} from '../io/output.js'
import {loadBundle, type Bundle} from '../model/bundle.js'
import {denseModel} from '../model/onnx-writer.js'
import {type Pool, poolRow} from '../model/pool.js'
import {ModelSession, padBatch, type RunOptions} from '../model/session.js'
import {reverseComplement} from '../dna.js'
import {mulberry32} from '../random.js'
import {batchWindows, pipelined, skippedText, type WindowBatch} from './batches.js'
import {applyHead, type HeadKind, type HeadOptions, trainHead} from './head.js'
import {maxMccThreshold, type Metrics, metrics} from './metrics.js'
import type {Window} from './windows.js'

export interface TrainHeadOptions extends RunOptions, HeadOptions, LabelledInputs {
  split?: string
  out: string
  name?: string
  force: boolean
  pool: Pool
  cache?: string
  batchSize: number
}

export interface TrainHeadResult {
  bundle: string
  examples: {train: number; valid: number; test: number; skipped: number}
  split: string
  cached: boolean
  head: {kind: HeadKind; best_epoch: number; epochs: number}
  threshold: number
  metrics: Record<string, Metrics>
}

/** train / valid / test for each example, and how the split was made. */
export async function splitExamples(ex: Example[], o: Pick<TrainHeadOptions, 'split' | 'seed'>): Promise<{parts: SplitPart[]; how: string}> {
  if (o.split) {
    const map = await readSplitFile(o.split)
    const parts = ex.map((e) => {
      const v = map.get(e.name)
      if (v === undefined) throw new GroverError(`${o.split}: no split for "${e.name}" (from the labelled inputs). Every example needs a row.`)
      return v
    })
    return {parts, how: `as given by ${basename(o.split)}`}
  }
  const chroms = [...new Set(ex.map((e) => e.chrom).filter((c): c is string => c !== undefined))]
  const rand = mulberry32(o.seed)
  if (chroms.length > 1) {
    // whole chromosomes to validation (shuffled with the seed) until they hold ≥ 20% of the examples
    const order = chroms.map((c) => ({c, k: rand()})).sort((a, b) => a.k - b.k).map((x) => x.c)
    const valid = new Set<string>()
    let n = 0
    for (const c of order) {
      if (n >= 0.2 * ex.length || valid.size === chroms.length - 1) break
      valid.add(c)
      n += ex.filter((e) => e.chrom === c).length
    }
    return {parts: ex.map((e) => (valid.has(e.chrom!) ? 'valid' : 'train')), how: `by chromosome: validation on ${[...valid].join(', ')}`}
  }
  return {parts: ex.map(() => (rand() < 0.2 ? 'valid' : 'train')), how: `random 80/20 (seed ${o.seed}; one chromosome or FASTA inputs, so no split by chromosome)`}
}

function cacheDir(o: TrainHeadOptions): string {
  if (o.cache) return o.cache
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache')
  return join(base, 'grover', 'embeddings')
}

async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex')
}

/** Pooled embeddings of every example (NaN row: not embeddable), from the cache when it has them. */
async function embedExamples(ex: Example[], bundle: Bundle, o: TrainHeadOptions): Promise<{X: Float32Array; hidden: number; ok: Uint8Array; cached: boolean; skipped: string}> {
  const key = createHash('sha256')
    .update(await sha256File(bundle.modelPath)).update(bundle.meta.tokenizer.file ? await sha256File(join(bundle.dir, bundle.meta.tokenizer.file)) : bundle.meta.tokenizer.kind)
    .update(o.pool).update(String(bundle.meta.max_tokens))
  for (const e of ex) key.update(e.seq).update('\n')
  const id = key.digest('hex').slice(0, 32)
  const dir = cacheDir(o)
  const file = join(dir, `${id}.f32`)
  const metaFile = join(dir, `${id}.json`)
  try {
    const meta = JSON.parse(await readFile(metaFile, 'utf8')) as {n: number; hidden: number; ok: number[]; skipped: string}
    const buf = await readFile(file)
    if (meta.n === ex.length && buf.length === meta.n * meta.hidden * 4) {
      const X = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length))
      return {X, hidden: meta.hidden, ok: Uint8Array.from(meta.ok), cached: true, skipped: meta.skipped}
    }
  } catch {}
  const session = await ModelSession.forRun(bundle, o)
  const ok = new Uint8Array(ex.length)
  let X = new Float32Array(0)
  let hidden = 0
  const counts = {windows: 0, skippedN: 0, skippedLong: 0}
  try {
    const out = session.requireOutput('last_hidden_state', 'train-head trains on the encoder\'s pooled hidden states')
    const {before, after} = bundle.tokenizer.specialCounts
    async function* windows(): AsyncGenerator<Window & {index: number}> {
      for (const [index, e] of ex.entries()) yield {chrom: e.name, start: 0, end: e.seq.length, seq: e.seq, bpDone: index + 1, index}
    }
    const padId = bundle.tokenizer.roleId('pad')
    const finish = async (b: WindowBatch<Window & {index: number}>, r: {data: Float32Array; dims: readonly number[]}) => {
      const [, tokens, h] = r.dims as [number, number, number]
      if (hidden === 0) {
        hidden = h
        X = new Float32Array(ex.length * hidden).fill(Number.NaN)
      }
      b.windows.forEach((w, i) => {
        X.set(poolRow(r.data, i, tokens, hidden, o.pool, b.rows[i]!.length, before, after), w.index * hidden)
        ok[w.index] = 1
      })
    }
    const batches = batchWindows(windows(), {tokenizer: bundle.tokenizer, strands: ['+'], maxTokens: bundle.meta.max_tokens, maxN: 0.5, batchSize: o.batchSize, signal: o.signal}, counts)
    await pipelined(batches, (b) => session.run(padBatch(b.rows, padId), out), finish, o.signal)
  } finally {
    await session.release()
  }
  if (hidden === 0) throw new GroverError(`no example could be embedded (${skippedText(counts)}): are the sequences longer than the model's ${bundle.meta.max_tokens} tokens?`)
  const skipped = skippedText(counts)
  try {
    await mkdir(dir, {recursive: true})
    await writeFileAtomically(file, (tmp) => writeFile(tmp, Buffer.from(X.buffer, X.byteOffset, X.byteLength)))
    await writeFile(metaFile, JSON.stringify({n: ex.length, hidden, ok: Array.from(ok), skipped, model: bundle.meta.name, pool: o.pool}))
  } catch (error) {
    o.log(`warning: could not write the embedding cache in ${dir} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); the next run embeds again.`)
  }
  return {X, hidden, ok, cached: false, skipped}
}

function rowsOf(X: Float32Array, hidden: number, idx: number[]): Float32Array {
  const out = new Float32Array(idx.length * hidden)
  idx.forEach((i, k) => out.set(X.subarray(i * hidden, (i + 1) * hidden), k * hidden))
  return out
}

/**
 * grover train-head: labelled regions → embeddings of a base bundle (cached) → a logistic or MLP head
 * trained here → a new classification bundle (base encoder + head.onnx) that predict, score and
 * evaluate use like any other.
 */
export async function trainHeadBundle(o: TrainHeadOptions): Promise<TrainHeadResult> {
  for (const [k, v] of [['--hidden', o.hidden], ['--max-epochs', o.maxEpochs], ['--patience', o.patience], ['--batch-size', o.batchSize]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new GroverError(`${k} must be a positive whole number, got ${v}.`)
  }
  if (!(o.l2 >= 0)) throw new GroverError(`--l2 must be ≥ 0, got ${o.l2}.`)
  if (!(o.lr > 0)) throw new GroverError(`--lr must be > 0, got ${o.lr}.`)
  const out = resolve(o.out)
  const existing = await readdir(out).catch(() => []) // not there (or not a folder): nothing to replace
  if (existing.length > 0 && !o.force) throw new GroverError(`--out ${o.out} exists and is not empty. Choose another folder, or replace it with --force.`)
  const base = await loadBundle(o.model)
  const ex = await loadExamples(o, o.log)
  const pos = ex.filter((e) => e.label === 1).length
  if (pos === 0 || pos === ex.length) throw new GroverError(`the labelled inputs have only ${pos ? 'positive' : 'negative'} examples (${ex.length}); a classifier needs both.`)
  const {parts, how} = await splitExamples(ex, o)
  // both strands: the head trains on each example and its reverse complement, and scores an example
  // as the mean over its strands, as grover predict does
  const both: Example[] = [...ex, ...ex.map((e) => ({...e, seq: reverseComplement(e.seq)}))]
  const emb = await embedExamples(both, base, o)
  o.log(`train-head: ${ex.length.toLocaleString('en-US')} examples (${pos.toLocaleString('en-US')} positive) embedded with ${base.meta.name}${emb.cached ? ' (from the cache)' : ''}; split ${how}.`)
  const n = ex.length
  const usable = (i: number) => emb.ok[i] === 1 && emb.ok[i + n] === 1
  const skipped = ex.filter((_, i) => !usable(i)).length
  if (skipped) o.log(`warning: ${skipped} examples could not be embedded (on one strand or both) and are left out (${emb.skipped}).`)
  const idx = (p: string) => ex.flatMap((_, i) => (parts[i] === p && usable(i) ? [i] : []))
  const tr = idx('train')
  const va = idx('valid')
  const te = idx('test')
  if (tr.length < 2 || va.length < 2) throw new GroverError(`too few examples to train and validate (train ${tr.length}, valid ${va.length}).`)
  const y = (ids: number[]) => Uint8Array.from(ids, (i) => both[i]!.label)
  const H = emb.hidden
  const twice = (ids: number[]) => [...ids, ...ids.map((i) => i + n)]
  const head = trainHead(rowsOf(emb.X, H, twice(tr)), y(twice(tr)), rowsOf(emb.X, H, twice(va)), y(twice(va)), H, {kind: o.kind, hidden: o.hidden, l2: o.l2, lr: o.lr, maxEpochs: o.maxEpochs, patience: o.patience, seed: o.seed})
  const scores = (ids: number[]) => {
    const f = applyHead(head.layers, rowsOf(emb.X, H, ids), ids.length)
    const r = applyHead(head.layers, rowsOf(emb.X, H, ids.map((i) => i + n)), ids.length)
    return f.map((x, k) => (x + r[k]!) / 2)
  }
  const vs = scores(va)
  const vy = y(va)
  const threshold = Math.round(maxMccThreshold(vy, vs) * 1e4) / 1e4
  const result: Record<string, Metrics> = {train: metrics(y(tr), scores(tr), threshold), valid: metrics(vy, vs, threshold)}
  if (te.length) result.test = metrics(y(te), scores(te), threshold)

  // the bundle: base encoder + tokenizer, head.onnx, grover.json
  const lengths = ex.map((e) => e.seq.length).sort((a, b) => a - b)
  const examples = {train: tr.length, valid: va.length, test: te.length, skipped}
  const meta = await headMeta(o, base, {
    name: o.name ?? basename(out), threshold, window: lengths[Math.floor(lengths.length / 2)]!, metrics: result, split: how, examples,
    bestEpoch: head.bestEpoch, epochs: head.epochs,
  })
  await writeHeadBundle(out, base, denseModel(head.layers, 'pooled', 'logits', `grover train-head ${o.kind} head on ${base.meta.name}`), meta)
  const st = await stat(join(out, 'head.onnx'))
  o.log(`train-head: ${o.kind} head (${st.size.toLocaleString('en-US')} bytes, best epoch ${head.bestEpoch} of ${head.epochs}) → ${o.out}; threshold ${threshold} (max MCC on validation).`)
  return {bundle: out, examples, split: how, cached: emb.cached,
    head: {kind: o.kind, best_epoch: head.bestEpoch, epochs: head.epochs}, threshold, metrics: result}
}

/** What a trained head's grover.json records besides the options: its results and how it was made. */
interface HeadResults {
  name: string
  threshold: number
  window: number
  metrics: Record<string, Metrics>
  split: string
  examples: TrainHeadResult['examples']
  bestEpoch: number
  epochs: number
}

/** The grover.json of a head bundle on `base` (inputs identified by name and sha256). */
async function headMeta(o: TrainHeadOptions, base: Bundle, r: HeadResults): Promise<Record<string, unknown>> {
  const sources = async (p: string | undefined) => (p ? {file: basename(p), sha256: await sha256File(p)} : undefined)
  return {
    format: 1, name: r.name, task: 'classification',
    description: `${o.kind === 'logistic' ? 'Logistic-regression' : `MLP (${o.hidden} hidden units)`} head trained by grover train-head on frozen ${base.meta.name} embeddings (${o.pool}-pooled last_hidden_state).`,
    trained: true, labels: ['negative', 'positive'], positive_label: 'positive', threshold: r.threshold,
    window: r.window, stride: Math.max(1, Math.round(r.window / 5)), max_tokens: base.meta.max_tokens,
    tokenizer: base.meta.tokenizer.file ? {kind: base.meta.tokenizer.kind, file: 'tokenizer.json'} : {kind: base.meta.tokenizer.kind},
    onnx: {file: 'model.onnx', opset: base.meta.onnx.opset, precision: base.meta.onnx.precision ?? 'fp32',
      head: {file: 'head.onnx', pooling: o.pool, input: 'pooled', output: 'logits', kind: o.kind}},
    architecture: base.meta.architecture,
    metrics: r.metrics,
    training: {split: r.split, examples: r.examples, head: o.kind, hidden: o.kind === 'mlp' ? o.hidden : undefined,
      l2: o.l2, lr: o.lr, best_epoch: r.bestEpoch, epochs_run: r.epochs, patience: o.patience, seed: o.seed, class_weight: 'balanced', threshold_rule: 'max MCC on validation'},
    provenance: {created_by: 'grover train-head', date: new Date().toISOString().slice(0, 10), base_model: base.meta.name, base_provenance: base.meta.provenance,
      labels: await sources(o.labels), positives: await sources(o.positives), negatives: await sources(o.negatives), split: await sources(o.split), fasta: o.fasta ? basename(o.fasta) : undefined},
    license: base.meta.license,
  }
}

/** Write the head bundle (base encoder + tokenizer, head.onnx, grover.json) beside `out` and rename it into place. */
async function writeHeadBundle(out: string, base: Bundle, headOnnx: Uint8Array, meta: Record<string, unknown>): Promise<void> {
  const tmp = tmpPath(out)
  await rm(tmp, {recursive: true, force: true})
  await mkdir(tmp, {recursive: true})
  try {
    await copyFile(base.modelPath, join(tmp, 'model.onnx'))
    if (base.meta.tokenizer.file) await copyFile(join(base.dir, base.meta.tokenizer.file), join(tmp, 'tokenizer.json'))
    await writeFile(join(tmp, 'head.onnx'), headOnnx)
    await writeFile(join(tmp, 'grover.json'), JSON.stringify(meta, null, 2) + '\n')
    await rm(out, {recursive: true, force: true})
    await rename(tmp, out)
  } catch (error) {
    await rm(tmp, {recursive: true, force: true})
    throw error
  }
}
