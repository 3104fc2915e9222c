// GetExport against what AWS returned: LocalStack's test_apigateway_extended imported petstore-swagger.json
// and pets.json, deployed them to the stage `local` and exported each as swagger and oas30, without
// extensions and with extensions=apigateway (test/fixtures/aws/localstack/rest-export.json). We import the
// same files, export them the same way and compare body, content type and file name.

import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { importOpenApi } from '../../src/controlplane/openapi/import.js'
import { parseDefinition } from '../../src/controlplane/openapi/parse.js'
import { exportFormatOf, exportRestApi, parseRestExportExtensions, restExportFile, type RestExportType } from '../../src/controlplane/openapi/export.js'
import type { RestApi } from '../../src/model/types.js'
import { RecordingMatcher } from './recorded-shape.js'

interface ExportResponse {
  body: Record<string, unknown>
  contentType: string
  contentDisposition: string
}

interface Scenario {
  localstackTest: string
  definition: string
  stageName: string
  exportType: RestExportType
  restApi: Record<string, unknown>
  /** Keyed by the `extensions` parameter ('' for none). */
  exports: Record<string, ExportResponse>
}

const FIXTURE = JSON.parse(readFileSync(new URL('../fixtures/aws/localstack/rest-export.json', import.meta.url), 'utf8')) as { scenarios: Record<string, Scenario> }
const DEFS = new URL('../fixtures/aws/localstack/api-definitions/', import.meta.url)
const REGION = 'us-east-1'
const DEPLOYED = '2025-05-06T18:20:24.512Z'

/** The file as LocalStack's test sent it: `${uri}` filled in with the pet store URL of the test's region. */
function importDefinition(file: string): RestApi {
  const text = readFileSync(new URL(file, DEFS), 'utf8').split('${uri}').join(`http://petstore.execute-api.${REGION}.amazonaws.com/petstore/pets`)
  const { api } = importOpenApi(parseDefinition(text, file), { kind: 'REST', id: 'x1y2z3w4v5', file, region: REGION, createdDate: '2025-05-06T18:20:20.000Z' })
  assert.equal(api.kind, 'REST')
  return api as RestApi
}

describe('REST export matches the AWS recordings', () => {
  assert.equal(Object.keys(FIXTURE.scenarios).length, 4)
  for (const [name, s] of Object.entries(FIXTURE.scenarios)) {
    for (const [extensions, recorded] of Object.entries(s.exports)) {
      it(`${name}, ${extensions === '' ? 'no extensions' : `extensions=${extensions}`}`, () => {
        const api = importDefinition(s.definition)
        const doc = exportRestApi(api, {
          type: s.exportType,
          stageName: s.stageName,
          extensions: parseRestExportExtensions(extensions === '' ? undefined : extensions),
          deployment: { createdDate: DEPLOYED },
          region: REGION,
        })
        // One matcher per scenario: <api-id:1>, <region> and <date:1> must stand for the same value throughout.
        const matcher = new RecordingMatcher()
        matcher.match(recorded.body, doc, '$.body')
        const file = restExportFile(doc, s.exportType, exportFormatOf('application/json'))
        matcher.match(recorded.contentType, file.contentType, '$.contentType')
        matcher.match(recorded.contentDisposition, file.contentDisposition, '$.contentDisposition')
        assert.deepEqual(JSON.parse(file.body), doc)
        assert.equal(matcher.bindings.get('<api-id:1>'), api.id)
        assert.equal(matcher.bindings.get('<region>'), REGION)
        // The API has no version: info.version is the deployment's date, to the second.
        if (api.version === undefined) assert.equal(matcher.bindings.get('<date:1>'), '2025-05-06T18:20:24Z')
      })
    }
  }
})
