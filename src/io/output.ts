import {createWriteStream, type WriteStream} from 'node:fs'
import {rename, unlink} from 'node:fs/promises'
import {dirname} from 'node:path'
import type {Writable} from 'node:stream'

import {GroverError, OutputClosed} from '../errors.js'

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

  static async file(path: string): Promise<Sink> {
    const tmp = `${path}.tmp-${process.pid}`
    const stream: WriteStream = createWriteStream(tmp)
    await new Promise<void>((resolve, reject) => {
      stream.once('open', () => resolve())
      stream.once('error', (error: NodeJS.ErrnoException) =>
        reject(new GroverError(`cannot write output file ${path}: ${error.code ?? error.message}. Check that the folder ${dirname(path)} exists and is writable.`)))
    })
    return new Sink(stream, path, tmp)
  }

  async writeLine(line: string): Promise<void> {
    this.buf.push(line)
    this.bufLen += line.length + 1
    if (this.bufLen >= 1 << 16) await this.flush()
  }

  async flush(): Promise<void> {
    if (this.error) throw this.error
    if (this.buf.length === 0) return
    const text = this.buf.join('\n') + '\n'
    this.buf = []
    this.bufLen = 0
    const ok = this.stream.write(text)
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
