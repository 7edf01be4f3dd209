import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderKustomization } from '@lapi/testing';

// The shipped deployments run every service of the cluster, the CAPI worker too, and the image
// holds each one compiled: a service the image has not compiled would try to run tsc at start,
// which the image does not have.

const root = resolve(__dirname, '../../..');
type Yaml = Record<string, any>;
const documents = (file: string): Yaml[] => parseAllDocuments(readFileSync(resolve(root, file), 'utf8'), { merge: true }).map((d) => d.toJS() as Yaml);
const CLUSTER = ['ingest', 'decisions', 'registration', 'capi'];

/** The services the Dockerfile compiles into the image (its ensureBuilt list). */
function compiledInImage(): string[] {
  const list = /for \(const s of \[([^\]]+)\]\) r\.ensureBuilt/.exec(readFileSync(resolve(root, 'deploy/Dockerfile'), 'utf8'));
  return list ? [...list[1].matchAll(/'([a-z-]+)'/g)].map((m) => m[1]) : [];
}

describe('the shipped deployments', () => {
  const [compose] = documents('docker-compose.yml');
  const [overlay] = documents('docker-compose.tls.yml');
  const composeRuns = [compose, overlay].flatMap((c) => Object.values(c.services as Yaml).filter((s) => s.image?.startsWith('lapi-cluster') && s.command && !s.entrypoint).map((s) => s.command[0] as string));
  const k8sRuns = ['deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod']
    .flatMap((dir) => renderKustomization(dir) as Yaml[])
    .filter((d) => d?.kind === 'Deployment' || d?.kind === 'StatefulSet')
    .flatMap((d) => d.spec.template.spec.containers.filter((c: Yaml) => /(^|\/)lapi-cluster(:|$)/.test(c.image)).map((c: Yaml) => c.args[0] as string));

  it('run every service of the cluster, the CAPI worker included', () => {
    expect(CLUSTER.filter((s) => !composeRuns.includes(s))).toEqual([]);
    expect(CLUSTER.filter((s) => !k8sRuns.includes(s))).toEqual([]);
  });

  it('run the image as the uid it declares, a number Kubernetes\' runAsNonRoot can check, not root', () => {
    const users = [...readFileSync(resolve(root, 'deploy/Dockerfile'), 'utf8').matchAll(/^USER\s+(\S+)\s*$/gm)].map((m) => m[1]);
    expect(users).toEqual(['1000:1000']);
    for (const s of Object.values(compose.services as Yaml).filter((s) => s.image?.startsWith('lapi-cluster'))) expect(s.user).toBe('1000:1000');
  });

  it('run only services the image holds compiled', () => {
    const compiled = compiledInImage();
    expect(compiled.length).toBeGreaterThan(0);
    expect([...new Set([...composeRuns, ...k8sRuns])].filter((s) => !compiled.includes(s))).toEqual([]);
  });
});
