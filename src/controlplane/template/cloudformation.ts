// An AWS SAM or CloudFormation template as config-file declarations: reads the files it names, gives the
// parameters their values, applies SAM's Globals, evaluates the intrinsics of the resources it serves and hands
// each resource type to its translator. Unknown resource types are listed as ignored, never fatal.

import { basename, dirname } from 'node:path'
import type { ApiDecl, ConfigFileDecl } from '../config/config-file.js'
import { isRecord } from '../config/config-file.js'
import { at } from './intrinsics.js'
import { parameterValues, pseudoParameters } from './parameters.js'
import { readLocal, spliceIncludes, type ReadFiles } from './includes.js'
import { Stack, type ResourceDecl } from './stack.js'
import { translateFunction } from './functions.js'
import { addFunctionEvents, declareSamApi, finishSamApis } from './sam-api.js'
import { declareRestApi, translateRestResources } from './apigw-rest.js'
import { declareHttpApi, translateHttpResources } from './apigw-v2.js'
import { webSocketApis } from './apigw-websocket.js'
import { domainDecls, translateDomainResources } from './domains.js'
import type { TemplateOptions, TemplateResult } from './types.js'

type Obj = Record<string, unknown>

/** Types read by a translator below (besides the APIs and functions themselves). */
const TRANSLATED = new Set([
  'AWS::ApiGateway::Resource', 'AWS::ApiGateway::Method', 'AWS::ApiGateway::Deployment', 'AWS::ApiGateway::Stage',
  'AWS::ApiGateway::ApiKey', 'AWS::ApiGateway::UsagePlan', 'AWS::ApiGateway::UsagePlanKey', 'AWS::ApiGateway::Authorizer',
  'AWS::ApiGateway::Model', 'AWS::ApiGateway::RequestValidator', 'AWS::ApiGateway::GatewayResponse',
  'AWS::ApiGatewayV2::Route', 'AWS::ApiGatewayV2::Integration', 'AWS::ApiGatewayV2::Stage', 'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Deployment', 'AWS::ApiGatewayV2::IntegrationResponse', 'AWS::ApiGatewayV2::RouteResponse', 'AWS::ApiGateway::DomainName', 'AWS::ApiGateway::BasePathMapping',
  'AWS::ApiGateway::BasePathMappingV2', 'AWS::ApiGatewayV2::DomainName', 'AWS::ApiGatewayV2::ApiMapping',
])

/** Types that need nothing to be served, and why. */
const NOT_NEEDED: Record<string, string> = {
  'AWS::Lambda::Permission': 'API Gateway may always invoke the functions Gatehouse runs',
  'AWS::IAM::Role': 'IAM roles do not apply to the functions Gatehouse runs',
  'AWS::IAM::Policy': 'IAM policies do not apply to the functions Gatehouse runs',
  'AWS::IAM::ManagedPolicy': 'IAM policies do not apply to the functions Gatehouse runs',
  'AWS::Logs::LogGroup': 'Gatehouse writes function and access logs to its own output',
  'AWS::ApiGateway::Account': 'the account-wide CloudWatch role has no meaning locally',
  'AWS::Serverless::Application': 'a nested application: Gatehouse reads only the Outputs of a local one',
  'AWS::CertificateManager::Certificate': "a domain's certificate is the PEM files a --config file's certificates: maps its ARN to",
  'AWS::ApiGateway::DomainNameV2': 'a private custom domain; Gatehouse serves public domains only',
}

const SAM_GLOBALS: Record<string, string> = { 'AWS::Serverless::Function': 'Function', 'AWS::Serverless::Api': 'Api', 'AWS::Serverless::HttpApi': 'HttpApi' }

/**
 * Reads a parsed CloudFormation/SAM template. `doc` comes from parseTemplateText (short-form tags in long form).
 * Never throws: every failure is a problem with the template's file and a JSON pointer.
 */
export async function readCloudFormation(doc: unknown, opts: TemplateOptions): Promise<TemplateResult> {
  const read: ReadFiles = { problems: [], files: [] }
  const result: TemplateResult = { problems: read.problems, warnings: [], ignored: [], files: read.files }
  const stack = await prepare(doc, opts, read, 0)
  if (stack === undefined) return result
  translate(stack, isRecord((doc as Obj).Globals) ? ((doc as Obj).Globals as Obj) : {})
  const apis: ApiDecl[] = [...stack.apis.values()].map((b) => {
    if (Object.keys(b.stages).length === 0) stack.warn(b.path, `API ${b.logicalId} has no stage (no AWS::ApiGateway::Stage, no Deployment StageName): it is served at the --stage stage (default dev)`)
    return { name: b.name, id: b.id, type: b.kind, definition: b.doc, ...(Object.keys(b.stages).length > 0 ? { stages: b.stages } : {}), ...b.extra }
  })
  const wsApis = [...webSocketApis(stack).values()]
  for (const w of wsApis) {
    if (Object.keys(w.decl.stages).length === 0) stack.warn(w.path, `WebSocket API ${w.logicalId} has no AWS::ApiGatewayV2::Stage: it is served at the --stage stage (default dev)`)
    const { stages, authorizers, ...rest } = w.decl
    apis.push({ ...rest, ...(Object.keys(authorizers).length > 0 ? { authorizers } : {}), ...(Object.keys(stages).length > 0 ? { stages } : {}) })
  }
  const domains = domainDecls(stack)
  const config: ConfigFileDecl = { apis, functions: stack.functions, apiKeys: stack.apiKeys, usagePlans: stack.usagePlans, ...(domains.domains.length > 0 ? { domains: domains.domains } : {}) }
  result.config = config
  result.problems.push(...stack.problems)
  result.warnings.push(...stack.warnings)
  result.ignored.push(...stack.ignored)
  result.origins = { apis: [...[...stack.apis.values()].map((b) => b.docPath ?? b.path), ...wsApis.map((w) => w.path)], ...(domains.domains.length > 0 ? { domains: domains.origins } : {}) }
  return result
}

/** Reads the files the template names, values its parameters, applies Globals: the Stack, ready to translate. */
async function prepare(raw: unknown, opts: TemplateOptions, read: ReadFiles, depth: number): Promise<Stack | undefined> {
  const file = opts.file
  if (!isRecord(raw)) {
    read.problems.push({ file, path: '', message: 'a template is a mapping with a Resources section' })
    return undefined
  }
  const doc = (await spliceIncludes(raw, '', opts.dir, file, read)) as Obj
  if (!isRecord(doc.Resources)) {
    read.problems.push({ file, path: '/Resources', message: 'a template needs a Resources section (a mapping of logical ids to resources)' })
    return undefined
  }
  const params = parameterValues(doc.Parameters, opts.parameterOverrides, file)
  read.problems.push(...params.problems)
  const resources: Record<string, ResourceDecl> = {}
  const globals = isRecord(doc.Globals) ? doc.Globals : {}
  for (const [id, r] of Object.entries(doc.Resources)) {
    const path = at('/Resources', id)
    if (!isRecord(r) || typeof r.Type !== 'string') {
      read.problems.push({ file, path, message: 'a resource is a mapping with a Type' })
      continue
    }
    let properties = isRecord(r.Properties) ? r.Properties : {}
    const globalsKey = SAM_GLOBALS[r.Type]
    if (globalsKey !== undefined && isRecord(globals[globalsKey])) properties = mergeGlobals(globals[globalsKey] as Obj, properties)
    resources[id] = { Type: r.Type, Properties: properties, ...(r.Condition !== undefined ? { Condition: r.Condition } : {}) }
  }
  const stackName = basename(opts.dir) || 'gatehouse'
  const pseudo = pseudoParameters({ ...(opts.region ? { region: opts.region } : {}), ...(opts.accountId ? { accountId: opts.accountId } : {}), stackName: stackName.replace(/[^A-Za-z0-9-]/g, '-') })
  const stack = new Stack(opts, resources, { parameters: params.values, pseudo, mappings: doc.Mappings, conditions: doc.Conditions })
  stack.warnings.push(...params.warnings)
  for (const [id, r] of Object.entries(resources)) {
    const uri = r.Properties.DefinitionUri
    if (SAM_GLOBALS[r.Type] === undefined || r.Type === 'AWS::Serverless::Function' || typeof uri !== 'string') continue
    stack.definitions.set(uri, await readLocal(uri, opts.dir, file, at('/Resources', id, 'Properties', 'DefinitionUri'), read))
  }
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::Serverless::Application' || depth >= 3) continue
    const location = r.Properties.Location
    if (typeof location !== 'string') continue
    const nestedDoc = await readLocal(location, opts.dir, file, at('/Resources', id, 'Properties', 'Location'), read)
    const parameters = stack.prop(id, 'Parameters')
    const overrides: Record<string, string> = {}
    if (isRecord(parameters)) for (const [k, v] of Object.entries(parameters)) if (v !== undefined) overrides[k] = Array.isArray(v) ? v.join(',') : String(v)
    const nestedFile = location
    const nested = await prepare(nestedDoc, { ...opts, file: nestedFile, dir: dirname(`${opts.dir}/${location}`), parameterOverrides: overrides }, read, depth + 1)
    if (nested === undefined) continue
    const outputs = isRecord(nestedDoc) && isRecord(nestedDoc.Outputs) ? nestedDoc.Outputs : {}
    stack.nested.set(id, (name) => {
      const output = outputs[name]
      const value = isRecord(output) ? nested.ev.evaluate(output.Value, at('/Outputs', name, 'Value')) : undefined
      read.problems.push(...nested.problems.splice(0))
      return value
    })
  }
  return stack
}

/** SAM's Globals rule: the resource's own value wins; mappings merge key by key; lists add up. */
function mergeGlobals(globals: Obj, own: Obj): Obj {
  const out: Obj = { ...globals }
  for (const [k, v] of Object.entries(own)) {
    const g = globals[k]
    if (isRecord(g) && isRecord(v) && !isIntrinsic(v)) out[k] = mergeGlobals(g, v)
    else if (Array.isArray(g) && Array.isArray(v)) out[k] = [...g, ...v]
    else out[k] = v
  }
  return out
}

function isIntrinsic(v: Obj): boolean {
  const keys = Object.keys(v)
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0]!.startsWith('Fn::'))
}

function translate(stack: Stack, globals: Obj): void {
  const ids = Object.keys(stack.resources).filter((id) => {
    if (stack.exists(id)) return true
    stack.ignore(id, stack.resources[id]!.Type, 'its Condition is false')
    return false
  })
  const typeOf = (id: string): string => stack.resources[id]!.Type
  const samFunctions: string[] = []
  for (const id of ids) {
    const type = typeOf(id)
    if (type === 'AWS::Serverless::Api') declareSamApi(stack, id, 'rest')
    else if (type === 'AWS::Serverless::HttpApi') declareSamApi(stack, id, 'http')
    else if (type === 'AWS::ApiGateway::RestApi') declareRestApi(stack, id)
    else if (type === 'AWS::ApiGatewayV2::Api') declareHttpApi(stack, id)
  }
  for (const id of ids) {
    const type = typeOf(id)
    if (type === 'AWS::Serverless::Function' || type === 'AWS::Lambda::Function') {
      translateFunction(stack, id)
      if (type === 'AWS::Serverless::Function') samFunctions.push(id)
    }
  }
  // A function that is not served still gives its API its routes: the API exists, as in AWS, and answers 5xx there.
  for (const id of samFunctions) addFunctionEvents(stack, id, globals)
  finishSamApis(stack)
  translateRestResources(stack, ids, typeOf)
  translateHttpResources(stack, ids, typeOf)
  translateDomainResources(stack, ids, typeOf)
  for (const id of ids) {
    const type = typeOf(id)
    if (SAM_GLOBALS[type] !== undefined || TRANSLATED.has(type) || type === 'AWS::ApiGateway::RestApi' || type === 'AWS::ApiGatewayV2::Api' || type === 'AWS::Lambda::Function') continue
    stack.ignore(id, type, NOT_NEEDED[type] ?? 'not an API Gateway or Lambda resource: Gatehouse does not create it')
  }
}
