import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RunResult, runCommand } from './child-process';
import { CROWDSEC_BIN, ClientTlsFiles, baseConfig, tlsFields, copyPatterns, prepareDir, writeCredentials, writeYaml } from './crowdsec-config';

/**
 * What the ssh brute-force replay needs, as paths in the offline hub. The whitelists parser is left
 * out on purpose: it drops private ranges (10/8, 192.168/16, 127/8), which tests like to use as attackers.
 */
export const SSH_BF_HUB_ITEMS = [
  'parsers/s00-raw/crowdsecurity/syslog-logs.yaml',
  'parsers/s01-parse/crowdsecurity/sshd-logs.yaml',
  // Gives events the log's own timestamps, which the leaky bucket uses in replay mode.
  'parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml',
  'scenarios/crowdsecurity/ssh-bf.yaml',
];

export interface AgentReplayOptions {
  url: string;
  /** Login and password, or `tls` for a certificate. */
  login?: string;
  password?: string;
  tls?: ClientTlsFiles;
  logFile: string;
  dir?: string;
  /** The `type` label the parsers filter on; syslog for sshd lines. */
  type?: string;
  /** Hub paths to enable (see SSH_BF_HUB_ITEMS). */
  hubItems?: string[];
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Runs the agent inside this network namespace (a client host of the multi-host bed). */
  netns?: string;
}

export interface AgentReplayResult extends RunResult {
  dir: string;
}

/**
 * Runs the crowdsec agent alone (-no-api) over one log file. Replay mode reads the file once,
 * pushes the alerts it raised (flushing them on shutdown) and exits, so this resolves on exit.
 */
export async function startAgentReplay(opts: AgentReplayOptions): Promise<AgentReplayResult> {
  const dir = prepareDir('agent', opts.dir);
  writeAgentConfig(dir, opts);
  const args = ['-c', join(dir, 'config.yaml'), '-no-api', '-dsn', `file://${resolve(opts.logFile)}`, '-type', opts.type ?? 'syslog'];
  const res = await runCommand(CROWDSEC_BIN, args, { cwd: dir, timeoutMs: opts.timeoutMs ?? 120_000, env: opts.env, netns: opts.netns });
  return { ...res, dir };
}

function writeAgentConfig(dir: string, opts: AgentReplayOptions): void {
  const credentialsPath = join(dir, 'local_api_credentials.yaml');
  writeCredentials(credentialsPath, { url: opts.url, login: opts.login, password: opts.password, ...(opts.tls ? tlsFields(opts.tls) : {}) });
  copyPatterns(dir);
  enableHubItems(dir, opts.hubItems ?? SSH_BF_HUB_ITEMS);
  // -dsn replaces acquisition, but the agent still wants the file named in its config.
  writeFileSync(join(dir, 'acquis.yaml'), '');
  writeYaml(join(dir, 'config.yaml'), {
    ...baseConfig(dir, join(dir, 'data', 'crowdsec.db')),
    crowdsec_service: { acquisition_path: join(dir, 'acquis.yaml'), parser_routines: 1 },
    api: { client: { insecure_skip_verify: false, credentials_path: credentialsPath } },
  });
}

/**
 * Enables hub items the way cscli and Debian's postinst do: a symlink in the config dir, without the
 * author directory (the loader is picky about depth). `cscli ... install` cannot do it offline in 1.4.6:
 * it downloads even items that are already present and up to date.
 */
export function enableHubItems(dir: string, items: string[]): void {
  for (const item of items) {
    const parts = item.split('/');
    const link = join(dir, ...parts.slice(0, -2), parts[parts.length - 1]);
    mkdirSync(dirname(link), { recursive: true });
    if (!existsSync(link)) symlinkSync(join(dir, 'hub', item), link);
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 3164 timestamp in local time, as sshd's syslog writes it and the syslog-logs parser reads it. */
function syslogTime(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/**
 * `count` failed sshd password attempts from `ip`, one a second, the last one a second ago.
 * ssh-bf (capacity 5, leak 10s) overflows on the 6th, so the default 10 raise exactly one alert.
 */
export function sshBruteForceLog(ip: string, count = 10, now = new Date()): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const at = new Date(now.getTime() - (count - i) * 1000);
    lines.push(`${syslogTime(at)} testhost sshd[${2000 + i}]: Failed password for root from ${ip} port ${40000 + i} ssh2`);
  }
  return lines.join('\n') + '\n';
}

/** What the http-probing replay needs: nginx access lines inside syslog, the http enricher and the scenario. */
export const HTTP_PROBING_HUB_ITEMS = [
  'parsers/s00-raw/crowdsecurity/syslog-logs.yaml',
  'parsers/s01-parse/crowdsecurity/nginx-logs.yaml',
  'parsers/s02-enrich/crowdsecurity/dateparse-enrich.yaml',
  'parsers/s02-enrich/crowdsecurity/http-logs.yaml',
  'scenarios/crowdsecurity/http-probing.yaml',
];

/** nginx's time_local: `04/Dec/2026:04:00:00 +0000`, in UTC. */
function httpDate(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} +0000`;
}

/**
 * `count` requests from `ip` for distinct missing pages, answered 404, logged by nginx through
 * syslog. crowdsecurity/http-probing (capacity 10, distinct paths) overflows past the 10th.
 */
export function httpProbingLog(ip: string, count = 20, now = new Date()): string {
  const at = new Date(now.getTime() - 2000);
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    lines.push(`${syslogTime(at)} testhost nginx: ${ip} - - [${httpDate(at)}] "GET /probe-${i}/admin.php HTTP/1.1" 404 153 "-" "scanner/1.0"`);
  }
  return lines.join('\n') + '\n';
}
