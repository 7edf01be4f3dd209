import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { K8sObject, renderKustomization, schemaErrors, unknownFieldErrors } from '@lapi/testing';

// deploy/k8s is a Kustomize base with two overlays. Each is rendered as an operator's
// `kubectl kustomize` does, and what it renders must be what the API server would take (every
// object valid against the Kubernetes and cert-manager schemas, no unknown field), and what the
// overlay promises: dev one replica of everything; prod replicas, resources, PodDisruptionBudgets,
// cert-manager issuing the edge's certificate, the CA key from a Secret.

jest.setTimeout(60_000);
const root = resolve(__dirname, '../../..');
const text = (file: string) => readFileSync(resolve(root, file), 'utf8');
const OVERLAYS = { base: 'deploy/k8s/base', dev: 'deploy/k8s/overlays/dev', prod: 'deploy/k8s/overlays/prod' } as const;
const rendered = Object.fromEntries(Object.entries(OVERLAYS).map(([name, dir]) => [name, renderKustomization(dir)])) as Record<keyof typeof OVERLAYS, K8sObject[]>;

const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: K8sObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const byPrefix = (objects: K8sObject[], kind: string, prefix: string) => objects.find((o) => o.kind === kind && o.metadata.name.startsWith(`${prefix}-`));
const isLapiImage = (image: string) => /(^|\/)lapi-cluster(:|$)/.test(image);
const lapiDeployments = (objects: K8sObject[]) => ofKind(objects, 'Deployment').filter((d) => d.spec.template.spec.containers.some((c: K8sObject) => isLapiImage(c.image)));
const SERVICES = ['capi', 'decisions', 'ingest', 'registration'];

describe.each(Object.keys(OVERLAYS) as (keyof typeof OVERLAYS)[])('kubectl kustomize %s', (overlay) => {
  const objects = rendered[overlay];

  it('renders the namespace, the four services, the edge and its Ingress, all in namespace lapi', () => {
    expect(ofKind(objects, 'Deployment').map((d) => d.metadata.name)).toEqual(expect.arrayContaining([...SERVICES, 'edge']));
    expect(named(objects, 'Ingress', 'lapi')).toBeDefined();
    expect(objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== 'lapi').map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([]);
  });

  it('validates every object against the Kubernetes and cert-manager schemas', () => {
    expect(schemaErrors(objects)).toEqual([]);
  });

  it('has no field the API server does not know (strict field validation)', () => {
    expect(unknownFieldErrors(objects)).toEqual([]);
  });

  it('ships no Secret: every credential is made by the README\'s recipe', () => {
    expect(ofKind(objects, 'Secret')).toEqual([]);
  });

  it('runs every lapi container as uid 1000, non-root, on a read-only root filesystem, without privilege escalation', () => {
    const deployments = lapiDeployments(objects);
    expect(deployments.length).toBeGreaterThanOrEqual(4);
    for (const d of deployments) {
      const pod = d.spec.template.spec;
      for (const c of pod.containers) {
        const security = { ...pod.securityContext, ...c.securityContext };
        expect({ deployment: d.metadata.name, runAsNonRoot: security.runAsNonRoot, runAsUser: security.runAsUser, readOnly: security.readOnlyRootFilesystem, escalation: security.allowPrivilegeEscalation }).toEqual({
          deployment: d.metadata.name, runAsNonRoot: true, runAsUser: 1000, readOnly: true, escalation: false,
        });
      }
    }
  });

  it('puts the edge config generated from the route table in the edge\'s ConfigMap: deploy/nginx/lapi.conf, byte for byte', () => {
    const edge = byPrefix(objects, 'ConfigMap', 'lapi-edge')!;
    expect(edge.data['default.conf']).toBe(text('deploy/nginx/lapi.conf'));
    // The services by their full names in the cluster DNS, looked up per request.
    expect(edge.data['upstreams.conf']).toMatch(/^resolver kube-dns\.kube-system\.svc\.cluster\.local valid=\d+s/m);
    expect(edge.data['upstreams.conf']).toMatch(/default \$lapi_service\.lapi\.svc\.cluster\.local:8080;/);
    const pod = named(objects, 'Deployment', 'edge')!.spec.template.spec;
    const conf = pod.volumes.find((v: K8sObject) => v.configMap?.name === edge.metadata.name);
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: conf.name, mountPath: '/etc/nginx/conf.d', readOnly: true });
  });
});

/** Every name `pick` finds in any object nested in `value` (a secretName, a secretRef's name, …). */
function collect(value: unknown, pick: (node: Record<string, any>) => string | undefined, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) value.forEach((v) => collect(v, pick, into));
  else if (value && typeof value === 'object') {
    const name = pick(value as Record<string, any>);
    if (name) into.add(name);
    Object.values(value).forEach((v) => collect(v, pick, into));
  }
  return into;
}

describe.each(['dev', 'prod'] as const)('the Secrets and ConfigMaps the %s overlay needs', (overlay) => {
  const objects = rendered[overlay];
  const readme = text('deploy/k8s/README.md');
  const created = (what: 'secret' | 'configmap') => new Set([...readme.matchAll(new RegExp(`kubectl -n lapi create ${what} (?:generic |tls )?([a-z0-9-]+)`, 'g'))].map((m) => m[1]));

  it('are each made by a command of deploy/k8s/README.md, but for those cert-manager writes', () => {
    const secrets = collect(objects, (n) => n.secretName ?? n.secretRef?.name ?? n.secretKeyRef?.name);
    const issued = new Set(ofKind(objects, 'Certificate').map((c) => c.spec.secretName as string));
    const needed = [...secrets].filter((name) => !issued.has(name)).sort();
    expect(needed).toContain('lapi-secrets');
    expect(needed.filter((name) => !created('secret').has(name))).toEqual([]);
    const generated = new Set(ofKind(objects, 'ConfigMap').map((c) => c.metadata.name));
    const configMaps = [...collect(objects, (n) => n.configMapRef?.name ?? n.configMap?.name)].filter((name) => !generated.has(name)).sort();
    expect(configMaps).toContain('lapi-nats-ca');
    expect(configMaps.filter((name) => !created('configmap').has(name))).toEqual([]);
  });
});

describe('the dev overlay', () => {
  it('runs one replica of each service and of the edge, and no PodDisruptionBudget', () => {
    const replicas = Object.fromEntries(ofKind(rendered.dev, 'Deployment').map((d) => [d.metadata.name, d.spec.replicas]));
    expect(replicas).toEqual({ capi: 1, decisions: 1, edge: 1, ingest: 1, registration: 1 });
    expect(ofKind(rendered.dev, 'PodDisruptionBudget')).toEqual([]);
  });
});

describe('the prod overlay', () => {
  const objects = rendered.prod;
  const deployment = (name: string) => named(objects, 'Deployment', name)!;

  it('runs replicas of every scaled service, each with CPU and memory requests and a memory limit', () => {
    const replicas = Object.fromEntries(ofKind(objects, 'Deployment').map((d) => [d.metadata.name, d.spec.replicas]));
    expect(replicas).toEqual({ ca: 1, capi: 2, decisions: 3, edge: 2, ingest: 2, registration: 2 });
    for (const d of ofKind(objects, 'Deployment')) {
      for (const c of d.spec.template.spec.containers) {
        expect({ deployment: d.metadata.name, requests: Object.keys(c.resources?.requests ?? {}).sort(), limit: c.resources?.limits?.memory }).toEqual({ deployment: d.metadata.name, requests: ['cpu', 'memory'], limit: expect.any(String) });
      }
    }
    // The overlay's sizes, not the base's.
    expect(deployment('decisions').spec.template.spec.containers[0].resources.requests.memory).toBe('1Gi');
  });

  it('keeps pods of every replicated Deployment through voluntary disruptions, never all of them', () => {
    const pdbs = ofKind(objects, 'PodDisruptionBudget');
    for (const name of ['decisions', 'edge', 'ingest', 'registration']) {
      const d = deployment(name);
      const labels = d.spec.template.metadata.labels as Record<string, string>;
      const covering = pdbs.filter((p) => Object.entries(p.spec.selector.matchLabels as Record<string, string>).every(([k, v]) => labels[k] === v));
      expect({ name, pdbs: covering.length }).toEqual({ name, pdbs: 1 });
      expect(covering[0].spec.minAvailable).toBeGreaterThanOrEqual(1);
      expect(covering[0].spec.minAvailable).toBeLessThan(d.spec.replicas);
    }
  });

  it('has cert-manager issue the edge\'s server certificate from a CA key pair in a Secret, into the Secret the edge serves', () => {
    const certificate = named(objects, 'Certificate', 'lapi-server')!;
    const issuer = named(objects, 'Issuer', certificate.spec.issuerRef.name)!;
    expect(certificate.spec.issuerRef.kind).toBe('Issuer');
    expect(issuer.spec.ca.secretName).toBe('lapi-server-ca');
    expect(certificate.spec.usages).toContain('server auth');
    expect(certificate.spec.dnsNames).toEqual(expect.arrayContaining(['edge.lapi.svc.cluster.local']));

    // edge-tls.conf (the same file as deploy/nginx/edge-tls.conf) reads the certificate where the edge mounts that Secret.
    const tlsConf = byPrefix(objects, 'ConfigMap', 'lapi-edge-tls')!.data['edge-tls.conf'] as string;
    expect(tlsConf).toBe(text('deploy/nginx/edge-tls.conf'));
    const pod = deployment('edge').spec.template.spec;
    const mountOf = (file: string) => pod.containers[0].volumeMounts.find((m: K8sObject) => m.mountPath === dirname(file));
    const volumeOf = (file: string) => pod.volumes.find((v: K8sObject) => v.name === mountOf(file)?.name);
    const certFile = /ssl_certificate\s+(\S+);/.exec(tlsConf)![1];
    const keyFile = /ssl_certificate_key\s+(\S+);/.exec(tlsConf)![1];
    expect(volumeOf(certFile).secret.secretName).toBe(certificate.spec.secretName);
    expect(volumeOf(keyFile).secret.secretName).toBe(certificate.spec.secretName);
    // lapi.conf includes the TLS listener from /etc/nginx/lapi-tls.d/.
    expect(volumeOf('/etc/nginx/lapi-tls.d/edge-tls.conf').configMap.name).toMatch(/^lapi-edge-tls-/);
    expect(pod.containers[0].ports).toContainEqual({ name: 'https', containerPort: 8443 });
    expect(named(objects, 'Service', 'edge')!.spec.ports).toContainEqual({ name: 'https', port: 8443, targetPort: 'https' });
    // The client CA it verifies against.
    const clientCa = /ssl_client_certificate\s+(\S+);/.exec(tlsConf)![1];
    expect(volumeOf(clientCa).configMap.name).toBe('lapi-client-ca');
  });

  it('runs the CA with its key and passphrase from the Secret lapi-ca-key, which no other pod mounts', () => {
    const ca = deployment('ca');
    const pod = ca.spec.template.spec;
    const container = pod.containers[0];
    const env = Object.fromEntries((container.env as K8sObject[]).map((e) => [e.name, e]));
    const keyFile: string = env.LAPI_CA_KEY_FILE.value;
    const mount = container.volumeMounts.find((m: K8sObject) => m.mountPath === dirname(keyFile));
    expect(pod.volumes.find((v: K8sObject) => v.name === mount.name).secret.secretName).toBe('lapi-ca-key');
    expect(env.LAPI_CA_KEY_PASSPHRASE.valueFrom.secretKeyRef).toEqual({ name: 'lapi-ca-key', key: 'LAPI_CA_KEY_PASSPHRASE' });
    const others = ofKind(objects, 'Deployment').filter((d) => d.metadata.name !== 'ca');
    expect(others.filter((d) => JSON.stringify(d.spec.template.spec.volumes ?? []).includes('lapi-ca-key')).map((d) => d.metadata.name)).toEqual([]);
  });

  it('gives the services the client CA the edge verifies against, where LAPI_TLS_CLIENT_CA_FILE names it', () => {
    const config = byPrefix(objects, 'ConfigMap', 'lapi-config')!;
    const caFile: string = config.data.LAPI_TLS_CLIENT_CA_FILE;
    expect(caFile).toBe('/etc/lapi/client-ca/ca.pem');
    for (const name of ['decisions', 'ingest', 'registration']) {
      const pod = deployment(name).spec.template.spec;
      const mount = pod.containers[0].volumeMounts.find((m: K8sObject) => m.mountPath === dirname(caFile));
      expect({ name, from: pod.volumes.find((v: K8sObject) => v.name === mount?.name)?.configMap?.name }).toEqual({ name, from: 'lapi-client-ca' });
    }
  });
});
