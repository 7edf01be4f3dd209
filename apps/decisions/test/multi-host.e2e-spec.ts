import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { CapiSim } from '@lapi/capi-sim';
import {
  BED_REGISTRATION_TOKEN,
  ClusterBed,
  createCscli,
  createOpensslCa,
  CustomBouncer,
  insertBouncer,
  netnsUnavailable,
  pollUntil,
  startAgentPusher,
  startCustomBouncer,
  startLapictlWriter,
  startStreamPoller,
  StreamPoller,
  valueSource,
  Writer,
} from '@lapi/testing';

/**
 * The cluster across hosts (issue #21): every service, Postgres, NATS and the edge in its own
 * network namespace, the real clients in others, and partitions cut with nft. One bed for the
 * whole file. Needs root and `ip netns` (CI has both); elsewhere it says so and skips.
 */
const unavailable = netnsUnavailable();
if (unavailable) console.warn(`SKIPPED the multi-host suite (apps/decisions/test/multi-host.e2e-spec.ts): ${unavailable}`);
const describeBed = unavailable ? describe.skip : describe;
const execFileAsync = promisify(execFile);

jest.setTimeout(180_000);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLIENTS = ['admin', 'agent1', 'bnc1', 'bnc2', 'forger', 'cli'];

/** curl on a client host: the status code. Never synchronously: the services' NATS goes through this process. */
async function curlFrom(bed: ClusterBed, host: string, method: string, url: string, headers: Record<string, string> = {}): Promise<number> {
  const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '-X', method, '--max-time', '10', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  return Number((await execFileAsync('ip', ['netns', 'exec', bed.host(host).ns, 'curl', ...args])).stdout);
}

interface BouncerRow {
  name: string;
  ip_address: string;
}
interface MachineRow {
  machineId: string;
  ipAddress?: string;
}

describeBed('the cluster across hosts', () => {
  let bed: ClusterBed;

  beforeAll(async () => {
    bed = await ClusterBed.start({
      clients: CLIENTS,
      env: (b) => ({ LAPI_TRUSTED_IPS: `127.0.0.1/32,${b.host('admin').ip}/32` }),
    });
  }, 300_000);

  afterAll(async () => {
    await bed?.destroy();
  });

  describe('real client addresses', () => {
    const bouncers = async () => JSON.parse(await bed.lapictl('cli', ['-o', 'json', 'bouncers', 'list'])) as BouncerRow[];
    const machines = async () => JSON.parse(await bed.lapictl('cli', ['-o', 'json', 'machines', 'list'])) as MachineRow[];
    let bouncer: CustomBouncer | undefined;
    afterAll(() => bouncer?.stop());

    it('records a bouncer key at the address of the host using it (through the edge), and as name@ip from a second host', async () => {
      const key = 'fw-key-'.padEnd(40, 'k');
      await bed.lapictl('cli', ['bouncers', 'add', 'fw', '-k', key]);
      bouncer = await startCustomBouncer({ url: `${bed.edgeUrl}/`, apiKey: key, dir: join(bed.net.dir, 'bnc1'), netns: bed.host('bnc1').ns });
      expect(await curlFrom(bed, 'bnc2', 'GET', `${bed.service('dec1').url}/v1/decisions`, { 'x-api-key': key })).toBe(200);
      const rows = (await bouncers()).filter((b) => b.name.startsWith('fw'));
      expect(rows.map((b) => [b.name, b.ip_address]).sort()).toEqual([
        ['fw', bed.host('bnc1').ip],
        [`fw@${bed.host('bnc2').ip}`, bed.host('bnc2').ip],
      ]);
    });

    it('sees a client that forges X-Forwarded-For at its own address, through the edge and on a replica directly', async () => {
      const key = 'forged-key-'.padEnd(40, 'f');
      await bed.lapictl('cli', ['bouncers', 'add', 'forged', '-k', key]);
      const forged = { 'x-api-key': key, 'x-forwarded-for': '203.0.113.7' };
      expect(await curlFrom(bed, 'forger', 'GET', `${bed.edgeUrl}/v1/decisions`, forged)).toBe(200);
      expect(await curlFrom(bed, 'forger', 'GET', `${bed.service('dec2').url}/v1/decisions`, forged)).toBe(200);
      const rows = (await bouncers()).filter((b) => b.name.startsWith('forged'));
      expect(rows.map((b) => [b.name, b.ip_address])).toEqual([['forged', bed.host('forger').ip]]);
    });

    it('records an agent registered by cscli at its host address; only LAPI_TRUSTED_IPS may delete alerts, whatever X-Forwarded-For says', async () => {
      const cscli = (host: string) => createCscli({ url: `${bed.edgeUrl}/`, dir: join(bed.net.dir, `cscli-${host}`), netns: bed.host(host).ns });
      const agent = cscli('agent1');
      const admin = cscli('admin');
      await agent.register('agent1');
      await admin.register('admin');
      await bed.lapictl('cli', ['machines', 'validate', 'agent1']);
      await bed.lapictl('cli', ['machines', 'validate', 'admin']);
      const ips = Object.fromEntries((await machines()).map((m) => [m.machineId, m.ipAddress]));
      expect([ips.agent1, ips.admin]).toEqual([bed.host('agent1').ip, bed.host('admin').ip]);

      expect((await agent.run(['decisions', 'add', '-i', '192.0.2.200', '-d', '1h'])).code).toBe(0);
      const refused = await agent.run(['alerts', 'delete', '--ip', '192.0.2.200']);
      expect(refused.code).not.toBe(0);
      expect(refused.stderr).toContain(`access forbidden from this IP (${bed.host('agent1').ip})`);

      // The agent's own token, sent from its host with the admin's address in the header.
      const creds = agent.credentials();
      const login = await fetch(`${bed.edgeUrl}/v1/watchers/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ machine_id: creds.login, password: creds.password }) });
      const { token } = (await login.json()) as { token: string };
      const spoof = { authorization: `Bearer ${token}`, 'x-forwarded-for': bed.host('admin').ip };
      expect(await curlFrom(bed, 'agent1', 'DELETE', `${bed.edgeUrl}/v1/alerts?ip=192.0.2.200`, spoof)).toBe(403);
      expect(await curlFrom(bed, 'agent1', 'DELETE', `${bed.service('ingest').url}/v1/alerts?ip=192.0.2.200`, spoof)).toBe(403);

      const deleted = await admin.run(['alerts', 'delete', '--ip', '192.0.2.200']);
      expect(deleted.code).toBe(0);
      expect(await admin.json<unknown[] | null>(['alerts', 'list', '--ip', '192.0.2.200'])).toBeNull();
    });
  });

  describe('partitions under load', () => {
    let token: string;
    let realBouncer: CustomBouncer;
    const dec = () => [bed.service('dec1'), bed.service('dec2')];

    beforeAll(async () => {
      const json = { 'content-type': 'application/json' };
      const body = JSON.stringify({ machine_id: 'loader', password: 'loader-password', registration_token: BED_REGISTRATION_TOKEN });
      expect((await fetch(`${bed.edgeUrl}/v1/watchers`, { method: 'POST', headers: json, body })).status).toBe(202);
      const login = await fetch(`${bed.edgeUrl}/v1/watchers/login`, { method: 'POST', headers: json, body });
      token = ((await login.json()) as { token: string }).token;
      const key = 'real-bouncer-key-'.padEnd(40, 'r');
      await bed.lapictl('cli', ['bouncers', 'add', 'real', '-k', key]);
      realBouncer = await startCustomBouncer({ url: `${bed.edgeUrl}/`, apiKey: key, dir: join(bed.net.dir, 'real-bouncer'), netns: bed.host('bnc2').ns, updateFrequency: '500ms' });
    });
    afterAll(() => realBouncer?.stop());

    interface Load {
      pollers: StreamPoller[];
      writers: Writer[];
      stop(): Promise<void>;
    }

    /** Two agents pushing through the edge, lapictl writing, and bouncers on each replica and through the edge. */
    async function startLoad(tag: number): Promise<Load> {
      const keys = await Promise.all(['d1', 'd2', 'edge'].map((n) => insertBouncer(bed.pgUrl, `p${tag}-${n}`)));
      const pollers = [
        startStreamPoller('on dec1', () => [dec()[0].url], keys[0]),
        startStreamPoller('on dec2', () => [dec()[1].url], keys[1]),
        startStreamPoller('through the edge', () => [bed.edgeUrl], keys[2]),
      ];
      await pollUntil(() => pollers.every((p) => p.answered > 0), 'every poller to have its startup answer', { timeoutMs: 20_000 });
      const writers = [
        startAgentPusher('agent A', bed.edgeUrl, token, valueSource(`10.${tag}`, 0)),
        startAgentPusher('agent B', bed.edgeUrl, token, valueSource(`10.${tag}`, 80)),
        startLapictlWriter(bed, 'cli', valueSource(`10.${tag}`, 160)),
      ];
      return {
        pollers,
        writers,
        async stop() {
          await Promise.all(writers.map((w) => w.stop()));
        },
      };
    }

    /**
     * After the heal: waits until every bouncer has every accepted decision (the time to recover),
     * then a little more, and reports what was pushed and what each bouncer received.
     */
    async function settle(partition: string, load: Load, healedAt: number, extra: Record<string, unknown> | (() => Record<string, unknown>) = {}) {
      await load.stop();
      const accepted = load.writers.flatMap((w) => [...w.accepted.keys()]);
      const inDb = new Set((await bed.sql<{ value: string }>('SELECT value FROM decisions WHERE value = ANY($1)', [accepted])).map((r) => r.value));
      const sawAdd = (events: { action: string; value: string }[], v: string) => events.some((e) => e.action === 'add' && e.value === v);
      await pollUntil(async () => {
        const events = await realBouncer.events();
        return load.pollers.every((p) => accepted.every((v) => p.received.has(v))) && accepted.every((v) => sawAdd(events, v));
      }, `every bouncer to have all ${accepted.length} accepted decisions`, { timeoutMs: 60_000, intervalMs: 100 }).catch(() => undefined);
      const recoverMs = Date.now() - healedAt;
      await pause(1500);
      for (const p of load.pollers) await p.stop();
      const realEvents = (await realBouncer.events()).filter((e) => e.action === 'add');
      const realCounts = new Map<string, number>();
      for (const e of realEvents) realCounts.set(e.value, (realCounts.get(e.value) ?? 0) + 1);
      const bouncers = Object.fromEntries([
        ...load.pollers.map((p) => [p.name, p.received] as const),
        ['crowdsec-custom-bouncer through the edge', realCounts] as const,
      ].map(([name, got]) => [name, {
        received: accepted.filter((v) => got.has(v)).length,
        missing: accepted.filter((v) => !got.has(v)),
        repeated: accepted.filter((v) => (got.get(v) ?? 0) > 1),
      }]));
      const acceptedAt = new Map(load.writers.flatMap((w) => [...w.accepted]));
      const report = {
        partition,
        accepted: accepted.length,
        pushed: Object.fromEntries(load.writers.map((w) => [w.name, { accepted: w.accepted.size, slowestMs: w.slowestMs, refused: Object.fromEntries(w.refused) }])),
        lostInDatabase: accepted.filter((v) => !inDb.has(v)),
        bouncers,
        recoverMs,
        ...(typeof extra === 'function' ? extra() : extra),
      };
      Object.defineProperty(report, 'acceptedAt', { value: acceptedAt, enumerable: false });
      console.log(`PARTITION REPORT ${JSON.stringify(report, null, 1)}`);
      return report;
    }

    /**
     * Nothing accepted is lost, and nothing is repeated, except (with `inFlightUntil`) what a reply
     * in flight when the cut began held: the replica moved the cursor but could not record that
     * the reply went out, so the next poll sends it again (a repeated ban is harmless, a lost one is not).
     */
    const expectExact = (report: Awaited<ReturnType<typeof settle>>, minAccepted = 50, inFlightUntil?: number) => {
      expect(report.accepted).toBeGreaterThan(minAccepted);
      expect(report.lostInDatabase).toEqual([]);
      const acceptedAt = (report as unknown as { acceptedAt: Map<string, number> }).acceptedAt;
      for (const [name, b] of Object.entries(report.bouncers)) {
        const repeated = inFlightUntil === undefined ? b.repeated : b.repeated.filter((v) => acceptedAt.get(v)! > inFlightUntil);
        expect({ name, missing: b.missing, repeated }).toEqual({ name, missing: [], repeated: [] });
      }
    };

    /** Samples a service's readiness every 200 ms until stopped: when it first said not ready. */
    function watchReadiness(url: string) {
      let running = true;
      let notReadyAt: number | undefined;
      const samples: boolean[] = [];
      const loop = (async () => {
        while (running) {
          const ok = (await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(2000) }).catch(() => undefined))?.status === 200;
          samples.push(ok);
          if (!ok && notReadyAt === undefined) notReadyAt = Date.now();
          await pause(200);
        }
      })();
      return {
        get notReadyAt() {
          return notReadyAt;
        },
        get everNotReady() {
          return samples.some((s) => !s);
        },
        async stop() {
          running = false;
          await loop;
        },
      };
    }

    it('a replica cut off from NATS only stays ready and serves every decision within 3 s (from its database reconcile); after healing every bouncer has every decision exactly once', async () => {
      const load = await startLoad(101);
      await pause(1500);
      const readiness = watchReadiness(dec()[0].url);
      const cutAt = Date.now();
      bed.cutFromNats('dec1');
      await pause(8000);
      bed.heal('dec1');
      const healedAt = Date.now();
      await readiness.stop();
      // The bound's length after the heal: a decision accepted just before it has until then too
      // (1 s was short of it under load: one accepted at the end of the cut waits for a head check).
      await pause(3000);
      const pinned = load.pollers[0];
      const during = load.writers.flatMap((w) => [...w.accepted].filter(([, at]) => at > cutAt && at < healedAt));
      const lags = during.map(([v, at]) => (pinned.firstAt.get(v) ?? Infinity) - at);
      const maxLagMs = Math.max(...lags);
      const unseen = during.filter(([v]) => !pinned.firstAt.has(v)).map(([, at]) => at - healedAt);
      const report = await settle('dec1 cut off from NATS for 8 s', load, healedAt, {
        acceptedDuringCut: during.length,
        dec1EverNotReady: readiness.everNotReady,
        dec1MaxLagDuringCutMs: maxLagMs,
        unseenThreeSecondsAfterHeal: { count: unseen.length, acceptedMsBeforeHeal: unseen.slice(0, 10).map((ms) => -ms) },
      });
      expect(during.length).toBeGreaterThan(20);
      // Either it said it was not ready, or it served every decision within the bound.
      if (!readiness.everNotReady) expect(maxLagMs).toBeLessThanOrEqual(3000);
      expectExact(report);
    });

    it('a replica cut off from Postgres only stops claiming readiness within 5 s; after healing every bouncer has every decision, repeated only from the reply in flight at the cut', async () => {
      const load = await startLoad(102);
      await pause(1500);
      const readiness = watchReadiness(dec()[1].url);
      const cutAt = Date.now();
      bed.cutFromPostgres('dec2');
      await pause(8000);
      const notReadyAfterMs = readiness.notReadyAt === undefined ? undefined : readiness.notReadyAt - cutAt;
      bed.heal('dec2');
      const healedAt = Date.now();
      await pollUntil(async () => (await fetch(`${dec()[1].url}/health/ready`)).status === 200, 'dec2 to be ready again', { timeoutMs: 30_000 });
      const readyAgainMs = Date.now() - healedAt;
      await readiness.stop();
      const report = await settle('dec2 cut off from Postgres for 8 s', load, healedAt, { dec2NotReadyAfterMs: notReadyAfterMs, dec2ReadyAgainAfterHealMs: readyAgainMs, dec2PollerErrors: load.pollers[1].errors });
      expect(notReadyAfterMs).toBeDefined();
      expect(notReadyAfterMs!).toBeLessThanOrEqual(5000);
      expectExact(report, 50, cutAt);
    });

    it('ingest cut off from Postgres while agents push answers every push within 3 × LAPI_DB_TIMEOUT + 3 s (503 with a message while cut), and loses nothing it accepted', async () => {
      const load = await startLoad(103);
      await pause(1500);
      bed.cutFromPostgres('ingest');
      await pause(8000);
      bed.heal('ingest');
      const healedAt = Date.now();
      await pause(3000);
      const report = await settle('ingest cut off from Postgres for 8 s', load, healedAt);
      const refusals = load.writers.slice(0, 2).flatMap((w) => [...w.refused]);
      expect(refusals.map(([status]) => status)).toContain('503');
      for (const [status, r] of refusals) if (status === '503') expect(JSON.parse(r.message)).toEqual({ message: expect.any(String) });
      // Answered in bounded time: a push waits at most LAPI_DB_TIMEOUT for its turn, then its
      // transaction fails within two query timeouts (a statement on the cut connection, then the
      // rollback: 2 × (LAPI_DB_TIMEOUT + 1 s)): 11 s here, plus a second for a loaded machine.
      for (const w of load.writers.slice(0, 2)) expect({ agent: w.name, slowestMs: Math.min(w.slowestMs, 12_000) }).toEqual({ agent: w.name, slowestMs: w.slowestMs });
      expectExact(report, 10);
    });

    it.each(['drop'] as const)('a replica cut off from NATS and Postgres (%s) when a certificate is revoked refuses every certificate once out of touch longer than 2 × LAPI_DB_TIMEOUT (6 s here), and never accepts the revoked one, during the cut or after the heal', async (mode) => {
      const ca = createOpensslCa('bed client CA', join(bed.net.dir, `client-ca-${mode}`));
      const dec3Host = bed.host('dec3');
      const server = ca.issue({ cn: 'dec3', serverNames: [`IP:${dec3Host.ip}`] });
      const revokedCert = ca.issue({ cn: `tls-fw-${mode}`, ou: 'bouncer-ou' });
      const keptCert = ca.issue({ cn: `tls-kept-${mode}`, ou: 'bouncer-ou' });
      for (const [cert, name] of [[revokedCert, `tls-fw-${mode}`], [keptCert, `tls-kept-${mode}`]] as const) {
        await bed.sql("INSERT INTO ca_certificates (serial, name, role, not_before, not_after) VALUES ($1, $2, 'bouncer', now() - interval '1 hour', now() + interval '30 days')", [cert.serial, name]);
      }
      const dec3 = await bed.startService('decisions', 'dec3', { LAPI_TLS_CERT_FILE: server.certPath, LAPI_TLS_KEY_FILE: server.keyPath, LAPI_TLS_CLIENT_CA_FILE: ca.certPath });
      const withCert = async (cert: { certPath: string; keyPath: string }) => {
        const args = ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '--cacert', ca.certPath, '--cert', cert.certPath, '--key', cert.keyPath, `${dec3.url}/v1/decisions?ip=192.0.2.1`];
        return Number((await execFileAsync('ip', ['netns', 'exec', bed.host('bnc1').ns, 'curl', ...args]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '0' }))).stdout);
      };
      expect(await withCert(revokedCert)).toBe(200);
      expect(await withCert(keptCert)).toBe(200);
      // A certificate's bouncer is named CN@ip, the client's real address.
      const names = (await bed.sql<{ name: string }>('SELECT name FROM bouncers WHERE name LIKE $1 ORDER BY name', [`tls-%-${mode}@%`])).map((r) => r.name);
      expect(names).toEqual([`tls-fw-${mode}@${bed.host('bnc1').ip}`, `tls-kept-${mode}@${bed.host('bnc1').ip}`]);

      const load = await startLoad(mode === 'drop' ? 106 : 107);
      await pause(1000);
      bed.cutFromNats('dec3', mode);
      bed.cutFromPostgres('dec3', mode);
      const cutAt = Date.now();
      // lapictl takes seconds to start here: sample from the cut on, until well after it has revoked.
      let revokedAt: number | undefined;
      const revoking = bed.lapictl('cli', ['ca', 'revoke', revokedCert.serial]).then(() => (revokedAt = Date.now() - cutAt));
      const samples: { at: number; revoked: number; kept: number }[] = [];
      while (revokedAt === undefined || Date.now() - cutAt < Math.max(revokedAt, 8000) + 8000) {
        const at = Date.now() - cutAt;
        const [revoked, kept] = await Promise.all([withCert(revokedCert), withCert(keptCert)]);
        samples.push({ at, revoked, kept });
        await pause(250);
      }
      await revoking;
      bed.heal('dec3');
      const healedAt = Date.now();
      // Right after the heal both are tried together: the database answers again before this
      // replica has reloaded its revocations, and the revoked certificate must not slip through.
      const afterHeal: { at: number; revoked: number; kept: number }[] = [];
      const keptAgain = await pollUntil(async () => {
        const [revoked, kept] = await Promise.all([withCert(revokedCert), withCert(keptCert)]);
        afterHeal.push({ at: Date.now() - healedAt, revoked, kept });
        return kept === 200 && Date.now() - healedAt;
      }, 'the kept certificate to be accepted again', { timeoutMs: 20_000, intervalMs: 100 });
      const revokedAfterHeal = await withCert(revokedCert);
      const boundMs = 6000;
      const report = await settle(`dec3 (TLS) cut off from NATS and Postgres (${mode}) while a certificate is revoked`, load, healedAt, {
        revokedAcceptedUntilMs: Math.max(-1, ...samples.filter((x) => x.revoked === 200).map((x) => x.at)),
        everythingRefusedFromMs: samples.find((x) => x.kept !== 200)?.at,
        keptAcceptedAgainAfterHealMs: keptAgain,
        revokedAfterHeal,
        revokedAtMs: revokedAt,
        samples: samples.map((x) => `${x.at}:${x.revoked}/${x.kept}`).join(' '),
        afterHeal: afterHeal.map((x) => `${x.at}:${x.revoked}/${x.kept}`).join(' '),
      });
      await dec3.stop('SIGKILL');
      bed.services.delete('dec3');
      // Past the bound (plus a second for the request in flight), the revoked certificate is never accepted.
      expect(samples.filter((x) => x.at > boundMs + 1000 && x.revoked === 200)).toEqual([]);
      expect(samples.filter((x) => x.at > revokedAt! && x.at > boundMs + 1000).length).toBeGreaterThanOrEqual(2);
      expect(afterHeal.filter((x) => x.revoked === 200)).toEqual([]);
      expect(revokedAfterHeal).toBe(403);
      expectExact(report);
    });

    it('with 200 ms of delay and 5% packet loss between every service and NATS, loses nothing (fan-out p99 reported)', async () => {
      const load = await startLoad(105);
      const services = ['ingest', 'reg', 'dec1', 'dec2'];
      const slowFrom = Date.now();
      bed.natsProxy.setDelay(200);
      for (const s of services) bed.natsLoss(s, 5);
      await pause(10_000);
      bed.natsProxy.setDelay(0);
      for (const s of services) bed.heal(s);
      const healedAt = Date.now();
      // Fan-out: from the push's 201 to the decision's arrival at the bouncers polling each replica (every 50 ms), once all arrived.
      const fanout: number[] = [];
      const pct = (q: number) => fanout[Math.min(fanout.length - 1, Math.floor(q * fanout.length))];
      const report = await settle('200 ms delay and 5% loss between every service and NATS for 10 s', load, healedAt, () => {
        const during = load.writers.slice(0, 2).flatMap((w) => [...w.accepted].filter(([, at]) => at > slowFrom && at < healedAt));
        fanout.push(...during.flatMap(([v, at]) => load.pollers.slice(0, 2).map((p) => (p.firstAt.get(v) ?? Infinity) - at)).sort((a, b) => a - b));
        return { fanoutSamples: fanout.length, fanoutP50Ms: pct(0.5), fanoutP99Ms: pct(0.99), fanoutMaxMs: fanout[fanout.length - 1] };
      });
      expect(fanout.length).toBeGreaterThan(20);
      expectExact(report);
    });

    it('the CAPI leader cut off from Postgres is replaced by a second worker only after its lease expires, and no login is added', async () => {
      const sim = new CapiSim({ blocklistSize: 20 });
      await sim.start(0, bed.net.rootIp);
      sim.machines.set('bed-cluster', { password: 'bed-capi-password', enrolled: false });
      await bed.sql("UPDATE capi_state SET machine_id = 'bed-cluster', password = 'bed-capi-password' WHERE id = 1");
      const capiEnv = { LAPI_CAPI: 'true', LAPI_CAPI_URL: sim.url };
      const lease = async () => (await bed.sql<{ holder: string | null; until: Date | null }>('SELECT lease_holder AS holder, lease_until AS until FROM capi_state WHERE id = 1'))[0];
      const logins = () => sim.requests.filter((r) => r.path === '/v3/watchers/login').length;
      try {
        const first = await bed.startService('capi', 'capi1', capiEnv);
        const firstHolder = await pollUntil(async () => (await lease()).holder?.includes(`/${first.proc.pid}/`) && (await lease()).holder, 'capi1 to lead', { timeoutMs: 30_000 });
        await pollUntil(() => sim.requests.some((r) => r.path === '/v3/decisions/stream'), 'the leader to pull the blocklist', { timeoutMs: 30_000 });
        await bed.startService('capi', 'capi2', capiEnv);
        const load = await startLoad(104);
        await pause(1000);
        const { until } = await lease();
        bed.cutFromPostgres('capi1');
        const cutAt = Date.now();
        const holders: { at: number; holder: string | null }[] = [];
        const takeover = await pollUntil(async () => {
          const l = await lease();
          holders.push({ at: Date.now(), holder: l.holder });
          return l.holder !== firstHolder && Date.now();
        }, 'a second worker to take the lease', { timeoutMs: 100_000, intervalMs: 500 });
        bed.heal('capi1');
        const healedAt = Date.now();
        // A round of the old leader after the heal: it finds the lease taken and does not lead.
        await pause(12_000);
        const after = await lease();
        const report = await settle('CAPI leader (capi1) cut off from Postgres until capi2 took over', load, healedAt, {
          leaseUntilAfterCutMs: until!.getTime() - cutAt,
          takeoverAfterCutMs: takeover - cutAt,
          leaseHolderAfterHeal: after.holder === firstHolder ? 'capi1' : 'capi2',
          capiLogins: logins(),
          simBannedUntil: sim.bannedUntil ?? null,
        });
        expect(takeover).toBeGreaterThanOrEqual(until!.getTime());
        expect(holders.filter((h) => h.at < until!.getTime() && h.holder !== firstHolder)).toEqual([]);
        expect(after.holder).not.toBe(firstHolder);
        // The shared token: the new leader logs in no more than the old one did.
        expect(logins()).toBe(1);
        expectExact(report);
      } finally {
        for (const name of ['capi1', 'capi2']) {
          await bed.services.get(name)?.stop('SIGKILL');
          bed.services.delete(name);
        }
        await sim.close();
      }
    });
  });
});
