/** A broken invariant, with enough to find it again (`atMs` is virtual ms since the start). */
export interface Violation {
  atMs: number
  kind: 'safety' | 'liveness'
  invariant: string
  message: string
}
