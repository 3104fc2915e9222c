// What Lambda integrations and Lambda authorizers need of the function runtime (src/functions implements
// it), and the function a URI names once the stage's variables are filled in at compile time.

/** Invokes a function by name or ARN with an event (the Lambda Invoke API's synchronous form). */
export interface FunctionInvoker {
  invoke(
    nameOrArn: string,
    event: unknown,
    opts?: { requestId?: string },
  ): Promise<{ payload?: unknown; functionError?: { errorMessage: string; errorType: string; stackTrace?: string[] }; requestId: string }>
}

/**
 * `arn:aws:apigateway:…:lambda:path/2015-03-31/functions/{arn}/invocations`, a function ARN or a name, with
 * every `${stageVariables.x}` filled in from the stage (an undefined variable becomes ''). A plan is
 * compiled per stage, so this runs at deploy time, never per request.
 * @example functionTarget('arn:aws:lambda:us-east-1:1:function:${stageVariables.fn}', { fn: 'pets' })
 */
export function functionTarget(uri: string, variables: Readonly<Record<string, string>>): string {
  return uri.replace(/\$\{stageVariables\.([A-Za-z0-9_]+)\}/g, (_, name: string) => variables[name] ?? '')
}
