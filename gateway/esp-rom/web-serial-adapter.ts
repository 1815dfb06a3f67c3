/**
 * esptool-js talks to a Web Serial `SerialPort` (readable/writable WHATWG streams, open, close,
 * setSignals, getInfo). This adapter gives it one over any ByteLink, so Espressif's own loader
 * drives a serialport UART (or a pty) from Node.
 */
import type { ByteLink, Unsubscribe } from '../link/index.js'

export interface WebSerialLike {
  readable: ReadableStream<Uint8Array> | null
  writable: WritableStream<Uint8Array> | null
  open(options: { baudRate: number }): Promise<void>
  close(): Promise<void>
  setSignals(signals: { dataTerminalReady?: boolean, requestToSend?: boolean, break?: boolean }): Promise<void>
  getInfo(): { usbVendorId?: number, usbProductId?: number }
}

export function webSerialAdapter (link: ByteLink): WebSerialLike {
  let off: Unsubscribe | undefined
  const port: WebSerialLike = {
    readable: null,
    writable: null,
    async open (options) {
      await link.update({ baudRate: options.baudRate })
      port.readable = new ReadableStream<Uint8Array>({
        start (controller) {
          off = link.onData((chunk) => { controller.enqueue(chunk.slice()) })
          link.onClose(() => { try { controller.close() } catch { /* already closed */ } })
        },
        cancel () { off?.() }
      })
      port.writable = new WritableStream<Uint8Array>({ write: async (chunk) => { await link.write(chunk) } })
    },
    async close () {
      off?.()
      port.readable = null
      port.writable = null
      return await Promise.resolve()
    },
    async setSignals (s) {
      await link.setSignals({ ...(s.dataTerminalReady === undefined ? {} : { dtr: s.dataTerminalReady }), ...(s.requestToSend === undefined ? {} : { rts: s.requestToSend }) })
    },
    getInfo: () => ({})
  }
  return port
}
