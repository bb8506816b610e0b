/**
 * A minimal ONNX model writer for small dense heads (Gemm / Relu graphs on one float input), so
 * `grover train-head` can save what it trained as an ONNX graph without Python. Protocol buffers are
 * encoded by hand following onnx/onnx.proto (ModelProto, GraphProto, NodeProto, TensorProto,
 * ValueInfoProto); the result is checked by onnxruntime-node and by the onnx package's checker in tests.
 */

/** Protobuf wire encoding, just what ONNX's messages here need. */
class Pb {
  private parts: Buffer[] = []

  private varint(n: number | bigint): void {
    let v = BigInt(n)
    const bytes: number[] = []
    do {
      let b = Number(v & 0x7fn)
      v >>= 7n
      if (v > 0n) b |= 0x80
      bytes.push(b)
    } while (v > 0n)
    this.parts.push(Buffer.from(bytes))
  }

  private key(field: number, wire: number): void {
    this.varint((field << 3) | wire)
  }

  int(field: number, n: number): this {
    this.key(field, 0)
    this.varint(n)
    return this
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, 2)
    this.varint(b.length)
    this.parts.push(Buffer.from(b))
    return this
  }

  string(field: number, s: string): this {
    return this.bytes(field, Buffer.from(s, 'utf8'))
  }

  message(field: number, m: Pb): this {
    return this.bytes(field, m.done())
  }

  done(): Buffer {
    return Buffer.concat(this.parts)
  }
}

const FLOAT = 1

export interface DenseLayer {
  /** weights, row-major [inputs, outputs] */
  weight: Float32Array
  bias: Float32Array
  inputs: number
  outputs: number
  /** apply ReLU after this layer */
  relu?: boolean
}

function tensor(name: string, dims: number[], data: Float32Array): Pb {
  const t = new Pb()
  for (const d of dims) t.int(1, d)
  t.int(2, FLOAT)
  t.string(8, name)
  t.bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)) // raw_data, little-endian float32
  return t
}

function valueInfo(name: string, dims: Array<number | string>): Pb {
  const shape = new Pb()
  for (const d of dims) shape.message(1, typeof d === 'number' ? new Pb().int(1, d) : new Pb().string(2, d))
  const tensorType = new Pb().int(1, FLOAT).message(2, shape)
  return new Pb().string(1, name).message(2, new Pb().message(1, tensorType))
}

function node(op: string, inputs: string[], outputs: string[], name: string): Pb {
  const n = new Pb()
  for (const i of inputs) n.string(1, i)
  for (const o of outputs) n.string(2, o)
  n.string(3, name)
  n.string(4, op)
  return n
}

/**
 * A model: input [batch, layers[0].inputs] → Gemm (→ Relu) … → output [batch, last.outputs].
 * Opset 14, IR version 7 (what onnxruntime 1.x and onnx 1.12 read).
 */
export function denseModel(layers: DenseLayer[], input: string, output: string, docString = ''): Buffer {
  const graph = new Pb()
  let cur = input
  layers.forEach((l, i) => {
    const out = i === layers.length - 1 && !l.relu ? output : `h${i}`
    graph.message(1, node('Gemm', [cur, `W${i}`, `b${i}`], [out], `dense${i}`))
    cur = out
    if (l.relu) {
      const r = i === layers.length - 1 ? output : `r${i}`
      graph.message(1, node('Relu', [cur], [r], `relu${i}`))
      cur = r
    }
  })
  graph.string(2, 'grover_head')
  layers.forEach((l, i) => {
    graph.message(5, tensor(`W${i}`, [l.inputs, l.outputs], l.weight))
    graph.message(5, tensor(`b${i}`, [l.outputs], l.bias))
  })
  if (docString) graph.string(10, docString)
  graph.message(11, valueInfo(input, ['batch', layers[0]!.inputs]))
  graph.message(12, valueInfo(output, ['batch', layers[layers.length - 1]!.outputs]))
  const model = new Pb()
    .int(1, 7) // ir_version
    .string(2, 'grover train-head')
    .message(7, graph)
    .message(8, new Pb().string(1, '').int(2, 14)) // opset_import
  return model.done()
}
