// The messages between the runtime and one execution environment (a worker thread). Types only.

import type { FunctionErrorShape } from './error-shape.js'

/** Fixed for the life of an environment (the worker's `workerData`). */
export interface WorkerInit {
  /** URL to import: the user's file, or its compiled form for TypeScript. */
  readonly url: string
  /** Export path of the handler (`handler`, `nested.fn`). */
  readonly handler: string
  /** Lambda's handler string (`index.handler`), used in Runtime.HandlerNotFound messages. */
  readonly handlerString: string
  readonly functionName: string
  readonly memorySize: number
  readonly logGroupName: string
  readonly logStreamName: string
  /** Map stack traces through inline source maps (compiled TypeScript). */
  readonly sourceMaps: boolean
}

export interface InvokeMessage {
  readonly t: 'invoke'
  readonly requestId: string
  /** The event as JSON text: the handler sees what Lambda's JSON round trip leaves of it. */
  readonly event: string
  readonly timeoutMs: number
  readonly invokedFunctionArn: string
  /** context.clientContext as JSON text, or null when there is none. */
  readonly clientContext: string | null
}

export type ToWorker = InvokeMessage

export type FromWorker =
  | { readonly t: 'ready'; readonly initMs: number }
  | { readonly t: 'initError'; readonly error: FunctionErrorShape }
  | { readonly t: 'log'; readonly requestId: string; readonly level: string; readonly message: string; readonly line: string }
  | {
      readonly t: 'done'
      readonly requestId: string
      /** The result as JSON text, on success. */
      readonly payload?: string
      readonly error?: FunctionErrorShape
      readonly durationMs: number
      readonly memoryMb: number
    }
  /** An uncaught exception or unhandled rejection: the environment exits right after this message. */
  | { readonly t: 'fatal'; readonly requestId: string | null; readonly error: FunctionErrorShape }
