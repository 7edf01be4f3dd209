/**
 * The hello-world ceiling (a Fastify server doing nothing) and the wrk load that the live lookups
 * and the ceiling share.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, pollUntil } from '@lapi/testing';
import { runWrk, WrkResult } from './wrk';

export const LOOKUP_LOAD = { connections: 64, threads: 2, seconds: 10, warmup_seconds: 3 };

/** The hello-world server, listening; stop() kills it. */
export async function startHelloWorld(): Promise<{ url: string; stop(): void }> {
  const port = await freePort();
  const server: ChildProcess = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', join(__dirname, 'hello-world.ts'), String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    let out = '';
    server.stdout!.on('data', (c) => (out += String(c)));
    await pollUntil(() => out.includes('listening'), 'the hello-world server', { timeoutMs: 30_000 });
  } catch (e) {
    server.kill('SIGKILL');
    throw e;
  }
  return { url: `http://127.0.0.1:${port}/`, stop: () => server.kill('SIGKILL') };
}

/** wrk against the hello-world with the lookups' connections and threads. */
export function ceilingLoad(url: string, seconds: number): Promise<WrkResult> {
  return runWrk({ url, connections: LOOKUP_LOAD.connections, threads: LOOKUP_LOAD.threads, seconds, script: 'request = nil' });
}
