/**
 * Single-quotes a value for sh/bash: nothing inside single quotes is special except the quote
 * itself, written as '\'' (close, escaped quote, reopen). Newlines are refused by the callers'
 * schemas; a NUL cannot be passed to a shell at all, so it is an assertion here.
 */
export function shq (value: string): string {
  if (value.includes('\0')) throw new Error('shq: NUL in a shell value')
  return `'${value.replaceAll("'", "'\\''")}'`
}
