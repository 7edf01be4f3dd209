import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The offline hub shipped by Debian's crowdsec package (index included), so nothing needs the network. */
export const OFFLINE_HUB_DIR = '/usr/share/crowdsec/hub';
/** Grok patterns ship only as conffiles under /etc; we copy them (read-only use) because the agent refuses to start without them. */
export const PATTERNS_SOURCE_DIR = '/etc/crowdsec/patterns';

export const CSCLI_BIN = '/usr/bin/cscli';
export const CROWDSEC_BIN = '/usr/bin/crowdsec';
export const CUSTOM_BOUNCER_BIN = '/usr/bin/crowdsec-custom-bouncer';

/** Same profile as the package's default: an IP-scoped alert with remediation becomes a 4h ban. */
export const DEFAULT_PROFILES_YAML = `name: default_ip_remediation
filters:
 - Alert.Remediation == true && Alert.GetScope() == "Ip"
decisions:
 - type: ban
   duration: 4h
on_success: break
`;

export type Yaml = string | number | boolean | null | Yaml[] | YamlObject;
export type YamlObject = { [key: string]: Yaml };

/** A minimal YAML writer: strings are JSON-quoted (valid YAML), so paths, keys and URLs need no escaping rules of their own. */
export function toYaml(value: Yaml, indent = ''): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return ' []\n';
    return '\n' + value.map((v) => `${indent}-${toYaml(v, indent + '  ').replace(/^\n\s*/, ' ')}`).join('');
  }
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return ' {}\n';
    return '\n' + keys.map((k) => `${indent}${k}:${toYaml(value[k], indent + '  ')}`).join('');
  }
  return ` ${typeof value === 'string' ? JSON.stringify(value) : String(value)}\n`;
}

export function writeYaml(path: string, value: YamlObject): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, toYaml(value).replace(/^\n/, ''));
}

/** The caller's directory (created if needed) or a fresh temp dir; absolute, because crowdsec resolves config paths from its cwd. */
export function prepareDir(prefix: string, dir?: string): string {
  if (dir) {
    mkdirSync(dir, { recursive: true });
    return resolve(dir);
  }
  return mkdtempSync(join(tmpdir(), `lapi-${prefix}-`));
}

/** dir/hub → the offline hub: cscli and the agent read the index and items from there instead of downloading them. */
export function linkOfflineHub(dir: string): string {
  const hub = join(dir, 'hub');
  if (!existsSync(hub)) symlinkSync(OFFLINE_HUB_DIR, hub);
  return hub;
}

export function copyPatterns(dir: string): void {
  const target = join(dir, 'patterns');
  if (!existsSync(target)) cpSync(PATTERNS_SOURCE_DIR, target, { recursive: true });
}

/** The sections every crowdsec binary reads; each path points inside `dir` so no test touches /etc/crowdsec. */
export function baseConfig(dir: string, dbPath: string): YamlObject {
  const hub = linkOfflineHub(dir);
  mkdirSync(join(dir, 'data'), { recursive: true });
  writeFileSync(join(dir, 'simulation.yaml'), 'simulation: off\n');
  return {
    common: { daemonize: false, log_media: 'stdout', log_level: 'info', working_dir: '.' },
    config_paths: {
      config_dir: `${dir}/`,
      data_dir: `${join(dir, 'data')}/`,
      simulation_path: join(dir, 'simulation.yaml'),
      hub_dir: `${hub}/`,
      index_path: join(hub, '.index.json'),
      notification_dir: `${join(dir, 'notifications')}/`,
      plugin_dir: '/usr/lib/crowdsec/plugins/',
    },
    // A non-empty hub_branch stops cscli asking GitHub which hub branch matches its version.
    cscli: { output: 'human', color: 'no', hub_branch: 'master' },
    db_config: { type: 'sqlite', db_path: dbPath, use_wal: true, log_level: 'warning' },
    // The default 127.0.0.1:6060 would collide between parallel processes; no test needs metrics.
    prometheus: { enabled: false, level: 'full', listen_addr: '127.0.0.1', listen_port: 0 },
  };
}

/** Server section so that `cscli machines|bouncers` (which use the database, never HTTP) accept to run. */
export function serverSection(dir: string, listenUri: string): YamlObject {
  const profilesPath = join(dir, 'profiles.yaml');
  if (!existsSync(profilesPath)) writeFileSync(profilesPath, DEFAULT_PROFILES_YAML);
  return { log_level: 'info', listen_uri: listenUri, profiles_path: profilesPath, trusted_ips: ['127.0.0.1', '::1'] };
}

export interface Credentials {
  url: string;
  login: string;
  password: string;
}

/** A client certificate, its key and the CA of the server's certificate: TLS authentication without a key or password. */
export interface ClientTlsFiles {
  caCertPath: string;
  certPath: string;
  keyPath: string;
}

/** The keys every client's config (local_api_credentials.yaml, the bouncer's yaml) names them by. */
export function tlsFields(t: ClientTlsFiles): Record<'ca_cert_path' | 'cert_path' | 'key_path', string> {
  return { ca_cert_path: t.caCertPath, cert_path: t.certPath, key_path: t.keyPath };
}

/** Reads a local_api_credentials.yaml as cscli writes it (flat `key: value` lines). */
export function readCredentials(path: string): Partial<Credentials> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^(\w+):\s*(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].replace(/^"(.*)"$/, '$1');
  }
  return out;
}

export function writeCredentials(path: string, creds: Partial<Credentials> & Partial<ReturnType<typeof tlsFields>>): void {
  const entries = Object.entries(creds).filter((e): e is [string, string] => typeof e[1] === 'string');
  writeYaml(path, Object.fromEntries(entries));
}

/** host:port out of a LAPI URL, for listen_uri (URL keeps IPv6 brackets, which Go's listener wants too). */
export function listenUriOf(url: string): string {
  const u = new URL(url);
  return `${u.hostname}:${u.port || (u.protocol === 'https:' ? '443' : '80')}`;
}
