// The gateway's own log (pino, JSON lines on stderr) and the access-log sink (stdout, buffered).

import pino, { type Logger } from 'pino'

export function createLogger(level = 'info', dest: number = 2): Logger {
  return pino({ level, base: { name: 'gatehouse' }, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination({ dest, sync: true }))
}

export interface AccessLogSink {
  write: (line: string) => void
  flush(): void
}

/**
 * Access-log lines to a file descriptor (1 = stdout), buffered and written asynchronously so logging
 * never blocks a request; flushed on shutdown. `null` → no sink.
 */
export function createAccessLogSink(fd: number | null): AccessLogSink | null {
  if (fd === null) return null
  // Asynchronous writes coalesce lines under load yet reach the terminal at once when idle.
  const dest = pino.destination({ dest: fd, sync: false })
  return {
    write: (line) => {
      dest.write(line + '\n')
    },
    flush: () => {
      try {
        dest.flushSync()
      } catch {
        // Nothing buffered, or the descriptor is gone: nothing to save.
      }
    },
  }
}

/** An access-log sink that collects lines in memory (tests, embedding). */
export function memoryAccessLogSink(): AccessLogSink & { lines: string[] } {
  const lines: string[] = []
  return { lines, write: (line) => void lines.push(line), flush: () => undefined }
}
