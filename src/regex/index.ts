// Every regular expression a user supplies runs here, on RE2 (re2js, a pure-JavaScript port): matching takes
// time linear in the input whatever the pattern, so no pattern and no request can make the event loop
// backtrack. Patterns are written in the dialect AWS reads them in (Java for selection patterns, identity
// validation, JSONPath filters and template String methods; ECMA 262 for model schemas), translated to RE2
// syntax once, at deploy time. What RE2 cannot run (lookaround, backreferences) is a RegexSyntaxError.

import { RE2JS, type Matcher } from 're2js'
import { translateEcma } from './ecma.js'
import { RegexSyntaxError } from './errors.js'
import { translateJava } from './java.js'

export { RegexSyntaxError } from './errors.js'
export { slowConstructs, type SlowConstruct } from './lint.js'

/** Java (java.util.regex) or ECMA 262 without the `u` flag (JSON Schema patterns). */
export type RegexDialect = 'java' | 'ecma'

/** A compiled user pattern. Stateless: one instance serves every request. */
export class UserRegex {
  /** The pattern as the user wrote it. */
  readonly source: string
  readonly dialect: RegexDialect
  /** The RE2 translation that runs. */
  readonly re2Source: string
  readonly #re: RE2JS

  constructor(source: string, dialect: RegexDialect, re2Source: string, re: RE2JS) {
    this.source = source
    this.dialect = dialect
    this.re2Source = re2Source
    this.#re = re
  }

  /** Whether the pattern matches somewhere in `s` (JavaScript's `RegExp.test`, Java's `Matcher.find`). */
  test(s: string): boolean {
    return this.#re.test(s)
  }

  /** Whether the pattern matches the whole of `s` (Java's `String.matches`). */
  matches(s: string): boolean {
    return this.#re.testExact(s)
  }

  /** A matcher over `s`, for finding, replacing and splitting (positions are UTF-16 indexes). */
  matcher(s: string): Matcher {
    return this.#re.matcher(s)
  }

  /** RE2's measure of the compiled program's size (instructions): what compiling and matching cost per character. */
  programSize(): number {
    return this.#re.programSize()
  }

  /** The number of capturing groups. */
  groupCount(): number {
    return this.#re.groupCount()
  }

  /** Named groups by name → group number. */
  namedGroups(): Record<string, number> {
    return this.#re.namedGroups()
  }

  /** `/source/`: distinct patterns print distinctly (ajv keys its compiled patterns by this). */
  toString(): string {
    return `/${this.source}/`
  }
}

const PREFIX = 'error parsing regexp: '

/**
 * Compiles a user pattern of `dialect` to RE2. Throws RegexSyntaxError, whose `reason` says what is wrong and,
 * for what RE2 refuses, that Gatehouse runs user regexes in linear time.
 *
 * @example
 * compileRegex('4\\d{2}', 'java').matches('404') // true
 * compileRegex('(?=a)b', 'java') // throws: RE2 syntax: lookahead ((?=) is not supported; Gatehouse runs user regexes in linear time
 */
export function compileRegex(pattern: string, dialect: RegexDialect): UserRegex {
  const source = dialect === 'java' ? translateJava(pattern) : translateEcma(pattern)
  let re: RE2JS
  try {
    re = RE2JS.compile(source)
  } catch (err) {
    const raw = err instanceof Error ? err.message : String(err)
    const detail = raw.startsWith(PREFIX) ? raw.slice(PREFIX.length) : raw
    if (detail.startsWith('invalid repeat count')) {
      throw new RegexSyntaxError(pattern, 'RE2 syntax: repetitions that multiply past 1000 (e.g. ((a{100}){100})) are not supported; Gatehouse runs user regexes in linear time', { cause: err })
    }
    if (detail.startsWith('invalid nested repetition operator') || detail.startsWith('missing argument to repetition operator')) {
      throw new RegexSyntaxError(pattern, `invalid regular expression: nothing to repeat (${detail})`, { cause: err })
    }
    throw new RegexSyntaxError(pattern, `RE2 syntax: ${detail}`, { cause: err })
  }
  return new UserRegex(pattern, dialect, source, re)
}

/** Why `pattern` cannot run, or undefined when it compiles. For config checks. */
export function regexProblem(pattern: string, dialect: RegexDialect): string | undefined {
  try {
    compileRegex(pattern, dialect)
    return undefined
  } catch (err) {
    if (err instanceof RegexSyntaxError) return err.reason
    throw err
  }
}
