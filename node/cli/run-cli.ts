import { UsageError } from './args.js'

export interface CommandTable {
  [name: string]: { summary: string, run(argv: string[]): Promise<number | void> }
}

/**
 * Shared entry of the three binaries: dispatch, `--help`, and one exit-code convention —
 * 0 ok, 1 operational failure (message names what and what to do), 2 usage error.
 */
export async function runCli (program: string, commands: CommandTable, argv: string[]): Promise<void> {
  const [name, ...rest] = argv
  if (name == null || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage(program, commands))
    process.exitCode = name == null ? 2 : 0
    return
  }
  const command = commands[name]
  if (command == null) {
    process.stderr.write(`${program}: unknown command '${name}'\n\n${usage(program, commands)}`)
    process.exitCode = 2
    return
  }
  try {
    const code = await command.run(rest)
    process.exitCode = code ?? 0
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${program} ${err.command}: ${err.message}\nRun '${program} ${err.command} --help' for the options.\n`)
      process.exitCode = 2
      return
    }
    const e = err as Error & { code?: string }
    process.stderr.write(`${program} ${name}: ${e.message}${e.code != null && e.code.startsWith('FLEET_ERR') ? ` [${e.code}]` : ''}\n`)
    if (process.env.FLEETD_DEBUG === '1') process.stderr.write(`${e.stack ?? ''}\n`)
    process.exitCode = 1
  }
}

function usage (program: string, commands: CommandTable): string {
  const width = Math.max(...Object.keys(commands).map(n => n.length))
  return `Usage: ${program} <command> [options]\n\nCommands:\n${Object.entries(commands)
    .map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`).join('\n')}\n\nRun '${program} <command> --help' for a command's options.\n`
}
