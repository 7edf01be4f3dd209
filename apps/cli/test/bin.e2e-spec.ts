import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

describe('lapictl as a command', () => {
  it('runs as `npx lapictl` in a checkout (package.json declares the bin), without asking the registry', async () => {
    const { stdout } = await execFileAsync('npx', ['--offline', '--no-install', 'lapictl', '--help'], { cwd: resolve(__dirname, '../../..'), env: { ...process.env, NPM_CONFIG_UPDATE_NOTIFIER: 'false' } });
    expect(stdout).toMatch(/^Usage: lapictl/m);
  }, 60_000);
});
