/**
 * Scenario 4: alert ingestion. Agents push alerts carrying one decision each, 16 requests in
 * flight: alerts/s accepted, and how many were committed (visible to a bouncer afterwards).
 * Run: npm run bench:ingestion [crowdsec|standalone|embedded|cluster ...]
 */
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { AGENT_HEADERS, Target } from '../lib/targets';
import { cpuSeconds } from '../lib/proc-stats';
import { round, runWrk, WrkResult } from '../lib/wrk';

export const INGESTION_SETTINGS = { connections: 16, threads: 2, seconds: 10, warmup_seconds: 2 };

export interface IngestionResult extends WrkResult {
  accepted_per_s: number;
  accepted_total: number;
  committed_total: number;
  server_cpu_cores: number;
}

/** An alert as the agent sends it after an ssh brute force: six events, the source, one 4h ban; each request bans a new address. */
const SCRIPT = `
local counter = 0
-- A global: setup() below sets it in each thread's state after this chunk ran (wrk's SCRIPTING).
thread_id = 0
local threads = 0
all_threads = {}
function setup(thread)
  thread:set("thread_id", threads)
  threads = threads + 1
  table.insert(all_threads, thread)
end
-- Keeps the body of the last refused push, reported after the run.
function response(status, headers, body)
  if status >= 300 then last_error = status .. " " .. body end
end
local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("WRK_JWT"), ["User-Agent"] = "${AGENT_HEADERS['user-agent']}" }
local event = '{"timestamp":"%s","meta":[{"key":"source_ip","value":"%s"},{"key":"service","value":"ssh"},{"key":"log_type","value":"ssh_failed-auth"}]}'
local alert = '[{"scenario":"crowdsecurity/ssh-bf","scenario_hash":"4441dcff07020f6690d998b7101e642359ba405c2abb83565bbbdcee36de280f","scenario_version":"0.1","message":"Ip %s performed \\'crowdsecurity/ssh-bf\\' (6 events over 2s)","events_count":6,"start_at":"%s","stop_at":"%s","capacity":5,"leakspeed":"10s","simulated":false,"remediation":true,"events":[%s],"source":{"scope":"Ip","value":"%s","ip":"%s","as_name":"","cn":"","range":""},"meta":[],"labels":null,' ..
  '"decisions":[{"origin":"crowdsec","type":"ban","scope":"Ip","value":"%s","duration":"4h","scenario":"crowdsecurity/ssh-bf","simulated":false}]}]'
request = function()
  counter = counter + 1
  local ip = string.format("%d.%d.%d.%d", 10 + tonumber(os.getenv("WRK_RUN")), thread_id * 16 + math.floor(counter / 65536) % 16, math.floor(counter / 256) % 256, counter % 256)
  local now = os.date("!%Y-%m-%dT%H:%M:%SZ")
  local e = string.format(event, now, ip)
  local events = e .. "," .. e .. "," .. e .. "," .. e .. "," .. e .. "," .. e
  return wrk.format("POST", "/v1/alerts", headers, string.format(alert, ip, now, now, events, ip, ip, ip))
end
`;

export async function measureIngestion(t: Target): Promise<IngestionResult> {
  const jwt = await t.login();
  const [key] = await t.addBouncers(1);
  // Each run bans addresses of its own (first octet 10 + run), so no ban repeats another.
  const run = (seconds: number, runNo: number) => runWrk({ url: t.ingestUrl, connections: INGESTION_SETTINGS.connections, threads: INGESTION_SETTINGS.threads, seconds, script: SCRIPT, env: { WRK_JWT: jwt, WRK_RUN: String(runNo) } });
  const warm = await run(INGESTION_SETTINGS.warmup_seconds, 0);
  const cpuBefore = cpuSeconds(t.pids());
  const result = await run(INGESTION_SETTINGS.seconds, 1);
  const server_cpu_cores = round((cpuSeconds(t.pids()) - cpuBefore) / result.seconds, 2);
  const accepted_total = warm.requests - warm.non2xx + result.requests - result.non2xx;
  const committed_total = await countDecisions(t.decisionUrls[0], key);
  return { ...result, server_cpu_cores, accepted_per_s: Math.round((result.requests - result.non2xx) / result.seconds), accepted_total, committed_total };
}

async function countDecisions(url: string, key: string): Promise<number> {
  const res = await fetch(`${url}/v1/decisions/stream?startup=true`, { headers: { 'x-api-key': key } });
  const body = (await res.json()) as { new: unknown[] | null };
  return body.new?.length ?? 0;
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(targetsFromArgs(['crowdsec', 'standalone', 'embedded', 'cluster']), measureIngestion);
    saveResult({ scenario: 'ingestion', title: 'Alert ingestion, concurrency 16', date: new Date().toISOString(), environment: environment(), settings: INGESTION_SETTINGS, runs });
  });
}
