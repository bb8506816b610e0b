/**
 * Tokenizer throughput, as issue 7 specifies:
 *   npm run -s bench:tokenizer -- WINDOWS.txt TOKENIZER.json
 * tokenizes every line (one DNA window per line) in-process with grover's tokenizer, best of 3 runs,
 * and prints on its last line "<total ids including special tokens> <seconds>".
 * With --compare it also times, on the same windows in the same process, Hugging Face's Rust tokenizer
 * (npm `tokenizers`, encodeBatch: its own thread pool) and its pure-JS tokenizer
 * (`@huggingface/tokenizers`), checks the ids are identical, and prints the ratios.
 */
import {readFileSync} from 'node:fs'

import {Tokenizer} from '../src/tokenizers/tokenizer.js'

const args = process.argv.slice(2).filter((a) => a !== '--')
const compare = args.includes('--compare')
const [windowsPath, tokenizerPath] = args.filter((a) => !a.startsWith('--'))
if (!windowsPath || !tokenizerPath) {
  process.stderr.write('usage: npm run -s bench:tokenizer -- WINDOWS.txt TOKENIZER.json [--compare]\n')
  process.exit(2)
}
const windows = readFileSync(windowsPath, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '')
const tok = await Tokenizer.fromFile(tokenizerPath)

function timeGrover(): {ids: number; seconds: number} {
  const t0 = process.hrtime.bigint()
  let ids = 0
  for (const w of windows) ids += tok.encodeIds(w).length
  return {ids, seconds: Number(process.hrtime.bigint() - t0) / 1e9}
}

const best = (runs: Array<{ids: number; seconds: number}>) => runs.reduce((a, b) => (b.seconds < a.seconds ? b : a))
const ours = best([timeGrover(), timeGrover(), timeGrover()])
const bp = windows.reduce((a, w) => a + w.length, 0)

if (compare) {
  const {Tokenizer: Hf} = await import('tokenizers')
  const hf = Hf.fromFile(tokenizerPath)
  const timeHf = async (): Promise<{ids: number; seconds: number}> => {
    const t0 = process.hrtime.bigint()
    let ids = 0
    for (let i = 0; i < windows.length; i += 256) {
      const enc = await hf.encodeBatch(windows.slice(i, i + 256))
      for (const e of enc) ids += e.getIds().length
    }
    return {ids, seconds: Number(process.hrtime.bigint() - t0) / 1e9}
  }
  const theirs = best([await timeHf(), await timeHf(), await timeHf()])
  const {Tokenizer: HfJs} = await import('@huggingface/tokenizers')
  const json = JSON.parse(readFileSync(tokenizerPath, 'utf8'))
  const js = new HfJs(json, {})
  const timeJs = (): {ids: number; seconds: number} => {
    const t0 = process.hrtime.bigint()
    let ids = 0
    for (const w of windows) ids += js.encode(w).ids.length
    return {ids, seconds: Number(process.hrtime.bigint() - t0) / 1e9}
  }
  const jsBest = best([timeJs(), timeJs(), timeJs()])
  let jsSame = true
  for (let i = 0; i < windows.length; i += Math.max(1, Math.floor(windows.length / 200))) {
    const a = tok.encodeIds(windows[i]!)
    const b = (await hf.encode(windows[i]!)).getIds()
    if (a.join(' ') !== b.join(' ')) throw new Error(`ids differ on window ${i}`)
    if (js.encode(windows[i]!).ids.join(' ') !== a.join(' ')) jsSame = false
  }
  const rate = (r: {ids: number; seconds: number}) => `${(r.ids / r.seconds / 1e6).toFixed(2)} M tokens/s (${r.seconds.toFixed(3)} s)`
  process.stderr.write(`${windows.length} windows, ${bp} bp, ${ours.ids} ids\n`)
  process.stderr.write(`grover (1 thread):                 ${rate(ours)}\n`)
  process.stderr.write(`HF tokenizers, Rust (encodeBatch):  ${rate(theirs)}\n`)
  process.stderr.write(`HF tokenizers.js, pure JS:          ${rate(jsBest)}${jsSame ? '' : '  (ids differ from HF Rust on some windows)'}\n`)
  process.stderr.write(`ratio grover/HF Rust: ${(theirs.seconds / ours.seconds).toFixed(2)}x; grover/HF JS: ${(jsBest.seconds / ours.seconds).toFixed(2)}x (ids identical to HF Rust on sampled windows)\n`)
}
console.log(`${ours.ids} ${ours.seconds.toFixed(4)}`)
