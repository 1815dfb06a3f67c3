import { preSharedKey } from '@libp2p/pnet'
import { byteStream } from '@libp2p/utils'
import { createHash, timingSafeEqual } from 'node:crypto'
import { MEMBERSHIP_HANDSHAKE_TIMEOUT_MS } from './constants.js'
import { FleetMembershipError } from './errors.js'
import type { RefusalReason } from './errors.js'
import type { AbortOptions, ConnectionProtector, MessageStream, MultiaddrConnection } from '@libp2p/interface'

/**
 * Fleet membership at the connection level.
 *
 * The fleet's private-network key (libp2p pnet, XSalsa20) already makes a stranger's bytes
 * unreadable, but on a key mismatch pnet itself notices nothing: the failure surfaces later as
 * an opaque Noise error logged at debug level on one side only. Operators need a reason on both
 * sides, so right after pnet's nonce exchange each side sends a short proof through the
 * encrypted stream — a magic plus a digest of the fleet id — and checks the peer's. Before pnet,
 * a plaintext preamble says whether each side holds a token at all, so a member can say "that
 * peer has no token" rather than "garbage". Nodes without a token accept only each other.
 */
const PROOF_MAGIC = new TextEncoder().encode('FLEETD01')
const PROOF_LENGTH = 16
/** Plaintext preamble: protocol name and whether the sender holds a fleet token; no secrets. */
const PREAMBLE_LENGTH = 32
const PREAMBLE_MEMBER = preamble('member')
const PREAMBLE_NO_FLEET = preamble('no-fleet')

function preamble (mode: string): Uint8Array {
  return new TextEncoder().encode(`/fleetd/1/${mode}\n`.padEnd(PREAMBLE_LENGTH, '\0'))
}

export interface RefusalEvent {
  direction: 'inbound' | 'outbound'
  remoteAddr: string
  reason: RefusalReason
  message: string
}

export interface FleetGuardInit {
  /** The fleet this node belongs to; absent for a node started without a token. */
  fleet?: { fleetId: string, networkKey: Uint8Array }
  /** Called once per refused connection, on this side, before the error propagates. */
  onRefused(event: RefusalEvent): void
}

export function fleetGuard (init: FleetGuardInit): () => ConnectionProtector {
  return () => new Guard(init)
}

function describe (stream: MessageStream): { direction: 'inbound' | 'outbound', remoteAddr: string } {
  const addr = (stream as Partial<MultiaddrConnection>).remoteAddr
  return { direction: stream.direction, remoteAddr: addr?.toString() ?? 'unknown address' }
}

function handshakeOptions (options?: AbortOptions): { signal: AbortSignal } {
  const timeout = AbortSignal.timeout(MEMBERSHIP_HANDSHAKE_TIMEOUT_MS)
  return { signal: options?.signal == null ? timeout : AbortSignal.any([options.signal, timeout]) }
}

function fleetDigest (fleetId: string): Uint8Array {
  return createHash('sha256').update(`fleetd/fleet-id/${fleetId}`).digest().subarray(0, PROOF_LENGTH - PROOF_MAGIC.length)
}

function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b)
}

class Guard implements ConnectionProtector {
  private readonly pnet?: ConnectionProtector
  private readonly proof?: Uint8Array

  constructor (private readonly init: FleetGuardInit) {
    if (init.fleet != null) {
      this.pnet = preSharedKey({ psk: init.fleet.networkKey, timeout: MEMBERSHIP_HANDSHAKE_TIMEOUT_MS })()
      this.proof = new Uint8Array([...PROOF_MAGIC, ...fleetDigest(init.fleet.fleetId)])
    }
  }

  async protect (connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const stream = await this.exchangePreamble(connection, options)
    if (this.pnet == null) return stream
    let boxed: MessageStream
    try {
      boxed = await this.pnet.protect(stream, handshakeOptions(options))
    } catch (err) {
      return this.refuse(connection, 'handshake-failed', `membership handshake failed: ${errorText(err)}`, err)
    }
    return await this.exchangeProof(connection, boxed, options)
  }

  /** Both sides say whether they hold a token, so a refusal can name the real cause. */
  private async exchangePreamble (connection: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const ours = this.init.fleet == null ? PREAMBLE_NO_FLEET : PREAMBLE_MEMBER
    const bytes = byteStream(connection)
    let theirs: Uint8Array
    try {
      const [list] = await Promise.all([
        bytes.read({ bytes: PREAMBLE_LENGTH, ...handshakeOptions(options) }),
        bytes.write(ours, handshakeOptions(options))
      ])
      theirs = list.subarray()
    } catch (err) {
      return this.refuse(connection, 'handshake-failed', `membership handshake failed: ${errorText(err)}`, err)
    }
    const fleetId = this.init.fleet?.fleetId
    if (equalBytes(theirs, ours)) return bytes.unwrap()
    if (fleetId != null && equalBytes(theirs, PREAMBLE_NO_FLEET)) {
      return this.refuse(connection, 'peer-has-no-token', `the peer has no join token, so it is not a member of fleet ${fleetId}; start it with fleet-node join --token <token of this fleet>`)
    }
    if (fleetId == null && equalBytes(theirs, PREAMBLE_MEMBER)) {
      return this.refuse(connection, 'local-has-no-token', 'the peer belongs to a fleet and this node has no join token; restart with fleet-node join --token <token from fleets token create>')
    }
    return this.refuse(connection, 'handshake-failed', 'the peer does not speak the FleetD membership handshake (not a fleet-node, or an incompatible version)')
  }

  /** A key mismatch makes the peer's proof decrypt to noise; a matching magic proves the key. */
  private async exchangeProof (connection: MessageStream, boxed: MessageStream, options?: AbortOptions): Promise<MessageStream> {
    const proof = this.proof ?? new Uint8Array()
    const fleetId = this.init.fleet?.fleetId ?? ''
    const bytes = byteStream(boxed)
    let theirs: Uint8Array
    try {
      const [list] = await Promise.all([
        bytes.read({ bytes: PROOF_LENGTH, ...handshakeOptions(options) }),
        bytes.write(proof, handshakeOptions(options))
      ])
      theirs = list.subarray()
    } catch (err) {
      return this.refuse(connection, 'handshake-failed', `membership handshake failed: ${errorText(err)}`, err)
    }
    if (!equalBytes(theirs.subarray(0, PROOF_MAGIC.length), PROOF_MAGIC)) {
      return this.refuse(connection, 'network-key-mismatch', `the peer is not a member of fleet ${fleetId}: its network key differs (another fleet's token, or one older than a key rotation)`)
    }
    if (!equalBytes(theirs, proof)) {
      return this.refuse(connection, 'fleet-id-mismatch', 'the peer uses this fleet\'s network key but another fleet id; its token was altered: issue it a new one with fleets token create')
    }
    return bytes.unwrap()
  }

  private refuse (connection: MessageStream, reason: RefusalReason, message: string, cause?: unknown): never {
    this.init.onRefused({ ...describe(connection), reason, message })
    connection.abort(new FleetMembershipError(message, reason))
    throw new FleetMembershipError(message, reason, { cause })
  }
}

/** An error's message, or its name or text when it has none (aborts may carry neither). */
function errorText (err: unknown): string {
  const e = err as { message?: unknown, name?: unknown } | null
  if (typeof e?.message === 'string' && e.message !== '') return e.message
  if (typeof e?.name === 'string' && e.name !== '') return e.name
  return String(err)
}
