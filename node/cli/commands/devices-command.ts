import { parseFlags, parseKeyValues, UsageError } from '../args.js'
import { formatDevice, formatDeviceTable } from './devices-format.js'
import { apiClient, SERVER_FLAGS_HELP, SERVER_OPTIONS } from './server-client.js'
import type { DeviceView } from '../../coordinator/registry/index.js'

export const DEVICES_HELP = `Usage: fleets devices <list|show|label|register> [options]

The devices the coordinator knows: from their announcements on the mesh, their reports, or
registration by an admin.

  fleets devices list [--status online|offline] [--group G] [--label k=v]...
      devices with status, last seen, platform, app versions, labels and groups
  fleets devices show ID
      one device in full
  fleets devices label ID [key=value]... [key-]... [--group G]... [--remove-group G]...
      assign labels (key=value), remove assigned ones (key-), add or remove groups (admin)
  fleets devices register ID [--name N] [--platform os/arch] [--tier 1-4] [--parent ID]
                             [--label k=v]... [--group G]...
      register a device before it first announces itself, e.g. an MCU behind a gateway (admin)

Options of every subcommand:
${SERVER_FLAGS_HELP}

Exit codes: 0 done, 1 the coordinator refused or could not be reached (the code in brackets
says why: FLEET_ERR_API_UNAUTHORIZED, _FORBIDDEN, _NOT_FOUND…), 2 wrong usage.
`

const SUBCOMMANDS = ['list', 'show', 'label', 'register'] as const
type Sub = (typeof SUBCOMMANDS)[number]

/** Pages of this size until the list is complete: 10,000 devices in two requests. */
const PAGE_LIMIT = 5_000
/** Pages fetched at most, so a server that always answers `next` cannot loop the CLI forever. */
const PAGES_MAX = 100

export async function devicesCommand (argv: string[]): Promise<number> {
  const [sub, ...rest] = argv
  if (sub === '--help' || sub === '-h' || sub == null) { process.stdout.write(DEVICES_HELP); return sub == null ? 2 : 0 }
  if (!(SUBCOMMANDS as readonly string[]).includes(sub)) {
    throw new UsageError(`unknown subcommand '${sub}'; the devices command has: ${SUBCOMMANDS.join(', ')}`, 'devices')
  }
  return await run(sub as Sub, rest)
}

async function run (sub: Sub, argv: string[]): Promise<number> {
  const command = `devices ${sub}`
  const { values, positionals } = parseFlags(command, argv, {
    ...SERVER_OPTIONS,
    status: { type: 'string' }, group: { type: 'string', multiple: true }, label: { type: 'string', multiple: true },
    'remove-group': { type: 'string', multiple: true }, name: { type: 'string' }, platform: { type: 'string' },
    tier: { type: 'string' }, parent: { type: 'string' }
  }, sub === 'label' ? 200 : sub === 'list' ? 0 : 1)
  if (values.help === true) { process.stdout.write(DEVICES_HELP); return 0 }
  const allowed: Record<Sub, string[]> = {
    list: ['status', 'group', 'label'],
    show: [],
    label: ['group', 'remove-group'],
    register: ['name', 'platform', 'tier', 'parent', 'label', 'group']
  }
  for (const flag of ['status', 'group', 'label', 'remove-group', 'name', 'platform', 'tier', 'parent'] as const) {
    if (values[flag] != null && !allowed[sub].includes(flag)) throw new UsageError(`--${flag} is not an option of ${command}`, command)
  }
  const client = apiClient(command, values)
  const json = values.json === true
  const print = (device: DeviceView): number => {
    process.stdout.write(json ? JSON.stringify(device) + '\n' : formatDevice(device, Date.now()))
    return 0
  }
  if (sub === 'list') {
    if (values.status != null && values.status !== 'online' && values.status !== 'offline') {
      throw new UsageError(`--status takes online or offline, got '${values.status}'`, command)
    }
    if ((values.group?.length ?? 0) > 1) throw new UsageError('--group takes one group for list', command)
    const query = new URLSearchParams({ limit: String(PAGE_LIMIT) })
    if (values.status != null) query.set('status', values.status)
    if (values.group?.[0] != null) query.set('group', values.group[0])
    for (const [k, v] of Object.entries(parseKeyValues(command, 'label', values.label))) query.append('label', `${k}=${v}`)
    const devices: DeviceView[] = []
    for (let page = 0; page < PAGES_MAX; page++) {
      const answer = await client.get<{ devices: DeviceView[], next?: string }>(`/api/v1/devices?${query.toString()}`)
      devices.push(...answer.devices)
      if (answer.next == null) break
      query.set('after', answer.next)
    }
    process.stdout.write(json ? JSON.stringify(devices) + '\n' : formatDeviceTable(devices, Date.now()))
    return 0
  }
  const id = positionals[0]
  if (id == null) throw new UsageError('missing the device ID', command)
  if (sub === 'show') return print(await client.get<DeviceView>(`/api/v1/devices/${encodeURIComponent(id)}`))
  if (sub === 'label') return print(await client.post<DeviceView>(`/api/v1/devices/${encodeURIComponent(id)}/labels`, labelChange(command, positionals.slice(1), values)))
  return print(await client.post<DeviceView>('/api/v1/devices', {
    id,
    ...(values.name != null ? { name: values.name } : {}),
    ...(values.platform != null ? { platform: values.platform } : {}),
    ...(values.tier != null ? { tier: parseTier(command, values.tier) } : {}),
    ...(values.parent != null ? { parent: values.parent } : {}),
    ...(values.label != null ? { labels: parseKeyValues(command, 'label', values.label) } : {}),
    ...(values.group != null ? { groups: values.group } : {})
  }))
}

/** `key=value` assigns, `key-` removes (kubectl's form). */
function labelChange (command: string, changes: string[], values: { group?: string[] | undefined, 'remove-group'?: string[] | undefined }): Record<string, unknown> {
  const set: Record<string, string> = {}
  const remove: string[] = []
  for (const change of changes) {
    if (change.endsWith('-') && !change.includes('=')) remove.push(change.slice(0, -1))
    else Object.assign(set, parseKeyValues(command, 'label', [change]))
  }
  if (changes.length === 0 && values.group == null && values['remove-group'] == null) {
    throw new UsageError('nothing to change: give key=value, key-, --group G or --remove-group G', command)
  }
  return {
    ...(Object.keys(set).length > 0 ? { set } : {}),
    ...(remove.length > 0 ? { remove } : {}),
    ...(values.group != null ? { addGroups: values.group } : {}),
    ...(values['remove-group'] != null ? { removeGroups: values['remove-group'] } : {})
  }
}

function parseTier (command: string, value: string): number {
  const tier = Number(value)
  if (!/^[1-4]$/.test(value)) throw new UsageError(`--tier is 1 (full OS), 2 (embedded Linux), 3 (MCU) or 4 (sensor), got '${value}'`, command)
  return tier
}
