import {createInterface} from 'node:readline'
import {stat} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {Fasta, fastaRecords} from '../io/fasta.js'
import type {Sink} from '../io/output.js'
import {selectRegions} from '../io/regions.js'
import {loadBundle} from '../model/bundle.js'
import type {Tokenizer} from '../tokenizers/tokenizer.js'
import {Progress} from './progress.js'
import {windowsOf} from './windows.js'

export type TokenizeMode = 'tokens' | 'ids' | 'json' | 'stats'

export interface TokenizeOptions {
  /** a DNA sequence, "-" for standard input (raw lines or FASTA), or a FASTA file */
  input: string
  regions?: string[]
  regionsFile?: string
  model: string
  mode: TokenizeMode
  window?: number
  stdin?: NodeJS.ReadableStream
  progress?: boolean
}

/** One thing to tokenize: a name (region or FASTA record; undefined for a bare sequence) and its bases. */
interface Item {
  name: string | undefined
  seq: string
  /** 0-based genome position of seq[0], for regions of a FASTA */
  start?: number
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

const SEQUENCE = /^(?:[A-Za-z*-]|\[[A-Z]+\])+$/

/** Lines of stdin: each raw line is a sequence, or FASTA records when the first line starts with ">". */
async function* fromStdin(stream: NodeJS.ReadableStream): AsyncGenerator<Item> {
  const lines = createInterface({input: stream, crlfDelay: Infinity})[Symbol.asyncIterator]()
  let lineNo = 0
  let first = ''
  while (first === '') {
    const r = await lines.next()
    if (r.done) return
    lineNo++
    first = r.value.trim()
  }
  if (first.startsWith('>')) {
    const all = async function* () {
      yield first
      for (let r = await lines.next(); !r.done; r = await lines.next()) yield r.value
    }
    yield* fastaRecords(all())
    return
  }
  for (let line = first; ;) {
    if (line !== '') {
      if (!SEQUENCE.test(line)) throw new GroverError(`standard input line ${lineNo}: "${line.slice(0, 40)}" is not a DNA sequence (letters and [SPECIAL] tokens only). Give one sequence per line, or FASTA.`)
      yield {name: undefined, seq: line.toUpperCase()}
    }
    const r = await lines.next()
    if (r.done) return
    lineNo++
    line = r.value.trim()
  }
}

/**
 * grover tokenize: a sequence, stdin, or regions of a FASTA → tokens as the model sees them.
 * FASTA regions are cut into the model's windows (non-overlapping, the last one ending at the region's
 * end), since that is what the model is fed; bare sequences are tokenized whole.
 */
export async function tokenize(opts: TokenizeOptions, sink: Sink): Promise<void> {
  const bundle = await loadBundle(opts.model)
  const tok = bundle.tokenizer
  const window = opts.window ?? bundle.meta.window
  if (!Number.isInteger(window) || window < 1) throw new GroverError(`--window must be a positive whole number of bp, got ${window}.`)
  let items: AsyncIterable<Item>
  let source: string
  /** FASTA input: the distinct bp of the regions (a region's last window may overlap its neighbour) */
  let regionBp: number | undefined
  if (opts.input === '-') {
    items = fromStdin(opts.stdin ?? process.stdin)
    source = 'standard input'
  } else if (opts.regions?.length || opts.regionsFile || (await isFile(opts.input))) {
    const fasta = await Fasta.open(opts.input)
    const regions = await selectRegions(fasta.index, opts.regions, opts.regionsFile)
    regionBp = regions.reduce((a, r) => a + r.end - r.start, 0)
    source = opts.input
    const progress = new Progress(regions.reduce((a, r) => a + r.end - r.start, 0), opts.progress ?? false)
    items = (async function* () {
      let n = 0
      try {
        for await (const w of windowsOf(fasta, regions, window, window)) {
          yield {name: `${w.chrom}:${w.start + 1}-${w.end}`, seq: w.seq, start: w.start}
          progress.update(w.bpDone, ++n)
        }
      } finally {
        progress.stop()
      }
    })()
  } else {
    if (!SEQUENCE.test(opts.input)) {
      throw new GroverError(/[/.]/.test(opts.input)
        ? `${opts.input}: no such file. Give a FASTA file, a DNA sequence, or - to read standard input.`
        : `"${opts.input.slice(0, 40)}" is not a DNA sequence (letters and [SPECIAL] tokens only) nor a file.`)
    }
    items = (async function* () {
      yield {name: undefined, seq: opts.input.toUpperCase()}
    })()
    source = 'argument'
  }
  if (opts.mode === 'stats') return stats(items, tok, sink, source, window, regionBp)
  for await (const it of items) {
    if (opts.mode === 'ids') {
      const ids = tok.encodeIds(it.seq).join(' ')
      await sink.writeLine(it.name === undefined ? ids : `${it.name}\t${ids}`)
    } else if (opts.mode === 'tokens') {
      const e = tok.encode(it.seq, false)
      const line = e.tokens.join(' ')
      await sink.writeLine(it.name === undefined ? line : `${it.name}\t${line}`)
    } else {
      const e = tok.encode(it.seq, true)
      const base = it.start ?? 0
      const special = e.offsets.map((o, i) => o[0] === o[1] && e.tokens[i]!.startsWith('['))
      await sink.writeLine(JSON.stringify({
        name: it.name ?? null,
        tokens: e.tokens,
        ids: e.ids,
        // 0-based half-open bp offsets (genome coordinates for FASTA regions); null for added special tokens
        offsets: e.offsets.map((o, i) => (special[i] ? null : [o[0] + base, o[1] + base])),
      }))
    }
  }
}

/**
 * Token statistics of the windows the model is fed. `bases` counts each base once; `bases_tokenized`
 * counts the bases of every window fed, so a region's last window, which overlaps its neighbour to end
 * at the region end, counts its overlap twice, as its tokens do (tokens_per_kb uses the same count).
 */
async function stats(items: AsyncIterable<Item>, tok: Tokenizer, sink: Sink, source: string, window: number, regionBp?: number): Promise<void> {
  const counts = new Map<number, number>()
  const byLength = new Map<number, number>()
  let bp = 0
  let tokens = 0
  let inputs = 0
  for await (const it of items) {
    inputs++
    bp += it.seq.length
    const e = tok.encode(it.seq, false)
    for (let i = 0; i < e.ids.length; i++) {
      const id = e.ids[i]!
      counts.set(id, (counts.get(id) ?? 0) + 1)
      const len = e.offsets[i]![1] - e.offsets[i]![0]
      byLength.set(len, (byLength.get(len) ?? 0) + 1)
      tokens++
    }
  }
  if (tokens === 0) throw new GroverError(`${source}: nothing to tokenize.`)
  const vocab = tok.vocabSize
  const lines = [
    `# grover tokenize --stats: ${source}, ${inputs} input(s) (FASTA regions in windows of ${window} bp)`,
    'statistic\tvalue',
    `bases\t${regionBp ?? bp}`,
    `bases_tokenized\t${bp}`,
    `tokens\t${tokens}`,
    `tokens_per_kb\t${((tokens / bp) * 1000).toFixed(2)}`,
    `mean_token_bp\t${(bp / tokens).toFixed(3)}`,
    `vocabulary_used\t${counts.size}`,
    `vocabulary_size\t${vocab}`,
    `vocabulary_used_fraction\t${(counts.size / vocab).toFixed(4)}`,
    '',
    '# token length histogram',
    'length_bp\ttokens\tfraction',
    ...[...byLength.entries()].sort((a, b) => a[0] - b[0]).map(([len, n]) => `${len}\t${n}\t${(n / tokens).toFixed(5)}`),
    '',
    '# most frequent tokens',
    'token\tid\tcount\tfraction',
    ...[...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20).map(([id, n]) => `${tok.idToToken(id)}\t${id}\t${n}\t${(n / tokens).toFixed(5)}`),
  ]
  for (const l of lines) await sink.writeLine(l)
}
