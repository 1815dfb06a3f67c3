/** Splits a ByteLink's chunks into text lines (CR, LF or CRLF), bounded in length. */
import type { ByteLink, Unsubscribe } from '../link/index.js'
import { MODEM_LINE_BYTES_MAX } from './constants.js'

export function onLines (link: ByteLink, onLine: (line: string) => void, onOverlong: (bytes: number) => void): Unsubscribe {
  let pending: number[] = []
  let dropping = false
  return link.onData((chunk) => {
    for (const byte of chunk) {
      if (byte === 0x0a || byte === 0x0d) {
        if (!dropping && pending.length > 0) onLine(Buffer.from(pending).toString('latin1'))
        pending = []
        dropping = false
        continue
      }
      if (dropping) continue
      if (pending.length >= MODEM_LINE_BYTES_MAX) {
        // A line this long is noise or a confused peer: drop it whole, resync at the next newline.
        onOverlong(pending.length)
        pending = []
        dropping = true
        continue
      }
      pending.push(byte)
    }
  })
}

export const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex')

export function fromHex (text: string): Uint8Array | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined
  return Uint8Array.from(Buffer.from(text, 'hex'))
}
