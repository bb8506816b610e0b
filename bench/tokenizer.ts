/**
 * Tokenizer throughput, as issue 7 specifies:
 *   npm run -s bench:tokenizer -- WINDOWS.txt TOKENIZER.json
 * tokenizes every line (one DNA window per line) in-process with grover's tokenizer, best of 3 runs,
 * and prints on its last line "<total ids including special tokens> <seconds>".
 * With --compare it also times Hugging Face's Rust tokenizer (npm `tokenizers`) on the same windows in
 * the same process, checks the ids are identical, and prints the ratio.
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
  for (let i = 0; i < windows.length; i += Math.max(1, Math.floor(windows.length / 200))) {
    const a = tok.encodeIds(windows[i]!)
    const b = (await hf.encode(windows[i]!)).getIds()
    if (a.join(' ') !== b.join(' ')) throw new Error(`ids differ on window ${i}`)
  }
  process.stderr.write(`${windows.length} windows, ${bp} bp\n`)
  process.stderr.write(`grover:         ${(ours.ids / ours.seconds / 1e6).toFixed(2)} M tokens/s (${ours.seconds.toFixed(3)} s)\n`)
  process.stderr.write(`HF tokenizers:  ${(theirs.ids / theirs.seconds / 1e6).toFixed(2)} M tokens/s (${theirs.seconds.toFixed(3)} s, encodeBatch of 256)\n`)
  process.stderr.write(`ratio grover/HF: ${(theirs.seconds / ours.seconds).toFixed(2)}x (ids identical on sampled windows)\n`)
}
console.log(`${ours.ids} ${ours.seconds.toFixed(4)}`)
