// The in-memory WebSocket connection registry against the ConnectionRegistry conformance suite.

import { MemoryConnectionRegistry } from '../../src/store/memory/connection-registry.js'
import { connectionRegistrySuite } from '../conformance/connection-registry.js'

connectionRegistrySuite('memory', async () => {
  const registry = new MemoryConnectionRegistry()
  return { a: registry, b: registry, shared: false, cleanup: () => registry.close() }
})
