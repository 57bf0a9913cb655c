// @vitest-environment node
import { readFileSync } from 'node:fs'
import openapiTS, { astToString } from 'openapi-typescript'
import { describe, expect, it } from 'vitest'

// openapi.json is exported from the gateway app (scripts/export_openapi.py; a pytest test keeps
// it equal to the app). This keeps the TypeScript types equal to openapi.json.
describe('src/api/schema.d.ts', () => {
  it('is generated from the committed openapi.json (run `npm run api:types`)', async () => {
    const spec = readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')
    const generated = astToString(await openapiTS(spec))
    const committed = readFileSync(new URL('./schema.d.ts', import.meta.url), 'utf8')
    const body = (text: string) => text.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim()
    expect(body(committed)).toBe(body(generated))
  }, 20_000)
})
