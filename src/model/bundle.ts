import {readdir, readFile, stat} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

import {GroverError} from '../errors.js'
import {Tokenizer} from '../tokenizers/tokenizer.js'

/**
 * bpe: GROVER, DNABERT-2; kmer: Nucleotide Transformer's 6-mers; char: HyenaDNA's one token per base;
 * onehot: Enformer/Basenji/DanQ-style models fed [batch, length, 4] floats (no tokenizer.json).
 */
const TOKENIZER_KINDS = ['bpe', 'kmer', 'char', 'onehot']

/** score: a window model with one unbounded output per strand (DeepBind), reported as it is. */
export type Task = 'classification' | 'masked-lm' | 'embedding' | 'profile' | 'score'
const TASKS: Task[] = ['classification', 'masked-lm', 'embedding', 'profile', 'score']

/**
 * A profile model (Enformer/Basenji-style): output "profile" [batch, bins, tracks], bin j covering
 * window bases [offset + j·bin_size, offset + (j+1)·bin_size); the crop is central:
 * offset = (window − bins·bin_size) / 2.
 */
export interface ProfileMeta {
  bin_size: number
  bins: number
  offset: number
}

/**
 * A one-hot classifier that can be scanned fully convolutionally (grover.json "onnx.scan"): the trunk
 * graph maps `onehot` [batch, length, 4] to `features` [batch, channels, length − receptive_field + 1]
 * with valid (unpadded) stride-1 convolutions only, so feature p depends on bases p … p + receptive_field − 1
 * and a long chunk's features equal those of every window inside it. A window's features are pooled per
 * channel (each of `pooling`, in order: max, mean over the window's positions) into [channels × pooling]
 * values, and the head graph maps `pooled` [batch, channels × pooling] to `logits` [batch, labels].
 * model.onnx is the same model window by window (trunk, pooling and head in one graph).
 */
export interface ScanMeta {
  trunk: string
  head: string
  receptive_field: number
  channels: number
  pooling: PoolSpec[]
}

/**
 * One pooling of a window's trunk features: the max or mean over all its positions, or over its central
 * `center` bp only (the positions whose receptive field lies inside them, starting ⌊(length − center)/2⌋ bp
 * into the window; all positions when the window is not longer than center).
 */
export interface PoolSpec {
  op: 'max' | 'mean'
  center?: number
}

/** grover.json: what a bundle is and how to run it. Windows and strides are in bp. */
export interface BundleMeta {
  format?: number
  name: string
  task: Task
  description?: string
  /** false for fixtures with random weights */
  trained?: boolean
  labels?: string[]
  positive_label?: string
  /** profile bundles: the names of the output tracks, in output order */
  tracks?: string[]
  profile?: ProfileMeta
  /** decision threshold on the positive label's probability (score bundles: on the raw score), chosen on validation data */
  threshold?: number
  /** score bundles: how the two strands' scores combine (DeepBind: "max") */
  score?: {name?: string; strands?: 'max' | 'mean'}
  window: number
  stride: number
  max_tokens: number
  tokenizer: {kind: string; file?: string}
  /** attentions_file: the same weights as a graph whose output is every layer's attention (grover attention) */
  /**
   * input_length (one-hot models): "fixed" (default: the graph takes exactly `window` bp; shorter windows
   * are padded with zeros) or "any" (any length of at least min_length bp; shorter inputs are padded with N
   * up to it). scan: the trunk and head graphs for fully convolutional scanning (see ScanMeta).
   */
  onnx: {file: string; opset?: number; precision?: string; attentions_file?: string; head?: HeadMeta; input_length?: 'fixed' | 'any'; min_length?: number; scan?: ScanMeta}
  architecture?: {vocab_size?: number; max_position_embeddings?: number; [k: string]: unknown}
  /** a motif file shipped with the bundle (e.g. ctcf's JASPAR MA0139.1): predict marks its best site in BED records */
  motif?: {file: string; id?: string; name?: string}
  provenance?: unknown
  license?: string
  metrics?: unknown
  baseline?: unknown
}

/**
 * A head trained by `grover train-head`: a small ONNX graph (head.onnx) run after the encoder on its
 * pooled last_hidden_state; together they give the bundle's logits.
 */
export interface HeadMeta {
  file: string
  /** how the encoder's last_hidden_state is pooled into the head's input */
  pooling: 'mean' | 'cls'
  input: string
  output: string
  kind?: string
}

/** A model bundle folder: model.onnx + tokenizer.json + grover.json, validated against each other. */
export interface Bundle {
  dir: string
  meta: BundleMeta
  tokenizer: Tokenizer
  modelPath: string
  /** index of the positive label among the classifier's outputs */
  positiveIndex: number
}

/** The models/ folder shipped with grover. */
export function shippedModelsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models')
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory()
  } catch {
    return false
  }
}

export async function shippedModelNames(): Promise<string[]> {
  try {
    const names = await readdir(shippedModelsDir())
    const out: string[] = []
    for (const n of names) if (await isDir(join(shippedModelsDir(), n))) out.push(n)
    return out.sort()
  } catch {
    return []
  }
}

function need(cond: boolean, where: string, what: string): asserts cond {
  if (!cond) throw new GroverError(`${where}: ${what}`)
}

function validate(meta: Record<string, unknown>, where: string): BundleMeta {
  const posInt = (k: string) => need(Number.isInteger(meta[k]) && (meta[k] as number) > 0, where, `"${k}" must be a positive whole number (bp), got ${JSON.stringify(meta[k])}.`)
  need(typeof meta.name === 'string' && meta.name !== '', where, '"name" is missing.')
  need(TASKS.includes(meta.task as Task), where, `"task" must be one of ${TASKS.join(', ')}, got ${JSON.stringify(meta.task)}.`)
  posInt('window')
  posInt('stride')
  posInt('max_tokens')
  const tok = meta.tokenizer as BundleMeta['tokenizer'] | undefined
  need(typeof tok === 'object' && tok !== null && (typeof tok.file === 'string' || tok.kind === 'onehot'), where, '"tokenizer" must be {"kind": "bpe", "file": "tokenizer.json"} (or {"kind": "onehot"}).')
  need(TOKENIZER_KINDS.includes(tok.kind), where, `tokenizer kind "${tok.kind}" is not supported (supported: ${TOKENIZER_KINDS.join(', ')}).`)
  const onnx = meta.onnx as BundleMeta['onnx'] | undefined
  need(typeof onnx === 'object' && onnx !== null && typeof onnx.file === 'string', where, '"onnx" must be {"file": "model.onnx", ...}.')
  if (meta.task === 'classification') {
    const labels = meta.labels as unknown
    need(Array.isArray(labels) && labels.length >= 2 && labels.every((l) => typeof l === 'string'), where, 'a classification bundle needs "labels": a list of at least two label names, in the order of the model\'s outputs.')
    need(typeof meta.positive_label === 'string' && labels.includes(meta.positive_label), where, `"positive_label" must be one of the labels (${labels.join(', ')}), got ${JSON.stringify(meta.positive_label)}.`)
    need(typeof meta.threshold === 'number' && meta.threshold >= 0 && meta.threshold <= 1, where, `"threshold" must be a probability in [0, 1], got ${JSON.stringify(meta.threshold)}.`)
  }
  if (onnx.input_length !== undefined || onnx.min_length !== undefined || onnx.scan !== undefined) {
    need(tok.kind === 'onehot', where, '"onnx.input_length", "min_length" and "scan" are for one-hot models ("tokenizer": {"kind": "onehot"}).')
    need(onnx.input_length === undefined || onnx.input_length === 'fixed' || onnx.input_length === 'any', where, `"onnx.input_length" must be "fixed" or "any", got ${JSON.stringify(onnx.input_length)}.`)
    need(onnx.min_length === undefined || (Number.isInteger(onnx.min_length) && onnx.min_length > 0), where, `"onnx.min_length" must be a positive whole number of bp, got ${JSON.stringify(onnx.min_length)}.`)
  }
  if (onnx.scan !== undefined) {
    const sc = onnx.scan
    need(typeof sc === 'object' && sc !== null && typeof sc.trunk === 'string' && typeof sc.head === 'string', where, '"onnx.scan" must be {"trunk": "trunk.onnx", "head": "head.onnx", "receptive_field": bp, "channels": n, "pooling": ["max", "mean"]}.')
    need(meta.task === 'classification' && onnx.input_length === 'any', where, '"onnx.scan" needs a classification bundle whose model.onnx takes any length ("input_length": "any").')
    need(Number.isInteger(sc.receptive_field) && sc.receptive_field > 0 && Number.isInteger(sc.channels) && sc.channels > 0, where, '"onnx.scan": "receptive_field" (bp) and "channels" must be positive whole numbers.')
    need(Array.isArray(sc.pooling) && sc.pooling.length > 0 && sc.pooling.every((p) => typeof p === 'object' && p !== null && (p.op === 'max' || p.op === 'mean') &&
      (p.center === undefined || (Number.isInteger(p.center) && p.center >= sc.receptive_field))), where,
    `"onnx.scan.pooling" must be a list of {"op": "max" | "mean"} with an optional "center" (bp, at least the receptive field ${sc.receptive_field}), got ${JSON.stringify(sc.pooling)}.`)
    need((onnx.min_length ?? 1) >= sc.receptive_field, where, `"onnx.min_length" (${onnx.min_length}) must be at least the receptive field (${sc.receptive_field} bp): a shorter input has no feature position.`)
  }
  if (meta.task === 'score') {
    const sc = meta.score as BundleMeta['score']
    need(sc === undefined || (typeof sc === 'object' && sc !== null && (sc.strands === undefined || sc.strands === 'max' || sc.strands === 'mean')), where, '"score" must be {"name": …, "strands": "max" | "mean"}.')
    need(meta.threshold === undefined || (typeof meta.threshold === 'number' && Number.isFinite(meta.threshold)), where, `"threshold" must be a number, got ${JSON.stringify(meta.threshold)}.`)
  }
  if (meta.task === 'profile') {
    const tracks = meta.tracks as unknown
    need(Array.isArray(tracks) && tracks.length >= 1 && tracks.every((t) => typeof t === 'string'), where, 'a profile bundle needs "tracks": the names of its output tracks, in output order.')
    const p = meta.profile as ProfileMeta | undefined
    const whole = (x: unknown) => Number.isInteger(x) && (x as number) >= 0
    need(typeof p === 'object' && p !== null && whole(p.bin_size) && p.bin_size > 0 && whole(p.bins) && p.bins > 0 && whole(p.offset), where, 'a profile bundle needs "profile": {"bin_size": bp, "bins": n, "offset": bp}.')
    need(2 * p.offset + p.bins * p.bin_size === meta.window, where, `"profile" must be a central crop of the window: 2 × offset + bins × bin_size = ${2 * p.offset + p.bins * p.bin_size}, but window is ${String(meta.window)}.`)
  }
  return meta as unknown as BundleMeta
}

/**
 * Load a bundle by folder path or by the name of a bundle shipped in models/. Checks grover.json,
 * that the files exist, and that the tokenizer fits the model's vocabulary and positions.
 */
export async function loadBundle(spec: string): Promise<Bundle> {
  let dir: string
  if (await isDir(spec)) dir = resolve(spec)
  else if (/^[\w.-]+$/.test(spec) && (await isDir(join(shippedModelsDir(), spec)))) dir = join(shippedModelsDir(), spec)
  else {
    const names = await shippedModelNames()
    throw new GroverError(`model "${spec}" is neither a bundle folder nor a shipped model. Shipped models: ${names.join(', ') || '(none)'}. A bundle folder holds model.onnx, tokenizer.json and grover.json.`)
  }
  const metaPath = join(dir, 'grover.json')
  let raw: string
  try {
    raw = await readFile(metaPath, 'utf8')
  } catch {
    throw new GroverError(`${dir} is not a grover bundle: grover.json is missing. A bundle folder holds model.onnx, tokenizer.json and grover.json (see scripts/export/export_hf.py).`)
  }
  let parsed: Record<string, unknown>
  try {
    parsed = JSON.parse(raw) as Record<string, unknown>
  } catch (error) {
    throw new GroverError(`${metaPath} is not valid JSON (${(error as Error).message}).`)
  }
  const meta = validate(parsed, metaPath)
  const modelPath = join(dir, meta.onnx.file)
  await mustExist(dir, meta.onnx.file, metaPath, 'model file')
  const head = meta.onnx.head
  if (head !== undefined) {
    need(typeof head === 'object' && typeof head.file === 'string' && (head.pooling === 'mean' || head.pooling === 'cls') && typeof head.input === 'string' && typeof head.output === 'string',
      metaPath, '"onnx.head" must be {"file": "head.onnx", "pooling": "mean"|"cls", "input": …, "output": …}.')
    await mustExist(dir, head.file, metaPath, 'head file')
  }
  if (meta.motif !== undefined) {
    need(typeof meta.motif === 'object' && meta.motif !== null && typeof meta.motif.file === 'string', metaPath, '"motif" must be {"file": "MOTIF.jaspar", …}.')
    await mustExist(dir, meta.motif.file, metaPath, 'motif file')
  }
  for (const f of meta.onnx.scan ? [meta.onnx.scan.trunk, meta.onnx.scan.head] : []) await mustExist(dir, f, metaPath, 'scan graph', ' ("onnx.scan")')
  const tokenizer = meta.tokenizer.kind === 'onehot' ? Tokenizer.oneHot() : await Tokenizer.fromFile(join(dir, meta.tokenizer.file!))
  if (tokenizer.kind !== meta.tokenizer.kind) {
    throw new GroverError(`${metaPath} says tokenizer kind "${meta.tokenizer.kind}" but ${meta.tokenizer.file} holds a ${tokenizer.kind} tokenizer: fix "tokenizer.kind" or re-export the bundle.`)
  }
  const arch = meta.architecture
  if (arch?.vocab_size !== undefined && tokenizer.vocabSize > arch.vocab_size) {
    throw new GroverError(`${dir}: the tokenizer has ${tokenizer.vocabSize} ids but the model's vocabulary has ${arch.vocab_size}: they do not belong together. Re-export the bundle with its own tokenizer.json.`)
  }
  if (arch?.max_position_embeddings !== undefined && meta.max_tokens > arch.max_position_embeddings) {
    throw new GroverError(`${metaPath}: max_tokens ${meta.max_tokens} exceeds the model's ${arch.max_position_embeddings} positions.`)
  }
  if (tokenizer.special('pad') === undefined) throw new GroverError(`${dir}: the tokenizer has no [PAD] (or <pad>) token, needed to pad batches.`)
  const positiveIndex = meta.task === 'classification' ? meta.labels!.indexOf(meta.positive_label!) : -1
  return {dir, meta, tokenizer, modelPath, positiveIndex}
}

/** A file grover.json names must be in the bundle folder: `what` names it in the error (e.g. "head file"). */
async function mustExist(dir: string, file: string, metaPath: string, what: string, key = ''): Promise<void> {
  try {
    await stat(join(dir, file))
  } catch {
    throw new GroverError(`${metaPath} names ${what} ${file}${key}, but ${join(dir, file)} does not exist.`)
  }
}
