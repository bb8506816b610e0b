import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {cudaMissing, webgpuMissing} from '../src/model/device.js'
import {GENOME, grover, oneLine, TINY} from './helpers/util.js'

const base = ['predict', GENOME, '--model', TINY, '-r', 'chr22_20M:1-3000', '--threshold', '0']
const noCuda = cudaMissing().length > 0
const noWebgpu = webgpuMissing() !== undefined

describe('--device', () => {
  it('auto says on one stderr line which provider runs and why the others were skipped', async () => {
    const r = await grover(base)
    assert.equal(r.code, 0, r.stderr)
    const line = r.stderr.split('\n').find((l) => l.startsWith('device: '))
    assert.ok(line, r.stderr)
    if (noCuda) assert.match(line, /skipped cuda: /)
    if (noCuda && noWebgpu) assert.match(line, /^device: cpu \(\d+ threads\); skipped cuda: .+; webgpu: .+Vulkan/)
  })

  it('--quiet and an explicit --device cpu print no device line', async () => {
    for (const extra of [['-q'], ['--device', 'cpu']]) {
      const r = await grover([...base, ...extra])
      assert.equal(r.code, 0, r.stderr)
      assert.doesNotMatch(r.stderr, /^device: /m)
    }
  })

  it('--device cuda that cannot start is an error naming what is missing and how to install it', {skip: noCuda ? false : 'this machine has CUDA'}, async () => {
    const r = await grover([...base, '--device', 'cuda'])
    assert.equal(r.code, 2)
    const msg = oneLine(r.stderr)
    assert.match(msg, /--device cuda cannot start: /)
    for (const m of cudaMissing()) assert.ok(msg.includes(m.slice(0, 30)), m)
    assert.match(msg, /ONNXRUNTIME_NODE_INSTALL=cuda12 node node_modules\/onnxruntime-node\/script\/install\.js/)
    assert.match(msg, /Or run with --device cpu/)
  })

  it('--device webgpu that cannot start is an error saying what is missing', {skip: noWebgpu ? false : 'this machine may run WebGPU'}, async () => {
    const r = await grover([...base, '--device', 'webgpu'])
    assert.equal(r.code, 2)
    assert.match(oneLine(r.stderr), /--device webgpu cannot start: no Vulkan loader \(libvulkan\.so\.1\).*apt-get install libvulkan1/)
  })
})
