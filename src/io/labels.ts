/** The labelled inputs of `grover train-head`, read into examples, and its split files. */
import {createReadStream} from 'node:fs'
import {open, readFile} from 'node:fs/promises'
import {createInterface} from 'node:readline'

import {GroverError} from '../errors.js'
import {Fasta, fastaRecords} from './fasta.js'
import {readBedRecords} from './regions.js'

/** One labelled sequence: a BED region (with its chromosome) or a FASTA record. */
export interface Example {
  name: string
  chrom?: string
  seq: string
  label: 0 | 1
}

/** Where the labelled examples come from (train-head's options). */
export interface LabelledInputs {
  fasta?: string
  labels?: string
  labelColumn?: number
  positiveLabel?: string
  positives?: string
  negatives?: string
}

export type SplitPart = 'train' | 'valid' | 'test'

/** Whether a labelled-input file is FASTA (its first non-blank character is ">"), from its first 4 kB. */
async function isFasta(path: string): Promise<boolean> {
  let fh
  try {
    fh = await open(path, 'r')
    const b = Buffer.alloc(4096)
    const {bytesRead} = await fh.read(b, 0, b.length, 0)
    return b.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('>')
  } catch (error) {
    throw new GroverError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check the path.`)
  } finally {
    await fh?.close()
  }
}

/** FASTA records as examples (name = first word of the header). */
async function fastaExamples(path: string, label: 0 | 1): Promise<Example[]> {
  const out: Example[] = []
  for await (const r of fastaRecords(createInterface({input: createReadStream(path, 'utf8'), crlfDelay: Infinity}))) {
    if (r.seq === '') throw new GroverError(`${path}: record "${r.name}" has no bases.`)
    out.push({...r, label})
  }
  if (out.length === 0) throw new GroverError(`${path}: no FASTA records found.`)
  return out
}

/** BED regions as examples: the label given, or read from the label column. */
async function bedExamples(path: string, fasta: Fasta | undefined, label: 0 | 1 | undefined, o: LabelledInputs): Promise<Example[]> {
  if (!fasta) throw new GroverError(`${path} is a BED file: give the genome FASTA its coordinates refer to as the first argument.`)
  const out: Example[] = []
  for (const {region: r, fields: f, line} of await readBedRecords(path, fasta.index)) {
    let y = label
    if (y === undefined) {
      const col = (o.labelColumn ?? f.length) - 1
      const v = f[col]
      if (v === undefined || col < 3) throw new GroverError(`${path}:${line}: no label in column ${col + 1}. Give the label column with --label-column N (1-based).`)
      const pos = o.positiveLabel ?? '1'
      const neg = o.positiveLabel === undefined ? '0' : undefined
      if (v === pos) y = 1
      else if (neg === undefined || v === neg) y = 0
      else throw new GroverError(`${path}:${line}: label "${v}" is neither 1 nor 0. For other label names say which is positive with --positive-label NAME.`)
    }
    out.push({name: f[3] && f.length > 4 ? f[3] : `${r.chrom}:${r.start + 1}-${r.end}`, chrom: r.chrom, seq: await fasta.fetch(r.chrom, r.start, r.end), label: y})
  }
  return out
}

/** The labelled examples of train-head's inputs: --labels BED (label column), or --positives and --negatives (BED or FASTA). */
export async function loadExamples(o: LabelledInputs, log: (msg: string) => void): Promise<Example[]> {
  const fasta = o.fasta ? await Fasta.open(o.fasta, {log}) : undefined
  if (o.labels) {
    if (o.positives || o.negatives) throw new GroverError('give either --labels BED or --positives and --negatives, not both.')
    return bedExamples(o.labels, fasta, undefined, o)
  }
  if (!o.positives || !o.negatives) throw new GroverError('give the labelled regions: --labels BED (with a label column), or --positives and --negatives (BED or FASTA files).')
  const load = async (path: string, y: 0 | 1) => ((await isFasta(path)) ? fastaExamples(path, y) : bedExamples(path, fasta, y, o))
  return [...(await load(o.positives, 1)), ...(await load(o.negatives, 0))]
}

/** A split file: a header with "name" and "split" columns, then one row per example (train, valid or test). */
export async function readSplitFile(path: string): Promise<Map<string, SplitPart>> {
  const lines = (await readFile(path, 'utf8')).trim().split('\n').map((l) => l.replace(/\r$/, '').split('\t'))
  const head = lines[0]!
  const ni = head.indexOf('name')
  const si = head.indexOf('split')
  if (ni < 0 || si < 0) throw new GroverError(`${path}:1: a split file needs a header with "name" and "split" columns (values train, valid, test).`)
  const map = new Map<string, SplitPart>()
  lines.slice(1).forEach((f, i) => {
    const v = f[si]
    if (v !== 'train' && v !== 'valid' && v !== 'test') throw new GroverError(`${path}:${i + 2}: split "${v}" is not train, valid or test.`)
    map.set(f[ni]!, v)
  })
  return map
}
