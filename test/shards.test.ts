import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'
import {describe, it} from 'node:test'

import fc from 'fast-check'

import {keepBlocks, parseShard, plan, shardOf} from '../src/pipeline/windows.js'
import {BIN, GENOME, grover, oneLine, rng, TINY, tmp} from './helpers/util.js'

describe('shard planning (property)', () => {
  it('shards cover every window once, in order, each a contiguous run of whole batch blocks owned by bp', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({min: 1, max: 5000}), {minLength: 1, maxLength: 5}),
      fc.integer({min: 1, max: 700}), fc.integer({min: 1, max: 700}), fc.integer({min: 1, max: 9}), fc.integer({min: 1, max: 12}),
      (lengths, window, strideRaw, batch, n) => {
        const stride = Math.min(window, strideRaw)
        const regions = lengths.map((len, i) => ({chrom: `c${i}`, start: i * 7, end: i * 7 + len}))
        const all = [...plan(regions, window, stride)]
        const total = lengths.reduce((a, b) => a + b, 0)
        const got: number[] = []
        for (let k = 0; k < n; k++) {
          const mine = [...keepBlocks(plan(regions, window, stride), batch, (first) => shardOf(first.offset, total, n) === k)]
          const lo = Math.floor((k * total) / n)
          const hi = Math.floor(((k + 1) * total) / n)
          for (const w of mine) {
            const blockFirst = all[Math.floor(w.ordinal / batch) * batch]!
            if (!(blockFirst.offset >= lo && blockFirst.offset < hi)) return false
          }
          got.push(...mine.map((w) => w.ordinal))
        }
        return got.length === all.length && got.every((o, i) => o === i)
      },
    ), {numRuns: 500, seed: 42})
  })

  it('shardOf puts each bp offset in the shard whose range holds it', () => {
    fc.assert(fc.property(fc.integer({min: 1, max: 1e9}), fc.integer({min: 1, max: 1000}), fc.double({min: 0, max: 1, noNaN: true}), (total, n, f) => {
      const off = Math.min(total - 1, Math.floor(f * total))
      const k = shardOf(off, total, n)
      return Math.floor((k * total) / n) <= off && off < Math.floor(((k + 1) * total) / n)
    }), {numRuns: 2000, seed: 7})
  })

  it('--shard syntax', () => {
    assert.deepEqual(parseShard('2/8'), {index: 1, count: 8})
    for (const bad of ['0/3', '4/3', '1/0', '2', 'a/b', '-1/2']) assert.throws(() => parseShard(bad), /expected i\/n with 1 ≤ i ≤ n/)
  })
})

describe('token-budget batches', () => {
  it('cut inside blocks only: never over --batch-tokens (unless one window is), windows in order', async () => {
    const {batchWindows} = await import('../src/pipeline/batches.js')
    const {Tokenizer} = await import('../src/tokenizers/tokenizer.js')
    const tok = await Tokenizer.fromFile(join(TINY, 'tokenizer.json'))
    const r = rng(8)
    const seqOf = (n: number) => Array.from({length: n}, () => 'ACGT'[Math.floor(r() * 4)]).join('')
    for (const [budget, block] of [[300, 4], [900, 8], [5000, 3]] as const) {
      const wins = Array.from({length: 40}, (_, i) => ({chrom: 'c', start: i * 100, end: i * 100 + 100, ordinal: i, offset: i * 100, regionEnd: 1e6, bpDone: 0, seq: seqOf(40 + Math.floor(r() * 200))}))
      async function* gen() {
        yield* wins
      }
      const counts = {windows: 0, skippedN: 0, skippedLong: 0}
      const seen: number[] = []
      for await (const b of batchWindows(gen(), {tokenizer: tok, strands: ['+', '-'], maxTokens: 512, maxN: 0.5, batchSize: block, maxBatchTokens: budget}, counts)) {
        const longest = Math.max(...b.rows.map((x) => x.length))
        assert.ok(b.rows.length * longest <= budget || b.windows.length === 1, `batch of ${b.rows.length} rows × ${longest} over ${budget}`)
        assert.equal(new Set(b.windows.map((w) => Math.floor(w.ordinal / block))).size, 1, 'one block per batch')
        seen.push(...b.windows.map((w) => w.ordinal))
      }
      assert.deepEqual(seen, wins.map((w) => w.ordinal))
    }
  })
})

describe('grover predict --shard', () => {
  it('shard outputs concatenated in order equal the single run byte for byte (random regions, n, batch, stride)', async () => {
    const r = rng(99)
    const dir = tmp()
    for (let trial = 0; trial < 3; trial++) {
      const bed = join(dir, `r${trial}.bed`)
      const starts = Array.from({length: 3}, () => Math.floor(r() * 950_000)).sort((a, b) => a - b)
      writeFileSync(bed, starts.map((s) => `chr22_20M\t${s}\t${s + 3000 + Math.floor(r() * 30_000)}`).join('\n') + '\n')
      const n = 2 + Math.floor(r() * 4)
      const args = ['predict', GENOME, '--model', TINY, '-q', '--regions', bed, '--threshold', '0', '-f', trial === 1 ? 'bed' : 'tsv', '-b', String(1 + Math.floor(r() * 6)),
        '--stride', String(100 + Math.floor(r() * 900)), '--batch-tokens', String(trial === 2 ? 1500 : 16384)]
      const whole = await grover(args)
      assert.equal(whole.code, 0, whole.stderr)
      let cat = ''
      for (let i = 1; i <= n; i++) {
        const part = await grover([...args, '--shard', `${i}/${n}`])
        assert.equal(part.code, 0, part.stderr)
        cat += part.stdout
      }
      assert.equal(cat, whole.stdout, `trial ${trial}, ${n} shards`)
    }
  })

  it('refuses --merge and bigWig with --shard, and bad shard strings', async () => {
    const a = await grover(['predict', GENOME, '--model', TINY, '-q', '--shard', '1/2', '--merge'])
    assert.equal(a.code, 2)
    assert.match(oneLine(a.stderr), /--merge cannot be split into shards/)
    const b = await grover(['predict', GENOME, '--model', TINY, '-q', '--shard', '3/2'])
    assert.equal(b.code, 2)
    assert.match(oneLine(b.stderr), /--shard "3\/2": expected i\/n/)
  })
})

/**
 * Start a run writing -o `out` and kill it with `sig` `ms` after its output first holds data (so the
 * signal lands mid-stream, also on a loaded machine); resolves with its exit code (or signal).
 */
function runAndKill(args: string[], out: string, ms: number, sig: NodeJS.Signals): Promise<{code: number | null; signal: string | null; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const dir = dirname(out)
    const name = basename(out)
    let timer: NodeJS.Timeout | undefined
    const poll = setInterval(() => {
      const f = readdirSync(dir).find((x) => x.startsWith(`${name}.tmp-${child.pid}`))
      if (f && statSync(join(dir, f)).size > 0) {
        clearInterval(poll)
        timer = setTimeout(() => child.kill(sig), ms)
      }
    }, 20)
    child.on('exit', (code, signal) => {
      clearInterval(poll)
      if (timer) clearTimeout(timer)
      resolve({code, signal, stderr})
    })
  })
}

describe('grover predict --resume', () => {
  it('after Ctrl-C, SIGTERM and kill -9 at random points (even repeatedly) gives the file an uninterrupted run gives', async () => {
    const dir = tmp()
    const out = join(dir, 'scan.tsv')
    const args = ['predict', GENOME, '--model', TINY, '-q', '--threshold', '0', '-f', 'tsv', '-b', '3', '-r', 'chr22_20M:1-700000']
    const ref = await grover(args)
    assert.equal(ref.code, 0)
    const r = rng(2024)
    const plans: NodeJS.Signals[][] = [['SIGKILL'], ['SIGINT'], ['SIGTERM'], ['SIGKILL', 'SIGINT', 'SIGKILL']]
    let interrupted = 0
    for (const signals of plans) {
      let first = true
      for (const sig of signals) {
        const k = await runAndKill([...args, '-o', out, ...(first ? [] : ['--resume'])], out, Math.floor(r() * 800), sig)
        first = false
        if (k.code === 0) break // finished before the kill: nothing to resume
        interrupted++
        if (sig === 'SIGINT') assert.equal(k.code, 130, k.stderr)
        if (sig === 'SIGTERM') assert.equal(k.code, 143, k.stderr)
        if (sig === 'SIGKILL') assert.equal(k.signal, 'SIGKILL')
        assert.ok(!existsSync(out), 'no complete-looking file after an interruption')
      }
      if (!existsSync(out)) {
        const res = await grover([...args, '-o', out, '--resume'])
        assert.equal(res.code, 0, res.stderr)
      }
      assert.equal(readFileSync(out, 'utf8'), ref.stdout, `interrupted by ${signals.join(', ')}`)
      assert.deepEqual(readdirSync(dir).filter((f) => f !== 'scan.tsv'), [], 'no partial, temporary or run-state file left')
      const again = await grover([...args, '-o', out, '--resume'])
      assert.match(oneLine(again.stderr), /is complete already/)
      unlinkSync(out) // the next plan starts from scratch
    }
    assert.ok(interrupted >= 4, `only ${interrupted} runs were interrupted mid-stream`)
  })

  it('refuses to resume with other options, and says what differs', async () => {
    const dir = tmp()
    const out = join(dir, 's.bed')
    const args = ['predict', GENOME, '--model', TINY, '-q', '-b', '2']
    const k = await runAndKill([...args, '--threshold', '0', '-o', out], out, 100, 'SIGINT')
    if (k.code === 0) return // too fast to interrupt on this machine
    const res = await grover([...args, '--threshold', '0.3', '-o', out, '--resume'])
    assert.equal(res.code, 2)
    assert.match(oneLine(res.stderr), /used other options: threshold was "0", now "0\.3"/)
    assert.ok(existsSync(`${out}.partial`), 'the interrupted output is still there to resume')
    const ok = await grover([...args, '--threshold', '0', '-o', out, '--resume'])
    assert.equal(ok.code, 0, ok.stderr)
  })
})
