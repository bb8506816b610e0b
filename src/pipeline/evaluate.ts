import {writeFile} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {readChromAlias, SignalTrack} from '../io/bigwig.js'
import {type Sink, writeFileAtomically} from '../io/output.js'
import {readScored, type ScoredFormat, type ScoredSet, TruthPeaks} from '../io/scored.js'
import {loadBundle} from '../model/bundle.js'
import {curves, type Metrics, metrics} from './metrics.js'

export interface EvaluateOptions {
  predictions: string
  format: ScoredFormat | 'auto'
  truth?: string
  truthSignal?: string
  minSignal?: number
  minOverlap: number
  threshold?: number
  model?: string
  chromAlias?: string
  json: boolean
  plot?: string
  plotPr?: string
  log: (msg: string) => void
}

export interface EvaluateResult extends Metrics {
  threshold: number
  threshold_source: string
  predictions: string
  truth: string
  min_overlap: number
  per_chrom: Record<string, Metrics>
}

/** The PR-curve file that goes with --plot roc.svg: "roc" in the name becomes "pr", else NAME.pr.svg. */
export function prPlotPath(rocPath: string): string {
  const slash = rocPath.lastIndexOf('/') + 1
  const base = rocPath.slice(slash)
  if (/roc/i.test(base)) return rocPath.slice(0, slash) + base.replace(/roc/i, (m) => (m === 'ROC' ? 'PR' : 'pr'))
  return rocPath.slice(0, slash) + base.replace(/(\.svg)?$/i, '.pr.svg')
}

async function decideThreshold(opts: EvaluateOptions, set: ScoredSet): Promise<{threshold: number; source: string}> {
  if (opts.threshold !== undefined) {
    if (!Number.isFinite(opts.threshold)) throw new GroverError(`--threshold must be a number, got ${opts.threshold}.`)
    return {threshold: opts.threshold, source: '--threshold'}
  }
  const name = opts.model ?? set.name
  if (name) {
    try {
      const b = await loadBundle(name)
      if (b.meta.threshold !== undefined) return {threshold: b.meta.threshold, source: `model ${b.meta.name}'s threshold`}
    } catch (error) {
      if (opts.model) throw error
    }
  }
  return {threshold: 0.5, source: 'default 0.5 (no --model or --threshold given, and the predictions do not name a model)'}
}

export async function evaluate(opts: EvaluateOptions, sink: Sink): Promise<EvaluateResult> {
  if (!opts.truth === !opts.truthSignal) throw new GroverError('give the truth as exactly one of --truth PEAKS.bed or --truth-signal SIGNAL.bw (with --min-signal X).')
  if (opts.truthSignal && opts.minSignal === undefined) throw new GroverError('--truth-signal needs --min-signal X: bases with signal ≥ X count as peaks.')
  if (opts.minSignal !== undefined && !opts.truthSignal) throw new GroverError('--min-signal applies to --truth-signal; with --truth PEAKS.bed drop it.')
  if (!Number.isInteger(opts.minOverlap) || opts.minOverlap < 1) throw new GroverError(`--min-overlap must be a whole number of bp, at least 1; got ${opts.minOverlap}.`)

  const set = await readScored(opts.predictions, opts.format)
  let truth: TruthPeaks
  if (opts.truth) {
    truth = await TruthPeaks.fromBed(opts.truth)
  } else {
    const alias = opts.chromAlias ? await readChromAlias(opts.chromAlias) : undefined
    const track = await SignalTrack.open(opts.truthSignal!, '--truth-signal', alias)
    const missing = track.checkNames(set.chroms, '--truth-signal')
    if (missing.length) opts.log(`warning: --truth-signal ${opts.truthSignal} has no chromosome ${missing.slice(0, 5).join(', ')}: all their regions count as negatives.`)
    const extent = new Map<number, {start: number; end: number}>()
    set.chrom.forEach((c, i) => {
      const e = extent.get(c)
      if (!e) extent.set(c, {start: set.start[i]!, end: set.end[i]!})
      else {
        e.start = Math.min(e.start, set.start[i]!)
        e.end = Math.max(e.end, set.end[i]!)
      }
    })
    truth = await TruthPeaks.fromSignal(track, [...extent].map(([c, e]) => ({chrom: set.chroms[c]!, ...e})), opts.minSignal!)
  }
  const shared = set.chroms.filter((c) => truth.chroms.includes(c))
  if (opts.truth && shared.length === 0) {
    const c = set.chroms[0]!
    const alt = c.startsWith('chr') ? c.slice(3) : 'chr' + c
    const hint = truth.chroms.includes(alt) ? ` The truth calls "${c}" "${alt}": chromosome naming differs (chr1 vs 1); rename one of them (e.g. sed 's/^chr//').` : ''
    throw new GroverError(`--truth ${opts.truth}: no peak is on a chromosome of the predictions (${set.chroms.slice(0, 5).join(', ')}); the truth has ${truth.chroms.slice(0, 5).join(', ')}.${hint}`)
  }

  const labels = new Uint8Array(set.score.length)
  for (let i = 0; i < labels.length; i++) {
    labels[i] = truth.overlap(set.chroms[set.chrom[i]!]!, set.start[i]!, set.end[i]!) >= opts.minOverlap ? 1 : 0
  }
  const {threshold, source} = await decideThreshold(opts, set)
  const all = metrics(labels, set.score, threshold)
  // the rows of each chromosome, gathered in one pass (genomes have hundreds of contigs)
  const rows: number[][] = set.chroms.map(() => [])
  set.chrom.forEach((c, i) => rows[c]!.push(i))
  const per: Record<string, Metrics> = {}
  set.chroms.forEach((name, c) => {
    const idx = rows[c]!
    per[name] = metrics(idx.map((i) => labels[i]!), idx.map((i) => set.score[i]!), threshold)
  })
  if (set.format === 'bed' && set.score.every((x) => x >= threshold)) {
    opts.log(`warning: every prediction scores at least the threshold ${threshold}: this looks like predict's default BED of predicted sites only. Run grover predict with --threshold 0 to keep every window, or AUROC/AUPRC only rank the predicted sites.`)
  }
  if (all.positives === 0) opts.log('warning: no scored region overlaps a truth peak: AUROC, AUPRC and F1 are undefined (NA).')
  const result: EvaluateResult = {
    ...all, threshold, threshold_source: source, predictions: opts.predictions,
    truth: opts.truth ?? `${opts.truthSignal} ≥ ${opts.minSignal}`, min_overlap: opts.minOverlap, per_chrom: per,
  }
  if (opts.json) {
    await sink.writeLine(JSON.stringify(result, null, 2))
  } else {
    const f = (x: number | null, d = 4) => (x === null ? 'NA' : x.toFixed(d))
    await sink.writeLine(['chrom', 'n', 'positives', 'auroc', 'auprc', 'best_f1', 'best_f1_threshold', 'mcc'].join('\t'))
    const row = (name: string, m: Metrics) => [name, m.n, m.positives, f(m.auroc), f(m.auprc), f(m.best_f1), f(m.best_f1_threshold), f(m.mcc)].join('\t')
    for (const [name, m] of Object.entries(per)) await sink.writeLine(row(name, m))
    await sink.writeLine(row('all', all))
  }
  opts.log(`grover evaluate: ${all.n.toLocaleString('en-US')} scored regions (${set.format}), ${all.positives.toLocaleString('en-US')} overlap a truth peak by ≥ ${opts.minOverlap} bp; MCC at threshold ${threshold} (${source}).`)
  if (opts.plot || opts.plotPr) {
    const c = curves(labels, set.score)
    if (opts.plot) await writePlot(opts.plot, rocSpec(c, all), opts.log)
    const pr = opts.plotPr ?? (opts.plot ? prPlotPath(opts.plot) : undefined)
    if (pr) await writePlot(pr, prSpec(c, all), opts.log)
  }
  return result
}

type Spec = Record<string, unknown>

/** At most ~`max` points of a curve, always keeping both ends. */
function thin<T>(xs: T[], max = 1500): T[] {
  if (xs.length <= max) return xs
  const step = xs.length / max
  const out: T[] = []
  for (let k = 0; k < max; k++) out.push(xs[Math.floor(k * step)]!)
  out.push(xs[xs.length - 1]!)
  return out
}

function rocSpec(c: ReturnType<typeof curves>, m: Metrics): Spec {
  const pts = [{fpr: 0, tpr: 0}, ...c.thresholds.map((_, k) => ({fpr: c.fp[k]! / c.negatives, tpr: c.tp[k]! / c.positives}))]
  return {
    title: `ROC — AUROC ${m.auroc === null ? 'NA' : m.auroc.toFixed(3)} (n = ${m.n}, ${m.positives} positive)`,
    layer: [
      {data: {values: [{fpr: 0, tpr: 0}, {fpr: 1, tpr: 1}]}, mark: {type: 'line', strokeDash: [4, 4], color: '#999'}, encoding: {x: {field: 'fpr', type: 'quantitative'}, y: {field: 'tpr', type: 'quantitative'}}},
      {data: {values: thin(pts)}, mark: {type: 'line', color: '#1f77b4'}, encoding: {
        x: {field: 'fpr', type: 'quantitative', title: 'false positive rate', scale: {domain: [0, 1]}},
        y: {field: 'tpr', type: 'quantitative', title: 'true positive rate', scale: {domain: [0, 1]}},
      }},
    ],
  }
}

function prSpec(c: ReturnType<typeof curves>, m: Metrics): Spec {
  const pts = c.thresholds.map((_, k) => ({recall: c.tp[k]! / c.positives, precision: c.tp[k]! / (c.tp[k]! + c.fp[k]!)}))
  const base = c.positives / (c.positives + c.negatives)
  return {
    title: `Precision–recall — AUPRC ${m.auprc === null ? 'NA' : m.auprc.toFixed(3)} (baseline ${base.toFixed(3)})`,
    layer: [
      {data: {values: [{recall: 0, precision: base}, {recall: 1, precision: base}]}, mark: {type: 'line', strokeDash: [4, 4], color: '#999'}, encoding: {x: {field: 'recall', type: 'quantitative'}, y: {field: 'precision', type: 'quantitative'}}},
      {data: {values: thin(pts)}, mark: {type: 'line', color: '#d62728', interpolate: 'step-after'}, encoding: {
        x: {field: 'recall', type: 'quantitative', title: 'recall', scale: {domain: [0, 1]}},
        y: {field: 'precision', type: 'quantitative', title: 'precision', scale: {domain: [0, 1]}},
      }},
    ],
  }
}

/** Render a vega-lite spec to SVG headless (vega's 'none' renderer) and write it atomically. */
async function writePlot(path: string, spec: Spec, log: (msg: string) => void): Promise<void> {
  const [vega, vl] = await Promise.all([import('vega'), import('vega-lite')])
  const full = {$schema: 'https://vega.github.io/schema/vega-lite/v6.json', width: 360, height: 360, ...spec}
  const view = new vega.View(vega.parse(vl.compile(full as never).spec), {renderer: 'none'})
  const svg = await view.toSVG()
  view.finalize()
  await writeFileAtomically(path, (tmp) => writeFile(tmp, svg), 'plot')
  log(`wrote ${path}`)
}
