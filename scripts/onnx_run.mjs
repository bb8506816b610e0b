// Run an ONNX model with onnxruntime-node (the runtime grover uses) on int64 inputs from a JSON file
// and write the first output as raw little-endian float32, for scripts/export_hf.py's check.
// Usage: node scripts/onnx_run.mjs MODEL.onnx INPUTS.json OUT.f32
import {readFileSync, writeFileSync} from 'node:fs'
import ort from 'onnxruntime-node'

const [model, inputs, out] = process.argv.slice(2)
const feeds = JSON.parse(readFileSync(inputs, 'utf8'))
const session = await ort.InferenceSession.create(model)
const tensors = {}
for (const name of session.inputNames) {
  const rows = feeds[name]
  if (!rows) throw new Error(`no input ${name} given`)
  const flat = BigInt64Array.from(rows.flat().map((x) => BigInt(x)))
  tensors[name] = new ort.Tensor('int64', flat, [rows.length, rows[0].length])
}
const result = await session.run(tensors)
const t = result[session.outputNames[0]]
writeFileSync(out, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))
console.log(JSON.stringify({output: session.outputNames[0], dims: t.dims}))
await session.release()
