// GET /dev/chat: the example chat's page (examples/chat/index.html), as a Lambda proxy answer.
import { readFileSync } from 'node:fs'

export const handler = async () => ({
  statusCode: 200,
  headers: { 'Content-Type': 'text/html; charset=utf-8' },
  body: readFileSync(new URL('../chat/index.html', import.meta.url), 'utf8'),
})
