import {mulberry32} from '../random.js'
import type {DenseLayer} from '../model/onnx-writer.js'

/**
 * Classifier heads on frozen embeddings, trained in TypeScript: logistic regression or a one-hidden-
 * layer MLP, full-batch Adam on class-weighted cross-entropy with L2, early stopping on the validation
 * loss. No npm library: the models are a few hundred weights, plain Float64Array loops are exact and
 * fast enough (ml.js's logistic regression has no class weights or early stopping, TensorFlow.js would
 * add 100+ MB for a dot product). Features are standardised on the training set and the scaling is
 * folded into the first layer, so the exported head takes raw pooled embeddings.
 */
export type HeadKind = 'logistic' | 'mlp'

export interface HeadOptions {
  kind: HeadKind
  hidden: number
  l2: number
  lr: number
  maxEpochs: number
  patience: number
  seed: number
}

export interface TrainedHead {
  /** layers for the ONNX graph: input [H] → … → logits [negative, positive] */
  layers: DenseLayer[]
  bestEpoch: number
  epochs: number
  validLoss: number
  trainLoss: number
}

interface Params {
  W1: Float64Array // [H, K] (logistic: K = 1)
  b1: Float64Array
  W2: Float64Array // [K] (mlp only)
  b2: Float64Array // [1]
}

/** Forward pass for n rows; returns z (positive-class logit) and, for the MLP, hidden activations. */
function forward(p: Params, X: Float64Array, n: number, H: number, K: number, mlp: boolean): {z: Float64Array; a: Float64Array} {
  const z = new Float64Array(n)
  const a = new Float64Array(mlp ? n * K : 0)
  for (let i = 0; i < n; i++) {
    const x = i * H
    if (!mlp) {
      let s = p.b1[0]!
      for (let j = 0; j < H; j++) s += X[x + j]! * p.W1[j]!
      z[i] = s
      continue
    }
    let out = p.b2[0]!
    for (let k = 0; k < K; k++) {
      let s = p.b1[k]!
      for (let j = 0; j < H; j++) s += X[x + j]! * p.W1[j * K + k]!
      const r = s > 0 ? s : 0
      a[i * K + k] = r
      out += r * p.W2[k]!
    }
    z[i] = out
  }
  return {z, a}
}

/** Class-weighted mean log-loss (weights n / (2 n_c), as scikit-learn's class_weight="balanced"). */
function loss(z: Float64Array, y: Uint8Array, w: [number, number]): number {
  let s = 0
  let tw = 0
  for (let i = 0; i < z.length; i++) {
    const zi = z[i]!
    // log(1 + e^-z) for positives, log(1 + e^z) for negatives, stably
    const l = y[i] ? Math.max(-zi, 0) + Math.log1p(Math.exp(-Math.abs(zi))) : Math.max(zi, 0) + Math.log1p(Math.exp(-Math.abs(zi)))
    s += w[y[i]!]! * l
    tw += w[y[i]!]!
  }
  return s / tw
}

export const sigmoid = (z: number): number => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)))

export function trainHead(X: Float32Array, y: Uint8Array, Xv: Float32Array, yv: Uint8Array, H: number, o: HeadOptions): TrainedHead {
  const n = y.length
  const nv = yv.length
  const st = standardiser(X, n, H) // on the training rows
  const Xs = st.apply(X, n)
  const Xvs = st.apply(Xv, nv)
  const pos = y.reduce((a, b) => a + b, 0)
  const w: [number, number] = [n / (2 * Math.max(1, n - pos)), n / (2 * Math.max(1, pos))]
  let tw = 0 // total class weight of the training rows: the loss is a weighted mean
  for (let i = 0; i < n; i++) tw += w[y[i]!]!
  const mlp = o.kind === 'mlp'
  const K = mlp ? o.hidden : 1
  const p = initParams(H, K, mlp, o.seed)
  const params = [p.W1, p.b1, p.W2, p.b2]
  const adam = {m1: params.map((a) => new Float64Array(a.length)), m2: params.map((a) => new Float64Array(a.length))}
  const grads = params.map((a) => new Float64Array(a.length))
  let best = {loss: Infinity, epoch: 0, params: params.map((a) => a.slice())}
  let trainLoss = NaN
  let epoch = 0 // epochs run (early stopping leaves the loop after the epoch that stopped it)
  for (let e = 0; e < o.maxEpochs; e++) {
    epoch = e + 1
    const {z, a} = forward(p, Xs, n, H, K, mlp)
    trainLoss = loss(z, y, w)
    gradients(grads, p, Xs, z, a, y, w, tw, H, K, mlp, o.l2)
    adamStep(params, grads, adam, o.lr, epoch)
    const vl = loss(forward(p, Xvs, nv, H, K, mlp).z, yv, w)
    if (vl < best.loss - 1e-6) best = {loss: vl, epoch, params: params.map((arr) => arr.slice())}
    else if (epoch - best.epoch >= o.patience) break
  }
  best.params.forEach((arr, q) => params[q]!.set(arr))
  return {layers: foldStandardisation(p, st, H, K, mlp), bestEpoch: best.epoch, epochs: epoch, validLoss: best.loss, trainLoss}
}

/** Each feature's mean and standard deviation over the first n rows of X (n × H), and the standardising map. */
function standardiser(X: Float32Array, n: number, H: number): {mean: Float64Array; sd: Float64Array; apply: (A: Float32Array, m: number) => Float64Array} {
  const mean = new Float64Array(H)
  const sd = new Float64Array(H)
  for (let i = 0; i < n; i++) for (let j = 0; j < H; j++) mean[j]! += X[i * H + j]!
  for (let j = 0; j < H; j++) mean[j]! /= n
  for (let i = 0; i < n; i++) for (let j = 0; j < H; j++) sd[j]! += (X[i * H + j]! - mean[j]!) ** 2
  for (let j = 0; j < H; j++) sd[j] = Math.sqrt(sd[j]! / n) || 1
  const apply = (A: Float32Array, m: number) => {
    const out = new Float64Array(m * H)
    for (let i = 0; i < m; i++) for (let j = 0; j < H; j++) out[i * H + j] = (A[i * H + j]! - mean[j]!) / sd[j]!
    return out
  }
  return {mean, sd, apply}
}

/** Zero weights for the logistic head; He-initialised ones (seeded) for the MLP's. */
function initParams(H: number, K: number, mlp: boolean, seed: number): Params {
  const rand = mulberry32(seed)
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand())
  const p: Params = {W1: new Float64Array(H * K), b1: new Float64Array(K), W2: new Float64Array(K), b2: new Float64Array(1)}
  if (mlp) {
    for (let i = 0; i < p.W1.length; i++) p.W1[i] = gauss() * Math.sqrt(2 / H)
    for (let k = 0; k < K; k++) p.W2[k] = gauss() * Math.sqrt(1 / K)
  }
  return p
}

/** ∂loss/∂(W1, b1, W2, b2) of the class-weighted mean log-loss, plus L2 on the weights (not biases), into grads. */
function gradients(grads: Float64Array[], p: Params, Xs: Float64Array, z: Float64Array, a: Float64Array, y: Uint8Array, w: [number, number],
  tw: number, H: number, K: number, mlp: boolean, l2: number): void {
  for (const g of grads) g.fill(0)
  for (let i = 0; i < y.length; i++) {
    const d = (w[y[i]!]! * (sigmoid(z[i]!) - y[i]!)) / tw // ∂loss/∂z_i
    const x = i * H
    if (!mlp) {
      for (let j = 0; j < H; j++) grads[0]![j]! += d * Xs[x + j]!
      grads[1]![0]! += d
      continue
    }
    grads[3]![0]! += d
    for (let k = 0; k < K; k++) {
      const ak = a[i * K + k]!
      grads[2]![k]! += d * ak
      if (ak <= 0) continue
      const dk = d * p.W2[k]!
      grads[1]![k]! += dk
      for (let j = 0; j < H; j++) grads[0]![j * K + k]! += dk * Xs[x + j]!
    }
  }
  for (let i = 0; i < p.W1.length; i++) grads[0]![i]! += l2 * p.W1[i]!
  if (mlp) for (let k = 0; k < K; k++) grads[2]![k]! += l2 * p.W2[k]!
}

/** One Adam step (β 0.9 / 0.999, bias-corrected at step t) on every parameter array. */
function adamStep(params: Float64Array[], grads: Float64Array[], adam: {m1: Float64Array[]; m2: Float64Array[]}, lr: number, t: number): void {
  params.forEach((arr, q) => {
    const g = grads[q]!
    const m1 = adam.m1[q]!
    const m2 = adam.m2[q]!
    for (let i = 0; i < arr.length; i++) {
      m1[i] = 0.9 * m1[i]! + 0.1 * g[i]!
      m2[i] = 0.999 * m2[i]! + 0.001 * g[i]! * g[i]!
      arr[i]! -= (lr * (m1[i]! / (1 - 0.9 ** t))) / (Math.sqrt(m2[i]! / (1 - 0.999 ** t)) + 1e-8)
    }
  })
}

/**
 * The trained head as dense layers over the raw features: the standardisation folded into the first layer,
 * (x − μ)/σ · W + b = x · (W/σ) + (b − Σ μ W/σ); two logits [0, z] so that softmax gives sigmoid(z).
 */
function foldStandardisation(p: Params, st: {mean: Float64Array; sd: Float64Array}, H: number, K: number, mlp: boolean): DenseLayer[] {
  const {mean, sd} = st
  const W1 = new Float32Array(H * (mlp ? K : 2))
  const b1 = new Float32Array(mlp ? K : 2)
  if (!mlp) {
    let b = p.b1[0]!
    for (let j = 0; j < H; j++) {
      const wj = p.W1[j]! / sd[j]!
      W1[j * 2 + 1] = wj
      b -= mean[j]! * wj
    }
    b1[1] = b
    return [{weight: W1, bias: b1, inputs: H, outputs: 2}]
  }
  for (let k = 0; k < K; k++) {
    let b = p.b1[k]!
    for (let j = 0; j < H; j++) {
      const wj = p.W1[j * K + k]! / sd[j]!
      W1[j * K + k] = wj
      b -= mean[j]! * wj
    }
    b1[k] = b
  }
  const W2 = new Float32Array(K * 2)
  for (let k = 0; k < K; k++) W2[k * 2 + 1] = p.W2[k]!
  const b2 = new Float32Array([0, p.b2[0]!])
  return [{weight: W1, bias: b1, inputs: H, outputs: K, relu: true}, {weight: W2, bias: b2, inputs: K, outputs: 2}]
}

export function applyHead(layers: DenseLayer[], X: Float32Array, n: number): Float64Array {
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    let v: Float64Array = Float64Array.from(X.subarray(i * layers[0]!.inputs, (i + 1) * layers[0]!.inputs))
    for (const l of layers) {
      const next = new Float64Array(l.outputs)
      for (let k = 0; k < l.outputs; k++) {
        let s = l.bias[k]!
        for (let j = 0; j < l.inputs; j++) s += v[j]! * l.weight[j * l.outputs + k]!
        next[k] = l.relu && s < 0 ? 0 : s
      }
      v = next
    }
    out[i] = sigmoid(v[1]! - v[0]!)
  }
  return out
}
