import {availableParallelism} from 'node:os'
import {join} from 'node:path'

import type {InferenceSession, Tensor} from 'onnxruntime-node'

import {GroverError} from '../errors.js'
import type {Bundle} from './bundle.js'
import {CUDA_HELP, cudaMissing, type Device, WEBGPU_HELP, webgpuMissing} from './device.js'
import {poolRow} from './pool.js'
import {expandOneHot, ONEHOT_CODES} from '../tokenizers/onehot.js'

export type {Device} from './device.js'

/** What every model-running pipeline takes besides its own inputs. */
export interface RunOptions {
  /** a shipped bundle name or a bundle folder */
  model: string
  device: Device
  threads?: number
  /** draw a progress bar on stderr */
  progress: boolean
  /** --quiet: no progress, summary or device line */
  quiet?: boolean
  signal?: AbortSignal
  log: (msg: string) => void
}

/** A padded batch of token ids: row-major [rows, tokens]. */
export interface TokenBatch {
  rows: number
  tokens: number
  ids: BigInt64Array
  mask: BigInt64Array
}

/** Pad token-id rows to the longest one with padId; mask is 1 on real tokens, 0 on padding. */
export function padBatch(rows: number[][], padId: number): TokenBatch {
  let tokens = 0
  for (const r of rows) tokens = Math.max(tokens, r.length)
  const ids = new BigInt64Array(rows.length * tokens).fill(BigInt(padId))
  const mask = new BigInt64Array(rows.length * tokens)
  rows.forEach((r, i) => {
    const base = i * tokens
    for (let j = 0; j < r.length; j++) {
      ids[base + j] = BigInt(r[j]!)
      mask[base + j] = 1n
    }
  })
  return {rows: rows.length, tokens, ids, mask}
}

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'onehot'])

type Provider = 'cpu' | 'cuda' | 'webgpu'
type Create = (ep: Provider, path?: string) => Promise<InferenceSession>

/** The first line of an ORT error, without its [file:line] prefix. */
function firstLine(error: unknown): string {
  return String((error as Error).message ?? error).split('\n')[0]!.replace(/^.*\] ?/, '').slice(0, 200)
}

/**
 * Start the model on the device asked for. auto: CUDA, then WebGPU, each only if what it needs is
 * there, else the CPU, and say on `log` which runs and why the others were skipped; a named GPU that
 * cannot start is an error that says what is missing.
 */
async function startProvider(create: Create, modelPath: string, device: Device, threads: number | undefined, log: ((msg: string) => void) | undefined): Promise<{session: InferenceSession; provider: Provider}> {
  const skipped: string[] = []
  // GPU providers in the order auto tries them; each checks what it needs before ORT is asked
  const gpus = [
    {ep: 'cuda' as const, missing: () => cudaMissing().join('; '), help: CUDA_HELP},
    {ep: 'webgpu' as const, missing: () => webgpuMissing() ?? '', help: WEBGPU_HELP + ' '},
  ].filter((g) => device === 'auto' || device === g.ep)
  let started: {session: InferenceSession; provider: Provider} | undefined
  for (const g of gpus) {
    const missing = g.missing()
    if (missing) {
      if (device === g.ep) throw new GroverError(`--device ${g.ep} cannot start: ${missing}. ${g.help}Or run with --device cpu.`)
      skipped.push(`${g.ep}: ${missing.split('; ')[0]}`)
      continue
    }
    try {
      started = {session: await create(g.ep), provider: g.ep}
      break
    } catch (error) {
      if (device === g.ep) throw new GroverError(`--device ${g.ep}: the ${g.ep === 'cuda' ? 'CUDA' : 'WebGPU'} execution provider did not start (${firstLine(error)}). ${g.help}`)
      skipped.push(`${g.ep}: ${firstLine(error)}`)
    }
  }
  if (!started) {
    try {
      started = {session: await create('cpu'), provider: 'cpu'}
    } catch (error) {
      throw new GroverError(`${modelPath} could not be loaded by ONNX Runtime (${String((error as Error).message ?? error).split('\n')[0]}). The file may be truncated or not an ONNX model; re-export the bundle.`)
    }
  }
  const p = started.provider
  if (device === 'auto') log?.(`device: ${p}${p === 'cpu' ? ` (${threads ?? availableParallelism()} threads)` : ''}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}`)
  return started
}

/** The graph's inputs must be ones grover feeds, and one-hot exactly when the bundle's tokenizer is. */
function checkInputs(names: readonly string[], bundle: Bundle, modelPath: string): void {
  for (const n of names) {
    if (!KNOWN_INPUTS.has(n)) throw new GroverError(`${modelPath} expects an input "${n}" that grover does not provide (it feeds input_ids, attention_mask and token_type_ids, or onehot). Re-export the model with those inputs.`)
  }
  const oneHot = bundle.meta.tokenizer.kind === 'onehot'
  if (oneHot !== names.includes('onehot')) {
    throw new GroverError(oneHot
      ? `${modelPath} has no "onehot" input (inputs: ${names.join(', ')}), but grover.json says tokenizer kind onehot. Export it with scripts/export/export_onehot.py.`
      : `${modelPath} takes a one-hot "onehot" input but grover.json says tokenizer kind ${bundle.meta.tokenizer.kind}: set "tokenizer": {"kind": "onehot"}.`)
  }
  if (!oneHot && !names.includes('input_ids')) {
    throw new GroverError(`${modelPath} has no "input_ids" input (inputs: ${names.join(', ')}). Is this a token model exported by scripts/export/export_hf.py?`)
  }
}

/**
 * The one place that talks to ONNX Runtime. onnxruntime-node is imported lazily so `--help` and
 * argument errors never pay for loading it. Inputs are checked against the model's declared names.
 */
export class ModelSession {
  /** A trained head (train-head bundles): its session and how to feed it. */
  private head: {session: InferenceSession; meta: NonNullable<Bundle['meta']['onnx']['head']>; before: number; after: number} | undefined

  /**
   * One-hot models: fixed-length graphs are fed `onehot` [rows, length, 4] padded with zeros to `length`
   * (the bundle's window); graphs that take any length are fed each row at its own length (rows of one
   * length per call), N-padded up to `min`.
   */
  private oneHot: {fixed: true; length: number} | {fixed: false; min: number} | undefined

  /** Fully convolutional scanning (grover.json onnx.scan): the trunk and head graphs. */
  private scanGraphs: {trunk: InferenceSession; head: InferenceSession} | undefined

  private constructor(
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly session: InferenceSession,
    readonly provider: string,
  ) {}

  /** The model's output names, in graph order (e.g. logits, last_hidden_state); with a head, logits first. */
  get outputNames(): readonly string[] {
    return this.head ? ['logits', ...this.session.outputNames.filter((n) => n !== 'logits')] : this.session.outputNames
  }

  /** The session a command's run uses: its --device and --threads, and the device line unless --quiet. */
  static forRun(bundle: Bundle, o: Pick<RunOptions, 'device' | 'threads' | 'quiet' | 'log'>, extra: {file?: string; scan?: boolean} = {}): Promise<ModelSession> {
    return ModelSession.open(bundle, {device: o.device, threads: o.threads, log: o.quiet ? undefined : o.log, ...extra})
  }

  /**
   * Open a bundle's model on the device asked for (auto: CUDA, then WebGPU, then the CPU), check its
   * inputs against the bundle, and open its scan graphs (opts.scan) and trained head where it has them.
   * opts.file: another graph of the bundle (e.g. its attentions_file) instead of model.onnx.
   * opts.log: where `--device auto` says which execution provider runs and why others were skipped.
   */
  static async open(bundle: Bundle, opts: {device?: Device; threads?: number; file?: string; log?: (msg: string) => void; scan?: boolean} = {}): Promise<ModelSession> {
    const modelPath = opts.file ?? bundle.modelPath
    const ort = await import('onnxruntime-node')
    // onnxruntime-node's own default ran on one core here (1 Mb: 93 s vs 55 s with 2 threads): use them all.
    if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
      throw new GroverError(`--threads must be a positive whole number, got ${opts.threads}.`)
    }
    const create: Create = (ep, path = modelPath) => ort.InferenceSession.create(path, {
      executionProviders: [ep], graphOptimizationLevel: 'all', intraOpNumThreads: opts.threads ?? availableParallelism(),
      logSeverityLevel: ep === 'cpu' ? 2 : 3, // a GPU provider that cannot start is reported by grover, not by ORT's log
    })
    const {session, provider} = await startProvider(create, modelPath, opts.device ?? 'auto', opts.threads, opts.log)
    try {
      checkInputs(session.inputNames, bundle, modelPath)
    } catch (error) {
      await session.release()
      throw error
    }
    const ms = new ModelSession(ort, session, provider)
    if (bundle.meta.tokenizer.kind === 'onehot') {
      ms.oneHot = bundle.meta.onnx.input_length === 'any'
        ? {fixed: false, min: bundle.meta.onnx.min_length ?? 1}
        : {fixed: true, length: bundle.meta.window}
    }
    try {
      if (opts.scan) await ms.openScanGraphs(bundle, (file) => create(provider, file))
      if (opts.file === undefined) await ms.openHead(bundle, modelPath)
    } catch (error) {
      await ms.release()
      throw error
    }
    return ms
  }

  /** The bundle's trunk and head graphs for fully convolutional scanning, on the same provider. */
  private async openScanGraphs(bundle: Bundle, create: (path: string) => Promise<InferenceSession>): Promise<void> {
    const scan = bundle.meta.onnx.scan
    if (!scan) return
    const open = async (file: string) => {
      try {
        return await create(join(bundle.dir, file))
      } catch (error) {
        throw new GroverError(`${join(bundle.dir, file)} could not be loaded by ONNX Runtime (${firstLine(error)}). Re-export the bundle.`)
      }
    }
    const trunk = await open(scan.trunk)
    const head = await open(scan.head).catch(async (error: unknown) => {
      await trunk.release()
      throw error
    })
    this.scanGraphs = {trunk, head}
    if (!trunk.inputNames.includes('onehot') || !trunk.outputNames.includes('features') || !head.inputNames.includes('pooled') || !head.outputNames.includes('logits')) {
      throw new GroverError(`${bundle.dir}: the scan graphs must map onehot → features (${scan.trunk}) and pooled → logits (${scan.head}); they have ${trunk.inputNames.join(', ')} → ${trunk.outputNames.join(', ')} and ${head.inputNames.join(', ')} → ${head.outputNames.join(', ')}. Re-export the bundle.`)
    }
  }

  /** A trained head (grover train-head) on the encoder's pooled last_hidden_state, on the CPU. */
  private async openHead(bundle: Bundle, modelPath: string): Promise<void> {
    const head = bundle.meta.onnx.head
    if (!head) return
    if (!this.session.outputNames.includes('last_hidden_state')) {
      throw new GroverError(`${modelPath}: the bundle has a trained head (${head.file}) but its encoder has no "last_hidden_state" output to feed it. Re-export the base model with scripts/export/export_hf.py.`)
    }
    const headPath = join(bundle.dir, head.file)
    let hs: InferenceSession
    try {
      hs = await this.ort.InferenceSession.create(headPath, {executionProviders: ['cpu'], intraOpNumThreads: 1})
    } catch (error) {
      throw new GroverError(`${headPath} could not be loaded by ONNX Runtime (${firstLine(error)}). Train the head again with grover train-head.`)
    }
    const {before, after} = bundle.tokenizer.specialCounts
    this.head = {session: hs, meta: head, before, after}
  }

  /** The output called `name`, or a clear error naming the outputs the model has. */
  requireOutput(name: string, why: string): string {
    if (this.session.outputNames.includes(name)) return name
    const fix = this.oneHot !== undefined
      ? 'One-hot models (DanQ, profile CNNs) are exported without it: use a language-model bundle for this command.'
      : 'Re-export the bundle with its export script (scripts/export/export_hf.py, export_nt.py, export_hyena.py).'
    throw new GroverError(`the model has no "${name}" output (${why}); its outputs: ${this.session.outputNames.join(', ')}. ${fix}`)
  }

  /** Run one batch and return output `outputName` as a flat Float32Array plus its dims. */
  async run(batch: TokenBatch, outputName: string): Promise<{data: Float32Array; dims: readonly number[]}> {
    if (this.head && outputName === 'logits') {
      // encoder → pooled last_hidden_state (as grover embed pools it) → the trained head
      const h = await this.runEncoder(batch, 'last_hidden_state')
      const [rows, tokens, hidden] = h.dims as [number, number, number]
      const pooled = new Float32Array(rows * hidden)
      for (let r = 0; r < rows; r++) {
        let real = 0
        for (let t = 0; t < tokens; t++) real += Number(batch.mask[r * tokens + t])
        pooled.set(poolRow(h.data, r, tokens, hidden, this.head.meta.pooling, real, this.head.before, this.head.after), r * hidden)
      }
      const out = await this.head.session.run({[this.head.meta.input]: new this.ort.Tensor('float32', pooled, [rows, hidden])})
      const t = out[this.head.meta.output]!
      return {data: t.data as Float32Array, dims: t.dims}
    }
    return this.runEncoder(batch, outputName)
  }

  private async runEncoder(batch: TokenBatch, outputName: string): Promise<{data: Float32Array; dims: readonly number[]}> {
    if (this.oneHot && !this.oneHot.fixed) return this.runByLength(batch, outputName, this.oneHot.min)
    const shape = [batch.rows, batch.tokens]
    const feeds: Record<string, Tensor> = {}
    if (this.oneHot) {
      // codes padded to the model's input length (zeros: padding is no base at all)
      const L = Math.max(this.oneHot.length, batch.tokens)
      let codes: BigInt64Array = batch.ids
      if (L !== batch.tokens) {
        codes = new BigInt64Array(batch.rows * L).fill(BigInt(ONEHOT_CODES['[PAD]']))
        for (let r = 0; r < batch.rows; r++) codes.set(batch.ids.subarray(r * batch.tokens, (r + 1) * batch.tokens), r * L)
      }
      feeds.onehot = new this.ort.Tensor('float32', expandOneHot(codes, batch.rows, L), [batch.rows, L, 4])
    }
    for (const n of this.session.inputNames) {
      if (n === 'onehot') continue
      if (n === 'input_ids') feeds[n] = new this.ort.Tensor('int64', batch.ids, shape)
      else if (n === 'attention_mask') feeds[n] = new this.ort.Tensor('int64', batch.mask, shape)
      else feeds[n] = new this.ort.Tensor('int64', new BigInt64Array(batch.ids.length), shape)
    }
    const out = await this.session.run(feeds, [outputName])
    const t = out[outputName]!
    if (t.type !== 'float32') throw new GroverError(`model output "${outputName}" is ${t.type}, expected float32.`)
    return {data: t.data as Float32Array, dims: t.dims}
  }

  /**
   * A one-hot graph that takes any length: each row runs at its own length (its mask's real bases), rows of
   * one length in one call, N-padded at the end up to `min` bp; outputs are put back in row order.
   */
  private async runByLength(batch: TokenBatch, outputName: string, min: number): Promise<{data: Float32Array; dims: readonly number[]}> {
    const byLength = new Map<number, number[]>()
    for (let r = 0; r < batch.rows; r++) {
      let n = 0
      while (n < batch.tokens && batch.mask[r * batch.tokens + n] === 1n) n++
      const rows = byLength.get(n)
      if (rows) rows.push(r)
      else byLength.set(n, [r])
    }
    let data: Float32Array | undefined
    let dims: number[] = []
    let per = 0
    for (const [n, rows] of byLength) {
      const L = Math.max(n, min)
      const codes = new Uint8Array(rows.length * L).fill(ONEHOT_CODES.N)
      rows.forEach((r, i) => {
        for (let j = 0; j < n; j++) codes[i * L + j] = Number(batch.ids[r * batch.tokens + j])
      })
      const out = await this.session.run({onehot: new this.ort.Tensor('float32', expandOneHot(codes, rows.length, L), [rows.length, L, 4])}, [outputName])
      const t = out[outputName]!
      if (t.type !== 'float32') throw new GroverError(`model output "${outputName}" is ${t.type}, expected float32.`)
      if (data === undefined) {
        dims = [batch.rows, ...t.dims.slice(1)]
        per = t.dims.slice(1).reduce((a, b) => a * b, 1)
        data = new Float32Array(batch.rows * per)
      } else if (t.dims.slice(1).reduce((a, b) => a * b, 1) !== per) {
        throw new GroverError(`model output "${outputName}" changes shape with the input length ([${t.dims.join(', ')}]); grover can batch it only when it does not.`)
      }
      const got = t.data as Float32Array
      rows.forEach((r, i) => data!.set(got.subarray(i * per, (i + 1) * per), r * per))
    }
    return {data: data ?? new Float32Array(0), dims}
  }

  /** Whether this session was opened with the bundle's scan graphs (fully convolutional scanning). */
  get canScan(): boolean {
    return this.scanGraphs !== undefined
  }

  /**
   * The trunk's feature map of one-hot code rows [rows × length] (A C G T N = 0 … 4, see onehot.ts):
   * `features` [rows, channels, length − receptive_field + 1], channel-major.
   */
  async runTrunk(codes: Uint8Array, rows: number, length: number): Promise<{data: Float32Array; dims: readonly number[]}> {
    const g = this.scanGraphs!
    const out = await g.trunk.run({onehot: new this.ort.Tensor('float32', expandOneHot(codes, rows, length), [rows, length, 4])}, ['features'])
    const t = out.features!
    return {data: t.data as Float32Array, dims: t.dims}
  }

  /** The head's logits [rows, labels] of pooled features [rows × width]. */
  async runHead(pooled: Float32Array, rows: number, width: number): Promise<{data: Float32Array; dims: readonly number[]}> {
    const out = await this.scanGraphs!.head.run({pooled: new this.ort.Tensor('float32', pooled, [rows, width])}, ['logits'])
    const t = out.logits!
    return {data: t.data as Float32Array, dims: t.dims}
  }

  async release(): Promise<void> {
    await this.head?.session.release()
    await this.scanGraphs?.trunk.release()
    await this.scanGraphs?.head.release()
    await this.session.release()
  }
}
