import { createHash, randomBytes } from 'node:crypto'
import { API_TOKEN_PREFIX, SERVER_ACTOR, TOKENS_MAX } from './constants.js'
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError } from './errors.js'
import type { Actor } from './context.js'
import type { AuditLog } from '../audit/index.js'
import type { ApiTokenRecord, CoordinatorStore, Role } from '../store/index.js'
import type { Clock } from '../../ports/index.js'

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 }
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567'

/** What each role may do, for 403 hints. */
export const ROLE_ALLOWS: Record<Role, string> = {
  viewer: 'read',
  operator: 'read, create apps and deployments, and promote, pause, resume or roll them back',
  admin: 'everything, including API tokens, keys and devices'
}

export function sha256Hex (text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export function roleAllows (role: Role, required: Role): boolean {
  return RANK[role] >= RANK[required]
}

/**
 * API tokens: `fleetd_<id>_<secret>` with 256 random bits of secret. Only the sha256 of the
 * whole token is stored, so a copy of the database does not hand out access; lookups go by
 * that hash, so no secret is ever compared byte by byte. Token secrets come from the OS CSPRNG
 * on purpose, not from the injected Random: they must never be reproducible.
 */
export class TokenService {
  constructor (private readonly c: { store: Pick<CoordinatorStore, 'tokens' | 'exclusive'>, clock: Pick<Clock, 'nowMs'>, audit: AuditLog }) {}

  async create (input: { name: string, role: Role, createdBy: string }): Promise<{ token: string, record: ApiTokenRecord }> {
    return await this.c.store.exclusive(async () => {
      if (await this.c.store.tokens.count() >= TOKENS_MAX) {
        throw new ConflictError(`the coordinator holds its maximum of ${TOKENS_MAX} API tokens`, 'revoke tokens that are no longer used')
      }
      const id = [...randomBytes(10)].map(b => ALPHABET[b % 32]).join('')
      const token = `${API_TOKEN_PREFIX}${id}_${randomBytes(32).toString('base64url')}`
      const record: ApiTokenRecord = { id, name: input.name, role: input.role, sha256: sha256Hex(token), createdMs: this.c.clock.nowMs(), createdBy: input.createdBy }
      await this.c.store.tokens.put(record)
      return { token, record }
    })
  }

  /** The caller of a request, from its `Authorization: Bearer` header; 401 when missing, unknown or revoked. */
  async authenticate (header: string | undefined): Promise<Actor> {
    if (header == null || header === '') throw new UnauthorizedError('this API needs a token and the request has none')
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    if (match?.[1] == null) throw new UnauthorizedError("the Authorization header is not 'Bearer <token>'")
    const record = await this.c.store.tokens.findByHash(sha256Hex(match[1]))
    if (record == null) throw new UnauthorizedError('the API token is not valid for this coordinator')
    if (record.revokedMs != null) throw new UnauthorizedError(`the API token '${record.name}' was revoked`, 'ask an admin for a new token')
    return { tokenId: record.id, name: record.name, role: record.role }
  }

  /** 403 unless `actor` has at least `required`; `what` says what was attempted. */
  authorize (actor: Actor, required: Role, what: string): void {
    if (roleAllows(actor.role, required)) return
    throw new ForbiddenError(`the token '${actor.name}' has role ${actor.role}; ${what} needs ${required}`,
      `a ${actor.role} may ${ROLE_ALLOWS[actor.role]}; ask an admin for a ${required} token`)
  }

  async revoke (id: string, by: string): Promise<ApiTokenRecord> {
    return await this.c.store.exclusive(async () => {
      const record = await this.c.store.tokens.get(id)
      if (record == null) throw new NotFoundError(`no API token has id ${id}`, 'GET /api/v1/tokens lists them')
      if (record.revokedMs != null) return record
      if (record.role === 'admin') {
        const admins = (await this.c.store.tokens.list()).filter(t => t.role === 'admin' && t.revokedMs == null)
        if (admins.length <= 1) throw new ConflictError(`'${record.name}' is the last admin token; revoking it would lock everyone out`, 'create another admin token first')
      }
      const revoked: ApiTokenRecord = { ...record, revokedMs: this.c.clock.nowMs(), revokedBy: by }
      await this.c.store.tokens.put(revoked)
      return revoked
    })
  }

  /**
   * On the first start (no token at all), creates an admin token and returns it: the only time
   * it is ever shown. Later starts return nothing.
   */
  async ensureAdminToken (): Promise<{ token: string, record: ApiTokenRecord } | undefined> {
    if (await this.c.store.tokens.count() > 0) return undefined
    const created = await this.create({ name: 'admin', role: 'admin', createdBy: SERVER_ACTOR })
    await this.c.audit.append({ actor: SERVER_ACTOR, action: 'token.create', detail: { tokenId: created.record.id, name: 'admin', role: 'admin', bootstrap: true } })
    return created
  }
}
