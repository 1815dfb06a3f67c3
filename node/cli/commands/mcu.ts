/**
 * `fleet-node mcu info|flash`: bench and factory work on one MCU on a serial port, without a
 * fleet. Exit codes of `flash`: 0 the device ends on the new image (read back), 3 it rolled back
 * and runs the old image, 1 anything else (refused image, no device, transfer failed), 2 usage.
 */
import { readFile, writeFile } from 'node:fs/promises'
import { bridgeFlash, bridgeInfo, infoView, McuImageError } from '../../../gateway/mcu/index.js'
import type { BridgeInfoView, McuPortOptions } from '../../../gateway/mcu/index.js'
import { checkSettings, SUPPORTED_BAUD_RATES } from '../../../gateway/link/index.js'
import type { SerialMode } from '../../../gateway/link/index.js'
import { systemClock } from '../../ports/index.js'
import type { Clock } from '../../ports/index.js'
import { lockPort } from '../../../gateway/children/index.js'
import { parseFlags, UsageError } from '../args.js'
import { formatBytes, progressLine } from './progress-line.js'
import { stm32Flash, stm32Info } from '../../../gateway/stm32/index.js'
import { DEFAULT_APP_ADDRESS, espRomFlash, espRomInfo } from '../../../gateway/esp-rom/index.js'
import { buildStm32Image, DEV_IDS, parseStm32Image } from '../../../gateway/stm32-image/index.js'

const HELP = `Usage: fleet-node mcu info|flash --port PATH --mcu esp32|stm32 [options]
       fleet-node mcu image --chip PART --version V --file app.bin --out app.fs32 [--secure-version N] [--project NAME] [--load-addr A]

  --port PATH        serial port (/dev/ttyUSB0)
  --mcu esp32|stm32  the MCU family
  --via bridge|rom   bridge: the FleetD firmware bridge runs on the MCU (default);
                     rom: the chip's ROM bootloader (ESP32 through esptool-js, STM32 AN3155)
  --baud N           line rate (default 115200); one of ${SUPPORTED_BAUD_RATES.join(', ')}
  --mode 8n1|8e1     framing (default 8n1 for the bridge, 8e1 for the STM32 ROM)
  --no-reset         do not toggle DTR/RTS (boot mode is set by hand, or the port has no modem lines)
  --file F           the image to flash (flash only): an ESP-IDF app .bin; for an STM32, a
                     FleetD STM32 image (bridge) or a raw .bin (rom)
  --version V        optional check: the version the image must carry (ESP and FleetD STM32 images
                     carry theirs; the device reports it after boot)

image: wraps an STM32 app binary (objcopy -O binary, vector table first) in the FleetD STM32
header (firmware-bridge/IMAGE.md) that the bridge reads versions from; what gateways deploy.
  --chip PART        ${Object.keys(DEV_IDS).join(', ')}, or a DEV_ID (0x431)
  --secure-version N anti-rollback number (default 0); devices refuse images below theirs
  --load-addr A      vector table address the app is linked for (default 0: position-independent)
  --address A        ROM path: flash address (default 0x10000 on ESP32, 0x08000000 on STM32)
  --json             machine-readable output

Exit codes (flash): 0 the device runs the new image (read back), 3 the device rolled back to
the old image, 1 failed, 2 usage.
`

const OPTIONS = {
  port: { type: 'string' }, mcu: { type: 'string' }, via: { type: 'string' }, baud: { type: 'string' }, mode: { type: 'string' },
  'no-reset': { type: 'boolean' }, file: { type: 'string' }, version: { type: 'string' }, address: { type: 'string' },
  json: { type: 'boolean' }, help: { type: 'boolean' }, out: { type: 'string' }, chip: { type: 'string' },
  'secure-version': { type: 'string' }, project: { type: 'string' }, 'load-addr': { type: 'string' }
} as const

export async function mcuCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === undefined || sub === '--help' || sub === '-h') { process.stdout.write(HELP); return sub === undefined ? 2 : 0 }
  if (sub !== 'info' && sub !== 'flash' && sub !== 'image') throw new UsageError(`unknown subcommand '${sub}': use info, flash or image`, 'mcu')
  const command = `mcu ${sub}`
  const { values } = parseFlags(command, rest, OPTIONS)
  if (values.help === true) { process.stdout.write(HELP); return 0 }
  if (sub === 'image') return await wrapStm32Image(values, command)
  if (values.port === undefined) throw new UsageError('--port is required (the serial device, e.g. /dev/ttyUSB0)', command)
  const mcu = values.mcu
  if (mcu !== 'esp32' && mcu !== 'stm32') throw new UsageError(`--mcu must be esp32 or stm32, got '${mcu ?? ''}'`, command)
  const via = values.via ?? 'bridge'
  if (via !== 'bridge' && via !== 'rom') throw new UsageError(`--via must be bridge or rom, got '${via}'`, command)
  const baudRate = values.baud === undefined ? 115200 : Number(values.baud)
  const mode = (values.mode ?? (via === 'rom' && mcu === 'stm32' ? '8e1' : '8n1')) as SerialMode
  try { checkSettings({ baudRate, mode }) } catch (error) { throw new UsageError((error as Error).message.replace(/^unsupported baud rate/, '--baud: unsupported rate').replace(/^unsupported serial mode/, '--mode: unsupported'), command) }
  const port: McuPortOptions = { path: values.port, baudRate, mode }
  const clock = systemClock()
  const json = values.json === true
  // One driver per UART: a gateway fleet-node holding the port makes this fail with FLEET_ERR_PORT_LOCKED.
  const lock = await lockPort(values.port, `fleet-node mcu ${sub}`)
  try {
    return await runMcu({ sub, values, port, mcu, via, clock, json, command })
  } finally {
    await lock.release()
  }
}

type McuValues = ReturnType<typeof parseFlags<typeof OPTIONS>>['values']

async function runMcu (o: { sub: 'info' | 'flash', values: McuValues, port: McuPortOptions, mcu: 'esp32' | 'stm32', via: 'bridge' | 'rom', clock: Clock, json: boolean, command: string }): Promise<number> {
  const { sub, values, port, mcu, via, clock, json, command } = o
  if (sub === 'info') {
    if (via === 'rom' && mcu === 'esp32') {
      const info = await espRomInfo({ ...port, reset: values['no-reset'] !== true })
      process.stdout.write(json ? JSON.stringify(info) + '\n' : `${info.chip} ROM bootloader\n`)
      return 0
    }
    if (via === 'rom') {
      const info = await stm32Info(port, { clock, reset: values['no-reset'] !== true })
      process.stdout.write(json ? JSON.stringify(info) + '\n' : `STM32 system bootloader v${info.bootloaderVersion} · product id 0x${info.productId.toString(16)} · commands ${info.commands.map((c) => '0x' + c.toString(16)).join(' ')}\n`)
      return 0
    }
    const view = infoView(await bridgeInfo(port, clock))
    process.stdout.write(json ? JSON.stringify(view) + '\n' : formatInfo(view))
    return 0
  }

  if (values.file === undefined) throw new UsageError('--file is required: the image to flash', command)
  const image = new Uint8Array(await readFile(values.file).catch((error: NodeJS.ErrnoException) => {
    throw new McuImageError(`cannot read --file ${values.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  }))
  const progress = progressLine(`flashing ${values.file}`)
  if (via === 'rom' && mcu === 'esp32') {
    const address = values.address === undefined ? DEFAULT_APP_ADDRESS : Number(values.address)
    if (!Number.isInteger(address) || address < 0) throw new UsageError(`--address must be a number, got '${values.address ?? ''}'`, command)
    const r = await espRomFlash(image, { ...port, address, reset: values['no-reset'] !== true, onProgress: (done, total) => { progress.update(`${formatBytes(done)} / ${formatBytes(total)}`) } })
    progress.done()
    process.stdout.write(json ? JSON.stringify(r) + '\n' : `${r.chip}: wrote ${formatBytes(r.bytes)} at 0x${address.toString(16)}; the ROM's MD5 of the region matches (${r.md5})\n`)
    return 0
  }
  if (via === 'rom') {
    const address = values.address === undefined ? 0x08000000 : Number(values.address)
    if (!Number.isInteger(address) || address < 0) throw new UsageError(`--address must be a number, got '${values.address ?? ''}'`, command)
    const r = await stm32Flash(port, image, { clock, address, reset: values['no-reset'] !== true, onProgress: (done, total) => { progress.update(`${formatBytes(done)} / ${formatBytes(total)}`) } })
    progress.done()
    process.stdout.write(json ? JSON.stringify(r) + '\n' : `wrote and read back ${formatBytes(r.bytes)} at 0x${address.toString(16)} in ${r.ms} ms; started at 0x${address.toString(16)}\n`)
    return 0
  }
  const { result, image: esp, stm32Image, device } = await bridgeFlash(port, image, {
    version: values.version,
    clock,
    onProgress: (p) => { progress.update(p.phase === 'transfer' ? `${formatBytes(p.offset)} / ${formatBytes(p.size)}` : p.phase) }
  })
  progress.done()
  if (json) {
    const imageView = esp !== null
      ? { chip: esp.chip, version: esp.app.version, project: esp.app.projectName, secureVersion: esp.app.secureVersion }
      : stm32Image !== null ? { chip: stm32Image.chip, version: stm32Image.version, project: stm32Image.projectName, secureVersion: stm32Image.secureVersion } : null
    process.stdout.write(JSON.stringify({ ...result, image: imageView, device }) + '\n')
  } else {
    const rate = result.transferMs > 0 ? ` (${formatBytes(Math.round(result.bytesSent * 1000 / result.transferMs))}/s)` : ''
    process.stdout.write(`${result.outcome}: the device runs ${result.runningVersion || 'no image'} (was ${result.previousVersion || 'nothing'}); sent ${formatBytes(result.bytesSent)}${rate}, ${result.resumes} resumes\n`)
    if (result.errorMessage !== undefined) process.stderr.write(`${result.errorMessage} [${result.errorCode ?? ''}]\n`)
  }
  return result.outcome === 'updated' || result.outcome === 'already-current' ? 0 : result.outcome === 'rolled-back' ? 3 : 1
}

function formatInfo (v: BridgeInfoView): string {
  const slots = v.slots.map((s) => `  slot ${s.slot}${s.slot === v.runningSlot ? ' (running)' : ''}: ${s.state}${s.version === '' ? '' : ` ${s.version}`}`).join('\n')
  const session = v.session === null ? '' : `\n  open OTA session: ${formatBytes(v.session.offset)} of ${formatBytes(v.session.size)} written (resumable)`
  return `${v.chip} · bridge protocol ${v.protocolVersion} · running ${v.runningVersion || 'nothing'} · secure_version ${v.secureVersion}\n${slots}${session}\n  slots of ${formatBytes(v.slotBytes)}, window ${v.window} × ${v.chunkBytes} B\n`
}

/** `fleet-node mcu image`: an STM32 app binary in, a FleetD STM32 image out (parsed back before it is written). */
async function wrapStm32Image (values: McuValues, command: string): Promise<number> {
  if (values.file === undefined || values.out === undefined) throw new UsageError('--file (the app .bin) and --out (the image to write) are required', command)
  if (values.version === undefined || values.version === '') throw new UsageError('--version is required: the version the device will report', command)
  const chipText = values.chip ?? ''
  const chip = /^(0x)?[0-9a-f]+$/i.test(chipText) ? Number(chipText.startsWith('0x') ? chipText : `0x${chipText}`) : chipText
  if (typeof chip === 'string' && DEV_IDS[chip] === undefined) throw new UsageError(`--chip must be one of ${Object.keys(DEV_IDS).join(', ')} or a DEV_ID, got '${chipText}'`, command)
  const number = (flag: string, text: string | undefined): number | undefined => {
    if (text === undefined) return undefined
    const n = Number(text)
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new UsageError(`--${flag} must be a number 0..0xffffffff, got '${text}'`, command)
    return n
  }
  const payload = new Uint8Array(await readFile(values.file).catch((error: NodeJS.ErrnoException) => {
    throw new McuImageError(`cannot read --file ${values.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`)
  }))
  const image = buildStm32Image({ chip, version: values.version, payload, projectName: values.project, secureVersion: number('secure-version', values['secure-version']), loadAddr: number('load-addr', values['load-addr']) })
  const info = parseStm32Image(image)
  await writeFile(values.out, image)
  process.stdout.write(values.json === true ? JSON.stringify(info) + '\n' : `${values.out}: ${info.chip} ${info.version} (secure version ${info.secureVersion}), ${formatBytes(info.payloadBytes)} payload, sha256 ${info.payloadSha256.slice(0, 16)}…\n`)
  return 0
}
