/**
 * A refusal the peer meant (another fleet's key, no token, not a fleet-node) waits the long
 * refusal backoff; a handshake that only timed out or was cut (a loaded machine, a flaky link)
 * is an ordinary failed dial and is retried soon — measured: under load, 5 s handshake
 * timeouts had kept members apart for 300 s.
 */
export function isMembershipRefusal (err: unknown): boolean {
  for (let e = err as { name?: string, reason?: string, cause?: unknown } | undefined, depth = 0; e != null && depth < 4; e = e.cause as typeof e, depth++) {
    if (e.name === 'FleetMembershipError') return !(e.reason === 'handshake-failed' && isTransient(e.cause))
  }
  return false
}

function isTransient (cause: unknown): boolean {
  const e = cause as { name?: unknown, code?: unknown, message?: unknown } | undefined
  if (e == null) return false
  const text = `${String(e.name)} ${String(e.code)} ${String(e.message)}`
  return /timeout|timed out|abort|reset|ECONNRESET|EPIPE|closed|ended|EOF/i.test(text)
}
