// What one render may spend, so that no template and no request can stall the process: a count of
// evaluation steps (each node, expression, loop iteration and method call is one; work on long strings, large
// lists and JSONPath walks is charged by its size), a cap on the output and on any string a template builds,
// and a wall-clock backstop. Going over aborts the render with a TemplateBudgetError (the request gets 500).
// AWS documents only its own limits (§5.1: 300 KB templates, 1,000 #foreach iterations); these are ours.

import { performance } from 'node:perf_hooks'
import { TemplateRenderError } from './errors.js'

/** Limits on one render. */
export interface RenderBudget {
  /** Evaluation steps, whatever the body. */
  readonly steps: number
  /**
   * More steps per KiB of the body the template maps (`$input`), so that templates that walk a large payload
   * (`$input.json('$')` of 5 MB, `$util.escapeJavaScript($input.body)`) still render: a caller buys work only
   * in proportion to what it uploads. 0 turns the scaling off.
   */
  readonly stepsPerBodyKiB: number
  /** Characters of output, and of any one string a template builds. */
  readonly outputChars: number
  /** Wall-clock milliseconds, checked every {@link CLOCK_EVERY} steps; 0 turns the clock check off. */
  readonly timeMs: number
  /** The clock in milliseconds (injectable so tests do not depend on the machine's speed). */
  readonly now: () => number
}

/**
 * The default budget. 150,000 steps is more than twice what a dense template over 1,000 items spends (every
 * field printed, escaped and tested with a regex: about 67,000), and about 10 ms of work when spent on the
 * dearest steps on a small, busy machine (README, "Limits and hardening"); 256 more steps per KiB of body;
 * 10 MiB of output is API Gateway's payload limit; the clock is a backstop for work the steps do not model.
 */
export const DEFAULT_RENDER_BUDGET: RenderBudget = Object.freeze({
  steps: 150_000,
  stepsPerBodyKiB: 256,
  outputChars: 10 * 1024 * 1024,
  timeMs: 1000,
  now: () => performance.now(),
})

/** How often (in steps) the clock is read. */
export const CLOCK_EVERY = 1024

/** Which limit a render went over. */
export type BudgetLimit = 'steps' | 'output' | 'time'

/** A render that went over its budget. The message names the limit and its value. */
export class TemplateBudgetError extends TemplateRenderError {
  readonly limit: BudgetLimit

  constructor(limit: BudgetLimit, message: string) {
    super(message)
    this.limit = limit
  }
}

/** The running count of one render. */
export class RenderMeter {
  readonly budget: RenderBudget
  /** The step limit of this render: the budget's steps plus its share for the body. */
  readonly limit: number
  used = 0
  #checkAt: number
  readonly #deadline: number

  constructor(budget: RenderBudget, bodyBytes = 0) {
    this.budget = budget
    this.limit = budget.steps + Math.floor((bodyBytes / 1024) * budget.stepsPerBodyKiB)
    this.#deadline = budget.timeMs > 0 ? budget.now() + budget.timeMs : Infinity
    this.#checkAt = Math.min(CLOCK_EVERY, this.limit + 1)
  }

  /** Spends `n` steps; throws TemplateBudgetError past the step budget or the deadline. */
  charge(n: number): void {
    this.used += n
    if (this.used >= this.#checkAt) this.#check()
  }

  #check(): void {
    if (this.used > this.limit) {
      throw new TemplateBudgetError('steps', `the render went over its budget of ${this.limit} evaluation steps`)
    }
    if (this.#deadline !== Infinity && this.budget.now() > this.#deadline) {
      throw new TemplateBudgetError('time', `the render went over its time budget of ${this.budget.timeMs} ms`)
    }
    this.#checkAt = Math.min(this.used + CLOCK_EVERY, this.limit + 1)
  }

  /** Throws TemplateBudgetError when a string of `length` characters is over the output budget. */
  checkLength(length: number, what: string): void {
    if (length > this.budget.outputChars) {
      throw new TemplateBudgetError('output', `${what} went over the output budget of ${this.budget.outputChars} characters`)
    }
  }
}

// The meter of the render in progress (renders are synchronous; a nested one restores the outer meter), so the
// value and JSONPath code can charge what they do without a meter in every signature.
let current: RenderMeter | null = null

/**
 * Makes `meter` the current render's meter and returns the one it replaces, for {@link leaveMeter} (a pair of
 * calls rather than a callback: no closure per render).
 */
export function enterMeter(meter: RenderMeter): RenderMeter | null {
  const previous = current
  current = meter
  return previous
}

/** Restores the meter {@link enterMeter} replaced. */
export function leaveMeter(previous: RenderMeter | null): void {
  current = previous
}

/** Charges `n` steps to the current render, if any. */
export function charge(n: number): void {
  if (current !== null) current.charge(n)
}

/** Throws when a string of `length` characters a template built is over the current render's output budget. */
export function checkLength(length: number, what: string): void {
  if (current !== null) current.checkLength(length, what)
}
