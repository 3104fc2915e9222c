// GetSdk's archive for a REST API stage: the entries of the chosen SDK type, zipped.

import type { RestApi } from '../../model/types.js'
import { javascriptSdk } from './javascript.js'
import { typescriptSdk } from './typescript.js'
import { writeZip } from './zip.js'

export type GeneratedSdkType = 'javascript' | 'typescript'

export interface SdkRequest {
  api: RestApi
  stageName: string
  type: GeneratedSdkType
  /** The stage URL the client calls by default (no trailing slash). */
  invokeUrl: string
  /** The archive entries' modification time. */
  date: Date
}

/** The zip of the SDK. */
export function generateSdk(req: SdkRequest): Buffer {
  const entries = req.type === 'javascript' ? javascriptSdk(req.api, req.stageName, req.invokeUrl) : typescriptSdk(req.api, req.stageName, req.invokeUrl)
  return writeZip(entries, req.date)
}

/** `javascript_2024-05-06_18-20utc.zip`: the name AWS's console gives a downloaded SDK, from the time it was made. */
export function sdkFileName(type: string, date: Date): string {
  const iso = date.toISOString()
  return `${type}_${iso.slice(0, 10)}_${iso.slice(11, 13)}-${iso.slice(14, 16)}utc.zip`
}
