import type {Command} from '@oclif/core'

import {GroverError, Interrupted, OutputClosed} from './errors.js'
import {type OutputTarget, Sink} from './io/output.js'
import {checkRun, forgetRun, recordRun, type RunIdentity} from './io/runstate.js'

/**
 * A command whose `-o FILE` text output can be continued with --resume (predict): its identity (the
 * options that decide the content) is recorded beside FILE while the run goes and removed when it
 * ends; with `resume` the interrupted FILE.partial / FILE.tmp-PID is continued after checking that
 * identity, and the body is told the last complete record.
 */
export interface Resumable {
  identity: RunIdentity
  resume: boolean
}

/**
 * What every data-writing command shares: open stdout or -o FILE, turn Ctrl-C/SIGTERM into a clean
 * stop (complete records kept, exit 130/143), map GroverError to its exit code without a stack trace,
 * end quietly when the reader of stdout goes away (`| head`).
 */
export async function runCommand<T extends OutputTarget = Sink>(
  cmd: Command,
  output: string | undefined | (() => Promise<T>),
  body: (sink: T, signal: AbortSignal, log: (msg: string) => void, resumed?: {lastLine: string | undefined}) => Promise<void>,
  opts: {resumable?: Resumable} = {},
): Promise<void> {
  // resumable only where the output is a text file (-o FILE)
  const resumable = typeof output === 'string' ? opts.resumable : undefined
  const resumeHint = opts.resumable !== undefined
  const log = (msg: string) => process.stderr.write(msg + '\n')
  const controller = new AbortController()
  let signalExit = 0
  const onSignal = (sig: NodeJS.Signals) => {
    if (signalExit) process.exit(signalExit) // second Ctrl-C: stop now
    signalExit = sig === 'SIGINT' ? 130 : 143
    controller.abort()
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // oclif's own stdout 'error' listener rethrows anything but EPIPE (a crash with a stack trace on a
  // full disk); the Sink turns those errors into messages, so only ours stays.
  process.stdout.removeAllListeners('error')
  // `| head`: stdout's reader is gone; stop quietly.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0)
  })
  let sink: T | undefined
  try {
    let resumed: {lastLine: string | undefined} | undefined
    if (resumable?.resume) {
      const path = output as string
      const r = await Sink.resume(path, log, () => checkRun(path, resumable.identity))
      sink = r.sink as unknown as T
      resumed = {lastLine: r.lastLine}
    } else {
      sink = typeof output === 'function' ? await output() : ((output ? await Sink.file(output) : Sink.stdout()) as unknown as T)
      if (resumable) await recordRun(output as string, resumable.identity)
    }
    await body(sink, controller.signal, log, resumed)
    await sink.close()
    if (resumable) await forgetRun(output as string)
  } catch (error) {
    if (error instanceof OutputClosed) process.exit(0)
    if (error instanceof Interrupted) {
      const partial = await sink?.abort(true)
      const hint = partial && resumeHint ? ' Run the same command with --resume to continue.' : ''
      log(`grover: interrupted; complete records so far are kept${partial ? ` in ${partial}` : ''}.${hint}`)
      process.exit(signalExit || 130)
    }
    // A failure after records were written keeps them in FILE.partial (never in FILE), so --resume
    // can go on once the cause is fixed; a failure before any record leaves nothing behind.
    const keep = sink !== undefined && sink.hasData === true
    const partial = await sink?.abort(keep)
    if (sink && !partial && resumable) await forgetRun(output as string)
    if (partial) log(`grover: stopped by the error below; complete records so far are kept in ${partial}.${resumeHint ? ' Once it is fixed, the same command with --resume continues.' : ''}`)
    if (error instanceof GroverError) cmd.error(error.message, {exit: error.exit})
    throw error
  } finally {
    process.off('SIGINT', onSignal)
    process.off('SIGTERM', onSignal)
  }
}
