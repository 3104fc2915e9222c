// The data plane's size limits (§11.2), in one place for the listener, the context's body reader and the
// proxy's streamed body.

/** 10 MB payload limit (§11.2). */
export const MAX_PAYLOAD = 10 * 1024 * 1024
/** Total size of header values (§11.2). */
export const MAX_HEADER_BYTES = 10240
/** URL length of a regional endpoint (§11.2); we serve as a regional endpoint. */
export const MAX_URL_LENGTH = 10240
