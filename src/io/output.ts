import {createWriteStream, type WriteStream} from 'node:fs'
import {open, readdir, rename, stat, truncate, unlink} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'
import type {Writable} from 'node:stream'

import {GroverError, OutputClosed} from '../errors.js'

/** Where a command's data goes: a text Sink, or a binary file (bigWig) that is only complete when closed. */
export interface OutputTarget {
  close(): Promise<void>
  /** whether any record reached the output yet */
  readonly hasData?: boolean
  /** stop after a failure (keepPartial false) or an interruption (true); returns the partial file kept */
  abort(keepPartial: boolean): Promise<string | undefined>
}

/** The temporary name a file is written under until it is complete (renamed to PATH on success). */
export function tmpPath(path: string): string {
  return `${path}.tmp-${process.pid}`
}

/**
 * Where records go: stdout (back-pressure respected, EPIPE turns into OutputClosed so `| head` ends
 * quietly) or a file written as FILE.tmp-PID and renamed to FILE only on success, so a failed run
 * never leaves a file that looks complete. Lines are buffered and written whole.
 */
export class Sink {
  private buf: string[] = []
  private bufLen = 0
  private closed = false
  private error: Error | undefined
  /** some data went out (or, for a resumed file, was there already) */
  hasData = false
  private lastFlush = Date.now()

  private constructor(
    private readonly stream: Writable,
    readonly path: string | undefined,
    private readonly tmp: string | undefined,
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      this.error = error.code === 'EPIPE' ? new OutputClosed() : this.describe(error)
    })
  }

  private describe(error: NodeJS.ErrnoException): Error {
    const where = this.path ?? 'standard output'
    if (error.code === 'ENOSPC') return new GroverError(`cannot write ${where}: the disk is full. Free space or write elsewhere with -o.`, 1)
    return new GroverError(`cannot write ${where}: ${error.code ?? error.message}.`, 1)
  }

  static stdout(): Sink {
    return new Sink(process.stdout, undefined, undefined)
  }

  /** A sink over any stream (benchmarks, tests); not renamed or removed on close. */
  static of(stream: Writable): Sink {
    return new Sink(stream, undefined, undefined)
  }

  static async file(path: string, append = false): Promise<Sink> {
    const tmp = tmpPath(path)
    const stream: WriteStream = createWriteStream(tmp, {flags: append ? 'a' : 'w'})
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve())
      stream.once('error', (error: NodeJS.ErrnoException) =>
        reject(new GroverError(`cannot write output file ${path}: ${error.code ?? error.message}. Check that the folder ${dirname(path)} exists and is writable.`)))
    })
    return new Sink(stream, path, tmp)
  }

  /**
   * Continue an interrupted `-o path` run: take its FILE.partial (Ctrl-C) or FILE.tmp-PID (a killed
   * run, kill -9 included; the newest if several), cut it after its last complete line, and append from
   * there. Returns the sink and the last complete line (undefined when the file was empty).
   */
  static async resume(path: string, log: (msg: string) => void, check: () => Promise<void> = async () => {}): Promise<{sink: Sink; lastLine: string | undefined; from: string}> {
    const from = await interruptedOutput(path, log)
    await check()
    // cut after the last newline: a record half-written when the run was killed is dropped and redone
    const {keep, lastLine} = await lastCompleteLine(from)
    await truncate(from, keep)
    await rename(from, tmpPath(path))
    const sink = await Sink.file(path, true)
    sink.hasData = keep > 0
    return {sink, lastLine, from}
  }

  async writeLine(line: string): Promise<void> {
    this.buf.push(line)
    this.bufLen += line.length + 1
    // whole lines go out every 64 KB, and at least once a second (tail -f, and less to redo after kill -9)
    if (this.bufLen >= 1 << 16 || Date.now() - this.lastFlush >= 1000) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.error) throw this.error
    if (this.buf.length === 0) return
    const text = this.buf.join('\n') + '\n'
    this.hasData = true
    this.lastFlush = Date.now()
    this.buf = []
    this.bufLen = 0
    let ok: boolean
    try {
      ok = this.stream.write(text)
    } catch (error) {
      // stdout redirected to a file or device writes synchronously and throws here (ENOSPC, EPIPE…)
      const e = error as NodeJS.ErrnoException
      this.error = e.code === 'EPIPE' ? new OutputClosed() : this.describe(e)
      throw this.error
    }
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done)
          this.stream.off('error', done)
          this.stream.off('close', done)
          resolve()
        }
        this.stream.on('drain', done)
        this.stream.on('error', done)
        this.stream.on('close', done)
      })
    }
    if (this.error) throw this.error
  }

  /** Flush and finish; a file output is renamed into place only now. */
  async close(): Promise<void> {
    if (this.closed) return
    await this.flush()
    this.closed = true
    if (this.tmp && this.path) {
      await new Promise<void>((resolve, reject) => (this.stream as WriteStream).end((error?: Error | null) => (error ? reject(this.describe(error)) : resolve())))
      if (this.error) throw this.error
      await rename(this.tmp, this.path)
    }
  }

  /**
   * Stop after a failure or interruption. Complete lines already produced are kept: on stdout they
   * are flushed; a file output's lines go to FILE.partial (never to FILE, which would look complete).
   * Returns the path of the partial file, if one was kept.
   */
  async abort(keepPartial: boolean): Promise<string | undefined> {
    if (this.closed) return undefined
    this.closed = true
    if (!this.tmp || !this.path) {
      if (keepPartial) await this.flush().catch(() => {})
      return undefined
    }
    if (keepPartial) await this.flush().catch(() => {})
    await new Promise<void>((resolve) => (this.stream as WriteStream).end(() => resolve()))
    if (keepPartial) {
      const partial = `${this.path}.partial`
      await rename(this.tmp, partial).catch(() => {})
      return partial
    }
    await unlink(this.tmp).catch(() => {})
    return undefined
  }
}

/**
 * Write a whole file so it never looks complete before it is: `write` fills PATH.tmp-PID, which is
 * renamed to PATH on success and removed on failure. `what` names the file in the error ("plot").
 */
export async function writeFileAtomically(path: string, write: (tmp: string) => Promise<void>, what = ''): Promise<void> {
  const tmp = tmpPath(path)
  try {
    await write(tmp)
    await rename(tmp, path)
  } catch (error) {
    await unlink(tmp).catch(() => {})
    if (error instanceof GroverError) throw error
    throw new GroverError(`cannot write ${what ? what + ' ' : ''}${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check that its folder exists and is writable.`)
  }
}

/** The output an interrupted run of PATH left (PATH.partial or PATH.tmp-PID of a process that is gone; the newest). */
async function interruptedOutput(path: string, log: (msg: string) => void): Promise<string> {
  const dir = dirname(path)
  const name = basename(path)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch (error) {
    throw new GroverError(`--resume: cannot read the folder ${dir} of ${path}: ${(error as NodeJS.ErrnoException).code}.`)
  }
  const candidates = names.filter((n) => n === `${name}.partial` || (n.startsWith(`${name}.tmp-`) && /^[0-9]+$/.test(n.slice(name.length + 5))))
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0)
      return pid !== process.pid
    } catch {
      return false
    }
  }
  const usable = []
  for (const n of candidates) {
    const pid = n.endsWith('.partial') ? 0 : Number(n.slice(name.length + 5))
    if (pid && alive(pid)) throw new GroverError(`--resume: ${join(dir, n)} belongs to a run that is still going (process ${pid}). Stop it first, or wait for it.`)
    usable.push({n, mtime: (await stat(join(dir, n))).mtimeMs})
  }
  if (usable.length === 0) {
    const done = names.includes(name)
    throw new GroverError(done
      ? `--resume: ${path} is complete already (no ${name}.partial or ${name}.tmp-* left by an interrupted run). Remove it to run again.`
      : `--resume: no interrupted run of ${path} found (looked for ${name}.partial and ${name}.tmp-PID in ${dir}). Run without --resume to start it.`)
  }
  usable.sort((a, b) => b.mtime - a.mtime)
  const from = join(dir, usable[0]!.n)
  if (usable.length > 1) log(`--resume: ${usable.length} interrupted outputs of ${path}; continuing the newest, ${from}.`)
  return from
}

/** Where a file's last complete line ends (keep: the byte after its newline; 0 when there is none) and that line. */
async function lastCompleteLine(file: string): Promise<{keep: number; lastLine: string | undefined}> {
  const fh = await open(file, 'r')
  let keep = 0
  let lastLine: string | undefined
  try {
    const size = (await fh.stat()).size
    const chunk = 1 << 16
    for (let end = size; end > 0 && lastLine === undefined;) {
      const start = Math.max(0, end - chunk)
      const buf = Buffer.alloc(end - start)
      await fh.read(buf, 0, buf.length, start)
      const nl = buf.lastIndexOf(10)
      if (nl >= 0 && keep === 0) keep = start + nl + 1
      if (keep > 0) {
        // the last complete line: between the newline before `keep - 1` and it
        const tail = Buffer.alloc(Math.min(keep, 1 << 20))
        await fh.read(tail, 0, tail.length, keep - tail.length)
        const text = tail.subarray(0, tail.length - 1).toString('utf8')
        lastLine = text.slice(text.lastIndexOf('\n') + 1)
      }
      end = start
    }
  } finally {
    await fh.close()
  }
  return {keep, lastLine}
}
