import {open, type FileHandle, rename, unlink} from 'node:fs/promises'

import {GroverError} from '../errors.js'
import {tmpPath} from './output.js'

const HEADER_BYTES = 128 // fixed, so the row count can be patched in at the end

function header(rows: number, cols: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`
  const pad = HEADER_BYTES - 10 - dict.length - 1
  if (pad < 0) throw new GroverError(`npy header too long for shape (${rows}, ${cols}).`)
  const h = Buffer.alloc(HEADER_BYTES, 0x20)
  h.write('\x93NUMPY', 0, 'latin1')
  h[6] = 1 // format version 1.0
  h[7] = 0
  h.writeUInt16LE(HEADER_BYTES - 10, 8)
  h.write(dict, 10, 'latin1')
  h[HEADER_BYTES - 1] = 0x0a
  return h
}

/**
 * A float32 2-D .npy file written row by row (memory stays flat), through a temporary file renamed on
 * close; the header's row count is written last. Readable by numpy.load.
 */
export class NpyWriter {
  private rows = 0
  private constructor(
    private readonly fh: FileHandle,
    private readonly path: string,
    private readonly tmp: string,
    readonly cols: number,
  ) {}

  static async create(path: string, cols: number): Promise<NpyWriter> {
    const tmp = tmpPath(path)
    let fh: FileHandle
    try {
      fh = await open(tmp, 'w')
    } catch (error) {
      throw new GroverError(`cannot write ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check that its folder exists and is writable.`)
    }
    await fh.write(header(0, cols), 0, HEADER_BYTES, 0)
    return new NpyWriter(fh, path, tmp, cols)
  }

  async append(row: Float32Array): Promise<void> {
    if (row.length !== this.cols) throw new Error(`npy row has ${row.length} values, expected ${this.cols}`)
    await this.fh.write(new Uint8Array(row.buffer, row.byteOffset, row.byteLength), 0, row.byteLength, HEADER_BYTES + this.rows * this.cols * 4)
    this.rows++
  }

  async close(): Promise<void> {
    await this.fh.write(header(this.rows, this.cols), 0, HEADER_BYTES, 0)
    await this.fh.close()
    await rename(this.tmp, this.path)
  }

  async abort(): Promise<void> {
    await this.fh.close().catch(() => {})
    await unlink(this.tmp).catch(() => {})
  }
}
