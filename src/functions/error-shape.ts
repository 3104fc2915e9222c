// Lambda's error payloads: how a thrown value becomes `{errorType, errorMessage, stackTrace}`, and the runtime's own
// error types (timeout, exit, out of memory, load failures). Pure; shared by the worker and the runtime.

import { types } from 'node:util'

/** The body Lambda returns with `X-Amz-Function-Error: Unhandled`. Lambda's Node.js runtime names the trace `trace`. */
export interface FunctionErrorShape {
  errorMessage: string
  errorType: string
  stackTrace?: string[]
}

function isErrorLike(value: unknown): value is Error {
  if (types.isNativeError(value)) return true
  if (value === null || typeof value !== 'object') return false
  const v = value as { name?: unknown; message?: unknown; stack?: unknown }
  return typeof v.name === 'string' && v.name !== '' && typeof v.message === 'string' && v.message !== '' && typeof v.stack === 'string'
}

/**
 * What the Node.js runtime reports for a value passed to `callback(err)` or thrown/rejected by a handler:
 * an Error gives its name, message and stack lines; anything else gives `typeof value` and `String(value)`
 * (`throw "oops"` → `{errorType: "string", errorMessage: "oops"}`).
 */
export function toErrorShape(value: unknown): FunctionErrorShape {
  try {
    if (isErrorLike(value)) {
      const name = typeof value.name === 'string' && value.name !== '' ? value.name : (value.constructor?.name ?? 'Error')
      return {
        errorType: name,
        errorMessage: String(value.message),
        stackTrace: typeof value.stack === 'string' ? value.stack.split('\n') : [],
      }
    }
    return { errorType: typeof value, errorMessage: String(value), stackTrace: [] }
  } catch {
    // A value whose name/message/toString throws: the runtime's fixed fallback.
    return {
      errorType: 'handled',
      errorMessage: 'callback called with Error argument, but there was a problem while retrieving one or more of its message, name, and stack',
    }
  }
}

/** An error raised by the runtime itself (`Runtime.*`, `Sandbox.*`): no stack, as Lambda sends them. */
export function runtimeError(errorType: string, errorMessage: string): FunctionErrorShape {
  return { errorType, errorMessage }
}

/** Lambda's timeout result: `Sandbox.Timedout`, "RequestId: … Error: Task timed out after 3.00 seconds". */
export function timeoutError(requestId: string, timeoutSeconds: number): FunctionErrorShape {
  return runtimeError('Sandbox.Timedout', `RequestId: ${requestId} Error: Task timed out after ${timeoutSeconds.toFixed(2)} seconds`)
}

/** The environment exited mid-invocation (`process.exit`, a crash): `Runtime.ExitError`. */
export function exitError(requestId: string, exitCode: number): FunctionErrorShape {
  return runtimeError(
    'Runtime.ExitError',
    exitCode === 0
      ? `RequestId: ${requestId} Error: Runtime exited without providing a reason`
      : `RequestId: ${requestId} Error: Runtime exited with error: exit status ${exitCode}`,
  )
}

/** The environment went past its memory limit: Lambda kills it and reports `Runtime.OutOfMemory`. */
export function outOfMemoryError(requestId: string): FunctionErrorShape {
  return runtimeError('Runtime.OutOfMemory', `RequestId: ${requestId} Error: Runtime exited with error: signal: killed`)
}

/**
 * An async handler whose promise never settled while nothing was left to run. The type is Lambda's
 * (Node.js 18+ runtimes); the message is ours, worded after AWS's troubleshooting page.
 */
export function nodeJsExitError(): FunctionErrorShape {
  return runtimeError(
    'Runtime.NodeJsExit',
    'The Lambda runtime client detected an unexpected Node.js exit code. This is most commonly caused by a Promise that was never settled.',
  )
}

/** Lambda's 6 MB limit on a synchronous response (`Function.ResponseSizeTooLarge`). */
export const MAX_RESPONSE_BYTES = 6_291_556

export function responseTooLargeError(): FunctionErrorShape {
  return runtimeError(
    'Function.ResponseSizeTooLarge',
    `Response payload size exceeded maximum allowed payload size (${MAX_RESPONSE_BYTES} bytes).`,
  )
}

/**
 * The one-line JSON the runtime logs after "Invoke Error", "Uncaught Exception" and friends
 * (`{"errorType":…,"errorMessage":…,"stack":[…]}`).
 */
export function formatLoggedError(shape: FunctionErrorShape): string {
  const logged: Record<string, unknown> = { errorType: shape.errorType, errorMessage: shape.errorMessage }
  if (shape.stackTrace && shape.stackTrace.length > 0) logged['stack'] = shape.stackTrace
  return JSON.stringify(logged)
}
