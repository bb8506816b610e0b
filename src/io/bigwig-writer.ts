import {closeSync, openSync, readSync, unlinkSync, writeSync} from 'node:fs'
import {deflateSync} from 'node:zlib'

import {GroverError} from '../errors.js'

/**
 * A streaming bigWig writer following the UCSC bigWig format (Kent et al. 2010; kent/src/inc/bbiFile.h,
 * bwgInternal.h, cirTree.h, bPlusTree.h). Items (bedGraph-type: start, end, value) arrive sorted by
 * chromosome (in the order given to the constructor) and position, without overlaps; they are packed
 * into zlib-compressed sections of `itemsPerSlot` items and written at once. Zoom-level summaries are
 * computed on the fly and spilled to one temporary file per level, so memory holds only one open
 * section per level and the R-tree index entries (one per section), whatever the genome size.
 *
 * File layout: header (64) · zoom headers (24 each) · total summary (40) · chromosome B+ tree ·
 * data count (u64) · data sections · data R-tree · per zoom level: record count (u32), sections, R-tree.
 */

export interface ChromSize {
  name: string
  size: number
}

export interface BigWigWriterOptions {
  /** bases per record of the first zoom level (then ×4 per level); default 4 × the typical item span, e.g. 4 × stride */
  zoomBase?: number
  /** at most this many zoom levels (UCSC uses 10) */
  maxZoomLevels?: number
  itemsPerSlot?: number
  blockSize?: number
}

export const BIGWIG_MAGIC = 0x888ffc26
const BPT_MAGIC = 0x78ca8c91
const CIRTREE_MAGIC = 0x2468ace0
const HEADER_SIZE = 64
const ZOOM_HEADER_SIZE = 24
const SUMMARY_SIZE = 40

interface IndexEntry {
  chromId: number
  start: number
  end: number
  offset: number
  size: number
}

/** A buffer that grows as little-endian fields are appended. */
class Bytes {
  private buf = Buffer.alloc(1024)
  length = 0

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n))
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }

  u8(x: number): this {
    this.room(1)
    this.buf.writeUInt8(x, this.length)
    this.length += 1
    return this
  }

  u16(x: number): this {
    this.room(2)
    this.buf.writeUInt16LE(x, this.length)
    this.length += 2
    return this
  }

  u32(x: number): this {
    this.room(4)
    this.buf.writeUInt32LE(x >>> 0, this.length)
    this.length += 4
    return this
  }

  u64(x: number): this {
    this.room(8)
    this.buf.writeBigUInt64LE(BigInt(x), this.length)
    this.length += 8
    return this
  }

  f32(x: number): this {
    this.room(4)
    this.buf.writeFloatLE(x, this.length)
    this.length += 4
    return this
  }

  f64(x: number): this {
    this.room(8)
    this.buf.writeDoubleLE(x, this.length)
    this.length += 8
    return this
  }

  raw(b: Uint8Array): this {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
    return this
  }

  zeros(n: number): this {
    this.room(n)
    this.buf.fill(0, this.length, this.length + n)
    this.length += n
    return this
  }

  bytes(): Buffer {
    return this.buf.subarray(0, this.length)
  }

  clear(): void {
    this.length = 0
  }
}

/** Running statistics of one zoom record or of the whole file. */
class Summary {
  covered = 0
  min = Infinity
  max = -Infinity
  sum = 0
  sumSquares = 0

  add(value: number, bases: number): void {
    this.covered += bases
    if (value < this.min) this.min = value
    if (value > this.max) this.max = value
    this.sum += value * bases
    this.sumSquares += value * value * bases
  }
}

/** A file that sections are appended to: the output itself, or a zoom level's spill file. */
class Appender {
  pos = 0
  constructor(readonly fd: number) {}

  write(b: Uint8Array): void {
    let done = 0
    while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, this.pos + done)
    this.pos += b.length
  }
}

/** Packs items into compressed sections and remembers where each went. */
class SectionPacker {
  readonly index: IndexEntry[] = []
  readonly items = new Bytes()
  count = 0
  chromId = -1
  start = 0
  end = 0
  maxUncompressed = 0
  records = 0

  constructor(
    private readonly out: Appender,
    private readonly base: number,
    private readonly itemsPerSlot: number,
    private readonly header: ((p: SectionPacker) => Bytes) | undefined,
  ) {}

  /** Room for one more item of chromosome chromId; flushes the open section when needed. */
  open(chromId: number, start: number): void {
    if (this.count > 0 && (chromId !== this.chromId || this.count >= this.itemsPerSlot)) this.flush()
    if (this.count === 0) {
      this.chromId = chromId
      this.start = start
    }
  }

  added(end: number): void {
    this.count++
    this.records++
    this.end = end
  }

  flush(): void {
    if (this.count === 0) return
    const head = this.header?.(this)
    const plain = head ? Buffer.concat([head.bytes(), this.items.bytes()]) : this.items.bytes()
    const packed = deflateSync(plain)
    this.maxUncompressed = Math.max(this.maxUncompressed, plain.length)
    this.index.push({chromId: this.chromId, start: this.start, end: this.end, offset: this.base + this.out.pos, size: packed.length})
    this.out.write(packed)
    this.items.clear()
    this.count = 0
  }
}

export class BigWigWriter {
  private readonly fd: number
  private readonly out: Appender
  private readonly ids = new Map<string, number>()
  private readonly chroms: ChromSize[]
  private readonly zoomReductions: number[]
  private readonly zoomFiles: Array<{path: string; fd: number; out: Appender; packer: SectionPacker; cur: ZoomRecord | undefined}>
  private readonly data: SectionPacker
  private readonly total = new Summary()
  private readonly itemsPerSlot: number
  private readonly blockSize: number
  private readonly dataStart: number
  private lastChrom = -1
  private lastEnd = 0
  private finished = false

  /** Creates `path` (the caller renames it into place when done) with room for the given chromosomes. */
  constructor(readonly path: string, chroms: ChromSize[], opts: BigWigWriterOptions = {}) {
    if (chroms.length === 0) throw new GroverError('a bigWig needs at least one chromosome.')
    this.chroms = chroms
    chroms.forEach((c, i) => {
      if (this.ids.has(c.name)) throw new GroverError(`bigWig: chromosome "${c.name}" is listed twice.`)
      if (c.size > 0xffffffff) throw new GroverError(`bigWig: chromosome "${c.name}" (${c.size} bp) is longer than the format's 4 Gb limit.`)
      this.ids.set(c.name, i)
    })
    this.itemsPerSlot = opts.itemsPerSlot ?? 1024
    this.blockSize = opts.blockSize ?? 256
    const longest = Math.max(...chroms.map((c) => c.size))
    this.zoomReductions = []
    for (let r = Math.max(1, Math.round(opts.zoomBase ?? 40)); this.zoomReductions.length < (opts.maxZoomLevels ?? 10) && r < longest; r *= 4) {
      this.zoomReductions.push(r)
    }
    try {
      this.fd = openSync(path, 'w')
    } catch (error) {
      throw new GroverError(`cannot write bigWig ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}. Check that its folder exists and is writable.`)
    }
    this.out = new Appender(this.fd)
    // Header, zoom headers and total summary are patched in by finish(); reserve their room now.
    this.out.write(Buffer.alloc(HEADER_SIZE + ZOOM_HEADER_SIZE * this.zoomReductions.length + SUMMARY_SIZE))
    this.out.write(this.chromTree())
    this.dataStart = this.out.pos
    this.out.write(Buffer.alloc(8)) // section count, patched at the end
    const sectionHeader = (p: SectionPacker) =>
      new Bytes().u32(p.chromId).u32(p.start).u32(p.end).u32(0).u32(0).u8(1).u8(0).u16(p.count)
    this.data = new SectionPacker(this.out, 0, this.itemsPerSlot, sectionHeader)
    this.zoomFiles = this.zoomReductions.map((_, i) => {
      const zpath = `${path}.zoom${i}`
      const fd = openSync(zpath, 'w+')
      const out = new Appender(fd)
      return {path: zpath, fd, out, packer: new SectionPacker(out, 0, this.itemsPerSlot, undefined), cur: undefined}
    })
  }

  get reductions(): readonly number[] {
    return this.zoomReductions
  }

  /** Add one interval [start, end) with a value; intervals must come in chromosome order, sorted, not overlapping. */
  add(chrom: string, start: number, end: number, value: number): void {
    const id = this.ids.get(chrom)
    if (id === undefined) throw new GroverError(`bigWig: chromosome "${chrom}" was not declared when the file was created.`)
    const size = this.chroms[id]!.size
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && end > start && end <= size)) {
      throw new GroverError(`bigWig: interval ${chrom}:${start}-${end} is empty or outside ${chrom} (length ${size}).`)
    }
    if (id < this.lastChrom || (id === this.lastChrom && start < this.lastEnd)) {
      throw new GroverError(`bigWig: interval ${chrom}:${start}-${end} overlaps or comes before the previous one; bigWig intervals must be sorted and not overlap.`)
    }
    if (!Number.isFinite(value)) throw new GroverError(`bigWig: value ${value} at ${chrom}:${start}-${end} is not a finite number.`)
    this.lastChrom = id
    this.lastEnd = end
    const v = Math.fround(value)
    this.data.open(id, start)
    this.data.items.u32(start).u32(end).f32(v)
    this.data.added(end)
    this.total.add(v, end - start)
    this.zoomReductions.forEach((r, level) => this.addZoom(level, r, id, start, end, v))
  }

  private addZoom(level: number, r: number, id: number, start: number, end: number, v: number): void {
    const z = this.zoomFiles[level]!
    for (let s = start; s < end;) {
      const bin = Math.floor(s / r)
      const e = Math.min(end, (bin + 1) * r)
      let cur = z.cur
      if (cur && (cur.chromId !== id || cur.bin !== bin)) {
        this.writeZoom(z.packer, cur)
        cur = undefined
      }
      if (!cur) {
        cur = {chromId: id, bin, start: s, end: e, stats: new Summary()}
        z.cur = cur
      }
      cur.end = e
      cur.stats.add(v, e - s)
      s = e
    }
  }

  private writeZoom(p: SectionPacker, z: ZoomRecord): void {
    p.open(z.chromId, z.start)
    p.items.u32(z.chromId).u32(z.start).u32(z.end).u32(z.stats.covered)
      .f32(z.stats.min).f32(z.stats.max).f32(z.stats.sum).f32(z.stats.sumSquares)
    p.added(z.end)
  }

  /** Write the index, zoom levels and header; the file is complete afterwards. */
  finish(): void {
    if (this.finished) return
    this.finished = true
    try {
      this.data.flush()
      const fullIndexOffset = this.out.pos
      this.out.write(this.cirTree(this.data.index, fullIndexOffset))
      const zoomHeaders = new Bytes()
      let maxUncompressed = this.data.maxUncompressed
      this.zoomFiles.forEach((z, level) => {
        if (z.cur) this.writeZoom(z.packer, z.cur)
        z.packer.flush()
        maxUncompressed = Math.max(maxUncompressed, z.packer.maxUncompressed)
        const dataOffset = this.out.pos
        this.out.write(new Bytes().u32(z.packer.records).bytes())
        const base = this.out.pos
        this.copyFrom(z.fd, z.out.pos)
        const index = z.packer.index.map((e) => ({...e, offset: e.offset + base}))
        const indexOffset = this.out.pos
        this.out.write(this.cirTree(index, indexOffset))
        zoomHeaders.u32(this.zoomReductions[level]!).u32(0).u64(dataOffset).u64(indexOffset)
      })
      const summaryOffset = HEADER_SIZE + ZOOM_HEADER_SIZE * this.zoomReductions.length
      const t = this.total
      const summary = new Bytes().u64(t.covered).f64(t.covered ? t.min : 0).f64(t.covered ? t.max : 0).f64(t.sum).f64(t.sumSquares)
      const header = new Bytes()
        .u32(BIGWIG_MAGIC).u16(4).u16(this.zoomReductions.length)
        .u64(summaryOffset + SUMMARY_SIZE) // chromosome tree
        .u64(this.dataStart).u64(fullIndexOffset)
        .u16(0).u16(0) // field counts: bigWig has none
        .u64(0) // autoSql
        .u64(summaryOffset)
        .u32(maxUncompressed)
        .u64(0) // extension header
      writeSync(this.fd, header.bytes(), 0, header.length, 0)
      writeSync(this.fd, zoomHeaders.bytes(), 0, zoomHeaders.length, HEADER_SIZE)
      writeSync(this.fd, summary.bytes(), 0, summary.length, summaryOffset)
      const count = new Bytes().u64(this.data.index.length)
      writeSync(this.fd, count.bytes(), 0, 8, this.dataStart)
    } finally {
      this.close()
    }
  }

  /** Close and delete the spill files (and, with `removeOutput`, the output too). Safe to call twice. */
  close(removeOutput = false): void {
    for (const z of this.zoomFiles) {
      try {
        closeSync(z.fd)
      } catch {}
      try {
        unlinkSync(z.path)
      } catch {}
    }
    this.zoomFiles.length = 0
    try {
      closeSync(this.fd)
    } catch {}
    if (removeOutput) {
      try {
        unlinkSync(this.path)
      } catch {}
    }
  }

  private copyFrom(fd: number, length: number): void {
    const buf = Buffer.alloc(1 << 20)
    for (let pos = 0; pos < length;) {
      const n = readSync(fd, buf, 0, Math.min(buf.length, length - pos), pos)
      if (n <= 0) throw new Error(`bigWig: short read from ${this.path} spill file`)
      this.out.write(buf.subarray(0, n))
      pos += n
    }
  }

  /** Chromosome name → (id, size) B+ tree, keys sorted bytewise, every node padded to blockSize slots. */
  private chromTree(): Buffer {
    const names: Array<{key: Buffer; id: number; size: number}> = this.chroms.map((c, id) => ({key: Buffer.from(c.name, "utf8"), id, size: c.size}))
    names.sort((a, b) => Buffer.compare(a.key, b.key))
    const keySize = Math.max(1, ...names.map((n) => n.key.length))
    const bs = Math.max(1, Math.min(this.blockSize, names.length))
    const nodeSize = 4 + bs * (keySize + 8)
    // Tree levels from the leaves up; a node is the range [first, first + count) of the level below
    // (of names, for leaves) and is keyed by the first name under it.
    const levels: Array<Array<{first: number; count: number; key: Buffer}>> = []
    let below = names.length
    let keyOf: (i: number) => Buffer = (i: number) => names[i]!.key
    do {
      const nodes: Array<{first: number; count: number; key: Buffer}> = []
      for (let i = 0; i < below; i += bs) nodes.push({first: i, count: Math.min(bs, below - i), key: keyOf(i)})
      levels.push(nodes)
      below = nodes.length
      const level = nodes
      keyOf = (i: number) => level[i]!.key
    } while (below > 1)
    const start = this.out.pos
    const levelOffset: number[] = []
    let off = start + 32
    for (let l = levels.length - 1; l >= 0; l--) {
      levelOffset[l] = off
      off += levels[l]!.length * nodeSize
    }
    const b = new Bytes().u32(BPT_MAGIC).u32(bs).u32(keySize).u32(8).u64(names.length).u64(0)
    for (let l = levels.length - 1; l >= 0; l--) {
      for (const node of levels[l]!) {
        b.u8(l === 0 ? 1 : 0).u8(0).u16(node.count)
        for (let i = node.first; i < node.first + node.count; i++) {
          if (l === 0) {
            const n = names[i]!
            b.raw(n.key).zeros(keySize - n.key.length).u32(n.id).u32(n.size)
          } else {
            const child = levels[l - 1]![i]!
            b.raw(child.key).zeros(keySize - child.key.length).u64(levelOffset[l - 1]! + i * nodeSize)
          }
        }
        b.zeros((bs - node.count) * (keySize + 8))
      }
    }
    return b.bytes()
  }

  /** The chromosome-and-position R-tree over sections (cirTree), root first, nodes padded to blockSize. */
  private cirTree(entries: IndexEntry[], at: number): Buffer {
    const bs = this.blockSize
    const first = entries[0]
    const last = entries[entries.length - 1]
    const b = new Bytes().u32(CIRTREE_MAGIC).u32(bs).u64(entries.length)
      .u32(first?.chromId ?? 0).u32(first?.start ?? 0).u32(last?.chromId ?? 0).u32(last?.end ?? 0)
      .u64(last ? last.offset + last.size : at).u32(this.itemsPerSlot).u32(0)
    // Levels from the leaves up; a node covers [first, first + count) of the level below (of entries, for
    // leaves) and is bounded by its first item's start and its last item's end (items are sorted).
    type Node = {first: number; count: number; c0: number; s0: number; c1: number; s1: number}
    const levels: Node[][] = []
    let bounds: Array<{c0: number; s0: number; c1: number; s1: number}> = entries.map((e) => ({c0: e.chromId, s0: e.start, c1: e.chromId, s1: e.end}))
    do {
      const nodes: Node[] = []
      for (let i = 0; i < bounds.length || (i === 0 && nodes.length === 0); i += bs) {
        const part = bounds.slice(i, i + bs)
        const a = part[0] ?? {c0: 0, s0: 0, c1: 0, s1: 0}
        const z = part[part.length - 1] ?? a
        nodes.push({first: i, count: part.length, c0: a.c0, s0: a.s0, c1: z.c1, s1: z.s1})
      }
      levels.push(nodes)
      bounds = nodes
    } while (bounds.length > 1)
    const size = (l: number) => 4 + bs * (l === 0 ? 32 : 24)
    const levelOffset: number[] = []
    let off = at + 48
    for (let l = levels.length - 1; l >= 0; l--) {
      levelOffset[l] = off
      off += levels[l]!.length * size(l)
    }
    for (let l = levels.length - 1; l >= 0; l--) {
      for (const node of levels[l]!) {
        b.u8(l === 0 ? 1 : 0).u8(0).u16(node.count)
        for (let i = node.first; i < node.first + node.count; i++) {
          if (l === 0) {
            const e = entries[i]!
            b.u32(e.chromId).u32(e.start).u32(e.chromId).u32(e.end).u64(e.offset).u64(e.size)
          } else {
            const c = levels[l - 1]![i]!
            b.u32(c.c0).u32(c.s0).u32(c.c1).u32(c.s1).u64(levelOffset[l - 1]! + i * size(l - 1))
          }
        }
        b.zeros((bs - node.count) * (l === 0 ? 32 : 24))
      }
    }
    return b.bytes()
  }
}

interface ZoomRecord {
  chromId: number
  bin: number
  start: number
  end: number
  stats: Summary
}
