// CloudFormation's intrinsic functions evaluated over a template's values: Ref, Fn::Sub, Fn::GetAtt, Fn::Join,
// Fn::If and the condition functions, Fn::Select/Split/FindInMap/Base64/GetAZs/Length/ToJsonString. What cannot be
// resolved is a problem at the JSON pointer of the offending node and evaluates to undefined; nothing throws. Pure.

import type { ConfigProblem } from '../../errors.js'
import { isRecord } from '../config/config-file.js'
import { pointerSegment } from '../config/schema-check.js'

/** `Ref: AWS::NoValue`: the property (or list element) holding it is removed. */
export const NO_VALUE: unique symbol = Symbol('AWS::NoValue')

/** How a resource answers `Ref` and `Fn::GetAtt`, as the translator decides (a function's name, an API's id …). */
export interface ResourceValues {
  ref(): unknown
  /** undefined: the resource has no such attribute that Gatehouse knows. */
  getAtt(attribute: string): unknown
}

export interface IntrinsicsEnv {
  file: string
  /** Parameter values after defaults and overrides: a string, or a list of strings for list types. */
  parameters: ReadonlyMap<string, unknown>
  /** AWS::Region, AWS::AccountId, AWS::StackName, AWS::Partition, AWS::URLSuffix, AWS::StackId, AWS::NotificationARNs. */
  pseudo: Readonly<Record<string, unknown>>
  mappings: unknown
  /** The template's Conditions section, unevaluated. */
  conditions: unknown
  /** A resource by logical id; undefined when the template declares none by that name. */
  resource(logicalId: string): ResourceValues | undefined
}

const CONDITION_FUNCTIONS = new Set(['Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Condition'])

/** The path of `key` below `path`. */
export function at(path: string, ...keys: Array<string | number>): string {
  return path + keys.map((k) => '/' + pointerSegment(String(k))).join('')
}

/**
 * Evaluates intrinsic functions. `problems` collects every failure (file + JSON pointer); a value that could
 * not be resolved is undefined.
 *
 * @example
 * new Intrinsics(env).evaluate({ 'Fn::Sub': 'arn:aws:lambda:${AWS::Region}' }, '/Resources/F/Properties/X')
 */
export class Intrinsics {
  readonly problems: ConfigProblem[] = []
  readonly #env: IntrinsicsEnv
  readonly #conditionValues = new Map<string, boolean>()
  readonly #conditionsInProgress = new Set<string>()

  constructor(env: IntrinsicsEnv) {
    this.#env = env
  }

  problem(path: string, message: string): undefined {
    this.problems.push({ file: this.#env.file, path, message })
    return undefined
  }

  /** Evaluates every intrinsic in `value`, deeply; AWS::NoValue properties and elements are dropped. */
  evaluate(value: unknown, path: string): unknown {
    const v = this.#eval(value, path)
    return v === NO_VALUE ? undefined : v
  }

  /** The value of the named condition (false, with a problem, when it is not declared or cannot be evaluated). */
  condition(name: unknown, path: string): boolean {
    if (typeof name !== 'string') return this.problem(path, 'a condition is named by a string') ?? false
    const known = this.#conditionValues.get(name)
    if (known !== undefined) return known
    const conditions = this.#env.conditions
    if (!isRecord(conditions) || !(name in conditions)) return this.problem(path, `no condition named "${name}" in Conditions`) ?? false
    if (this.#conditionsInProgress.has(name)) return this.problem(path, `condition "${name}" depends on itself`) ?? false
    this.#conditionsInProgress.add(name)
    const result = this.#conditionValue(conditions[name], at('/Conditions', name))
    this.#conditionsInProgress.delete(name)
    this.#conditionValues.set(name, result)
    return result
  }

  #conditionValue(value: unknown, path: string): boolean {
    const fn = isRecord(value) && Object.keys(value).length === 1 ? Object.keys(value)[0]! : undefined
    if (fn === undefined || !CONDITION_FUNCTIONS.has(fn)) {
      const v = this.evaluate(value, path)
      if (v === true || v === 'true') return true
      if (v === false || v === 'false') return false
      return this.problem(path, 'a condition is Fn::Equals, Fn::Not, Fn::And, Fn::Or or Condition') ?? false
    }
    const arg = (value as Record<string, unknown>)[fn]
    const argPath = at(path, fn)
    if (fn === 'Condition') return this.condition(arg, argPath)
    if (fn === 'Fn::Equals') {
      if (!Array.isArray(arg) || arg.length !== 2) return this.problem(argPath, 'Fn::Equals takes a list of two values') ?? false
      const a = this.evaluate(arg[0], at(argPath, 0))
      const b = this.evaluate(arg[1], at(argPath, 1))
      return a !== undefined && b !== undefined && JSON.stringify(scalarString(a)) === JSON.stringify(scalarString(b))
    }
    if (!Array.isArray(arg) || arg.length === 0) return this.problem(argPath, `${fn} takes a list of conditions`) ?? false
    const values = arg.map((c, i) => this.#conditionValue(c, at(argPath, i)))
    if (fn === 'Fn::Not') return !values[0]
    return fn === 'Fn::And' ? values.every(Boolean) : values.some(Boolean)
  }

  #eval(value: unknown, path: string): unknown {
    if (Array.isArray(value)) {
      const out: unknown[] = []
      value.forEach((item, i) => {
        const v = this.#eval(item, at(path, i))
        if (v !== NO_VALUE) out.push(v)
      })
      return out
    }
    if (!isRecord(value)) return value
    const keys = Object.keys(value)
    if (keys.length === 1) {
      const fn = keys[0]!
      if (fn === 'Ref' || fn.startsWith('Fn::')) return this.#function(fn, value[fn], at(path, fn))
    }
    const out: Record<string, unknown> = {}
    for (const key of keys) {
      const v = this.#eval(value[key], at(path, key))
      if (v !== NO_VALUE && v !== undefined) out[key] = v
    }
    return out
  }

  #function(fn: string, arg: unknown, path: string): unknown {
    switch (fn) {
      case 'Ref':
        return this.#ref(arg, path)
      case 'Fn::GetAtt':
        return this.#getAtt(arg, path)
      case 'Fn::Sub':
        return this.#sub(arg, path)
      case 'Fn::Join':
        return this.#join(arg, path)
      case 'Fn::If':
        return this.#if(arg, path)
      case 'Fn::Select':
        return this.#select(arg, path)
      case 'Fn::Split': {
        if (!Array.isArray(arg) || arg.length !== 2) return this.problem(path, 'Fn::Split takes [delimiter, string]')
        const [d, s] = [this.evaluate(arg[0], at(path, 0)), this.evaluate(arg[1], at(path, 1))]
        if (typeof d !== 'string' || typeof s !== 'string') return this.problem(path, 'Fn::Split takes a delimiter and a string')
        return s.split(d)
      }
      case 'Fn::FindInMap':
        return this.#findInMap(arg, path)
      case 'Fn::Base64': {
        const s = this.evaluate(arg, path)
        return typeof s === 'string' ? Buffer.from(s).toString('base64') : this.problem(path, 'Fn::Base64 takes a string')
      }
      case 'Fn::GetAZs': {
        const region = this.evaluate(arg, path)
        const r = typeof region === 'string' && region !== '' ? region : String(this.#env.pseudo['AWS::Region'])
        return ['a', 'b', 'c'].map((z) => `${r}${z}`)
      }
      case 'Fn::Length': {
        const list = this.evaluate(arg, path)
        return Array.isArray(list) ? list.length : this.problem(path, 'Fn::Length takes a list')
      }
      case 'Fn::ToJsonString': {
        const v = this.evaluate(arg, path)
        return v === undefined ? undefined : JSON.stringify(v)
      }
      case 'Fn::Equals':
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or':
        return this.#conditionValue({ [fn]: arg }, path.slice(0, path.lastIndexOf('/')))
      case 'Fn::ImportValue':
        return this.problem(path, 'Fn::ImportValue reads an export of another stack, which a template served alone does not have; put the value in a parameter and pass it with --parameter-overrides')
      case 'Fn::Transform':
        return this.problem(path, 'Fn::Transform is supported only as the AWS::Include of a local file')
      default:
        return this.problem(path, `${fn} is not an intrinsic function Gatehouse evaluates`)
    }
  }

  #ref(arg: unknown, path: string): unknown {
    if (typeof arg !== 'string') return this.problem(path, 'Ref takes the name of a parameter or resource')
    if (arg === 'AWS::NoValue') return NO_VALUE
    if (arg in this.#env.pseudo) return this.#env.pseudo[arg]
    if (this.#env.parameters.has(arg)) return this.#env.parameters.get(arg)
    const resource = this.#env.resource(arg)
    if (resource !== undefined) return resource.ref()
    if (arg.startsWith('AWS::')) return this.problem(path, `${arg} is not a pseudo parameter Gatehouse knows`)
    return this.problem(path, `Ref to "${arg}": the template has no parameter or resource of that name`)
  }

  #getAtt(arg: unknown, path: string): unknown {
    let parts: unknown[] = typeof arg === 'string' ? splitDot(arg) : Array.isArray(arg) ? arg : []
    if (parts.length === 2) parts = [parts[0], this.evaluate(parts[1], at(path, 1))]
    const [id, attribute] = parts
    if (parts.length !== 2 || typeof id !== 'string' || typeof attribute !== 'string') return this.problem(path, 'Fn::GetAtt takes [LogicalId, Attribute] (or LogicalId.Attribute)')
    return this.#attribute(id, attribute, path)
  }

  #attribute(id: string, attribute: string, path: string): unknown {
    const resource = this.#env.resource(id)
    if (resource === undefined) return this.problem(path, `Fn::GetAtt of "${id}": the template has no resource of that name`)
    const value = resource.getAtt(attribute)
    return value === undefined ? this.problem(path, `Fn::GetAtt ${id}.${attribute}: Gatehouse does not know that attribute of ${id}`) : value
  }

  #sub(arg: unknown, path: string): unknown {
    let text: unknown = arg
    let vars: Record<string, unknown> = {}
    if (Array.isArray(arg)) {
      if (arg.length !== 2 || !isRecord(arg[1])) return this.problem(path, 'Fn::Sub takes a string, or [string, { Name: value }]')
      text = arg[0]
      for (const [k, v] of Object.entries(arg[1])) vars[k] = this.evaluate(v, at(path, 1, k))
    }
    text = this.evaluate(text, Array.isArray(arg) ? at(path, 0) : path)
    if (typeof text !== 'string') return this.problem(path, 'Fn::Sub takes a string')
    let failed = false
    const out = text.replace(/\$\{([^}]*)\}/g, (whole, name: string) => {
      if (name.startsWith('!')) return '${' + name.slice(1) + '}'
      let v: unknown
      if (name in vars) v = vars[name]
      else if (name.includes('.') && !name.startsWith('AWS::')) {
        const [id, attribute] = splitDot(name) as [string, string]
        v = this.#attribute(id, attribute, path)
      } else v = this.#ref(name.trim(), path)
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v)
      failed = true
      if (v !== undefined) this.problem(path, `Fn::Sub: \${${name}} is not a string`)
      return whole
    })
    return failed ? undefined : out
  }

  #join(arg: unknown, path: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 2) return this.problem(path, 'Fn::Join takes [delimiter, [values]]')
    const delimiter = this.evaluate(arg[0], at(path, 0))
    const list = this.evaluate(arg[1], at(path, 1))
    if (typeof delimiter !== 'string' || !Array.isArray(list)) return this.problem(path, 'Fn::Join takes [delimiter, [values]]')
    if (list.some((v) => v === undefined)) return undefined
    if (list.some((v) => typeof v === 'object')) return this.problem(path, 'Fn::Join joins strings')
    return list.map(String).join(delimiter)
  }

  #if(arg: unknown, path: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 3) return this.problem(path, 'Fn::If takes [Condition, value if true, value if false]')
    const which = this.condition(arg[0], at(path, 0)) ? 1 : 2
    return this.#eval(arg[which], at(path, which))
  }

  #select(arg: unknown, path: string): unknown {
    if (!Array.isArray(arg) || arg.length !== 2) return this.problem(path, 'Fn::Select takes [index, [values]]')
    const index = Number(this.evaluate(arg[0], at(path, 0)))
    const list = this.evaluate(arg[1], at(path, 1))
    if (!Array.isArray(list)) return this.problem(path, 'Fn::Select selects from a list')
    if (!Number.isInteger(index) || index < 0 || index >= list.length) return this.problem(path, `Fn::Select: index ${index} is outside the list of ${list.length}`)
    return list[index]
  }

  #findInMap(arg: unknown, path: string): unknown {
    if (!Array.isArray(arg) || arg.length < 3) return this.problem(path, 'Fn::FindInMap takes [MapName, TopLevelKey, SecondLevelKey]')
    const [name, top, second] = [0, 1, 2].map((i) => this.evaluate(arg[i], at(path, i)))
    if (typeof name !== 'string' || top === undefined || second === undefined) return undefined
    const map = isRecord(this.#env.mappings) ? this.#env.mappings[name] : undefined
    if (!isRecord(map)) return this.problem(path, `Fn::FindInMap: no mapping named "${name}" in Mappings`)
    const level = map[String(top)]
    const value = isRecord(level) ? level[String(second)] : undefined
    if (value === undefined) return this.problem(path, `Fn::FindInMap: mapping "${name}" has no ${String(top)}/${String(second)}`)
    return value
  }
}

function splitDot(s: string): string[] {
  const dot = s.indexOf('.')
  return dot < 0 ? [s] : [s.slice(0, dot), s.slice(dot + 1)]
}

/** CloudFormation compares values as strings: `1` equals `"1"`. */
function scalarString(v: unknown): unknown {
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : v
}
