import {Flags} from '@oclif/core'
import {DEVICES} from './model/device.js'

/** Flags every model-running command shares, so their names and help stay the same everywhere. */
export const runFlags = {
  output: Flags.string({char: 'o', description: 'write to FILE (via a temporary file renamed on success) instead of stdout'}),
  device: Flags.string({description: 'where the model runs: auto tries cuda, then webgpu, then cpu, and says which on stderr', options: DEVICES, default: 'auto'}),
  threads: Flags.integer({description: 'CPU threads for the model [default: all cores]'}),
  quiet: Flags.boolean({char: 'q', description: 'no progress bar and no summary on stderr', default: false}),
}

/** --model with the command's own default bundle. */
export function modelFlag(defaultName: string, what = 'model bundle: a shipped name or a bundle folder') {
  return Flags.string({char: 'm', description: what, default: defaultName})
}

/** Whether to draw a progress bar: only on a terminal, never with --quiet. */
export function showProgress(quiet: boolean): boolean {
  return !quiet && process.stderr.isTTY === true
}

/** A numeric flag given as a string (so "1e-3" and "0.5" both work): its value, or exit 2 naming the flag. */
export function numberFlag(cmd: {error(msg: string, opts: {exit: number}): never}, name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined
  const x = Number(v)
  if (v.trim() === '' || !Number.isFinite(x)) cmd.error(`--${name} must be a number, got "${v}".`, {exit: 2})
  return x
}
