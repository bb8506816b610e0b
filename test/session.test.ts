import assert from 'node:assert/strict'
import {describe, it} from 'node:test'

import {padBatch} from '../src/model/session.js'

describe('padBatch', () => {
  it('pads every row to the longest with the pad id and masks the padding', () => {
    const b = padBatch([[2, 10, 3], [2, 3], [2, 11, 12, 3]], 0)
    assert.equal(b.rows, 3)
    assert.equal(b.tokens, 4)
    assert.deepEqual([...b.ids].map(Number), [2, 10, 3, 0, 2, 3, 0, 0, 2, 11, 12, 3])
    assert.deepEqual([...b.mask].map(Number), [1, 1, 1, 0, 1, 1, 0, 0, 1, 1, 1, 1])
  })
  it('uses the given pad id', () => {
    assert.deepEqual([...padBatch([[5], [5, 6]], 7).ids].map(Number), [5, 7, 5, 6])
  })
})
