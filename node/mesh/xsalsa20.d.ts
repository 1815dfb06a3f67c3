// xsalsa20 1.2.0 ships no types; only what xsalsa20-guard.ts uses is declared.
declare module 'xsalsa20' {
  interface XSalsa20Instance { update(this: XSalsa20Instance, input: Uint8Array, output?: Uint8Array): Uint8Array, finalize(): void }
  interface XSalsa20Constructor { (nonce: Uint8Array, key: Uint8Array): XSalsa20Instance, prototype: XSalsa20Instance }
  const XSalsa20: XSalsa20Constructor
  export default XSalsa20
}
