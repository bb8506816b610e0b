import assert from 'node:assert/strict'
import {mkdtemp, readdir, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {after, before, describe, it} from 'node:test'

import {Sink, tmpPath} from '../src/io/output.js'

describe('Sink.resume', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'grover-resume-'))
  })
  after(async () => {
    await rm(dir, {recursive: true, force: true})
  })
  const logs: string[] = []
  const log = (m: string) => logs.push(m)

  it('cuts a half-written record, returns the last complete one and appends after it', async () => {
    const out = join(dir, 'a.bed')
    await writeFile(`${out}.partial`, 'chr1\t0\t10\nchr1\t5\t15\nchr1\t10\t2')
    const {sink, lastLine, from} = await Sink.resume(out, log)
    assert.equal(from, `${out}.partial`)
    assert.equal(lastLine, 'chr1\t5\t15')
    assert.equal(sink.hasData, true)
    assert.deepEqual((await readdir(dir)).sort(), [`a.bed.tmp-${process.pid}`])
    await sink.writeLine('chr1\t10\t20')
    await sink.close()
    assert.equal(await readFile(out, 'utf8'), 'chr1\t0\t10\nchr1\t5\t15\nchr1\t10\t20\n')
    await rm(out)
  })

  it('finds the last line when it is longer than the 64-KB read chunk and the file ends mid-record', async () => {
    const out = join(dir, 'b.tsv')
    const long = 'x'.repeat(100_000)
    await writeFile(tmpPath(out).replace(String(process.pid), '999999999'), `first\n${long}\nhalf`)
    const {sink, lastLine} = await Sink.resume(out, log)
    assert.equal(lastLine, long)
    await sink.close()
    assert.equal(await readFile(out, 'utf8'), `first\n${long}\n`)
    await rm(out)
  })

  it('an empty interrupted file resumes from nothing', async () => {
    const out = join(dir, 'c.bed')
    await writeFile(`${out}.partial`, 'chr1\t0')
    const {sink, lastLine} = await Sink.resume(out, log)
    assert.equal(lastLine, undefined)
    assert.equal(sink.hasData, false)
    await sink.close()
    assert.equal(await readFile(out, 'utf8'), '')
    await rm(out)
  })

  it('takes the newest of several interrupted outputs and says so', async () => {
    const out = join(dir, 'd.bed')
    await writeFile(`${out}.partial`, 'old\n')
    await writeFile(`${out}.tmp-999999998`, 'new\n')
    await utimes(`${out}.partial`, new Date(1000), new Date(1000))
    logs.length = 0
    const {sink, lastLine, from} = await Sink.resume(out, log)
    assert.equal(from, `${out}.tmp-999999998`)
    assert.equal(lastLine, 'new')
    assert.match(logs.join('\n'), /2 interrupted outputs of .*d\.bed; continuing the newest/)
    await sink.close()
    await rm(out)
    await rm(`${out}.partial`)
  })

  it('refuses a temporary file of a run that is still going, a complete output and a missing one', async () => {
    const out = join(dir, 'e.bed')
    await writeFile(`${out}.tmp-${process.ppid}`, 'chr1\t0\t10\n')
    await assert.rejects(Sink.resume(out, log), new RegExp(`belongs to a run that is still going \\(process ${process.ppid}\\)`))
    await rm(`${out}.tmp-${process.ppid}`)
    await assert.rejects(Sink.resume(out, log), /no interrupted run of .*e\.bed found/)
    await writeFile(out, 'chr1\t0\t10\n')
    await assert.rejects(Sink.resume(out, log), /is complete already/)
    assert.equal(await readFile(out, 'utf8'), 'chr1\t0\t10\n')
  })

  it('does not run the caller\'s check before it has found a file to resume', async () => {
    const out = join(dir, 'f.bed')
    let checked = false
    await assert.rejects(Sink.resume(out, log, async () => {
      checked = true
    }), /no interrupted run/)
    assert.equal(checked, false)
  })
})
