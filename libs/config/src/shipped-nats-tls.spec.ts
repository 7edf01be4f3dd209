import { readFileSync } from 'node:fs';
import { basename, dirname, posix, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderKustomization } from '@lapi/testing';

// The shipped deployments run the bus over TLS: NATS serves a certificate, every service connects
// with tls:// and verifies it against a CA file that is mounted where NATS_TLS_CA_FILE says.

const root = resolve(__dirname, '../../..');
type Yaml = Record<string, any>;
const documents = (file: string): Yaml[] => parseAllDocuments(readFileSync(resolve(root, file), 'utf8'), { merge: true }).map((d) => d.toJS() as Yaml);

/** `--tls --tlscert X --tlskey Y` in a nats-server command line: [X, Y], or undefined. */
function natsTlsFiles(args: string[]): [string, string] | undefined {
  const after = (flag: string) => (args.includes(flag) ? args[args.indexOf(flag) + 1] : undefined);
  const cert = after('--tlscert');
  const key = after('--tlskey');
  return args.includes('--tls') && cert && key ? [cert, key] : undefined;
}

const isUnder = (path: string, dir: string) => !posix.relative(dir, path).startsWith('..');

describe('the shipped NATS runs with TLS', () => {
  describe('docker compose', () => {
    const [compose] = documents('docker-compose.yml');
    const [overlay] = documents('docker-compose.tls.yml');
    interface Mount { source: string; target: string; readOnly: boolean }
    const mounts = (service: Yaml): Mount[] =>
      (service.volumes ?? []).map((v: string) => {
        const [source, target, mode] = v.split(':');
        return { source, target, readOnly: mode === 'ro' };
      });
    const mountOf = (service: Yaml, path: string) => mounts(service).find((m) => isUnder(path, m.target));
    // The tls overlay's ca service joins the bus too.
    const services: [string, Yaml][] = [...Object.entries(compose.services as Yaml), ['ca (docker-compose.tls.yml)', overlay.services.ca]];

    it('nats serves TLS from a volume the one-shot nats-cert fills before nats starts', () => {
      const nats = compose.services.nats;
      const files = natsTlsFiles(nats.command);
      expect(files).toBeDefined();
      const volumes = files!.map((f) => mountOf(nats, f)?.source);
      expect(volumes[0]).toBeDefined();
      expect(volumes[1]).toBe(volumes[0]);
      const writers = Object.entries(compose.services as Yaml).filter(([, s]) => mounts(s).some((m) => m.source === volumes[0] && !m.readOnly));
      expect(writers.map(([name]) => name)).toEqual(['nats-cert']);
      expect(nats.depends_on['nats-cert']).toEqual({ condition: 'service_completed_successfully' });
      expect(compose.services['nats-cert'].command.join(' ')).toMatch(new RegExp(`ca server-cert --dns nats .*--out ${mounts(compose.services['nats-cert']).find((m) => m.source === volumes[0])!.target}`));
    });

    it('every service on the bus uses tls:// and a CA file it mounts, the CA that signs the nats certificate', () => {
      const certWriter = compose.services['nats-cert'];
      const caDirVolume = mounts(certWriter).find((m) => m.target === certWriter.environment.LAPI_CA_DIR)!.source;
      const onBus = services.filter(([, s]) => s.environment?.NATS_URL);
      expect(onBus.map(([name]) => name).sort()).toEqual(['ca (docker-compose.tls.yml)', 'capi', 'decisions', 'ingest', 'registration']);
      for (const [name, s] of onBus) {
        const caFile: string = s.environment.NATS_TLS_CA_FILE ?? '';
        expect({ name, url: s.environment.NATS_URL }).toEqual({ name, url: expect.stringMatching(/^tls:\/\//) });
        expect({ name, caFileFrom: mountOf(s, caFile)?.source }).toEqual({ name, caFileFrom: caDirVolume });
        expect(basename(caFile)).toBe('ca.pem');
      }
    });
  });

  describe('kubernetes', () => {
    const overlays = ['deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod'].map((dir) => [dir, renderKustomization(dir) as Yaml[]] as const);

    it('optional/nats.yaml serves TLS from a mounted Secret', () => {
      const nats = documents('deploy/k8s/optional/nats.yaml').find((d) => d?.kind === 'StatefulSet')!;
      const pod = nats.spec.template.spec;
      const files = natsTlsFiles(pod.containers[0].args);
      expect(files).toBeDefined();
      for (const file of files!) {
        const mount = pod.containers[0].volumeMounts.find((m: Yaml) => isUnder(file, m.mountPath));
        expect(pod.volumes.find((v: Yaml) => v.name === mount?.name)?.secret?.secretName).toBe('nats-tls');
      }
    });

    it.each(overlays)('every service of %s connects with tls:// and mounts the CA file NATS_TLS_CA_FILE names', (dir, objects) => {
      // The Secret is not shipped (shipped-secrets.spec.ts); the recipe in deploy/k8s/README.md makes NATS_URL.
      expect(readFileSync(resolve(root, 'deploy/k8s/README.md'), 'utf8')).toMatch(/^\s+--from-literal=NATS_URL="tls:\/\//m);
      const configMap = objects.find((d) => d.kind === 'ConfigMap' && d.metadata.name.startsWith('lapi-config-'))!;
      const caFile: string = configMap.data.NATS_TLS_CA_FILE;
      expect(caFile).toBeTruthy();
      const deployments = objects.filter((d) => d.kind === 'Deployment' && d.metadata.name !== 'edge');
      expect(deployments.map((d) => d.metadata.name).sort()).toEqual(dir.endsWith('prod') ? ['ca', 'capi', 'decisions', 'ingest', 'registration'] : ['capi', 'decisions', 'ingest', 'registration']);
      for (const d of deployments) {
        const pod = d.spec.template.spec;
        for (const c of pod.containers) {
          const mount = (c.volumeMounts ?? []).find((m: Yaml) => m.mountPath === dirname(caFile));
          const volume = pod.volumes.find((v: Yaml) => v.name === mount?.name);
          const items: Yaml[] = volume?.configMap?.items ?? [];
          expect({ deployment: d.metadata.name, from: volume?.configMap?.name, file: items.map((i) => i.path) }).toEqual({ deployment: d.metadata.name, from: 'lapi-nats-ca', file: [basename(caFile)] });
        }
      }
    });
  });
});
