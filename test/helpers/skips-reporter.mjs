// A node:test reporter that adds one line at the end of a run: how many tests were skipped and why
// (their skip reasons, counted), so a green run on a machine without Debian's Python packages cannot
// be taken for a full one. Used next to the default TAP reporter by `npm test`.
export default async function* skips(source) {
  const reasons = new Map()
  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue
    const skip = event.data.skip
    if (skip === undefined || skip === false) continue
    const why = typeof skip === 'string' && skip !== '' ? skip : 'skipped'
    reasons.set(why, (reasons.get(why) ?? 0) + 1)
  }
  const n = [...reasons.values()].reduce((a, b) => a + b, 0)
  yield n === 0 ? '# skipped 0: a full run\n' : `# skipped ${n}: ${[...reasons].map(([why, k]) => `${k} × ${why}`).join('; ')}\n`
}
