// A static import, not createRequire: the bundler must resolve this to the very module
// instance @libp2p/pnet uses (a runtime require loaded a second copy beside the bundled one,
// and the patch missed pnet entirely).
import xsalsa20 from 'xsalsa20'

/**
 * Works around a bug in `xsalsa20` 1.2.0, the cipher behind @libp2p/pnet (our fleet network).
 *
 * Every XSalsa20 instance caches a Uint8Array view of the one shared WebAssembly memory. When
 * any instance grows that memory (an input larger than any before), the other instances' views
 * are detached and report length 0; from then on each of their updates "grows" the memory by
 * its whole input size. Under bulk transfer the memory reaches WebAssembly's 4 GiB cap within
 * seconds and the process dies with "WebAssembly.Memory.grow(): Maximum memory size exceeded"
 * (seen: a seed serving an 8 MB artifact to two peers on loopback).
 *
 * The fix keeps the memory from ever growing after start: inputs are fed in slices of at most
 * UPDATE_SLICE_BYTES (a stream cipher is indifferent to how its input is sliced; the library
 * carries partial 64-byte blocks across calls), and before any connection exists the memory is
 * grown once to hold a slice plus headroom for the 64-byte state of many instances.
 */
const UPDATE_SLICE_BYTES = 64 * 1024
/** Each instance takes 64 bytes of state it never returns (pnet does not finalize): room for ~65,000 connections. */
const STATE_HEADROOM_BYTES = 8 * 1024 * 1024

type XSalsa20Instance = ReturnType<typeof xsalsa20>

let installed = false

export function installXSalsa20Guard (): void {
  if (installed) return
  installed = true
  const XSalsa20 = xsalsa20
  // Called below only with .call(this, …): the unbound reference is deliberate.
  // eslint-disable-next-line @typescript-eslint/unbound-method
  const original = XSalsa20.prototype.update
  XSalsa20.prototype.update = function sliced (this: XSalsa20Instance, input: Uint8Array, output: Uint8Array = new Uint8Array(input.length)): Uint8Array {
    for (let offset = 0; offset < input.length; offset += UPDATE_SLICE_BYTES) {
      const end = Math.min(offset + UPDATE_SLICE_BYTES, input.length)
      original.call(this, input.subarray(offset, end), output.subarray(offset, end))
    }
    return output
  }
  // One large update, through the original method, grows the memory once, before any
  // long-lived instance holds a view that could be detached.
  const warmup = XSalsa20(new Uint8Array(24), new Uint8Array(32))
  original.call(warmup, new Uint8Array(UPDATE_SLICE_BYTES + STATE_HEADROOM_BYTES))
  warmup.finalize()
}
