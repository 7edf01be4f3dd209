import { join } from 'node:path';
import { RunOptions, RunResult, runCommand } from './child-process';
import { CSCLI_BIN, Credentials, baseConfig, listenUriOf, prepareDir, readCredentials, serverSection, writeCredentials, writeYaml, YamlObject } from './crowdsec-config';

export interface CscliOptions {
  /** The LAPI under test, e.g. http://127.0.0.1:8080 (a path prefix is kept by cscli). */
  url: string;
  dir?: string;
  /**
   * The sqlite file cscli opens itself (some commands open it even when they then talk HTTP).
   * Pass the upstream LAPI's file to manage its machines and bouncers: that also adds the
   * api.server section without which `cscli machines|bouncers` refuse to run.
   */
  dbPath?: string;
  /** Extra environment for every run, e.g. SSL_CERT_FILE (cscli 1.4.6 ignores ca_cert_path on `lapi register`). */
  env?: Record<string, string>;
  /** Default timeout of each run; 60 s. */
  timeoutMs?: number;
  /** Runs cscli inside this network namespace (a client host of the multi-host bed). */
  netns?: string;
}

export interface Cscli {
  url: string;
  dir: string;
  configPath: string;
  credentialsPath: string;
  /** `cscli -c <config> ...args`; resolves with the exit code, never rejects on failure. */
  run(args: string[], opts?: RunOptions): Promise<RunResult>;
  /** Runs with `-o json` and parses stdout; rejects with stderr when cscli fails or prints no JSON. */
  json<T = unknown>(args: string[], opts?: RunOptions): Promise<T>;
  /** `cscli lapi register -u URL --machine NAME`: POST /v1/watchers, then cscli logs in with the new credentials. */
  register(machine: string): Promise<Credentials>;
  /** What the credentials file holds now. */
  credentials(): Partial<Credentials>;
}

/** A private cscli configuration bound to one LAPI URL, usable fully offline. */
export function createCscli(opts: CscliOptions): Cscli {
  const dir = prepareDir('cscli', opts.dir);
  const configPath = join(dir, 'config.yaml');
  const credentialsPath = join(dir, 'local_api_credentials.yaml');
  writeCscliConfig(dir, configPath, credentialsPath, opts);
  // `lapi register` loads this file before it registers, so it must already name the URL.
  writeCredentials(credentialsPath, { url: opts.url });

  const run = (args: string[], runOpts: RunOptions = {}) =>
    runCommand(CSCLI_BIN, ['-c', configPath, ...args], { timeoutMs: opts.timeoutMs, netns: opts.netns, ...runOpts, env: { ...opts.env, ...runOpts.env } });
  const json = async <T>(args: string[], runOpts?: RunOptions): Promise<T> => parseJsonResult<T>(args, await run([...args, '-o', 'json'], runOpts));
  const credentials = () => readCredentials(credentialsPath);
  const register = async (machine: string): Promise<Credentials> => {
    const res = await run(['lapi', 'register', '-u', opts.url, '--machine', machine]);
    if (res.code !== 0) throw new Error(`cscli lapi register failed (${res.code}): ${res.stderr}`);
    return credentials() as Credentials;
  };
  return { url: opts.url, dir, configPath, credentialsPath, run, json, register, credentials };
}

function writeCscliConfig(dir: string, configPath: string, credentialsPath: string, opts: CscliOptions): void {
  const base = baseConfig(dir, opts.dbPath ?? join(dir, 'data', 'crowdsec.db'));
  // No online_client section: cscli would otherwise try to reach the Central API.
  const api: YamlObject = { client: { insecure_skip_verify: false, credentials_path: credentialsPath } };
  if (opts.dbPath) api.server = serverSection(dir, listenUriOf(opts.url));
  writeYaml(configPath, { ...base, api });
}

function parseJsonResult<T>(args: string[], res: RunResult): T {
  const what = `cscli ${args.join(' ')} -o json`;
  if (res.code !== 0) throw new Error(`${what} exited ${res.code}: ${res.stderr.trim()}`);
  try {
    return JSON.parse(res.stdout) as T;
  } catch (e) {
    throw new Error(`${what} printed no JSON (${(e as Error).message}): stdout=${res.stdout.slice(0, 500)} stderr=${res.stderr.trim()}`);
  }
}
