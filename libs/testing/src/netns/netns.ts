import { ChildProcess, execFileSync, spawn, SpawnOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Hosts for the multi-host test bed: one network namespace each, with its own address on a
 * private /24. The bridge lives in a namespace of its own (the "switch"), so traffic between
 * hosts never crosses the machine's own firewall; the root namespace joins it through one veth
 * pair, with the .1 address, so the test process can reach every host directly. Nothing is
 * routed out: the bed's traffic stays between its namespaces and the test process.
 */

/** Every bed's names start with this; `ip netns` names are `lapibed<id>-<host>`. */
const PREFIX = 'lapibed';
/** Records of running beds (owner pid, temp dir), to clean a crashed run's leftovers. */
const STATE_DIR = '/run/lapibed';
const MAX_BEDS = 8;

export interface Host {
  name: string;
  /** The namespace's name for `ip netns exec`. */
  ns: string;
  ip: string;
}

interface BedRecord {
  pid: number;
  dir: string;
}

/** Why the bed cannot run here, or undefined when it can: root, iproute2, and `ip netns add` that works. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)';
  const probe = `${PREFIX}-probe${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'pipe' });
  } catch (e) {
    return `ip netns add failed: ${String((e as { stderr?: Buffer }).stderr ?? (e as Error).message).trim()}`;
  }
  for (const tool of ['nft']) {
    try {
      execFileSync('which', [tool], { stdio: 'pipe' });
    } catch {
      return `${tool} is not installed (apt-get install nftables)`;
    }
  }
  return undefined;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: 'pipe' });
}

function quiet(fn: () => void): void {
  try {
    fn();
  } catch {
    // already gone
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** The namespaces of bed `id` (or of every bed). */
function bedNamespaces(id?: number): string[] {
  const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const names = out.split('\n').map((l) => l.split(' ')[0]).filter(Boolean);
  return names.filter((n) => (id === undefined ? n.startsWith(PREFIX) : n.startsWith(`${PREFIX}${id}-`)));
}

/**
 * Kills every process in bed `id`'s namespaces (by the pids `ip netns pids` lists: only what the
 * bed started runs there), deletes the namespaces (the switch takes the bridge and every veth with
 * it) and its temp directory.
 */
function destroyBed(id: number, dir?: string): void {
  const namespaces = bedNamespaces(id);
  for (let round = 0; round < 3; round++) {
    let found = false;
    for (const ns of namespaces) {
      let pids: number[] = [];
      quiet(() => (pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).split('\n').filter(Boolean).map(Number)));
      for (const pid of pids) {
        found = true;
        quiet(() => process.kill(pid, 'SIGKILL'));
      }
    }
    if (!found) break;
    execFileSync('sleep', ['0.2']);
  }
  for (const ns of namespaces) quiet(() => ip('netns', 'del', ns));
  quiet(() => ip('link', 'del', `${PREFIX}${id}`));
  if (dir && dir.startsWith(join(tmpdir(), PREFIX))) rmSync(dir, { recursive: true, force: true });
  quiet(() => unlinkSync(join(STATE_DIR, `${id}.json`)));
}

/** Removes what a crashed run left: beds whose owner process is gone, and namespaces no record owns. */
export function cleanStaleBeds(): string[] {
  mkdirSync(STATE_DIR, { recursive: true });
  const cleaned: string[] = [];
  const owned = new Set<number>();
  for (const f of readdirSync(STATE_DIR).filter((f) => f.endsWith('.json'))) {
    const id = Number(f.replace('.json', ''));
    let rec: BedRecord | undefined;
    quiet(() => (rec = JSON.parse(readFileSync(join(STATE_DIR, f), 'utf8')) as BedRecord));
    if (rec && alive(rec.pid)) {
      owned.add(id);
      continue;
    }
    destroyBed(id, rec?.dir);
    cleaned.push(`bed ${id}`);
  }
  for (const ns of bedNamespaces()) {
    const id = Number(/^lapibed(\d+)-/.exec(ns)?.[1] ?? NaN);
    if (Number.isNaN(id) || owned.has(id)) continue;
    destroyBed(id);
    cleaned.push(`bed ${id} (no record)`);
  }
  return cleaned;
}

/** A network of hosts (namespaces) on a private bridge, and everything started in them. */
export class Netns {
  readonly hosts = new Map<string, Host>();
  /** The test process's own address on the bed. */
  readonly rootIp: string;
  readonly subnet: string;
  /** A temp directory for the bed's files (data directories, configs); removed on teardown. */
  readonly dir: string;
  private readonly procs = new Set<ChildProcess>();
  private nextHost = 2;
  private destroyed = false;
  private readonly onExit = () => this.destroy();

  private constructor(readonly id: number) {
    this.subnet = `10.231.${id}`;
    this.rootIp = `${this.subnet}.1`;
    this.dir = mkdtempSync(join(tmpdir(), `${PREFIX}${id}-`));
  }

  /** Cleans stale beds, takes a free bed number, and builds the switch and the root's link to it. */
  static create(): Netns {
    cleanStaleBeds();
    let id = 0;
    while (id < MAX_BEDS && existsSync(join(STATE_DIR, `${id}.json`))) id++;
    if (id === MAX_BEDS) throw new Error(`${MAX_BEDS} test beds already run on this machine`);
    const bed = new Netns(id);
    writeFileSync(join(STATE_DIR, `${id}.json`), JSON.stringify({ pid: process.pid, dir: bed.dir } satisfies BedRecord));
    process.once('exit', bed.onExit);
    try {
      bed.buildSwitch();
    } catch (e) {
      bed.destroy();
      throw e;
    }
    return bed;
  }

  private get switchNs(): string {
    return `${PREFIX}${this.id}-sw`;
  }

  private buildSwitch(): void {
    const sw = this.switchNs;
    ip('netns', 'add', sw);
    ip('-n', sw, 'link', 'set', 'lo', 'up');
    ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge');
    ip('-n', sw, 'link', 'set', 'br0', 'up');
    const root = `${PREFIX}${this.id}`;
    ip('link', 'add', root, 'type', 'veth', 'peer', 'name', 'p-root', 'netns', sw);
    ip('-n', sw, 'link', 'set', 'p-root', 'master', 'br0', 'up');
    ip('addr', 'add', `${this.rootIp}/24`, 'dev', root);
    ip('link', 'set', root, 'up');
  }

  /** A new host: a namespace with loopback and one interface (eth0) on the bridge. */
  addHost(name: string): Host {
    if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
    if (!/^[a-z0-9]{1,10}$/.test(name)) throw new Error(`host name ${name}: 1-10 of [a-z0-9]`);
    const ns = `${PREFIX}${this.id}-${name}`;
    const host: Host = { name, ns, ip: `${this.subnet}.${this.nextHost++}` };
    ip('netns', 'add', ns);
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', this.switchNs, 'link', 'add', `p-${name}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('-n', this.switchNs, 'link', 'set', `p-${name}`, 'master', 'br0', 'up');
    ip('-n', ns, 'addr', 'add', `${host.ip}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    this.hosts.set(name, host);
    return host;
  }

  host(name: string): Host {
    const h = this.hosts.get(name);
    if (!h) throw new Error(`no host ${name}`);
    return h;
  }

  /** Starts `file args` inside a host's namespace; it is killed on teardown. */
  spawn(host: Host, file: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const proc = spawn('ip', ['netns', 'exec', host.ns, file, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    this.procs.add(proc);
    proc.once('exit', () => this.procs.delete(proc));
    return proc;
  }

  /** Runs a command in a host's namespace to completion (throws with its stderr on failure). */
  exec(host: Host, file: string, args: string[]): string {
    return execFileSync('ip', ['netns', 'exec', host.ns, file, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Takes a host's link down (every connection of it stalls) or up again. */
  link(host: Host, up: boolean): void {
    ip('-n', this.switchNs, 'link', 'set', `p-${host.name}`, up ? 'up' : 'down');
  }

  /**
   * Cuts `host` off from `peer` (from `port` of the peer only, if given), both ways, in the host's
   * own namespace. `drop`: a silent partition (a dead link, a firewall that drops), connections
   * hang; `reject`: every packet is answered with a TCP reset, connections fail at once (a
   * firewall that rejects, a peer that restarted). heal() removes every cut of the host.
   */
  cut(host: Host, peer: Host | string, port?: number, mode: 'drop' | 'reject' = 'drop'): void {
    const peerIp = typeof peer === 'string' ? peer : peer.ip;
    const out = port === undefined ? `ip daddr ${peerIp}` : `ip daddr ${peerIp} tcp dport ${port}`;
    const inn = port === undefined ? `ip saddr ${peerIp}` : `ip saddr ${peerIp} tcp sport ${port}`;
    const verdict = mode === 'drop' ? 'drop' : 'reject with tcp reset';
    this.nft(host, [`add rule inet lapibed out ${out} ${verdict}`, `add rule inet lapibed in ${inn} ${verdict}`]);
  }

  /** Drops `percent` % of the packets between `host` and `peer`'s `port`, either way, at random (TCP retransmits them). */
  loss(host: Host, peer: Host | string, port: number, percent: number): void {
    const peerIp = typeof peer === 'string' ? peer : peer.ip;
    this.nft(host, [
      `add rule inet lapibed out ip daddr ${peerIp} tcp dport ${port} numgen random mod 100 < ${percent} drop`,
      `add rule inet lapibed in ip saddr ${peerIp} tcp sport ${port} numgen random mod 100 < ${percent} drop`,
    ]);
  }

  /** Removes every cut and loss rule of the host. */
  heal(host: Host): void {
    quiet(() => this.exec(host, 'nft', ['delete', 'table', 'inet', 'lapibed']));
  }

  private nft(host: Host, rules: string[]): void {
    const table = [
      'add table inet lapibed',
      'add chain inet lapibed out { type filter hook output priority 0; }',
      'add chain inet lapibed in { type filter hook input priority 0; }',
      ...rules,
    ].join('\n');
    execFileSync('ip', ['netns', 'exec', host.ns, 'nft', '-f', '-'], { input: table, stdio: ['pipe', 'pipe', 'pipe'] });
  }

  /** Kills everything started in the bed, deletes its namespaces, bridge and files. Safe to call twice. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    process.removeListener('exit', this.onExit);
    for (const p of this.procs) quiet(() => p.kill('SIGKILL'));
    destroyBed(this.id, this.dir);
  }
}
