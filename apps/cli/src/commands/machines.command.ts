import { Command } from 'commander';
import { MachinesService } from '@lapi/machines';
import { randomBytes } from 'node:crypto';
import { printList, Run } from '../output';

export function machinesCommand(run: Run): Command {
  const cmd = new Command('machines').description('manage machines (agents, cscli)');
  cmd
    .command('add <name>')
    .description('add a machine, validated unless --no-validate')
    .option('--password <password>', 'its password')
    .option('--auto', 'generate a password and print it')
    .option('--force', 'replace the password of an existing machine')
    .option('--no-validate', 'leave it pending validation')
    .action((name: string, o: { password?: string; auto?: boolean; force?: boolean; validate: boolean }) =>
      run(async (app, format) => {
        if (!o.password && !o.auto) throw new Error('give --password <password> or --auto');
        const password = o.password ?? randomBytes(24).toString('base64url');
        await app.get(MachinesService).add(name, password, { validated: o.validate, force: o.force });
        if (format === 'json') console.log(JSON.stringify({ machine_id: name, password: o.auto ? password : undefined }));
        else console.log(o.auto ? `machine ${name} added, password: ${password}` : `machine ${name} added`);
      })(),
    );
  cmd.command('list').description('list machines').action(() =>
    run(async (app, format) => {
      const machines = await app.get(MachinesService).list();
      printList(format, machines, {
        header: ['Name', 'IP Address', 'Last Update', 'Status', 'Version', 'Auth Type', 'Last Heartbeat'],
        row: (m) => [m.machineId, m.ipAddress, m.updatedAt.toISOString(), m.isValidated ? 'validated' : 'pending', m.version, m.authType, m.lastHeartbeat?.toISOString() ?? ''],
      }, (m) => ({ machineId: m.machineId, ipAddress: m.ipAddress, isValidated: m.isValidated, createdAt: m.createdAt, updatedAt: m.updatedAt, lastHeartbeat: m.lastHeartbeat, lastPush: m.lastPush, authType: m.authType, scenarios: m.scenarios }));
    })(),
  );
  cmd.command('validate <name>').description('validate a machine registered with cscli lapi register').action((name: string) =>
    run(async (app) => {
      await app.get(MachinesService).validate(name);
      console.log(`machine ${name} validated`);
    })(),
  );
  cmd.command('delete <names...>').description('delete machines').action((names: string[]) =>
    run(async (app) => {
      for (const name of names) {
        await app.get(MachinesService).delete(name);
        console.log(`machine ${name} deleted`);
      }
    })(),
  );
  return cmd;
}
