import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { renderKustomization } from '@lapi/testing';
import { loadConfig } from './app-config';

const root = resolve(__dirname, '../../..');
const documents = (file: string) => parseAllDocuments(readFileSync(resolve(root, file), 'utf8')).map((d) => d.toJS() as Record<string, any>);
const K8S_README = 'deploy/k8s/README.md';
/** Every object the Kubernetes overlays apply. */
const k8sOverlays = () => ['deploy/k8s/overlays/dev', 'deploy/k8s/overlays/prod'].flatMap(renderKustomization) as Record<string, any>[];

/** The `--from-literal=KEY=VALUE` pairs of the `kubectl create secret` recipe in deploy/k8s/README.md. */
function k8sSecretRecipe(): Record<string, string> {
  const lines = readFileSync(resolve(root, K8S_README), 'utf8').split('\n').map((l) => l.trim());
  const first = lines.findIndex((l) => l.startsWith('kubectl -n lapi create secret generic lapi-secrets'));
  const recipe: Record<string, string> = {};
  for (let i = first; i >= 0 && i < lines.length; i++) {
    const literal = /--from-literal=(\w+)=(.*?)\s*\\?$/.exec(lines[i]);
    if (literal) recipe[literal[1]] = literal[2].replace(/^(['"])(.*)\1$/, '$2');
    if (!lines[i].endsWith('\\')) break;
  }
  return recipe;
}

describe('shipped deployments and their secrets', () => {
  it('refuses to start on a known placeholder secret, naming the variable', () => {
    for (const placeholder of ['CHANGE-ME-this-jwt-secret-is-public-CHANGE-ME', 'changeme-changeme-changeme-changeme', 'please-change-me-to-a-long-random-secret']) {
      expect(() => loadConfig({ LAPI_JWT_SECRET: placeholder })).toThrow(/LAPI_JWT_SECRET.*placeholder/);
    }
    expect(loadConfig({ LAPI_JWT_SECRET: 'q8Yv0c1mF3zR7tLw2pXn9bKd4sHj6gAe' }).jwtSecret).toBeDefined();
  });

  it('docker compose will not start without LAPI_JWT_SECRET set', () => {
    const [compose] = documents('docker-compose.yml');
    expect(compose['x-lapi-env'].LAPI_JWT_SECRET).toMatch(/^\$\{LAPI_JWT_SECRET:\?[^}]+\}$/);
  });

  it('every k8s service requires its JWT secret from the Secret the operator creates', () => {
    // The CA process issues no tokens and checks none.
    const deployments = k8sOverlays().filter((d) => d.kind === 'Deployment' && d.spec.template.spec.containers.some((c: Record<string, any>) => /lapi-cluster/.test(c.image) && c.args[0] !== 'ca'));
    expect(deployments.length).toBeGreaterThan(0);
    for (const d of deployments) {
      for (const c of d.spec.template.spec.containers) {
        const env = (c.env ?? []).find((e: { name: string }) => e.name === 'LAPI_JWT_SECRET');
        expect({ deployment: d.metadata.name, ref: env?.valueFrom?.secretKeyRef }).toEqual({ deployment: d.metadata.name, ref: { name: 'lapi-secrets', key: 'LAPI_JWT_SECRET' } });
      }
    }
  });

  it('the shipped NATS requires credentials, and the services send them', () => {
    const [compose] = documents('docker-compose.yml');
    expect(compose['x-lapi-env'].NATS_URL).toMatch(/^tls:\/\/lapi:\$\{NATS_PASSWORD:\?[^}]+\}@nats:4222$/);
    expect(compose.services.nats.command.join(' ')).toMatch(/--user lapi --pass \$\{NATS_PASSWORD:\?/);
    const nats = documents('deploy/k8s/optional/nats.yaml').find((d) => d?.kind === 'StatefulSet')!;
    expect(nats.spec.template.spec.containers[0].args.join(' ')).toMatch(/--user lapi --pass \$\(NATS_PASSWORD\)/);
    expect(k8sSecretRecipe()).toMatchObject({ NATS_PASSWORD: expect.anything(), NATS_URL: expect.stringMatching(/^tls:\/\/lapi:\$NATS_PASSWORD@/) });
  });

  it('the shipped Postgres password has no default: compose stops until .env sets one', () => {
    for (const file of ['docker-compose.yml', 'docker-compose.tls.yml']) {
      const text = readFileSync(resolve(root, file), 'utf8');
      expect({ file, defaults: text.match(/POSTGRES_PASSWORD:-/g) }).toEqual({ file, defaults: null });
    }
    const [compose] = documents('docker-compose.yml');
    expect(compose.services.postgres.environment.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
    expect(compose['x-lapi-env'].DATABASE_URL).toMatch(/^postgres:\/\/lapi:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/lapi$/);
  });

  it('refuses to start on a placeholder password in DATABASE_URL or NATS_URL, naming the variable and not the password', () => {
    const refused: Array<[string, string]> = [
      ['DATABASE_URL', 'postgres://lapi:CHANGE-ME@postgres.lapi.svc.cluster.local:5432/lapi'],
      ['DATABASE_URL', 'postgresql://lapi:changeme@db:5432/lapi'],
      ['DATABASE_URL', 'postgres://lapi@db:5432/lapi?password=change-me-please'],
      ['NATS_URL', 'tls://lapi:CHANGE-ME@nats.lapi.svc.cluster.local:4222'],
      ['NATS_URL', 'nats://Change%20Me@nats:4222'],
    ];
    for (const [name, value] of refused) {
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^invalid ${name}=<redacted>: its password is a placeholder`));
    }
    const config = loadConfig({ DATABASE_URL: 'postgres://lapi:3f9c0a7e2b@db:5432/lapi', NATS_URL: 'tls://lapi:b81d44e0c6@nats:4222' });
    expect([config.databaseUrl, config.natsUrl]).toEqual(['postgres://lapi:3f9c0a7e2b@db:5432/lapi', 'tls://lapi:b81d44e0c6@nats:4222']);
  });

  it('no k8s overlay ships a Secret: no credential, and `kubectl apply -k` never creates or changes one', () => {
    const objects = k8sOverlays();
    expect(objects.length).toBeGreaterThan(10);
    expect(objects.filter((d) => d.kind === 'Secret')).toEqual([]);
  });

  it('the k8s Secret recipe creates every key of lapi-secrets the pods need, and generates each password', () => {
    const pods = [...k8sOverlays(), ...documents('deploy/k8s/optional/nats.yaml')]
      .filter((d) => d?.kind === 'Deployment' || d?.kind === 'StatefulSet')
      .flatMap((d) => d.spec.template.spec.containers);
    const named = pods.flatMap((c) => (c.env ?? []).map((e: Record<string, any>) => e.valueFrom?.secretKeyRef).filter((r: Record<string, any> | undefined) => r?.name === 'lapi-secrets').map((r: Record<string, any>) => r.key as string));
    // Through envFrom, the services read their connections from the Secret too.
    const needed = [...new Set([...named, 'DATABASE_URL', 'NATS_URL'])].sort();
    expect(needed).toEqual(['DATABASE_URL', 'LAPI_JWT_SECRET', 'NATS_PASSWORD', 'NATS_URL']);
    const recipe = k8sSecretRecipe();
    expect(Object.keys(recipe).sort()).toEqual(needed);
    expect(recipe.LAPI_JWT_SECRET).toMatch(/^\$\(openssl rand /);
    expect(recipe.NATS_PASSWORD).toBe('$NATS_PASSWORD');
    expect(readFileSync(resolve(root, K8S_README), 'utf8')).toMatch(/^\s+NATS_PASSWORD="\$\(openssl rand -hex \d+\)"$/m);
  });
});
