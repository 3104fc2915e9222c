// The SDK types GetSdkTypes lists and GetSdk generates: AWS's `javascript`, and `typescript` (a Gatehouse
// extension). AWS's other types (java, android, objectivec, swift, ruby) are known by id so that asking for
// one gets a message saying it is not generated here, rather than "unknown".

export interface SdkConfigurationProperty {
  name: string
  friendlyName: string
  description: string
  required: boolean
  defaultValue?: string
}

export interface SdkTypeInfo {
  id: string
  friendlyName: string
  description: string
  configurationProperties: SdkConfigurationProperty[]
}

/** Gatehouse's own parameter of both types: the URL the generated client calls by default. */
const INVOKE_URL_PROPERTY: SdkConfigurationProperty = {
  name: 'invokeUrl',
  friendlyName: 'Invoke URL',
  description: "The stage URL the client calls by default (Gatehouse extension); default: the gateway's data plane as the request reached the admin port",
  required: false,
}

export const SDK_TYPES: readonly SdkTypeInfo[] = [
  { id: 'javascript', friendlyName: 'JavaScript', description: 'JavaScript SDK for API Gateway', configurationProperties: [INVOKE_URL_PROPERTY] },
  {
    id: 'typescript',
    friendlyName: 'TypeScript',
    description: 'Typed TypeScript client (Gatehouse extension): one ES module, fetch and Web Crypto, no dependencies',
    configurationProperties: [INVOKE_URL_PROPERTY],
  },
]

/** AWS's SDK types that Gatehouse does not generate. */
export const AWS_ONLY_SDK_TYPES: readonly string[] = ['android', 'java', 'objectivec', 'swift', 'ruby']

export function sdkTypeInfo(id: string): SdkTypeInfo | undefined {
  return SDK_TYPES.find((t) => t.id === id)
}
