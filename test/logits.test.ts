import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {softmax} from '../src/pipeline/logits.js'

describe('softmax', () => {
  it('softmax is stable for large logits and sums to 1', () => {
    const p = softmax(new Float32Array([1000, 1001, 5, 6]), 0, 2)
    assert.ok(Math.abs(p[0]! + p[1]! - 1) < 1e-12)
    assert.ok(Math.abs(p[1]! - 1 / (1 + Math.exp(-1))) < 1e-9)
    assert.deepEqual(softmax(new Float32Array([1000, 1001, 0, 0]), 2, 2), [0.5, 0.5])
  })
})
