import {readFile, stat, unlink, writeFile} from 'node:fs/promises'
import {resolve} from 'node:path'

import {GroverError} from '../errors.js'

/**
 * FILE.grover-run.json beside an `-o FILE` run: the options that decide its content. Written when the
 * run starts, removed when it completes; `--resume` refuses to continue a file with other options, so
 * a resumed file is what one uninterrupted run would have written.
 */
export type RunIdentity = Record<string, unknown>

const sidecar = (out: string) => `${out}.grover-run.json`

async function describeInput(path: string): Promise<{path: string; bytes: number | null}> {
  const full = resolve(path)
  try {
    return {path: full, bytes: (await stat(full)).size}
  } catch {
    return {path: full, bytes: null}
  }
}

/** The options of a run, with input files identified by absolute path and size. */
export async function runIdentity(options: RunIdentity, files: Record<string, string | undefined>): Promise<RunIdentity> {
  const out: RunIdentity = {...options}
  for (const [k, v] of Object.entries(files)) out[k] = v === undefined ? null : await describeInput(v)
  return JSON.parse(JSON.stringify(out))
}

export async function recordRun(out: string, identity: RunIdentity): Promise<void> {
  try {
    await writeFile(sidecar(out), JSON.stringify(identity, null, 2) + '\n')
  } catch (error) {
    throw new GroverError(`cannot write ${sidecar(out)}: ${(error as NodeJS.ErrnoException).code}. Check that the folder is writable.`)
  }
}

export async function checkRun(out: string, identity: RunIdentity): Promise<void> {
  let before: RunIdentity
  try {
    before = JSON.parse(await readFile(sidecar(out), 'utf8'))
  } catch {
    throw new GroverError(`--resume: ${sidecar(out)} is missing or unreadable, so the options of the interrupted run are unknown. Run without --resume to start again.`)
  }
  const keys = [...new Set([...Object.keys(before), ...Object.keys(identity)])]
  const differ = keys.filter((k) => JSON.stringify(before[k] ?? null) !== JSON.stringify(identity[k] ?? null))
  if (differ.length) {
    const show = (x: unknown) => JSON.stringify(x ?? null)
    throw new GroverError(`--resume: the interrupted run of ${out} used other options: ${differ.map((k) => `${k} was ${show(before[k])}, now ${show(identity[k])}`).join('; ')}. Resume with the same command line, or run without --resume.`)
  }
}

export async function forgetRun(out: string): Promise<void> {
  await unlink(sidecar(out)).catch(() => {})
}
