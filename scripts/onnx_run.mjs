// Run an ONNX model with onnxruntime-node (the runtime grover uses) on int64 inputs from a JSON file
// and write each output as raw little-endian float32 to OUT.0, OUT.1, ... (for scripts/export_hf.py).
// Usage: node scripts/onnx_run.mjs MODEL.onnx INPUTS.json OUT
// Prints one JSON line: [{"name": ..., "dims": [...]}, ...] in output order.
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
const info = session.outputNames.map((name, i) => {
  const t = result[name]
  writeFileSync(`${out}.${i}`, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))
  return {name, dims: t.dims}
})
console.log(JSON.stringify(info))
await session.release()
