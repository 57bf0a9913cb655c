// Validate an AsyncAPI document with the official parser (@asyncapi/parser), as the AsyncAPI
// tools read it. Usage: node frontend/scripts/validate_asyncapi.mjs docs/asyncapi.yaml
// Prints every diagnostic; exits 1 when the parser reports an error (severity 0).
import { readFileSync } from 'node:fs'
import { Parser } from '@asyncapi/parser'

const [file] = process.argv.slice(2)
if (!file) {
  console.error('usage: validate_asyncapi.mjs <document.yaml|json>')
  process.exit(2)
}
const parser = new Parser()
const { document, diagnostics } = await parser.parse(readFileSync(file, 'utf8'), { source: file })
for (const item of diagnostics) {
  const where = item.path.join('.') || '(document)'
  console.log(`${['error', 'warning', 'info', 'hint'][item.severity]} ${item.code} at ${where}: ${item.message}`)
}
const errors = diagnostics.filter((item) => item.severity === 0)
if (document === undefined || errors.length > 0) {
  console.error(`${file}: not a valid AsyncAPI document (${errors.length} errors)`)
  process.exit(1)
}
console.log(`${file}: valid AsyncAPI ${document.version()}, ${document.channels().length} channels, ${document.operations().length} operations`)
