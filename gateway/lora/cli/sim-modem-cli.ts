/**
 * `npm run -s lora:sim-modem -- --tty PATH …`: the simulated LoRa modem on a tty (one end of a
 * socat pty pair), with C device processes on its simulated air, in real time. For trying the
 * gateway side against "hardware" on a development machine; nothing leaves the machine.
 */
import { readFile } from 'node:fs/promises'
import { createPublicKey } from 'node:crypto'
import { join } from 'node:path'
import { z } from 'zod'
import { parseFlags, UsageError } from '../../../node/cli/args.js'
import { systemClock } from '../../../node/ports/index.js'
import { SimRandom } from '../../../simulations/engine/prng.js'
import { rawPublicKey } from '../envelope.js'
import { ProcessDevice } from '../process-device.js'
import { SimulatedModem } from '../sim-modem.js'
import { ttyLink } from '../tty-link.js'

const COMMAND = 'lora:sim-modem'
const HELP = `usage: npm run -s lora:sim-modem -- --tty PATH --pubkey PEM --image FILE --devices HEX[,HEX…] --out-dir DIR
  [--version N (1)] [--loss 0..0.9 (0.1)] [--seed N (1)] [--device-binary PATH]
Each device runs firmware-bridge/lora/build/lora_device (make -C firmware-bridge/lora) with the image
FILE at version N, trusting the Ed25519 public key in PEM; installed images go to DIR/<devaddr>.bin.`

const Config = z.object({
  tty: z.string().min(1),
  pubkey: z.string().min(1),
  image: z.string().min(1),
  devices: z.string().regex(/^[0-9a-fA-F]{1,8}(,[0-9a-fA-F]{1,8})*$/, 'a comma-separated list of hex DevAddrs, e.g. 26010000,26010001'),
  'out-dir': z.string().min(1),
  version: z.coerce.number().int().min(0).max(0xffffffff).default(1),
  loss: z.coerce.number().min(0).max(0.9).default(0.1),
  seed: z.coerce.number().int().default(1),
  'device-binary': z.string().default('firmware-bridge/lora/build/lora_device')
})

async function main (): Promise<void> {
  const { values } = parseFlags(COMMAND, process.argv.slice(2), {
    tty: { type: 'string' }, pubkey: { type: 'string' }, image: { type: 'string' }, devices: { type: 'string' }, 'out-dir': { type: 'string' },
    version: { type: 'string' }, loss: { type: 'string' }, seed: { type: 'string' }, 'device-binary': { type: 'string' }, help: { type: 'boolean' }
  })
  if (values.help === true) { console.log(HELP); return }
  const parsed = Config.safeParse(values)
  if (!parsed.success) throw new UsageError(parsed.error.issues.map(i => `--${i.path.join('.')}: ${i.message}`).join('; '), COMMAND)
  const c = parsed.data
  const publicKey = rawPublicKey(createPublicKey(await readFile(c.pubkey)))
  const link = ttyLink(c.tty)
  const modem = new SimulatedModem({ clock: systemClock(), random: new SimRandom(c.seed), link }, { downlinkLoss: c.loss })
  const devices = c.devices.split(',').map(hex => new ProcessDevice({
    binary: c['device-binary'], devAddr: Number.parseInt(hex, 16), publicKey, imagePath: c.image, version: c.version, outPath: join(c['out-dir'], `${hex.toLowerCase()}.bin`)
  }))
  for (const d of devices) modem.attach(d)
  const stop = async (): Promise<void> => {
    await modem.close()
    await link.close()
    await Promise.all(devices.map(async d => { await d.close() }))
    console.error(`${COMMAND}: ${JSON.stringify(modem.stats)}`)
    process.exit(0)
  }
  process.once('SIGTERM', () => { void stop() })
  process.once('SIGINT', () => { void stop() })
  console.log(`ready: simulated modem on ${c.tty}, ${devices.length} devices, loss ${c.loss}, seed ${c.seed}`)
}

main().catch((error: Error & { code?: string }) => {
  console.error(`${COMMAND}: ${error.message}${error.code !== undefined ? ` [${error.code}]` : ''}`)
  if (error instanceof UsageError) console.error(HELP)
  process.exit(error instanceof UsageError ? 2 : 1)
})
