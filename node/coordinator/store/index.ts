/**
 * The coordinator's embedded store at `--db` (the same database `fleets token create` uses):
 * devices, apps, deployments, deployment reports (latest per device + counts), API tokens and
 * the audit log, each a sublevel of typed, zod-validated records.
 *
 * @example
 * ```ts
 * import { CoordinatorStore } from './store/index.js'
 * const store = await CoordinatorStore.open('/tmp/fleet-example.db')
 * await store.apps.put('web', {
 *   name: 'web', artifact: { name: 'web', version: '1.0.0' }, runtime: 'process', args: [], env: {},
 *   limits: {}, restartPolicy: 'on-failure', createdMs: Date.now(), createdBy: 'admin'
 * })
 * console.log((await store.apps.list()).map(app => app.name))
 * await store.close()
 * ```
 */
export { CoordinatorStore } from './coordinator-store.js'
export { RecordTable, describeIssues } from './record-table.js'
export type { ListOptions } from './record-table.js'
export { ReportTable, emptyCounts } from './report-table.js'
export { TokenTable } from './token-table.js'
export { AuditTable, auditKey } from './audit-table.js'
export { StoreOpenError, StoreRecordError } from './errors.js'
export * from './records.js'
export { AUDIT_DETAIL_BYTES_MAX, DEPLOYMENT_EVENTS_MAX, GROUPS_MAX, LIST_LIMIT_MAX, NAME_LENGTH_MAX, STORE_SCHEMA_VERSION } from './constants.js'
