import 'reflect-metadata';
import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@lapi/config';
import { Command, CommanderError, Option } from 'commander';
import { CliModule } from './cli.module';
import { alertsCommand } from './commands/alerts.command';
import { bouncersCommand } from './commands/bouncers.command';
import { caCommand } from './commands/ca.command';
import { decisionsCommand } from './commands/decisions.command';
import { machinesCommand } from './commands/machines.command';
import { OutputFormat } from './output';

const program = new Command('lapictl')
  .description('Administer a lapi-cluster LAPI through its database (what cscli machines|bouncers|decisions|alerts do)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['human', 'json', 'raw']).default('human'))
  .exitOverride()
  .showHelpAfterError(false);

/** Opens the database (and bus) with the LAPI's configuration, runs one command, closes. */
function run(fn: (app: INestApplicationContext, format: OutputFormat) => Promise<void>) {
  return async () => {
    const config = Object.assign(loadConfig(), { backgroundJobs: false, metricsPort: 0 });
    const app = await NestFactory.createApplicationContext(CliModule.with(config), { logger: ['fatal', 'error'], abortOnError: false });
    try {
      await fn(app, program.opts<{ output: OutputFormat }>().output);
    } finally {
      await app.close();
    }
  };
}

program.addCommand(machinesCommand(run)).addCommand(bouncersCommand(run)).addCommand(decisionsCommand(run)).addCommand(alertsCommand(run));
program.addCommand(caCommand(run));
// Usage errors exit 2 with commander's one-line message, at every level.
const overrideExits = (c: Command): void => {
  c.exitOverride();
  c.commands.forEach(overrideExits);
};
overrideExits(program);

program.parseAsync(process.argv).catch((e: Error) => {
  if (e instanceof CommanderError) process.exit(e.exitCode === 0 ? 0 : 2);
  // Domain and configuration errors are for the operator: one line, no stack.
  console.error(`error: ${e.message}`);
  process.exit(1);
});
