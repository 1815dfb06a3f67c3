import { createServer } from 'node:http'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunksOf, seededBytes } from '../../test/support/seeded-bytes.js'
import { removeDir, tempStorageDir } from '../../test/support/store-fixtures.js'
import { ImportSourceError, UnsupportedSourceError, importArtifact, openBlockstore } from './index.js'
import type { FsBlockstore } from 'blockstore-fs'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'

const ARTIFACT = seededBytes(7, 3 * 1024 * 1024 + 99)

/** A real HTTP server on loopback: the artifact, errors, redirects and a stalled body. */
function routes (): Server {
  return createServer((req, res) => {
    switch (req.url) {
      case '/artifact.bin': {
        res.writeHead(200, { 'content-type': 'application/octet-stream' })
        // Written in pieces, so the client sees a streamed (chunked) body.
        let offset = 0
        const more = (): void => {
          while (offset < ARTIFACT.byteLength) {
            const piece = ARTIFACT.subarray(offset, offset + 100_000)
            offset += piece.byteLength
            if (!res.write(piece)) { res.once('drain', more); return }
          }
          res.end()
        }
        more()
        return
      }
      case '/moved': res.writeHead(302, { location: '/artifact.bin' }).end(); return
      case '/loop': res.writeHead(302, { location: '/loop' }).end(); return
      case '/to-ftp': res.writeHead(301, { location: 'ftp://127.0.0.1/artifact.bin' }).end(); return
      case '/huge': res.writeHead(200, { 'content-length': String(10 * 1024 * 1024) }).end(); return
      case '/stall': res.writeHead(200).write(ARTIFACT.subarray(0, 1000)); return
      default: res.writeHead(404, 'Not Found').end('no such artifact')
    }
  })
}

describe('importArtifact from http', () => {
  let dir: string
  let blockstore: FsBlockstore
  let server: Server
  let base: string

  beforeAll(async () => {
    dir = await tempStorageDir('http')
    blockstore = await openBlockstore(dir)
    server = routes()
    await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  })
  afterAll(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
    await removeDir(dir)
  })

  it('streams the body into the same DAG as a local import, following a redirect', async () => {
    const local = await importArtifact({ blockstore }, chunksOf(ARTIFACT))
    for (const path of ['/artifact.bin', '/moved']) {
      const remote = await importArtifact({ blockstore }, { url: `${base}${path}` })
      expect(remote.cid.equals(local.cid)).toBe(true)
      expect(remote.size).toBe(ARTIFACT.byteLength)
    }
  })

  it('says which URL answered which status on a 404', async () => {
    const error = await importArtifact({ blockstore }, { url: `${base}/missing.bin` }).catch((err: unknown) => err)
    expect(error).toBeInstanceOf(ImportSourceError)
    expect((error as ImportSourceError).code).toBe('FLEET_ERR_IMPORT_SOURCE')
    expect((error as ImportSourceError).status).toBe(404)
    expect((error as Error).message).toContain(`${base}/missing.bin answered 404 Not Found`)
  })

  it('stops a redirect loop, a redirect to another scheme, an oversized body and a stalled body', async () => {
    await expect(importArtifact({ blockstore }, { url: `${base}/loop` }, { redirectsMax: 3 })).rejects.toThrow(/redirected more than 3 times/)
    await expect(importArtifact({ blockstore }, { url: `${base}/to-ftp` })).rejects.toBeInstanceOf(UnsupportedSourceError)
    await expect(importArtifact({ blockstore }, { url: `${base}/huge` }, { sizeBytesMax: 1024 * 1024 })).rejects.toThrow(/announces 10485760 bytes/)
    const stalled = await importArtifact({ blockstore }, { url: `${base}/stall` }, { idleTimeoutMs: 200 }).catch((err: unknown) => err)
    expect(stalled).toBeInstanceOf(ImportSourceError)
    expect((stalled as Error).message).toMatch(/stalled for 200 ms/)
  })

  it('says the connection was refused when nothing listens', async () => {
    const closed = createServer()
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise(resolve => closed.close(resolve))
    await expect(importArtifact({ blockstore }, { url: `http://127.0.0.1:${port}/a.bin` })).rejects.toThrow(ImportSourceError)
    await expect(importArtifact({ blockstore }, { url: `http://127.0.0.1:${port}/a.bin` })).rejects.toThrow(/ECONNREFUSED/)
  })
})
