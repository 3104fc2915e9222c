// The lambda scenario's function: the smallest Lambda-proxy handler, the same file for Gatehouse (found by
// name in --functions bench/lambda) and for serverless-offline (handler: hello.handler in serverless.yml).

/** About 100 bytes, fixed, so both candidates move the same payload; the bench checks it on a probe. */
export const BODY = JSON.stringify({ message: 'hello from the gatehouse bench handler', ok: true, n: 42, pad: 'abcdefghijklmnopqrstuvwxyz' })

export const handler = async () => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: BODY })
