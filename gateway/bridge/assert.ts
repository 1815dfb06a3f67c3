/** Assertions stay on in production (STYLE rule 7): they catch programmer errors, never input errors. */
export function assert (condition: unknown, message: string): asserts condition {
  if (condition !== true && !condition) throw new Error(`assertion failed: ${message}`)
}
