import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, ROOT, sh, TINY, tmp} from './helpers/util.js'

const hasSnakemake = (() => {
  try {
    execFileSync('snakemake', ['--version'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
})()
const need = hasSnakemake ? {} : {skip: 'snakemake not installed (Debian: apt-get install snakemake)'}

describe('Snakemake workflow (workflow/Snakefile)', () => {
  it('dry-runs with the default config: snakemake -n -c1 in workflow/', need, async () => {
    const r = await sh('snakemake', ['-n', '-c1'], {cwd: join(ROOT, 'workflow')})
    assert.equal(r.code, 0, r.stderr + r.stdout)
    assert.match(r.stdout + r.stderr, /shard\s+4/)
  })

  it('runs the shards on 2 local cores over the real slice; the merged file equals one grover predict', need, async () => {
    const dir = tmp()
    for (const [extra, name] of [['', 'out.bed'], ['--format tsv --threshold 0 --batch-size 5', 'out.tsv']] as const) {
      const r = await sh('snakemake', ['-s', join(ROOT, 'workflow', 'Snakefile'), '-d', dir, '-c2', '--config',
        `genome=${GENOME}`, `model=${TINY}`, `output=${name}`, 'shards=3', `grover=node ${join(ROOT, 'bin', 'run.js')}`, `predict_args=${extra}`])
      assert.equal(r.code, 0, r.stderr)
      const single = await grover(['predict', GENOME, '--model', TINY, '-q', ...extra.split(' ').filter(Boolean)])
      assert.equal(single.code, 0, single.stderr)
      assert.ok(single.stdout.length > 0)
      assert.equal(readFileSync(join(dir, name), 'utf8'), single.stdout, name)
      assert.ok(!existsSync(join(dir, `${name}.shards`, '1-of-3.part')), 'shard parts are temporary')
    }
  })
})
