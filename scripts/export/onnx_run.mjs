// Run an ONNX model with onnxruntime-node (the runtime grover uses) on inputs from a JSON file and
// write each output as raw little-endian float32 to OUT.0, OUT.1, ... (for the export scripts).
// Usage: node scripts/export/onnx_run.mjs MODEL.onnx INPUTS.json OUT
// INPUTS.json: {name: [[int, ...], ...]} (int64 rows) or {name: {"float32": [flat], "dims": [...]}}.
// Prints one JSON line: [{"name": ..., "dims": [...]}, ...] in output order.
import {readFileSync, writeFileSync} from 'node:fs'
import ort from 'onnxruntime-node'

const [model, inputs, out] = process.argv.slice(2)
const feeds = JSON.parse(readFileSync(inputs, 'utf8'))
const session = await ort.InferenceSession.create(model)
const tensors = {}
for (const name of session.inputNames) {
  const given = feeds[name]
  if (!given) throw new Error(`no input ${name} given`)
  if (Array.isArray(given)) {
    const flat = BigInt64Array.from(given.flat().map((x) => BigInt(x)))
    tensors[name] = new ort.Tensor('int64', flat, [given.length, given[0].length])
  } else {
    tensors[name] = new ort.Tensor('float32', Float32Array.from(given.float32), given.dims)
  }
}
const result = await session.run(tensors)
const info = session.outputNames.map((name, i) => {
  const t = result[name]
  writeFileSync(`${out}.${i}`, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength))
  return {name, dims: t.dims}
})
console.log(JSON.stringify(info))
await session.release()
