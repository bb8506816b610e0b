import assert from 'node:assert/strict'
import {readdirSync} from 'node:fs'
import {join} from 'node:path'
import {describe, it} from 'node:test'

import {GENOME, grover, sh, tmp} from './helpers/util.js'

// The npm registry is the one network this project may use; without it (an offline sandbox) the test says so.
const registry = await sh('npm', ['view', 'onnxruntime-node', 'version'])
const skip = registry.code === 0 ? false : process.env.CI ? false : 'the npm registry is not reachable'

describe('installing as a user would: npm pack, then a global install of the tarball', {skip}, () => {
  it('installs offline (no download but the npm registry) and runs grover predict like ./bin/run.js', async () => {
    const d = tmp()
    const pack = await sh('npm', ['pack', '--pack-destination', d])
    assert.equal(pack.code, 0, pack.stderr)
    const tgz = readdirSync(d).find((f) => f.endsWith('.tgz'))!
    const prefix = join(d, 'prefix')
    // a global install ignores the project's .npmrc: onnxruntime-node's install script must be told to skip
    // its CUDA download (README, "Install"), or it reaches for api.nuget.org
    const inst = await sh('npm', ['install', '-g', '--prefix', prefix, '--onnxruntime-node-install=skip', '--no-audit', '--no-fund', join(d, tgz)], {cwd: d})
    assert.equal(inst.code, 0, inst.stderr)
    const args = ['predict', GENOME, '--region', 'chr22_20M:1-30000', '-q']
    const installed = await sh(join(prefix, 'bin', 'grover'), args, {cwd: d})
    assert.equal(installed.code, 0, installed.stderr)
    const here = await grover(args)
    assert.ok(installed.stdout.trim().split('\n').length > 3)
    assert.equal(installed.stdout, here.stdout)
  })
})
