// CloudFormation's YAML: the short-form intrinsic tags (`!Ref`, `!Sub`, `!GetAtt A.B` …) turned into their long
// forms (`{ Ref: … }`, `{ 'Fn::Sub': … }`, `{ 'Fn::GetAtt': [A, B] }`) on top of the config file's bounded,
// alias-bomb-proof YAML reader. JSON templates are YAML too. Pure.

import YAML from 'yaml'
import type { Tags } from 'yaml'
import { parseYamlText, type ParsedText } from '../config/config-file.js'

/** Short tag → long form key. `!Ref` and `!Condition` keep their names; the rest are `Fn::…`. */
const FUNCTIONS = [
  'Ref', 'Condition', 'Sub', 'GetAtt', 'Join', 'If', 'Equals', 'Not', 'And', 'Or', 'Select', 'Split', 'FindInMap',
  'Base64', 'GetAZs', 'ImportValue', 'Cidr', 'Transform', 'Length', 'ToJsonString',
] as const

function longName(fn: string): string {
  return fn === 'Ref' || fn === 'Condition' ? fn : `Fn::${fn}`
}

const keep = (v: unknown): unknown => v

/** Every short tag, accepted on a scalar, a sequence or a mapping, kept as a tagged node for {@link rewriteTags}. */
const CFN_TAGS: Tags = FUNCTIONS.flatMap((fn) => [
  { tag: `!${fn}`, resolve: keep },
  { tag: `!${fn}`, collection: 'seq' as const, resolve: keep },
  { tag: `!${fn}`, collection: 'map' as const, resolve: keep },
])

const LONG = new Map<string, string>(FUNCTIONS.map((fn) => [`!${fn}`, longName(fn)]))

/** Replaces each tagged node by a one-key mapping holding the untagged node: `!Sub x` → `{ Fn::Sub: x }`. */
function rewriteTags(doc: YAML.Document.Parsed): void {
  YAML.visit(doc, {
    Node(_key, node) {
      const long = node.tag === undefined ? undefined : LONG.get(node.tag)
      if (long === undefined) return undefined
      node.tag = undefined
      let value: unknown = node
      if (long === 'Fn::GetAtt' && YAML.isScalar(node) && typeof node.value === 'string') {
        const dot = node.value.indexOf('.')
        value = dot < 0 ? new YAML.YAMLSeq() : doc.createNode([node.value.slice(0, dot), node.value.slice(dot + 1)])
        if (dot < 0) (value as YAML.YAMLSeq).items.push(node)
      }
      const map = new YAML.YAMLMap()
      map.items.push(new YAML.Pair(new YAML.Scalar(long), value))
      // The replacement's children are visited next: nested tags are rewritten as well.
      return map
    },
  })
}

/** Parses a CloudFormation/SAM template (YAML with short-form tags, or JSON). Never throws. */
export function parseTemplateText(text: string, file: string): ParsedText {
  return parseYamlText(text, file, { customTags: CFN_TAGS, rewrite: rewriteTags })
}
