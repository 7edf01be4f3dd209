import { Command } from 'commander';
import { Run } from '../output';

const actions = () => import('./capi.actions');

export function consoleCommand(run: Run): Command {
  const cmd = new Command('console').description('the CrowdSec console (what cscli console does)');
  cmd
    .command('enroll <key>')
    .description('enroll this cluster in the console with the key shown there (logs in only within the budget)')
    .option('-n, --name <name>', 'name shown in the console')
    .option('-t, --tags <tags...>', 'tags shown in the console')
    .option('--overwrite', 'enroll even when already enrolled')
    .action((key: string, o: { name?: string; tags?: string[]; overwrite?: boolean }) =>
      run(async (app) => {
        await (await actions()).capiAdmin(app).enroll(key, o);
        console.log('enrolled: accept the enrollment in the console');
      })(),
    );
  cmd.command('status').description('show enrollment and sharing, from the stored state (never logs in)').action(() =>
    run(async (app, format) => {
      const s = await (await actions()).capiAdmin(app).status();
      const view = { registered: s.registered, enrolled: s.enrolled, sharing: s.sharing };
      if (format !== 'human') console.log(JSON.stringify(view, null, 2));
      else console.log([`enrolled: ${s.enrolled ? 'yes' : 'no'}`, `signal sharing: ${s.sharing ? 'on' : 'off (LAPI_CAPI_SHARING)'}`, s.registered ? '' : 'not registered: run `lapictl capi register`'].filter(Boolean).join('\n'));
    })(),
  );
  return cmd;
}
