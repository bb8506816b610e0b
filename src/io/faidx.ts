import {createReadStream} from 'node:fs'

import {GroverError} from '../errors.js'

/** One .fai line: name, length, byte offset of the first base, bases per line, bytes per line. */
export interface FaiEntry {
  name: string
  length: number
  offset: number
  lineBases: number
  lineBytes: number
}

/**
 * Build a samtools-compatible FASTA index by streaming the file once (memory does not grow with the
 * genome). Follows samtools faidx's rules: every line of a sequence but its last has the same length,
 * names are the header up to the first whitespace and must be unique.
 */
export async function buildFai(path: string): Promise<FaiEntry[]> {
  const entries: FaiEntry[] = []
  const names = new Set<string>()
  let pos = 0 // byte offset of the next byte
  let inHeader = false
  let header: number[] = []
  let cur: FaiEntry | undefined
  let lineLen = 0 // bytes of the current line, excluding the newline
  let lineHasCR = false
  let lastLineBases = -1 // bases in the previous sequence line of this sequence, -1 before any
  let shortLineSeen = false
  let lineNo = 1
  const fail = (msg: string): never => {
    throw new GroverError(`${path}:${lineNo}: ${msg}`)
  }
  const endSeqLine = () => {
    if (!cur) {
      if (lineLen > 0) fail('sequence data before the first ">" header line. Is this a FASTA file?')
      return
    }
    const bases = lineHasCR ? lineLen - 1 : lineLen
    if (bases === 0) return // blank line: samtools tolerates it only at the end of a sequence
    if (shortLineSeen) fail(`sequence "${cur.name}" has lines of different lengths (only the last line of a sequence may be shorter). Reformat it, e.g. with "seqkit seq -w 60" or "samtools faidx" after fixing.`)
    if (cur.lineBases === 0) {
      cur.lineBases = bases
      cur.lineBytes = lineLen + 1
    } else if (bases > cur.lineBases) {
      fail(`sequence "${cur.name}" has lines of different lengths (${bases} after ${cur.lineBases}). Only the last line of a sequence may differ.`)
    } else if (bases < cur.lineBases) {
      shortLineSeen = true
    }
    cur.length += bases
    lastLineBases = bases
  }
  const stream = createReadStream(path, {highWaterMark: 1 << 20})
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!
      if (inHeader) {
        if (c === 10) {
          let text = Buffer.from(header).toString('utf8')
          if (text.endsWith('\r')) text = text.slice(0, -1)
          const name = text.split(/\s/)[0] ?? ''
          if (name === '') fail('empty sequence name after ">".')
          if (names.has(name)) fail(`duplicate sequence name "${name}". Every sequence in a FASTA needs a unique name.`)
          names.add(name)
          cur = {name, length: 0, offset: pos + i + 1, lineBases: 0, lineBytes: 0}
          entries.push(cur)
          inHeader = false
          header = []
          lineLen = 0
          lineHasCR = false
          lastLineBases = -1
          shortLineSeen = false
          lineNo++
        } else {
          header.push(c)
        }
        continue
      }
      if (c === 10) {
        endSeqLine()
        lineLen = 0
        lineHasCR = false
        lineNo++
      } else if (c === 62 && lineLen === 0) {
        inHeader = true
      } else {
        lineHasCR = c === 13
        lineLen++
      }
    }
    pos += chunk.length
  }
  if (inHeader) fail('the file ends inside a header line (truncated?).')
  if (lineLen > 0) endSeqLine()
  void lastLineBases
  if (entries.length === 0) throw new GroverError(`${path}: no sequences found (no ">" header line). Is this a FASTA file?`)
  return entries
}

export function formatFai(entries: FaiEntry[]): string {
  return entries.map((e) => `${e.name}\t${e.length}\t${e.offset}\t${e.lineBases}\t${e.lineBytes}\n`).join('')
}
