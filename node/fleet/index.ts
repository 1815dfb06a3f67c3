/**
 * Fleet membership: join tokens (fleet id, private-network key, trusted public keys) and the
 * administrator's fleet secrets that mint them.
 *
 * @example
 * ```ts
 * import { FleetStore, parseJoinToken } from './fleet/index.js'
 * const store = await FleetStore.open('/tmp/fleet-example.db')
 * const { token } = await store.createToken(Date.now())
 * console.log(parseJoinToken(token).fleetId)
 * await store.close()
 * ```
 */
export { FleetStore } from './fleet-store.js'
export { formatJoinToken, parseJoinToken, TOKEN_PREFIX } from './join-token.js'
export type { JoinTokenData, TrustedKey } from './join-token.js'
export { createFleetSecrets, keyIdOf, newFleetId, NETWORK_KEY_LENGTH } from './fleet-secrets.js'
export type { FleetSecrets } from './fleet-secrets.js'
export { JoinTokenError } from './errors.js'
