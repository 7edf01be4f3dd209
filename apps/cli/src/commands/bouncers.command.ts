import { Command } from 'commander';
import { BouncersService } from '@lapi/bouncers';
import { printList, Run } from '../output';

export function bouncersCommand(run: Run): Command {
  const cmd = new Command('bouncers').description('manage bouncers (remediation components)');
  cmd
    .command('add <name>')
    .description('add a bouncer and print its API key (shown only this once)')
    .option('--key <key>', 'use this key instead of a generated one')
    .action((name: string, o: { key?: string }) =>
      run(async (app, format) => {
        const key = await app.get(BouncersService).add(name, o.key);
        if (format === 'raw') console.log(key);
        else if (format === 'json') console.log(JSON.stringify(key));
        else console.log(`API key for '${name}':\n\n   ${key}\n\nPlease keep this key since you will not be able to retrieve it!`);
      })(),
    );
  cmd.command('list').description('list bouncers').action(() =>
    run(async (app, format) => {
      const bouncers = await app.get(BouncersService).list();
      printList(format, bouncers, {
        header: ['Name', 'IP Address', 'Valid', 'Last API pull', 'Type', 'Version', 'Auth Type'],
        row: (b) => [b.name, b.ipAddress, '✔️', b.lastPull?.toISOString() ?? '', b.type, b.version, b.authType],
      }, (b) => ({ name: b.name, ipAddress: b.ipAddress, lastPull: b.lastPull, type: b.type, version: b.version, authType: b.authType, createdAt: b.createdAt }));
    })(),
  );
  cmd.command('delete <names...>').description('delete bouncers (and their per-host rows)').action((names: string[]) =>
    run(async (app) => {
      for (const name of names) {
        await app.get(BouncersService).delete(name);
        console.log(`bouncer ${name} deleted`);
      }
    })(),
  );
  return cmd;
}
