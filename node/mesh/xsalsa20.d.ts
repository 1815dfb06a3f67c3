// xsalsa20 1.2.0 ships no types; only what xsalsa20-guard.ts uses is declared.
declare module 'xsalsa20' {
  const XSalsa20: unknown
  export default XSalsa20
}
