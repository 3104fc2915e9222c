// Starting a node:http(s) server on a port and resolving with the bound address (port 0 picks a free one).

import type { Server } from 'node:net'
import type { AddressInfo } from 'node:net'

export function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve(server.address() as AddressInfo)
    })
  })
}
