// A node:test reporter that writes one JSON line per skipped test (name, file, reason),
// for run-tests.mjs to print, and to fail on in CI where every tool is installed.
export default async function* skipReporter(source) {
  for await (const event of source) {
    if (event.type !== 'test:pass') continue;
    const { skip, name, file } = event.data;
    if (skip === undefined || skip === false) continue;
    yield `${JSON.stringify({ name, file, reason: skip === true ? '' : String(skip) })}\n`;
  }
}
