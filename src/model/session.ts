import {availableParallelism} from 'node:os'

import type {InferenceSession, Tensor} from 'onnxruntime-node'

import {GroverError} from '../errors.js'
import type {Bundle} from './bundle.js'

export type Device = 'cpu' | 'auto'

/** What every model-running pipeline takes besides its own inputs. */
export interface RunOptions {
  /** a shipped bundle name or a bundle folder */
  model: string
  device: Device
  threads?: number
  /** draw a progress bar on stderr */
  progress: boolean
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

const KNOWN_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids'])

/**
 * The one place that talks to ONNX Runtime. onnxruntime-node is imported lazily so `--help` and
 * argument errors never pay for loading it. Inputs are checked against the model's declared names.
 */
export class ModelSession {
  private constructor(
    private readonly ort: typeof import('onnxruntime-node'),
    private readonly session: InferenceSession,
    readonly provider: string,
  ) {}

  /** The model's output names, in graph order (e.g. logits, last_hidden_state). */
  get outputNames(): readonly string[] {
    return this.session.outputNames
  }

  /** opts.file: another graph of the bundle (e.g. its attentions_file) instead of model.onnx. */
  static async open(bundle: Bundle, opts: {device?: Device; threads?: number; file?: string} = {}): Promise<ModelSession> {
    const modelPath = opts.file ?? bundle.modelPath
    const ort = await import('onnxruntime-node')
    const options: InferenceSession.SessionOptions = {executionProviders: ['cpu'], graphOptimizationLevel: 'all'}
    // onnxruntime-node's own default ran on one core here (1 Mb: 93 s vs 55 s with 2 threads): use them all.
    if (opts.threads !== undefined && (!Number.isInteger(opts.threads) || opts.threads < 1)) {
      throw new GroverError(`--threads must be a positive whole number, got ${opts.threads}.`)
    }
    options.intraOpNumThreads = opts.threads ?? availableParallelism()
    let session: InferenceSession
    try {
      session = await ort.InferenceSession.create(modelPath, options)
    } catch (error) {
      throw new GroverError(`${modelPath} could not be loaded by ONNX Runtime (${String((error as Error).message ?? error).split('\n')[0]}). The file may be truncated or not an ONNX model; re-export the bundle.`)
    }
    const names = session.inputNames
    for (const n of names) {
      if (!KNOWN_INPUTS.has(n)) {
        await session.release()
        throw new GroverError(`${modelPath} expects an input "${n}" that grover does not provide (it feeds input_ids, attention_mask and token_type_ids). Re-export the model with those inputs.`)
      }
    }
    if (!names.includes('input_ids')) {
      await session.release()
      throw new GroverError(`${modelPath} has no "input_ids" input (inputs: ${names.join(', ')}). Is this a token model exported by scripts/export_hf.py?`)
    }
    return new ModelSession(ort, session, 'cpu')
  }

  /** The output called `name`, or a clear error naming the outputs the model has. */
  requireOutput(name: string, why: string): string {
    if (this.session.outputNames.includes(name)) return name
    throw new GroverError(`the model has no "${name}" output (${why}); its outputs: ${this.session.outputNames.join(', ')}. Re-export the bundle with scripts/export_hf.py.`)
  }

  /** Run one batch and return output `outputName` as a flat Float32Array plus its dims. */
  async run(batch: TokenBatch, outputName: string): Promise<{data: Float32Array; dims: readonly number[]}> {
    const shape = [batch.rows, batch.tokens]
    const feeds: Record<string, Tensor> = {}
    for (const n of this.session.inputNames) {
      if (n === 'input_ids') feeds[n] = new this.ort.Tensor('int64', batch.ids, shape)
      else if (n === 'attention_mask') feeds[n] = new this.ort.Tensor('int64', batch.mask, shape)
      else feeds[n] = new this.ort.Tensor('int64', new BigInt64Array(batch.ids.length), shape)
    }
    const out = await this.session.run(feeds, [outputName])
    const t = out[outputName]!
    if (t.type !== 'float32') throw new GroverError(`model output "${outputName}" is ${t.type}, expected float32.`)
    return {data: t.data as Float32Array, dims: t.dims}
  }

  async release(): Promise<void> {
    await this.session.release()
  }
}
