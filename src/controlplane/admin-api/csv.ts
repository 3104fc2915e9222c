// A small RFC 4180 CSV reader for API key import (§7.1): quoted fields with commas, doubled quotes and line
// breaks, CRLF or LF line ends, blank lines skipped.

/** One record of a CSV text, with the 1-based line it starts on. */
export interface CsvRecord {
  line: number
  fields: string[]
}

/** Parses CSV text into records; throws an Error naming the line of an unterminated quoted field. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = []
  const input = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  let fields: string[] = []
  let field = ''
  let quoted = false
  let line = 1
  let recordLine = 1
  let i = 0
  const endRecord = (): void => {
    fields.push(field)
    if (!(fields.length === 1 && fields[0]!.trim() === '')) records.push({ line: recordLine, fields })
    fields = []
    field = ''
  }
  while (i < input.length) {
    const c = input[i]!
    if (quoted) {
      if (c === '"') {
        if (input[i + 1] === '"') {
          field += '"'
          i += 2
          continue
        }
        quoted = false
      } else {
        if (c === '\n') line++
        field += c
      }
      i++
      continue
    }
    if (c === '"' && field.trim() === '') {
      quoted = true
      field = ''
    } else if (c === ',') {
      fields.push(field)
      field = ''
    } else if (c === '\r' && input[i + 1] === '\n') {
      endRecord()
      line++
      recordLine = line
      i++
    } else if (c === '\n' || c === '\r') {
      endRecord()
      line++
      recordLine = line
    } else {
      field += c
    }
    i++
  }
  if (quoted) throw new Error(`line ${recordLine}: a quoted field is not closed`)
  if (field !== '' || fields.length > 0) endRecord()
  return records
}
