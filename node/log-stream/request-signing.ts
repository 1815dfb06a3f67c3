/**
 * Who may read a device's logs: the coordinator, proven by a signature of a trusted
 * coordinator key (the fleet key from the join token, the one that signs plans) over the
 * request, which names the device and the peer allowed to send it. The device checks the
 * signature over the bytes received, then that it is the device named and that the stream's
 * remote peer (authenticated by Noise) is the one named: a request copied off the wire is
 * useless to any other peer, and to other devices. A join token does not always name the
 * coordinator's peer id (its bootstrap list is optional and may list other peers), so the
 * signature is what binds a peer id to the coordinator role.
 */
import { strict as assert } from 'node:assert'
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import { decodeLogRequest, decodeLogRequestBody, encodeLogRequest, encodeLogRequestBody, WIRE_VERSION } from '../../proto/index.js'
import { keyIdOf } from '../fleet/index.js'
import { LOG_REQUEST_CLOCK_SKEW_MS, LOGS_REQUESTER_ROLE, LOGS_SIGNING_DOMAIN } from './constants.js'
import type { TrustedKey } from '../../content/keys/index.js'
import type { LogRequestBody, WireBytes } from '../../proto/index.js'
import type { PrivateKey } from '@libp2p/interface'

const DOMAIN_BYTES = new TextEncoder().encode(LOGS_SIGNING_DOMAIN)

function signingBytes (body: Uint8Array): Uint8Array {
  const out = new Uint8Array(DOMAIN_BYTES.length + body.length)
  out.set(DOMAIN_BYTES, 0)
  out.set(body, DOMAIN_BYTES.length)
  return out
}

/** Encodes and signs a request with a coordinator key; returns the LogRequest frame. */
export async function signLogRequest (body: LogRequestBody, key: PrivateKey): Promise<Uint8Array> {
  assert(key.type === 'Ed25519', `log requests are signed with the fleet's Ed25519 coordinator key, not ${key.type}`)
  const bytes = encodeLogRequestBody(body)
  const signature = new Uint8Array(await key.sign(signingBytes(bytes)))
  return encodeLogRequest({ version: WIRE_VERSION, body: bytes, keyId: keyIdOf(key.publicKey.raw), signature })
}

export interface VerifyLogRequestOptions {
  trustedKeys: readonly TrustedKey[]
  fleetId: string
  /** This device's peer id. */
  deviceId: string
  /** The stream's remote peer. */
  remotePeer: string
  nowMs: number
}

export type LogRequestVerification = { ok: true, body: LogRequestBody } | { ok: false, message: string }

/** Never throws for bad input: a refusal says what was wrong. */
export async function verifyLogRequest (bytes: WireBytes, o: VerifyLogRequestOptions): Promise<LogRequestVerification> {
  let request
  try {
    request = decodeLogRequest(bytes)
  } catch (err) {
    return refuse(`the request could not be decoded (${(err as Error).message})`)
  }
  const key = o.trustedKeys.find(k => k.keyId === request.keyId)
  if (key == null || key.role !== LOGS_REQUESTER_ROLE) {
    return refuse(`the request is signed by key '${request.keyId.slice(0, 40)}', which this device does not trust as its coordinator; only the fleet's coordinator reads logs — ask it: fleets logs DEVICE APP`)
  }
  let valid = false
  try {
    valid = await publicKeyFromRaw(key.publicKey).verify(signingBytes(request.body.subarray()), request.signature)
  } catch {
    valid = false
  }
  if (!valid) return refuse(`the request's signature by coordinator key ${key.keyId} does not match its bytes (altered or forged)`)
  let body: LogRequestBody
  try {
    body = decodeLogRequestBody(request.body)
  } catch (err) {
    return refuse(`a signed request could not be decoded (${(err as Error).message}); upgrade fleet-node`)
  }
  if (body.fleetId !== o.fleetId) return refuse(`the request is for fleet ${body.fleetId}, this device is in fleet ${o.fleetId}`)
  if (body.deviceId !== o.deviceId) return refuse(`the request is for device ${body.deviceId}, not this one (${o.deviceId})`)
  if (body.requester !== o.remotePeer) return refuse(`the request was signed for peer ${body.requester} but sent by ${o.remotePeer}; a copied request is refused`)
  if (body.expiresMs <= o.nowMs || body.issuedMs > o.nowMs + LOG_REQUEST_CLOCK_SKEW_MS) {
    return refuse(`the request is valid from ${iso(body.issuedMs)} to ${iso(body.expiresMs)}, and this device's clock says ${iso(o.nowMs)}; if the device's clock is wrong, fix it (NTP)`)
  }
  return { ok: true, body }
}

function refuse (message: string): LogRequestVerification {
  return { ok: false, message }
}

function iso (ms: number): string {
  return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms)
}
