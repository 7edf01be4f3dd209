/**
 * Scenario 6: the ceiling. A Fastify hello-world on this machine, driven by the same tool with the
 * same settings as the live lookups. Run: npm run bench:ceiling
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, pollUntil } from '@lapi/testing';
import { environment, main, saveResult } from '../lib/results';
import { runWrk, WrkResult } from '../lib/wrk';
import { LOOKUP_LOAD } from './lookups';

export async function measureCeiling(): Promise<WrkResult> {
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, '../lib/hello-world.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    server.stdout!.on('data', (c) => (out += String(c)));
    await pollUntil(() => out.includes('listening'), 'the hello-world server', { timeoutMs: 30_000 });
    const url = `http://127.0.0.1:${port}/`;
    await runWrk({ url, connections: LOOKUP_LOAD.connections, seconds: 2, script: 'request = nil' });
    return await runWrk({ url, connections: LOOKUP_LOAD.connections, seconds: LOOKUP_LOAD.seconds, script: 'request = nil' });
  } finally {
    server.kill('SIGKILL');
  }
}

if (require.main === module) {
  main(async () => {
    const result = await measureCeiling();
    saveResult({ scenario: 'ceiling', title: 'Fastify hello-world ceiling', date: new Date().toISOString(), environment: environment(), settings: { ...LOOKUP_LOAD, fastify: require('fastify/package.json').version }, runs: { 'hello-world': result } });
  });
}
