import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ClientTlsFiles } from './crowdsec/crowdsec-config';

const execFileAsync = promisify(execFile);
const LAPICTL = resolve(__dirname, '../../../scripts/lapictl.js');

export type Lapictl = (env: Record<string, string>, ...args: string[]) => Promise<string>;

/** Runs the real lapictl with `base` settings (a call's `env` on top); resolves with its stdout, trimmed. */
export function lapictlWith(base: () => Record<string, string>): Lapictl {
  return async (env, ...args) => (await execFileAsync(process.execPath, [LAPICTL, ...args], { env: { ...process.env, ...base(), ...env } })).stdout.trim();
}

/** Enrolls a client as an operator does: a token from `lapictl ca token create`, then `lapictl ca enroll` against `url`. */
export async function enrollWithLapictl(lapictl: Lapictl, o: { url: string; role: 'agent' | 'bouncer'; name: string; outDir: string; caCert: string }): Promise<ClientTlsFiles> {
  const token = await lapictl({}, 'ca', 'token', 'create', '--role', o.role);
  const out = await lapictl({}, 'ca', 'enroll', '--url', o.url, '--token', token, '--name', o.name, '--out', join(o.outDir, o.name), '--ca-cert', o.caCert);
  const line = (k: string) => new RegExp(`^${k}: (.+)$`, 'm').exec(out)![1];
  return { caCertPath: line('ca_cert_path'), certPath: line('cert_path'), keyPath: line('key_path') };
}
