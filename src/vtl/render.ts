// The renderer: walks a compiled program with Velocity 1.7 semantics as API Gateway runs them (§5.1): quiet
// null references, `#set` ignoring null values, the 1000-iteration `#foreach` cap, `#break`/`#stop`, macros.
// Every node, expression, iteration and call is charged to the render's meter (budget.ts). Nothing here
// parses template text; this is the per-request hot path.

import type { Expr, MacroDef, Node, Program, RefExpr } from './compile.js'
import type { RenderMeter } from './budget.js'
import { TemplateRenderError } from './errors.js'
import {
  HostObject,
  callMethod,
  getIndex,
  getProperty,
  isMap,
  isTruthy,
  newJavaList,
  setIndex,
  setMapKey,
  setProperty,
  toJavaString,
  velocityEquals,
} from './values.js'

/**
 * AWS: a `#foreach` may iterate at most 1000 times (§5.1 [DOC]). What AWS does past it is not documented
 * (Velocity's own `directive.foreach.maxloops` stops the loop quietly); here a 1001st iteration is a render
 * error (a 500, logged), so that no data is dropped without a word. A loop left by `#break` earlier is fine.
 */
export const FOREACH_LIMIT = 1000
// Velocity's `velocimacro.max.depth` default.
const MACRO_DEPTH_LIMIT = 20
// `#define` blocks rendered inside each other: deeper than this is a block that refers to itself.
const DEFINE_DEPTH_LIMIT = 100
// A range literal is materialised; this keeps `[1..1000000000]` from exhausting memory.
const RANGE_LIMIT = 100_000

/** `#define($name)...#end`: a block rendered where `$name` is referenced. */
class DefinedBlock {
  constructor(readonly body: readonly Node[]) {}
}

/** `$foreach` inside a loop: index, count, hasNext, first, last, parent. */
class ForeachScope extends HostObject {
  index = 0
  total = 0
  constructor(readonly parent: unknown) {
    super()
  }
  getProperty(name: string): unknown {
    switch (name) {
      case 'index':
        return this.index
      case 'count':
        return this.index + 1
      case 'hasNext':
        return this.index + 1 < this.total
      case 'first':
        return this.index === 0
      case 'last':
        return this.index + 1 === this.total
      case 'parent':
        return this.parent
      default:
        return undefined
    }
  }
  callMethod(name: string, args: readonly unknown[]): unknown {
    if (args.length !== 0) return undefined
    if (name === 'hasNext') return this.getProperty('hasNext')
    if (name.startsWith('get') || name.startsWith('is')) {
      const prop = name.slice(name.startsWith('get') ? 3 : 2)
      return this.getProperty(prop.charAt(0).toLowerCase() + prop.slice(1))
    }
    return undefined
  }
}

/** Mutable state of one render. */
export class RenderState {
  stopped = false
  breaking = false
  macroDepth = 0
  defineDepth = 0
  readonly frames: Record<string, unknown>[] = []

  /**
   * @param lazyGlobal builds a global on its first use (so `$context` is copied only by templates that read it);
   *   its result is stored, and it is not asked again for that name.
   */
  constructor(
    readonly program: Program,
    readonly globals: Record<string, unknown>,
    readonly meter: RenderMeter,
    readonly lazyGlobal?: (id: string) => unknown,
  ) {}

  lookup(id: string): unknown {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i] as Record<string, unknown>
      if (Object.hasOwn(f, id)) return f[id]
    }
    if (Object.hasOwn(this.globals, id)) return this.globals[id]
    if (this.lazyGlobal === undefined) return undefined
    const v = this.lazyGlobal(id)
    if (v !== undefined) this.globals[id] = v
    return v
  }

  assign(id: string, value: unknown): void {
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i] as Record<string, unknown>
      if (Object.hasOwn(f, id)) {
        f[id] = value
        return
      }
    }
    setMapKey(this.globals, id, value)
  }
}

/** Renders nodes to text; stops early when `#stop` or `#break` sets the state's flags. */
export function renderNodes(nodes: readonly Node[], st: RenderState): string {
  let out = ''
  const meter = st.meter
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as Node
    meter.charge(1)
    switch (n.k) {
      case 'text':
        out += n.text
        continue
      case 'out': {
        const v = evalRef(n.ref, st)
        if (v instanceof DefinedBlock) out += renderBlock(v, st)
        else if (v !== undefined && v !== null) out += typeof v === 'string' ? v : printed(v, meter)
        break
      }
      case 'set':
        execSet(n.target, n.value, st)
        break
      case 'if':
        for (const b of n.branches) {
          if (b.cond === null || isTruthy(evalExpr(b.cond, st))) {
            out += renderNodes(b.body, st)
            break
          }
        }
        break
      case 'foreach':
        out += renderForeach(n, st)
        break
      case 'break':
        st.breaking = true
        return out
      case 'stop':
        st.stopped = true
        return out
      case 'call':
        out += callMacro(n, st)
        break
      case 'define':
        st.assign(n.name, new DefinedBlock(n.body))
        break
    }
    if (out.length > meter.budget.outputChars) meter.checkLength(out.length, 'the output')
    if (st.stopped || st.breaking) return out
  }
  return out
}

/** What a non-string value prints, charged by its length (printing walks the whole collection). */
function printed(v: unknown, meter: RenderMeter): string {
  const text = toJavaString(v)
  meter.charge(1 + (text.length >>> 4))
  return text
}

function renderForeach(n: Extract<Node, { k: 'foreach' }>, st: RenderState): string {
  const from = evalExpr(n.from, st)
  let items: readonly unknown[]
  if (Array.isArray(from)) items = from.slice()
  else if (isMap(from)) items = Object.values(from)
  else return ''
  const meter = st.meter
  meter.charge(items.length >>> 4)
  const scope = new ForeachScope(st.lookup('foreach'))
  scope.total = items.length
  const frame: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  frame.foreach = scope
  st.frames.push(frame)
  let out = ''
  try {
    for (let i = 0; i < items.length; i++) {
      if (i === FOREACH_LIMIT) {
        throw new TemplateRenderError(`${n.where}: #foreach over ${items.length} items; API Gateway allows at most ${FOREACH_LIMIT} iterations`)
      }
      meter.charge(1)
      scope.index = i
      frame[n.varName] = items[i]
      frame.velocityCount = i + 1
      frame.velocityHasNext = i + 1 < items.length
      out += renderNodes(n.body, st)
      if (out.length > meter.budget.outputChars) meter.checkLength(out.length, 'the output')
      if (st.stopped) break
      if (st.breaking) {
        st.breaking = false
        break
      }
    }
  } finally {
    st.frames.pop()
  }
  return out
}

function renderBlock(block: DefinedBlock, st: RenderState): string {
  if (st.defineDepth >= DEFINE_DEPTH_LIMIT) throw new TemplateRenderError(`#define blocks nested more than ${DEFINE_DEPTH_LIMIT} deep (a block that refers to itself?)`)
  st.defineDepth++
  try {
    return renderNodes(block.body, st)
  } finally {
    st.defineDepth--
  }
}

function callMacro(n: Extract<Node, { k: 'call' }>, st: RenderState): string {
  const def = st.program.macros.get(n.name) as MacroDef
  if (st.macroDepth >= MACRO_DEPTH_LIMIT) {
    throw new TemplateRenderError(`${n.where}: #${n.name} nested more than ${MACRO_DEPTH_LIMIT} macro calls deep`)
  }
  const frame: Record<string, unknown> = Object.create(null) as Record<string, unknown>
  for (let i = 0; i < def.params.length; i++) {
    const arg = n.args[i]
    frame[def.params[i] as string] = arg === undefined ? undefined : evalExpr(arg, st)
  }
  if (n.body !== null) frame.bodyContent = renderNodes(n.body, st)
  st.frames.push(frame)
  st.macroDepth++
  try {
    return renderNodes(def.body, st)
  } finally {
    st.macroDepth--
    st.frames.pop()
  }
}

function execSet(target: RefExpr, valueExpr: Expr, st: RenderState): void {
  const value = evalExpr(valueExpr, st)
  // Velocity 1.7: a #set whose right side is null leaves the left side unchanged.
  if (value === undefined || value === null) return
  const path = target.path
  if (path.length === 0) {
    st.assign(target.id, value)
    return
  }
  let base = st.lookup(target.id)
  for (let i = 0; i < path.length - 1; i++) {
    if (base === undefined || base === null) return
    base = stepInto(base, path[i] as RefExpr['path'][number], st)
  }
  if (base === undefined || base === null) return
  const last = path[path.length - 1] as RefExpr['path'][number]
  if (last.k === 'prop') setProperty(base, last.name, value)
  else if (last.k === 'index') setIndex(base, evalExpr(last.key, st), value)
}

function stepInto(base: unknown, seg: RefExpr['path'][number], st: RenderState): unknown {
  st.meter.charge(1)
  switch (seg.k) {
    case 'prop':
      return getProperty(base, seg.name)
    case 'index':
      return getIndex(base, evalExpr(seg.key, st))
    case 'call': {
      const args = new Array<unknown>(seg.args.length)
      for (let i = 0; i < args.length; i++) args[i] = evalExpr(seg.args[i] as Expr, st)
      const meter = st.meter
      // Work on long strings is charged by their length: the target's and the arguments' (one step per 64
      // characters, what scanning them costs), the result's (one per 16: building it costs more). The regex,
      // JSON and collection methods charge their own as well (values.ts, util.ts, input.ts).
      let cost = 1 + (typeof base === 'string' ? base.length >>> 6 : 0)
      for (let i = 0; i < args.length; i++) {
        const a = args[i]
        if (typeof a === 'string') cost += a.length >>> 6
      }
      meter.charge(cost)
      const result = callMethod(base, seg.name, args, seg.regex)
      if (typeof result === 'string') {
        meter.charge(result.length >>> 4)
        if (result.length > meter.budget.outputChars) meter.checkLength(result.length, `the result of ${seg.name}()`)
      }
      return result
    }
  }
}

function evalRef(ref: RefExpr, st: RenderState): unknown {
  if (ref.rootCall) return undefined
  let v = st.lookup(ref.id)
  const path = ref.path
  for (let i = 0; i < path.length; i++) {
    if (v === undefined || v === null) return undefined
    if (v instanceof DefinedBlock) v = renderBlock(v, st)
    v = stepInto(v, path[i] as RefExpr['path'][number], st)
  }
  return v
}

/** Evaluates an expression to a template value. */
export function evalExpr(e: Expr, st: RenderState): unknown {
  st.meter.charge(1)
  switch (e.k) {
    case 'lit':
      return e.v
    case 'ref': {
      const v = evalRef(e, st)
      return v instanceof DefinedBlock ? renderBlock(v, st) : v
    }
    case 'interp':
      return renderNodes(e.body, st)
    case 'list':
      return newJavaList(e.items.map((x) => evalExpr(x, st)))
    case 'range':
      return range(evalExpr(e.from, st), evalExpr(e.to, st), st.meter)
    case 'map': {
      const m: Record<string, unknown> = {}
      for (const [k, x] of e.entries) setMapKey(m, k, evalExpr(x, st))
      return m
    }
    case 'not':
      return !isTruthy(evalExpr(e.a, st))
    case 'neg': {
      const v = evalExpr(e.a, st)
      return typeof v === 'number' ? -v : undefined
    }
    case 'bin':
      return binary(e.op, e.a, e.b, st)
  }
}

function range(from: unknown, to: unknown, meter: RenderMeter): unknown {
  const a = typeof from === 'string' && /^-?\d+$/.test(from) ? Number(from) : from
  const b = typeof to === 'string' && /^-?\d+$/.test(to) ? Number(to) : to
  if (typeof a !== 'number' || typeof b !== 'number' || !Number.isInteger(a) || !Number.isInteger(b)) return undefined
  if (Math.abs(b - a) + 1 > RANGE_LIMIT) throw new TemplateRenderError(`range [${a}..${b}] is larger than ${RANGE_LIMIT} items`)
  meter.charge((Math.abs(b - a) + 1) >>> 4)
  const out: number[] = []
  if (a <= b) for (let i = a; i <= b; i++) out.push(i)
  else for (let i = a; i >= b; i--) out.push(i)
  return newJavaList(out)
}

function binary(op: string, ea: Expr, eb: Expr, st: RenderState): unknown {
  // Logical operators short-circuit and yield booleans (Velocity's ASTAndNode/ASTOrNode).
  if (op === '&&') return isTruthy(evalExpr(ea, st)) && isTruthy(evalExpr(eb, st))
  if (op === '||') return isTruthy(evalExpr(ea, st)) || isTruthy(evalExpr(eb, st))
  const a = evalExpr(ea, st)
  const b = evalExpr(eb, st)
  switch (op) {
    case '==':
      return velocityEquals(a, b)
    case '!=':
      return !velocityEquals(a, b)
    case '<':
    case '<=':
    case '>':
    case '>=':
      // Velocity 1.7 orders numbers only; anything else compares false.
      if (typeof a !== 'number' || typeof b !== 'number') return false
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b
    case '+':
      if (typeof a === 'number' && typeof b === 'number') return a + b
      // Velocity 1.7 concatenates when either side is a string; null operands make the result null.
      if ((typeof a === 'string' || typeof b === 'string') && a !== undefined && a !== null && b !== undefined && b !== null) {
        const joined = toJavaString(a, true) + toJavaString(b, true)
        if (joined.length > st.meter.budget.outputChars) st.meter.checkLength(joined.length, 'a string')
        return joined
      }
      return undefined
    case '-':
    case '*':
    case '/':
    case '%': {
      if (typeof a !== 'number' || typeof b !== 'number') return undefined
      if (op === '-') return a - b
      if (op === '*') return a * b
      const integers = Number.isInteger(a) && Number.isInteger(b)
      // Division by zero is an error Velocity logs; the value is null.
      if (b === 0 && integers) return undefined
      if (op === '/') return integers ? Math.trunc(a / b) : a / b
      return a % b
    }
    default:
      return undefined
  }
}
