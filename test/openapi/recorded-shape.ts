// Helpers for comparing imported model objects with LocalStack's AWS recordings: our objects in the shape
// AWS's control plane returns them, and a matcher for the recordings' placeholders (`<resource-id:2>`).

import assert from 'node:assert/strict'
import type { Authorizer, Integration, Method, Model, Resource, RestApi } from '../../src/model/types.js'

type Json = unknown
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function omitEmpty(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(o)) {
    if (v === undefined) continue
    if (isObj(v) && Object.keys(v).length === 0) continue
    out[k] = v
  }
  return out
}

/** AWS leaves empty maps out of GET responses, and connectionType off non-HTTP integrations. */
export function awsIntegration(i: Integration): Json {
  const responses: Record<string, unknown> = {}
  for (const [code, r] of Object.entries(i.integrationResponses)) {
    responses[code] = omitEmpty({ ...r })
  }
  return omitEmpty({
    cacheKeyParameters: i.cacheKeyParameters,
    cacheNamespace: i.cacheNamespace,
    connectionType: i.type === 'HTTP' || i.type === 'HTTP_PROXY' ? i.connectionType : undefined,
    connectionId: i.connectionId,
    contentHandling: i.contentHandling,
    credentials: i.credentials,
    httpMethod: i.httpMethod,
    integrationResponses: responses,
    passthroughBehavior: i.passthroughBehavior,
    requestParameters: i.requestParameters,
    requestTemplates: i.requestTemplates,
    timeoutInMillis: i.timeoutInMillis,
    type: i.type,
    uri: i.uri,
  })
}

export function awsMethod(m: Method): Json {
  const responses: Record<string, unknown> = {}
  for (const [code, r] of Object.entries(m.methodResponses)) responses[code] = omitEmpty({ ...r })
  return omitEmpty({
    apiKeyRequired: m.apiKeyRequired,
    authorizationScopes: m.authorizationScopes,
    authorizationType: m.authorizationType,
    authorizerId: m.authorizerId,
    httpMethod: m.httpMethod,
    methodIntegration: m.methodIntegration ? awsIntegration(m.methodIntegration) : undefined,
    methodResponses: responses,
    operationName: m.operationName,
    requestModels: m.requestModels,
    requestParameters: m.requestParameters,
    requestValidatorId: m.requestValidatorId,
  })
}

export function awsResource(r: Resource): Json {
  const methods: Record<string, unknown> = {}
  for (const k of Object.keys(r.resourceMethods)) methods[k] = {}
  return omitEmpty({ id: r.id, parentId: r.parentId ?? undefined, path: r.path, pathPart: r.pathPart || undefined, resourceMethods: methods })
}

export function awsRestApi(api: RestApi): Json {
  return omitEmpty({
    apiKeySource: api.apiKeySource,
    binaryMediaTypes: api.binaryMediaTypes.length > 0 ? api.binaryMediaTypes : undefined,
    description: api.description,
    disableExecuteApiEndpoint: api.disableExecuteApiEndpoint,
    endpointConfiguration: { types: api.endpointConfiguration.types },
    id: api.id,
    name: api.name,
    rootResourceId: api.rootResourceId,
    version: api.version,
  })
}

export function awsAuthorizer(a: Authorizer): Json {
  return omitEmpty({ ...a })
}

export function awsModel(m: Model): Json {
  return omitEmpty({ ...m })
}

/**
 * Matches a recorded value against ours. In the recording, a string `<kind:n>` stands for any value, the
 * same placeholder always for the same value (bindings are shared across one recording); placeholders can
 * also sit inside a string. Templates that the recorder parsed as JSON are compared parsed.
 */
export class RecordingMatcher {
  readonly bindings = new Map<string, string>()

  constructor(prebound: Record<string, string> = {}) {
    for (const [k, v] of Object.entries(prebound)) this.bindings.set(k, v)
  }

  match(expected: Json, actual: Json, where = '$'): void {
    if (typeof expected === 'string') {
      assert.equal(typeof actual, 'string', `${where}: expected a string like ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`)
      this.#matchString(expected, actual as string, where)
      return
    }
    if ((isObj(expected) || Array.isArray(expected)) && typeof actual === 'string') {
      // The recorder stores templates that happen to be JSON as parsed JSON.
      this.match(expected, JSON.parse(actual), where)
      return
    }
    if (Array.isArray(expected)) {
      assert.ok(Array.isArray(actual), `${where}: expected an array, got ${JSON.stringify(actual)}`)
      assert.equal(actual.length, expected.length, `${where}: length`)
      expected.forEach((e, i) => this.match(e, (actual as unknown[])[i], `${where}[${i}]`))
      return
    }
    if (isObj(expected)) {
      assert.ok(isObj(actual), `${where}: expected an object, got ${JSON.stringify(actual)}`)
      assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), `${where}: keys`)
      for (const k of Object.keys(expected)) {
        const e = expected[k]
        const a = actual[k]
        // AWS returns a schema's `required` list sorted; its order has no meaning, so compare it as a set.
        if (k === 'required' && Array.isArray(e) && Array.isArray(a)) this.match([...e].sort(), [...a].sort(), `${where}.${k}`)
        else this.match(e, a, `${where}.${k}`)
      }
      return
    }
    assert.deepEqual(actual, expected, where)
  }

  #matchString(expected: string, actual: string, where: string): void {
    const parts = expected.split(/(<[a-z][a-z0-9-]*(?::\d+)?>)/i)
    if (parts.length === 1) {
      assert.equal(actual, expected, where)
      return
    }
    const fresh: string[] = []
    let pattern = '^'
    for (const part of parts) {
      if (/^<[a-z][a-z0-9-]*(?::\d+)?>$/i.test(part)) {
        const bound = this.bindings.get(part)
        if (bound !== undefined) pattern += bound.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        else {
          const seen = fresh.indexOf(part)
          if (seen >= 0) pattern += `\\${seen + 1}`
          else {
            fresh.push(part)
            pattern += '(.+?)'
          }
        }
      } else pattern += part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    }
    const m = new RegExp(pattern + '$', 's').exec(actual)
    assert.ok(m, `${where}: ${JSON.stringify(actual)} does not match the recorded ${JSON.stringify(expected)}`)
    fresh.forEach((p, i) => this.bindings.set(p, m[i + 1]!))
  }
}
