/**
 * A RadioDevice backed by a real process: the host build of the C end device
 * (firmware-bridge/lora/build/lora_device) speaking the radio line protocol on stdin/stdout.
 */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Unsubscribe } from '../link/index.js'
import { LoraModemError } from './errors.js'
import { fromHex, toHex } from './line-reader.js'
import type { RadioDevice } from './sim-modem.js'

export interface ProcessDeviceOptions {
  binary: string
  devAddr: number
  publicKey: Uint8Array
  imagePath: string
  version: number
  outPath: string
}

export class ProcessDevice implements RadioDevice {
  readonly name: string
  readonly devAddr: number
  private readonly child: ChildProcessWithoutNullStreams
  private readonly waiting: Array<{ resolve: () => void, reject: (e: Error) => void }> = []
  private readonly listeners = new Set<(frame: { fport: number, payload: Uint8Array }) => void>()
  private exited?: Error
  stderr = ''

  constructor (options: ProcessDeviceOptions) {
    this.devAddr = options.devAddr
    this.name = `lora_device ${options.devAddr.toString(16).padStart(8, '0')}`
    this.child = spawn(options.binary, ['--dev-addr', options.devAddr.toString(16), '--pubkey', toHex(options.publicKey),
      '--image', options.imagePath, '--version', String(options.version), '--out', options.outPath], { stdio: 'pipe' })
    this.child.stderr.on('data', (chunk: Buffer) => { this.stderr = (this.stderr + chunk.toString()).slice(-4096) })
    this.child.on('exit', (code, signal) => {
      this.exited = new LoraModemError(`${this.name} exited (${code ?? signal}): ${this.stderr.trim()}`)
      for (const w of this.waiting.splice(0)) w.reject(this.exited)
    })
    createInterface({ input: this.child.stdout }).on('line', (line) => { this.onLine(line) })
  }

  async receive (frame: { addr: number, fport: number, payload: Uint8Array }): Promise<void> {
    if (this.exited !== undefined) throw this.exited
    const done = new Promise<void>((resolve, reject) => { this.waiting.push({ resolve, reject }) })
    this.child.stdin.write(`RX ${frame.addr.toString(16).padStart(8, '0')} ${frame.fport} ${toHex(frame.payload)}\n`)
    await done
  }

  onTransmit (listener: (frame: { fport: number, payload: Uint8Array }) => void): Unsubscribe {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async close (): Promise<void> {
    if (this.exited !== undefined) return
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => { resolve() }))
    this.child.stdin.end()
    await gone
  }

  private onLine (line: string): void {
    if (line === 'RXOK') { this.waiting.shift()?.resolve(); return }
    const m = /^TX (\d{1,3}) ([0-9a-f]*)$/.exec(line)
    const payload = fromHex(m?.[2] ?? 'x')
    if (m === null || payload === undefined) return
    for (const l of this.listeners) l({ fport: Number(m[1]), payload })
  }
}
