import { Command } from 'commander';
import { Run } from '../output';

// The CAPI lib and the database load only once a command has parsed (--help stays light).
const actions = () => import('./capi.actions');

export function capiCommand(run: Run): Command {
  const cmd = new Command('capi').description('the Central API client (what cscli capi does); status never logs in');
  cmd
    .command('register')
    .description('register this cluster with the Central API and store the credentials in the database')
    .option('--force', 'register anew even when credentials are stored')
    .action((o: { force?: boolean }) =>
      run(async (app) => {
        const machineId = await (await actions()).capiAdmin(app).register({ force: o.force });
        console.log(`registered with the Central API as ${machineId}; the credentials are in the database, every node uses them`);
      })(),
    );
  cmd
    .command('status')
    .description('show the stored CAPI state (token, login budget, lockout, last pull) without logging in')
    .option('--check', 'make sure a valid token exists: the stored one, or one login within the budget')
    .action((o: { check?: boolean }) =>
      run(async (app, format) => {
        const { capiAdmin, printCapiStatus } = await actions();
        const admin = capiAdmin(app);
        printCapiStatus(format, o.check ? await admin.check() : await admin.status());
      })(),
    );
  return cmd;
}
