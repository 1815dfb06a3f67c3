import type { DeploymentEngine } from './engine.js'
import type { TokenService } from './tokens.js'
import type { AuditLog } from '../audit/index.js'
import type { DeviceRegistry } from '../registry/index.js'
import type { CoordinatorStore, Role } from '../store/index.js'
import type { Logger } from '../../logging/index.js'
import type { Clock, Random } from '../../ports/index.js'

/** Who is calling: the API token's id, name and role. Audit entries name the token. */
export interface Actor {
  tokenId: string
  name: string
  role: Role
}

/** What route handlers use; built once per server. */
export interface ApiContext {
  store: CoordinatorStore
  registry: DeviceRegistry
  engine: DeploymentEngine
  audit: AuditLog
  tokens: TokenService
  clock: Clock
  random: Random
  logger: Logger
  version: string
}
