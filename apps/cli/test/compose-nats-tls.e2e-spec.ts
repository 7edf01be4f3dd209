import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { promisify } from 'node:util';
import { natsConnectionOptions } from '@lapi/bus';
import { buildServices, startNats } from '@lapi/testing';
import { connect, TlsOptions } from 'nats';
import { parse } from 'yaml';

jest.setTimeout(120_000);
const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../..');

type Service = { command: string[]; environment?: Record<string, string>; volumes?: string[] };

/**
 * docker-compose.yml's first start without Docker: nats-cert's own shell command, then nats-server
 * with nats's own arguments, each named volume a directory here; then a client with the services'
 * NATS_TLS_CA_FILE verifies NATS under the name the services use ("nats").
 */
describe("docker-compose.yml's TLS bus, played without Docker", () => {
  const root = mkdtempSync(join(tmpdir(), 'lapi-compose-tls-'));
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
  const settings: Record<string, string> = { NATS_PASSWORD: 'bus-secret-for-test', LAPI_CA_KEY_PASSPHRASE: 'a long enough passphrase' };
  /** Compose's interpolation: $VAR, ${VAR:?msg}, ${VAR:-default}, and $$ for a literal $. */
  const interpolate = (s: string) =>
    s.replace(/\$\$|\$\{(\w+)(?::[?-][^}]*)?\}|\$(\w+)/g, (m, braced?: string, bare?: string) => (m === '$$' ? '$' : settings[(braced ?? bare)!] ?? ''));
  /** A path inside a service's container, as the directory its named volume is here. */
  const onHost = (service: Service, path: string) => {
    for (const v of service.volumes ?? []) {
      const [volume, target] = v.split(':');
      if (!posix.relative(target, path).startsWith('..')) return join(root, 'volumes', volume, posix.relative(target, path));
    }
    throw new Error(`${path} is on no volume of the service`);
  };
  const certWriter = compose.services['nats-cert'];
  const nats = compose.services.nats;
  const ingest = compose.services.ingest;

  const runNatsCert = async () => {
    for (const v of certWriter.volumes ?? []) mkdirSync(join(root, 'volumes', v.split(':')[0]), { recursive: true });
    // Paths as their volumes' directories here; other values as compose would pass them.
    const env = Object.fromEntries(Object.entries(certWriter.environment ?? {}).map(([k, v]) => [k, v.startsWith('/') ? onHost(certWriter, v) : interpolate(v)] as const));
    let script = interpolate(certWriter.command[0]);
    for (const v of certWriter.volumes ?? []) script = script.replaceAll(v.split(':')[1], join(root, 'volumes', v.split(':')[0]));
    return (await run('/bin/sh', ['-c', script], { cwd: ROOT, env: { ...process.env, ...env } })).stdout;
  };

  beforeAll(() => buildServices());
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('creates the CA once and a NATS certificate at every start; NATS serves it and the services verify it as "nats"', async () => {
    expect(await runNatsCert()).toMatch(/CA key: .*\n[^]*cert_path: /);
    const caKey = onHost(certWriter, interpolate(certWriter.environment!.LAPI_CA_KEY_FILE));
    const keyWritten = statSync(caKey).mtimeMs;
    const second = await runNatsCert();
    expect(second).not.toMatch(/CA key:/);
    expect(statSync(caKey).mtimeMs).toBe(keyWritten);

    const args = nats.command.map(interpolate);
    const at = (flag: string) => onHost(nats, args[args.indexOf(flag) + 1]);
    const server = await startNats(undefined, ['--user', 'lapi', '--pass', settings.NATS_PASSWORD, '--tls', '--tlscert', at('--tlscert'), '--tlskey', at('--tlskey')]);
    try {
      const url = new URL(interpolate(ingest.environment!.NATS_URL));
      expect(url.protocol).toBe('tls:');
      const caFile = onHost(ingest, ingest.environment!.NATS_TLS_CA_FILE);
      const options = natsConnectionOptions(`tls://${url.username}:${url.password}@127.0.0.1:${server.port}`, { caFile });
      // The services dial "nats": the certificate must be valid for that name (servername goes
      // through to Node's tls.connect, which checks it; nats.js's type does not list it).
      const as = (servername: string) => ({ ...options.tls, servername }) as TlsOptions;
      const nc = await connect({ ...options, tls: as(url.hostname), reconnect: false });
      await nc.flush();
      await nc.close();
      const elsewhere = connect({ ...options, tls: as('not-nats'), reconnect: false });
      await expect(elsewhere).rejects.toThrow(/altnames/);
    } finally {
      await server.stop();
    }
  });
});
