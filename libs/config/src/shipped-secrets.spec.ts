import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { loadConfig } from './app-config';

const root = resolve(__dirname, '../../..');
const documents = (file: string) => parseAllDocuments(readFileSync(resolve(root, file), 'utf8')).map((d) => d.toJS() as Record<string, any>);

describe('shipped deployments and the JWT secret', () => {
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

  it('the k8s Secret ships without a JWT secret, and every service requires one', () => {
    const docs = documents('deploy/k8s/10-config.yaml').concat(documents('deploy/k8s/20-services.yaml'));
    const secret = docs.find((d) => d?.kind === 'Secret' && d.metadata.name === 'lapi-secrets')!;
    expect(secret.stringData?.LAPI_JWT_SECRET ?? secret.data?.LAPI_JWT_SECRET).toBeUndefined();
    const deployments = docs.filter((d) => d?.kind === 'Deployment');
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
    const secret = documents('deploy/k8s/10-config.yaml').find((d) => d?.kind === 'Secret')!;
    expect(secret.stringData.NATS_URL).toMatch(/^tls:\/\/lapi:[^@]+@/);
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
});
