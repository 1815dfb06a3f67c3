/**
 * `npm run -s lora:fuota -- --tty PATH …`: deliver a signed firmware image to LoRa devices through
 * the modem on PATH (MODEM.md), as a delta when one is smaller, optionally as one multicast
 * stream. Prints the result (or JSON with --json); exit 0 when every device installed it.
 */
import { createPrivateKey } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { z } from 'zod'
import { parseFlags, UsageError } from '../../../node/cli/args.js'
import { systemClock } from '../../../node/ports/index.js'
import { encodeDelta } from '../delta.js'
import { DutyCycleLedger } from '../duty-cycle.js'
import { sealEnvelope } from '../envelope.js'
import { EU868_RX2_HZ, subBandOf } from '../eu868.js'
import { FuotaSession } from '../fuota-session.js'
import { LoraModemDriver } from '../modem-driver.js'
import { ttyLink } from '../tty-link.js'

const COMMAND = 'lora:fuota'
const HELP = `usage: npm run -s lora:fuota -- --tty PATH --key PEM --image FILE --version N --devices HEX[,HEX…]
  [--base FILE (send a delta from it when smaller)] [--dr 0..5 (5)] [--channel HZ … (869525000)]
  [--policy window|off-time (window)] [--multicast-addr HEX] [--loss 0..0.9 (0.1): redundancy sized for it] [--json]`

const hz = z.coerce.number().int().refine(v => { try { subBandOf(v); return true } catch { return false } }, 'not an EU868 channel (e.g. 868100000, 869525000)')
const Config = z.object({
  tty: z.string().min(1),
  key: z.string().min(1),
  image: z.string().min(1),
  version: z.coerce.number().int().min(1).max(0xffffffff),
  devices: z.string().regex(/^[0-9a-fA-F]{1,8}(,[0-9a-fA-F]{1,8})*$/, 'a comma-separated list of hex DevAddrs'),
  base: z.string().optional(),
  dr: z.coerce.number().int().min(0).max(5).default(5),
  channel: z.array(hz).default([EU868_RX2_HZ]),
  policy: z.enum(['window', 'off-time']).default('window'),
  'multicast-addr': z.string().regex(/^[0-9a-fA-F]{1,8}$/, 'a hex McAddr').optional(),
  loss: z.coerce.number().min(0).max(0.9).default(0.1),
  json: z.boolean().default(false)
})

async function main (): Promise<void> {
  const { values } = parseFlags(COMMAND, process.argv.slice(2), {
    tty: { type: 'string' }, key: { type: 'string' }, image: { type: 'string' }, version: { type: 'string' }, devices: { type: 'string' },
    base: { type: 'string' }, dr: { type: 'string' }, channel: { type: 'string', multiple: true }, policy: { type: 'string' },
    'multicast-addr': { type: 'string' }, loss: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' }
  })
  if (values.help === true) { console.log(HELP); return }
  const parsed = Config.safeParse(values)
  if (!parsed.success) throw new UsageError(parsed.error.issues.map(i => `--${i.path.join('.')}: ${i.message}`).join('; '), COMMAND)
  const c = parsed.data
  const key = createPrivateKey(await readFile(c.key))
  const image = new Uint8Array(await readFile(c.image))
  const full = sealEnvelope({ kind: 'full', version: c.version, image }, key)
  let envelope = full
  if (c.base !== undefined) {
    const delta = sealEnvelope({ kind: 'delta', version: c.version, image, delta: encodeDelta(new Uint8Array(await readFile(c.base)), image) }, key)
    if (delta.length < full.length) envelope = delta
  }
  const link = ttyLink(c.tty)
  const driver = new LoraModemDriver(link, systemClock())
  try {
    const session = new FuotaSession({ clock: systemClock(), modem: driver, ledger: new DutyCycleLedger(c.policy) }, {
      dr: c.dr as 5, channelsHz: c.channel, expectedLoss: c.loss,
      ...(c['multicast-addr'] !== undefined ? { multicast: { mcGroupId: 0, mcAddr: Number.parseInt(c['multicast-addr'], 16), mcKeyEncrypted: new Uint8Array(16) } } : {})
    })
    const devAddrs = c.devices.split(',').map(h => Number.parseInt(h, 16))
    const result = await session.run(envelope, devAddrs, {
      onProgress: p => { if (!c.json) console.error(`${p.fragmentsSent} fragments sent (round ${p.round}), about ${Math.round(p.etaMs / 1000)} s left`) }
    })
    const devices = Object.fromEntries([...result.devices].map(([a, r]) => [a.toString(16).padStart(8, '0'), r]))
    const summary = { sent: envelope === full ? 'full' : 'delta', envelopeBytes: envelope.length, imageBytes: image.length, ...result, devices, missing: Object.fromEntries(result.missing) }
    if (c.json) console.log(JSON.stringify(summary))
    else {
      console.log(`${summary.sent} envelope of ${envelope.length} bytes (image ${image.length}); ${result.fragmentsSent} fragments for NbFrag ${result.nbFrag}, ` +
        `${(result.airtimeMs / 1000).toFixed(1)} s on air, ${(result.elapsedMs / 1000).toFixed(1)} s elapsed`)
      for (const [addr, r] of Object.entries(devices)) console.log(`${addr}  ${r}`)
    }
    process.exitCode = [...result.devices.values()].every(r => r === 'installed') ? 0 : 1
  } finally {
    await driver.close()
  }
}

main().catch((error: Error & { code?: string }) => {
  console.error(`${COMMAND}: ${error.message}${error.code !== undefined ? ` [${error.code}]` : ''}`)
  if (error instanceof UsageError) console.error(HELP)
  process.exit(error instanceof UsageError ? 2 : 1)
})
