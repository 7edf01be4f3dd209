import { Command, CommanderError, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { splitShortEquals } from './arguments';
import { describeError } from './cli-error';
import { alertsCommand } from './commands/alerts.command';
import { allowlistsCommand } from './commands/allowlists.command';
import { bouncersCommand } from './commands/bouncers.command';
import { caCommand } from './commands/ca.command';
import { capiCommand } from './commands/capi.command';
import { consoleCommand } from './commands/console.command';
import { decisionsCommand } from './commands/decisions.command';
import { lapiCommand } from './commands/lapi.command';
import { machinesCommand } from './commands/machines.command';
import { metricsCommand } from './commands/metrics.command';
import { ColorMode, LogLevel, OutputFormat, Read, Run, setColorMode, setLogLevel } from './output';

// Only commander and the command grammar load here: --help and usage errors answer without the
// framework, the database driver or the domain libs, which load once a command has parsed (run).

/** The project's version, from the package.json above this file (in src/ or in dist/). */
function version(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  }
  return 'unknown';
}

const program = new Command('lapictl')
  .description('Administer a lapi-cluster LAPI through its database (what cscli machines|bouncers|decisions|alerts do)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['human', 'json', 'raw']).default('human'))
  .addOption(new Option('--color <when>', 'colours in tables').choices(['yes', 'no', 'auto']).default('auto'))
  .version(version(), '--version', 'print the version')
  .showHelpAfterError(false)
  .hook('preAction', () => {
    setColorMode(program.opts<{ color: ColorMode }>().color);
    setLogLevel(logLevel());
  });

// cscli's log level flags, so its command lines work unchanged. lapictl logs nothing below info.
const LOG_LEVELS: LogLevel[] = ['error', 'warning', 'info', 'debug', 'trace'];
for (const level of LOG_LEVELS) {
  const effect = level === 'error' || level === 'warning' ? 'hides the messages of writes on stderr' : 'changes nothing: lapictl has nothing to log below info';
  program.option(`--${level}`, `set logging to ${level}, as cscli (${effect})`);
}
const logLevel = (): LogLevel => LOG_LEVELS.find((l) => program.opts<Record<string, boolean>>()[l]) ?? 'info';

const format = () => program.opts<{ output: OutputFormat }>().output;

/** Opens the database (and bus) with the LAPI's configuration, runs one command, closes. */
const run: Run = (fn) => async () => {
  const { openCliApp } = await import('./cli-app');
  const app = await openCliApp();
  try {
    await fn(app, format());
  } finally {
    await app.close();
  }
};

/** Runs a read-only command on a plain connection when it can (cli-reader.ts). */
const read: Read = (fn) => async () => {
  const { withReader } = await import('./cli-reader');
  await withReader((reader) => fn(reader, format()));
};

program.addCommand(machinesCommand(run, read));
program.addCommand(bouncersCommand(run, read));
program.addCommand(decisionsCommand(run, read));
program.addCommand(alertsCommand(run, read));
program.addCommand(allowlistsCommand(run, read));
program.addCommand(capiCommand(run));
program.addCommand(consoleCommand(run));
program.addCommand(caCommand(run));
program.addCommand(lapiCommand());
program.addCommand(metricsCommand(format, read));
program.command('version').description('print the version').action(() => console.log(version()));

// Usage errors exit 2 with commander's one-line message, at every level.
const overrideExits = (c: Command): void => {
  c.exitOverride();
  c.commands.forEach(overrideExits);
};
overrideExits(program);

/** Every flag that takes a value, in any command (for splitShortEquals). */
function valueFlags(c: Command, into = new Set<string>()): Set<string> {
  for (const o of c.options) if (o.required || o.optional) [o.short, o.long].forEach((f) => f && into.add(f));
  c.commands.forEach((sub) => valueFlags(sub, into));
  return into;
}
const takesValue = valueFlags(program);
const argv = [...process.argv.slice(0, 2), ...splitShortEquals(process.argv.slice(2), (f) => takesValue.has(f))];

program.parseAsync(argv).catch((e: unknown) => {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  // Every other failure is for the operator: one line, no stack.
  console.error(`error: ${describeError(e)}`);
  process.exit(1);
});
