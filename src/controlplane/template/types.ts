// What a template reader (AWS SAM / CloudFormation, Serverless Framework v3) gives back: the template translated
// into the config file's own declarations, so that everything after it (OpenAPI import, stages, functions, keys,
// usage plans, validation) is the code a gatehouse.yaml goes through. Pure types.

import type { ConfigProblem } from '../../errors.js'
import type { ConfigFileDecl } from '../config/config-file.js'

export interface TemplateOptions {
  /** The template's name as the user will recognise it in problems (relative to the cwd when below it). */
  file: string
  /** Absolute directory of the template: CodeUri, DefinitionUri, AWS::Include and handler paths resolve against it. */
  dir: string
  /** `--parameter-overrides Key=Value ...` (CloudFormation parameters; Serverless `--param`-style values). */
  parameterOverrides: Record<string, string>
  /** AWS::Region and AWS::AccountId as the template sees them (defaults us-east-1 and 123456789012). */
  region?: string
  accountId?: string
  /** The stage a Serverless Framework service deploys to (`provider.stage`, else `dev`). */
  stage?: string
}

/** A resource (or serverless.yml construct) the reader does not serve: listed, never fatal. */
export interface IgnoredResource {
  /** Logical id, or the serverless.yml path. */
  logicalId: string
  type: string
  reason: string
}

export interface TemplateResult {
  /**
   * The template as config-file declarations: APIs with inline `definition` OpenAPI documents, functions with
   * absolute module paths, API keys and usage plans. Absent when the template cannot be read at all.
   */
  config?: ConfigFileDecl
  /** Every problem, each with the template's file and the JSON pointer of the offending node. */
  problems: ConfigProblem[]
  warnings: ConfigProblem[]
  ignored: IgnoredResource[]
  /** Every file read (the template, included OpenAPI files): watched for hot reload. */
  files: string[]
  /**
   * Where each of `config.apis` comes from in the template (index-aligned JSON pointers), so that problems found
   * when its document is imported point into the template. Optional: without it they point at the resource list.
   */
  origins?: {
    apis?: string[]
    /** Per entry of `config.domains`: a pointer inside the declaration → the template's pointer (longest prefix wins). */
    domains?: Array<Record<string, string>>
  }
}
