// A Lambda TOKEN authorizer: the Authorization header is the token. `allow-me` gets an Allow policy for the
// whole API (so the cached result works for every method), `deny-me` an explicit Deny, anything else is
// rejected with the error AWS turns into 401 Unauthorized.
export const handler = async (event) => {
  const token = event.authorizationToken
  // methodArn: arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}
  const [arnPrefix, stage] = event.methodArn.split('/')
  const everything = `${arnPrefix}/${stage}/*/*`
  if (token === 'allow-me' || token === 'deny-me') {
    return {
      principalId: 'user-42',
      policyDocument: {
        Version: '2012-10-17',
        Statement: [{ Action: 'execute-api:Invoke', Effect: token === 'allow-me' ? 'Allow' : 'Deny', Resource: everything }],
      },
      context: { plan: 'gold', verified: true },
    }
  }
  throw new Error('Unauthorized')
}
