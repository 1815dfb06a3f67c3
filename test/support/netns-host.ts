/**
 * One simulated host: a network namespace with `eth0` on the test bridge. Processes started with
 * spawn()/exec() see only that interface and loopback, so mDNS and anything else they send stays
 * on the bridge inside the switch namespace and can never leave the machine.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { accessSync, constants as fsConstants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { ip, run, type RunResult } from './netns-exec.js'
import { defaultTeePath, ProcessLogs } from './netns-logs.js'
import {
  EGRESS_MBIT_MAX, EGRESS_MBIT_MIN, EXEC_TIMEOUT_MS, HOST_IFNAME, PROBE_TIMEOUT_MS,
  TBF_BURST_BYTES_MIN, TBF_LATENCY_MS
} from './netns-constants.js'

export interface SpawnOptions {
  /** Merged over process.env, which is passed through. */
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** @default 'ignore' */
  stdin?: 'ignore' | 'pipe'
  /** Also append raw output to a file: true → test-output/netns/<ns>-<pid>.log, a string → test-output/<string>. */
  tee?: boolean | string
}

export interface ExecOptions {
  /** @default EXEC_TIMEOUT_MS */
  timeoutMs?: number
  /** Merged over process.env. */
  env?: NodeJS.ProcessEnv
  input?: string
}

export type ExecResult = RunResult

export interface PingResult {
  reachable: boolean
  /** 'icmp' when a `ping` binary exists; otherwise a TCP SYN whose RST answer proves the path. */
  method: 'icmp' | 'tcp-rst'
}

/** Runs inside the namespace: exit 0 if `address` answers a TCP SYN at all (RST counts). */
const TCP_PROBE = `const s = require('node:net').connect({ host: process.argv[1], port: 9, timeout: Number(process.argv[2]) })
s.on('connect', () => process.exit(0))
s.on('timeout', () => process.exit(2))
s.on('error', (e) => process.exit(e.code === 'ECONNREFUSED' ? 0 : 3))`

/** Allowance for starting node itself on top of the probe's own timeout. */
const NODE_START_MS = 5_000

export class Host {
  private readonly output = new ProcessLogs()

  constructor (
    readonly index: number,
    /** Short name for messages: `h0`, `h1`, … */
    readonly name: string,
    /** The network namespace, for `ip netns exec` / `ip -n`. */
    readonly ns: string,
    /** IPv4 address of eth0. */
    readonly address: string,
    readonly iface: string = HOST_IFNAME
  ) {}

  /** Starts `command args` inside the namespace; output is captured for logs(). */
  spawn (command: string, args: readonly string[] = [], options: SpawnOptions = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', this.ns, command, ...args], {
      env: { ...process.env, ...options.env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd })
    })
    const tee = options.tee === true ? defaultTeePath(this.ns, child.pid) : options.tee === false ? undefined : options.tee
    this.output.attach(child, tee)
    return child
  }

  /** Runs `command args` inside the namespace to completion, bounded by timeoutMs. */
  async exec (command: string, args: readonly string[] = [], options: ExecOptions = {}): Promise<ExecResult> {
    return await run('ip', ['netns', 'exec', this.ns, command, ...args], {
      timeoutMs: options.timeoutMs ?? EXEC_TIMEOUT_MS,
      env: { ...process.env, ...options.env },
      ...(options.input === undefined ? {} : { input: options.input })
    })
  }

  /** Last lines of output of spawned processes; see ProcessLogs.lines(). */
  logs (pid?: number): string[] {
    return this.output.lines(pid)
  }

  /** Whether `address` answers from this host within timeoutMs. */
  async ping (address: string, options: { timeoutMs?: number } = {}): Promise<PingResult> {
    const timeoutMs = options.timeoutMs ?? PROBE_TIMEOUT_MS
    if (onPath('ping')) {
      const wait = String(Math.max(1, Math.ceil(timeoutMs / 1000)))
      const result = await this.exec('ping', ['-n', '-c1', `-W${wait}`, address], { timeoutMs: timeoutMs + 1_000 })
      return { reachable: result.code === 0, method: 'icmp' }
    }
    const result = await this.exec(process.execPath, ['-e', TCP_PROBE, address, String(timeoutMs)], { timeoutMs: timeoutMs + NODE_START_MS })
    return { reachable: result.code === 0, method: 'tcp-rst' }
  }

  /** Caps eth0's egress rate with tbf (netem is not available here); replaces any earlier cap. */
  async setEgressRate (mbit: number): Promise<void> {
    if (!(mbit >= EGRESS_MBIT_MIN && mbit <= EGRESS_MBIT_MAX)) {
      throw new RangeError(`egress rate must be ${EGRESS_MBIT_MIN}..${EGRESS_MBIT_MAX} Mbit/s, got ${mbit}`)
    }
    // The bucket must hold a tick's worth of tokens at this rate (10 ms), and at least one packet.
    const burstBytes = Math.max(TBF_BURST_BYTES_MIN, Math.ceil((mbit * 1e6) / 8 / 100))
    await ip(['-n', this.ns, 'qdisc', 'replace', 'dev', this.iface, 'root', 'tbf',
      'rate', `${Math.round(mbit * 1000)}kbit`, 'burst', String(burstBytes), 'latency', `${TBF_LATENCY_MS}ms`], undefined, 'tc')
  }

  /** Removes an egress cap set by setEgressRate(); a no-op if there is none. */
  async clearEgressRate (): Promise<void> {
    const qdiscs = await ip(['-n', this.ns, 'qdisc', 'show', 'dev', this.iface, 'root'], undefined, 'tc')
    if (qdiscs.includes('tbf')) await ip(['-n', this.ns, 'qdisc', 'del', 'dev', this.iface, 'root'], undefined, 'tc')
  }

  /** Takes eth0 down: the host is cut off from the bridge (a partition), loopback still works. */
  async linkDown (): Promise<void> {
    await ip(['-n', this.ns, 'link', 'set', this.iface, 'down'])
  }

  /** Brings eth0 back. The kernel flushed the multicast route on down, so it is put back too. */
  async linkUp (): Promise<void> {
    await ip(['-n', this.ns, '-batch', '-'], `link set ${this.iface} up\nroute replace 224.0.0.0/4 dev ${this.iface}\n`)
  }
}

function onPath (command: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try {
      accessSync(join(dir, command), fsConstants.X_OK)
      return true
    } catch {
      return false
    }
  })
}
