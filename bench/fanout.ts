/**
 * Fan-out latency (issue 3/4, scenario 5): from `POST /v1/alerts` answered by ingest to the
 * decision being served by every decisions replica, on a private cluster on loopback
 * (fresh Postgres database, own NATS, ingest + two decisions replicas).
 * Run: node -r ts-node/register/transpile-only -r tsconfig-paths/register bench/fanout.ts [samples]
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { buildServices, insertBouncer, newAlert, newDecision, startNats, startService, RunningProcess } from '@lapi/testing';

const ADMIN_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function admin(sql: string): Promise<void> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function visible(replica: RunningProcess, key: string, ip: string, deadline: number): Promise<number> {
  for (;;) {
    const res = await fetch(`${replica.url}/v1/decisions?ip=${ip}`, { headers: { 'x-api-key': key } });
    const body = await res.text();
    if (body !== 'null') return performance.now();
    if (performance.now() > deadline) throw new Error(`${ip} never reached ${replica.url}`);
  }
}

async function main(): Promise<void> {
  const samples = Number(process.argv[2] ?? 200);
  buildServices();
  const dbName = `lapi_bench_${randomBytes(4).toString('hex')}`;
  await admin(`CREATE DATABASE ${dbName}`);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${dbName}`;
  const nats = await startNats();
  const token = 'b'.repeat(40);
  const env = { DATABASE_URL: u.toString(), NATS_URL: nats.url, LAPI_JWT_SECRET: 'f'.repeat(40), LAPI_AUTO_REGISTRATION_TOKEN: token, LAPI_AUTO_REGISTRATION_RANGES: '127.0.0.0/8' };
  const services = await Promise.all([startService('ingest', env), startService('decisions', env), startService('decisions', env)]);
  const [ingest, ...replicas] = services;
  try {
    const json = { 'content-type': 'application/json' };
    await fetch(`${ingest.url}/v1/watchers`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'bench', password: 'pw', registration_token: token }) });
    const { token: jwt } = (await (await fetch(`${ingest.url}/v1/watchers/login`, { method: 'POST', headers: json, body: JSON.stringify({ machine_id: 'bench', password: 'pw' }) })).json()) as { token: string };
    const key = await insertBouncer(u.toString(), 'bench');
    const lags: number[] = [];
    for (let i = 0; i < samples; i++) {
      const ip = `198.18.${i >> 8}.${i & 255}`;
      const res = await fetch(`${ingest.url}/v1/alerts`, { method: 'POST', headers: { ...json, authorization: `Bearer ${jwt}` }, body: JSON.stringify([newAlert({ decisions: [newDecision({ value: ip })] })]) });
      const answered = performance.now();
      if (res.status !== 201) throw new Error(`push failed: ${res.status}`);
      const seen = await Promise.all(replicas.map((r) => visible(r, key, ip, answered + 5000)));
      lags.push(Math.max(...seen) - answered);
    }
    lags.sort((a, b) => a - b);
    const result = { scenario: 'fanout', samples, replicas: replicas.length, p50_ms: +percentile(lags, 50).toFixed(2), p99_ms: +percentile(lags, 99).toFixed(2), max_ms: +lags[lags.length - 1].toFixed(2), target_p99_ms: 100 };
    mkdirSync(join(__dirname, 'results'), { recursive: true });
    writeFileSync(join(__dirname, 'results', 'fanout.json'), JSON.stringify(result, null, 2));
    console.log(JSON.stringify(result));
  } finally {
    await Promise.all(services.map((s) => s.stop('SIGKILL')));
    await nats.stop('SIGKILL');
    await admin(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
