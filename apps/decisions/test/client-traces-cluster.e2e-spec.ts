import {
  agent17Trace, agentRegistrationStep, bouncer17Trace, insertBouncer, replayTrace, RunningProcess, serviceFor, sql, startTestCluster, TestCluster, TraceStep,
} from '@lapi/testing';
// The libs that declare the traces' routes, loaded for the route table (what the edge routes by).
import '@lapi/decisions';
import '@lapi/inventory';
import '@lapi/machines';

jest.setTimeout(180_000);

const REG_TOKEN = 'r'.repeat(40);

/**
 * The 1.6/1.7 agent and bouncer traces the standalone suite replays (apps/standalone/test/usage-metrics.e2e-spec.ts),
 * here against the cluster's services: each request goes to the service the route table sends it
 * to, and every answer must be upstream's, as there.
 */
describe('CrowdSec 1.6/1.7 clients against the cluster services on Postgres', () => {
  let cluster: TestCluster;
  let db: TestCluster['db'];
  let ingest: RunningProcess;
  let registration: RunningProcess;
  let replicas: RunningProcess[];
  let turn = 0;

  beforeAll(async () => {
    cluster = await startTestCluster({ registrationToken: REG_TOKEN });
    ({ db, ingest, decisions: replicas } = cluster);
    registration = cluster.registration!;
  });
  afterAll(() => cluster?.stop());

  /** As the edge routes: by the route table; a bouncer's polls land on the decisions replicas in turn. */
  const route = (step: TraceStep) => {
    const service = serviceFor(step.method, step.path);
    if (service === 'decisions') return replicas[turn++ % replicas.length].url;
    return service === 'ingest' ? ingest.url : registration.url;
  };

  it("answers a 1.7 agent's registration, start, heartbeat and metrics pushes as upstream, through registration and ingest", async () => {
    const answers = await replayTrace(route, [agentRegistrationStep('agent-17', 'agent-password', REG_TOKEN), ...agent17Trace('agent-17', 'agent-password')]);
    expect(answers.filter((a) => !a.asUpstream)).toEqual([]);
    expect(answers.map((a) => a.url)).toEqual([registration.url, ingest.url, ingest.url, ingest.url, ingest.url]);
    const [m] = await sql<{ version: string; os_name: string }>(db.url, "SELECT version, os_name FROM machines WHERE machine_id = 'agent-17'");
    expect(m).toEqual({ version: 'v1.7.8-debian-pragmatic-amd64-a88b497b', os_name: 'debian' });
    expect(await sql(db.url, "SELECT generated_type FROM usage_metrics WHERE generated_by = 'agent-17'")).toEqual([{ generated_type: 'LP' }, { generated_type: 'LP' }]);
  });

  it("answers a 1.6+ bouncer's stream, polls and metrics push as upstream, its polls spread over both decisions replicas", async () => {
    const apiKey = await insertBouncer(db.url, 'fw-17');
    const answers = await replayTrace(route, bouncer17Trace(), { apiKey });
    expect(answers.filter((a) => !a.asUpstream)).toEqual([]);
    const polled = new Set(answers.filter((a) => a.name !== 'usage metrics').map((a) => a.url));
    expect([...polled].sort()).toEqual(replicas.map((r) => r.url).sort());
    expect(answers.find((a) => a.name === 'usage metrics')!.url).toBe(ingest.url);
    expect(await sql(db.url, "SELECT generated_type FROM usage_metrics WHERE generated_by = 'fw-17'")).toEqual([{ generated_type: 'RC' }]);
  });
});
