import {execFile, execFileSync, spawn} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const GENOME = join(ROOT, 'data', 'chr22_20M.fa')
export const TINY = join(ROOT, 'test', 'fixtures', 'tiny-ctcf')
export const BIN = join(ROOT, 'bin', 'run.js')

const made: string[] = []
// Each test file runs in its own process: its scratch folders go when it exits (GROVER_KEEP_TMP=1 keeps them).
process.on('exit', () => {
  if (process.env.GROVER_KEEP_TMP) return
  for (const d of made) rmSync(d, {recursive: true, force: true})
})

/** A scratch folder, removed when the test file's process exits. */
export function tmp(prefix = 'grover-test-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix))
  made.push(d)
  return d
}

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

/** Run a command to completion, capturing output (never throws on a non-zero exit). */
export function sh(cmd: string, args: string[], opts: {input?: string; cwd?: string; env?: NodeJS.ProcessEnv} = {}): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = execFile(cmd, args, {cwd: opts.cwd ?? ROOT, env: {...process.env, ...opts.env}, maxBuffer: 1 << 28, encoding: 'utf8'}, (error, stdout, stderr) => {
      const code = error ? (typeof (error as {code?: unknown}).code === 'number' ? (error as unknown as {code: number}).code : 1) : 0
      resolvePromise({code, stdout, stderr})
    })
    if (opts.input !== undefined) child.stdin!.end(opts.input)
  })
}

/** Run the built grover binary as a user would. */
export function grover(args: string[], opts: {cwd?: string} = {}): Promise<RunResult> {
  return sh(process.execPath, [BIN, ...args], opts)
}

/** Run a shell pipeline (bash -o pipefail off: we look at each exit code ourselves). */
export function bash(script: string): Promise<RunResult> {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', ['-c', script], {cwd: ROOT})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolvePromise({code: code ?? 1, stdout, stderr}))
  })
}

/** The whole bundled chr22 slice as one upper-case string. */
export function genomeSeq(): string {
  return readFileSync(GENOME, 'utf8').split('\n').slice(1).join('').toUpperCase()
}

/** Deterministic pseudo-random numbers, so tests are repeatable. */
export {mulberry32 as rng} from '../../src/random.js'

/** oclif wraps long error messages over lines starting with " ›"; join them back for matching. */
export function oneLine(stderr: string): string {
  return stderr.replace(/\s*\n\s*›\s*/g, ' ')
}

/** Debian's Python, which the differential tests use (scikit-learn, pyBigWig, onnx, PyTorch). */
export const PY = '/usr/bin/python3'

/** Whether Debian's Python can import `module` (tests that need it are skipped, saying why, when not). */
export function pyHas(module: string): boolean {
  try {
    execFileSync(PY, ['-c', `import ${module}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}
