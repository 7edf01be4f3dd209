import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import * as ipaddr from 'ipaddr.js';

// docker-compose.yml scales (`docker compose up --scale decisions=3`): no container has a fixed
// address, name or host port, the edge finds the services by name when requests come, and the
// services believe X-Forwarded-For from the stack's network rather than from one fixed address.
// (No Docker engine here: apps/decisions/test/compose-scale.e2e-spec.ts runs the edge's files in
// Debian's nginx against three replicas behind one name.)

const root = resolve(__dirname, '../../..');
type Yaml = Record<string, any>;
const text = (file: string) => readFileSync(resolve(root, file), 'utf8');
/** Compose's interpolation of `${VAR:-default}` and `${VAR:?message}`, with every variable unset but those given. */
const interpolate = (value: string, env: Record<string, string> = {}) =>
  value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => env[name] ?? (op === '-' ? arg ?? '' : `<${name} required>`));
const documents = (file: string): Yaml[] => parseAllDocuments(text(file), { merge: true }).map((d) => d.toJS() as Yaml);
const [compose] = documents('docker-compose.yml');
const [tlsOverlay] = documents('docker-compose.tls.yml');
const services = compose.services as Record<string, Yaml>;
const lapiServices = Object.entries(services).filter(([, s]) => String(s.image).startsWith('lapi-cluster'));

/** The settings, per container, that two replicas of one service cannot share. */
function perContainerSettings(s: Yaml): string[] {
  const fixed: string[] = [];
  if (s.container_name) fixed.push('container_name');
  if (s.hostname) fixed.push('hostname');
  if (s.mac_address) fixed.push('mac_address');
  for (const [net, opts] of Object.entries((Array.isArray(s.networks) ? {} : s.networks ?? {}) as Record<string, Yaml | null>)) {
    if (opts?.ipv4_address) fixed.push(`networks.${net}.ipv4_address`);
    if (opts?.ipv6_address) fixed.push(`networks.${net}.ipv6_address`);
  }
  // A published host port is taken by the first replica.
  for (const p of s.ports ?? []) if (/^(\$\{[^}]+\}|\d+):/.test(String(p)) || typeof p === 'object') fixed.push(`ports ${JSON.stringify(p)}`);
  return fixed;
}

describe('docker-compose.yml scales', () => {
  it('runs the decisions replicas as one service, two by default, that --scale multiplies', () => {
    expect(Object.keys(services).filter((n) => /^decisions/.test(n))).toEqual(['decisions']);
    expect(services.decisions.command).toEqual(['decisions']);
    expect(services.decisions.deploy).toEqual({ replicas: 2 });
  });

  it('gives no container of the stack a fixed address, name or host port, so every lapi service can be scaled', () => {
    for (const [name, s] of Object.entries(services)) {
      const fixed = perContainerSettings(s).filter((f) => !f.startsWith('ports'));
      expect({ name, fixed }).toEqual({ name, fixed: [] });
    }
    for (const [name, s] of lapiServices.filter(([n]) => n !== 'standalone')) expect({ name, fixed: perContainerSettings(s) }).toEqual({ name, fixed: [] });
    for (const [name, s] of Object.entries(tlsOverlay.services as Record<string, Yaml>)) {
      if (name !== 'edge') expect({ name, fixed: perContainerSettings(s ?? {}) }).toEqual({ name, fixed: [] });
    }
  });

  it('has the edge look the services up in Docker\'s DNS at request time, on the port the services listen on', () => {
    const edge = services.edge;
    const mounts = (edge.volumes as string[]).map((v) => v.split(':'));
    expect(mounts).toEqual(
      expect.arrayContaining([
        ['./deploy/nginx/lapi.conf', '/etc/nginx/conf.d/default.conf', 'ro'],
        ['./deploy/nginx/upstreams.compose.conf', '/etc/nginx/conf.d/upstreams.conf', 'ro'],
      ]),
    );
    const tlsEdge = (tlsOverlay.services.edge.volumes as string[]).map((v) => v.split(':'));
    expect(tlsEdge).toEqual(expect.arrayContaining([['./deploy/nginx/upstreams.compose.conf', '/etc/nginx/conf.d/upstreams.conf', 'ro']]));
    const upstreams = text('deploy/nginx/upstreams.compose.conf').replace(/#.*$/gm, '');
    expect(upstreams).toMatch(/^resolver 127\.0\.0\.11 valid=\d+s ipv6=off;$/m);
    expect(upstreams).toMatch(new RegExp(`default \\$lapi_service:${compose['x-lapi-env'].LAPI_PORT};`));
    // lapi.conf proxies to that variable only: no upstream block resolved once at start.
    const conf = text('deploy/nginx/lapi.conf').replace(/#.*$/gm, '');
    expect(conf).not.toMatch(/^\s*upstream\s/m);
    const targets = [...conf.matchAll(/proxy_pass\s+([^;]+);/g)].map((m) => m[1]);
    expect(targets.length).toBeGreaterThan(0);
    expect([...new Set(targets)]).toEqual(['http://$lapi_upstream$request_uri']);
  });

  it('believes X-Forwarded-For from the addresses Docker gives the stack\'s containers, wherever the edge lands, not from the host\'s gateway', () => {
    const ipam = compose.networks.lapi.ipam.config[0];
    for (const env of [{}, { LAPI_NET: '10.213.7' }] as Record<string, string>[]) {
      const subnet = ipaddr.parseCIDR(interpolate(ipam.subnet, env));
      const containers = interpolate(ipam.ip_range, env);
      const gateway = ipaddr.parse(interpolate(ipam.gateway, env));
      // One setting moves all of them together.
      expect(interpolate(compose['x-lapi-env'].LAPI_TRUSTED_PROXIES, env)).toBe(containers);
      const range = ipaddr.parseCIDR(containers);
      expect(range[0].match(subnet)).toBe(true);
      expect(range[1]).toBeGreaterThan(subnet[1]);
      expect(gateway.match(subnet)).toBe(true);
      expect(gateway.match(range)).toBe(false);
    }
    expect(services.edge.networks).toEqual(['lapi']);
    // Only the edge (and the standalone profile, which trusts no proxy) publishes a port.
    expect(Object.entries(services).filter(([, s]) => s.ports).map(([n]) => n).sort()).toEqual(['edge', 'standalone']);
    expect(services.standalone.environment.LAPI_TRUSTED_PROXIES).toBe('');
  });

  it('runs every lapi container as uid 1000 on a read-only root filesystem with a tmpfs /tmp', () => {
    const all: [string, Yaml][] = [...lapiServices, ['ca (docker-compose.tls.yml)', tlsOverlay.services.ca]];
    expect(all.length).toBeGreaterThan(5);
    for (const [name, s] of all) {
      expect({ name, user: s.user, readOnly: s.read_only, tmpfs: s.tmpfs }).toEqual({ name, user: '1000:1000', readOnly: true, tmpfs: ['/tmp'] });
    }
  });
});
