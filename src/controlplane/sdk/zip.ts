// A small ZIP archive writer and reader (PKWARE APPNOTE 6.3): entries stored or deflated with node:zlib,
// local file headers, a central directory and the end-of-central-directory record. Enough for the SDK
// archives GetSdk answers with (a few text files, far below the 4 GB and 65,535-entry limits that would
// need ZIP64), and for reading them back in tests. Names are UTF-8 (general purpose flag bit 11).

import { crc32, deflateRawSync, inflateRawSync } from 'node:zlib'

export interface ZipEntry {
  /** The path inside the archive, `/`-separated, no leading `/`; a name ending in `/` is a folder. */
  name: string
  data: Uint8Array | string
}

const LOCAL_SIGNATURE = 0x04034b50
const CENTRAL_SIGNATURE = 0x02014b50
const END_SIGNATURE = 0x06054b50
const STORE = 0
const DEFLATE = 8
const UTF8_NAMES = 0x0800
/** "Made by" 3.0 on Unix (so that unzip reads the permissions); "version needed" 2.0 (deflate, folders). */
const MADE_BY = (3 << 8) | 30
const NEEDED = 20

/** A date as the MS-DOS time and date fields (2-second resolution, 1980–2107). */
function dosDateTime(date: Date): { time: number; day: number } {
  const year = Math.min(Math.max(date.getUTCFullYear(), 1980), 2107)
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | Math.floor(date.getUTCSeconds() / 2),
    day: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

/**
 * The fields local and central headers share, in the same order: version needed, flags, method, time,
 * date, CRC-32, compressed and uncompressed sizes, name length (the extra field length after it stays 0).
 */
function writeCommonFields(buf: Buffer, at: number, f: { method: number; time: number; day: number; crc: number; compressed: number; size: number; nameLength: number }): void {
  buf.writeUInt16LE(NEEDED, at)
  buf.writeUInt16LE(UTF8_NAMES, at + 2)
  buf.writeUInt16LE(f.method, at + 4)
  buf.writeUInt16LE(f.time, at + 6)
  buf.writeUInt16LE(f.day, at + 8)
  buf.writeUInt32LE(f.crc, at + 10)
  buf.writeUInt32LE(f.compressed, at + 14)
  buf.writeUInt32LE(f.size, at + 18)
  buf.writeUInt16LE(f.nameLength, at + 22)
}

function checkName(name: string): void {
  if (name === '' || name.startsWith('/') || name.includes('\\') || name.split('/').some((s, i, all) => s === '..' || s === '.' || (s === '' && i !== all.length - 1))) {
    throw new Error(`Invalid zip entry name '${name}'`)
  }
}

/**
 * The archive of `entries`, in order. Files are deflated when that makes them smaller, else stored; folders
 * are stored empty. `date` is every entry's modification time (default: now).
 */
export function writeZip(entries: readonly ZipEntry[], date: Date = new Date()): Buffer {
  const { time, day } = dosDateTime(date)
  const locals: Buffer[] = []
  const centrals: Buffer[] = []
  let offset = 0
  const seen = new Set<string>()
  for (const entry of entries) {
    checkName(entry.name)
    if (seen.has(entry.name)) throw new Error(`Duplicate zip entry name '${entry.name}'`)
    seen.add(entry.name)
    const folder = entry.name.endsWith('/')
    const raw = typeof entry.data === 'string' ? Buffer.from(entry.data, 'utf8') : Buffer.from(entry.data)
    if (folder && raw.length > 0) throw new Error(`Zip folder entry '${entry.name}' cannot have data`)
    const deflated = raw.length > 0 ? deflateRawSync(raw, { level: 9 }) : raw
    const method = deflated.length < raw.length ? DEFLATE : STORE
    const stored = method === DEFLATE ? deflated : raw
    const crc = crc32(raw)
    const name = Buffer.from(entry.name, 'utf8')
    if (offset > 0xffffffff || stored.length > 0xffffffff) throw new Error('The archive is too large for a zip without ZIP64')

    const fields = { method, time, day, crc, compressed: stored.length, size: raw.length, nameLength: name.length }
    const local = Buffer.alloc(30)
    local.writeUInt32LE(LOCAL_SIGNATURE, 0)
    writeCommonFields(local, 4, fields)
    locals.push(local, name, stored)

    const central = Buffer.alloc(46)
    central.writeUInt32LE(CENTRAL_SIGNATURE, 0)
    central.writeUInt16LE(MADE_BY, 4)
    writeCommonFields(central, 6, fields)
    // Extra field length, comment length, disk number start, internal attributes: 0.
    // External attributes: the Unix mode in the high 16 bits (rw-r--r-- files, rwxr-xr-x folders), MS-DOS folder bit.
    central.writeUInt32LE((((folder ? 0o040755 : 0o100644) << 16) | (folder ? 0x10 : 0)) >>> 0, 38)
    central.writeUInt32LE(offset, 42)
    centrals.push(central, name)
    offset += local.length + name.length + stored.length
  }
  if (entries.length > 0xffff) throw new Error('Too many entries for a zip without ZIP64')
  const directory = Buffer.concat(centrals)
  const end = Buffer.alloc(22)
  end.writeUInt32LE(END_SIGNATURE, 0)
  end.writeUInt16LE(entries.length, 8)
  end.writeUInt16LE(entries.length, 10)
  end.writeUInt32LE(directory.length, 12)
  end.writeUInt32LE(offset, 16)
  return Buffer.concat([...locals, directory, end])
}

/** A malformed archive. */
export class ZipError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ZipError'
  }
}

/**
 * The entries of an archive as its central directory lists them, read through their local headers, inflated
 * and checked against their CRC-32. Reads archives without ZIP64, encryption or data descriptors' sizes.
 */
export function readZip(zip: Uint8Array): Map<string, Buffer> {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength)
  let end = -1
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === END_SIGNATURE) {
      end = i
      break
    }
  }
  if (end < 0) throw new ZipError('No end of central directory record')
  const count = buf.readUInt16LE(end + 10)
  let at = buf.readUInt32LE(end + 16)
  const out = new Map<string, Buffer>()
  for (let n = 0; n < count; n++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== CENTRAL_SIGNATURE) throw new ZipError(`Bad central directory entry ${n}`)
    const method = buf.readUInt16LE(at + 10)
    const crc = buf.readUInt32LE(at + 16)
    const size = buf.readUInt32LE(at + 20)
    const nameLength = buf.readUInt16LE(at + 28)
    const skip = buf.readUInt16LE(at + 30) + buf.readUInt16LE(at + 32)
    const local = buf.readUInt32LE(at + 42)
    const name = buf.toString('utf8', at + 46, at + 46 + nameLength)
    at += 46 + nameLength + skip
    if (local + 30 > buf.length || buf.readUInt32LE(local) !== LOCAL_SIGNATURE) throw new ZipError(`Bad local header of ${name}`)
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28)
    if (start + size > buf.length) throw new ZipError(`Truncated data of ${name}`)
    const stored = buf.subarray(start, start + size)
    let data: Buffer
    if (method === STORE) data = Buffer.from(stored)
    else if (method === DEFLATE) data = inflateRawSync(stored)
    else throw new ZipError(`Unsupported compression method ${method} of ${name}`)
    if (crc32(data) !== crc) throw new ZipError(`CRC mismatch in ${name}`)
    out.set(name, data)
  }
  return out
}
