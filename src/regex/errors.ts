// The error of a user-supplied regular expression that Gatehouse will not run, worded for the config file's
// author: what the construct is and why it is refused (RE2 syntax, linear-time matching).

/** A pattern that cannot be compiled to RE2. `reason` is the message without the pattern. */
export class RegexSyntaxError extends Error {
  override readonly name = 'RegexSyntaxError'
  /** The pattern as the user wrote it. */
  readonly pattern: string
  /** Why, e.g. `RE2 syntax: lookahead is not supported; Gatehouse runs user regexes in linear time`. */
  readonly reason: string

  constructor(pattern: string, reason: string, options?: ErrorOptions) {
    super(`regular expression ${JSON.stringify(pattern)}: ${reason}`, options)
    this.pattern = pattern
    this.reason = reason
  }
}

const LINEAR = 'Gatehouse runs user regexes in linear time'

/** `RE2 syntax: <what> is not supported; Gatehouse runs user regexes in linear time`. */
export function unsupported(pattern: string, what: string): RegexSyntaxError {
  return new RegexSyntaxError(pattern, `RE2 syntax: ${what} is not supported; ${LINEAR}`)
}

/** `RE2 syntax: <what> are not supported; …` (for plural constructs). */
export function unsupportedPlural(pattern: string, what: string): RegexSyntaxError {
  return new RegexSyntaxError(pattern, `RE2 syntax: ${what} are not supported; ${LINEAR}`)
}

/** A pattern the dialect itself rejects (a syntax error on AWS too). */
export function invalid(pattern: string, what: string): RegexSyntaxError {
  return new RegexSyntaxError(pattern, `invalid regular expression: ${what}`)
}
