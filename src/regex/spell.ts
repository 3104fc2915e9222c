// Spelling characters in RE2 syntax, shared by the dialect translators.

/** `\x{HEX}`: one code point, valid inside and outside brackets. */
export function hex(code: number): string {
  return `\\x{${code.toString(16).toUpperCase()}}`
}

/** Text as literal characters, valid inside and outside brackets (metacharacters spelt `\x{..}`). */
export function literal(text: string): string {
  let out = ''
  for (const ch of text) out += /[\\^$.*+?()[\]{}|/\-&~#\s]/.test(ch) || ch.charCodeAt(0) < 0x20 ? hex(ch.codePointAt(0)!) : ch
  return out
}

/** A construct quoted for a message, as written (no JSON escaping). */
export function quote(text: string): string {
  return `"${text}"`
}
