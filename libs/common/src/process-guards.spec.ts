import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

describe('logUnhandledRejections', () => {
  it('logs an unhandled rejection and keeps the process running', async () => {
    const guards = join(__dirname, 'process-guards.ts');
    const script = `require(${JSON.stringify(guards)}).logUnhandledRejections();
      Promise.reject(new Error('reconcile failed: ECONNREFUSED'));
      setTimeout(() => console.log('still running'), 50);`;
    const { stdout, stderr } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script], { cwd: join(__dirname, '../../..') });
    expect(stderr).toMatch(/unhandled rejection: Error: reconcile failed: ECONNREFUSED/);
    expect(stdout).toMatch(/still running/);
    // A child compiling TypeScript: seconds on a busy 2-core machine, past jest's 5 s default.
  }, 30_000);
});

describe('every long-running service', () => {
  const apps = join(__dirname, '../../../apps');
  // lapictl is a command that exits; capi-sim is a test tool.
  const services = readdirSync(apps).filter((a) => a !== 'cli' && a !== 'capi-sim');

  it.each(services)('apps/%s installs the handler in its main', (app) => {
    expect(readFileSync(join(apps, app, 'src/main.ts'), 'utf8')).toMatch(/^logUnhandledRejections\(\);$/m);
  });
});
