// The two error classes of the mapping-template engine: one for templates that cannot be compiled, one for
// failures while rendering. The gateway turns either into a 500 API_CONFIGURATION_ERROR (§5.1).

/** A template that cannot be parsed. The message starts with `line L, column C:` when the position is known. */
export class TemplateSyntaxError extends Error {
  override readonly name = 'TemplateSyntaxError'
  /** 1-based line of the problem, when known. */
  readonly line: number | undefined
  /** 1-based column of the problem, when known. */
  readonly column: number | undefined

  constructor(message: string, line?: number, column?: number, options?: ErrorOptions) {
    super(line === undefined ? message : `line ${line}, column ${column ?? 1}: ${message}`, options)
    this.line = line
    this.column = column
  }
}

/**
 * A failure while rendering: a `#foreach` past 1000 iterations, `$util.parseJson` of bad JSON, a regular
 * expression built while rendering that is invalid or that RE2 cannot run, a Java `IndexOutOfBounds`-style
 * call, a render over its budget (TemplateBudgetError, budget.ts), or an unexpected engine fault (wrapped,
 * with `cause`).
 */
export class TemplateRenderError extends Error {
  override readonly name = 'TemplateRenderError'

  constructor(message: string, options?: ErrorOptions) {
    super(message, options)
  }
}
