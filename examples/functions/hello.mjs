// A Lambda proxy handler: works unchanged on AWS Lambda (Node.js runtime) and on Gatehouse.
let invocations = 0

export const handler = async (event, context) => {
  invocations++
  const name = event.queryStringParameters?.name ?? 'world'
  console.log(`saying hello to ${name}`)
  return {
    statusCode: 200,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      message: `hello, ${name}`,
      // Payload 1.0 (REST) has `path`, payload 2.0 (HTTP APIs) has `rawPath`.
      path: event.path ?? event.rawPath,
      requestId: context.awsRequestId,
      warmInvocations: invocations,
      // The stage variable the example's prod stage sets, which its canary overrides (docs/canary.md).
      release: event.stageVariables?.release ?? null,
    }),
  }
}
