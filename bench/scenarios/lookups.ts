/**
 * Scenario 1: live lookups. `GET /v1/decisions?ip=` at concurrency 64 with 100,000 active
 * decisions (90% Ip, 10% Range, IPv4 and IPv6), half the lookups hitting one.
 * Run: npm run bench:lookups [crowdsec|standalone|embedded|cluster ...]
 */
import { lookupIps } from '../lib/dataset';
import { loadDecisions } from '../lib/load';
import { eachTarget, environment, main, saveResult, targetsFromArgs } from '../lib/results';
import { Target } from '../lib/targets';
import { combineRounds, runWrkTogether, rotatingGets, WrkResult } from '../lib/wrk';
import { ceilingLoad, LOOKUP_LOAD, startHelloWorld } from '../lib/ceiling';

/**
 * The machine is a shared VM whose speed drifts from minute to minute (steal time), so each
 * server's lookups are measured in rounds that alternate with the hello-world ceiling: the ratio
 * compares loads taken seconds apart, not minutes.
 */
const ROUNDS = 3;
const ROUND_SECONDS = 5;
const DECISIONS = 100_000;
const DISTINCT_LOOKUPS = 2_000;

export interface LookupResult extends WrkResult {
  /** The hello-world, measured in the rounds between this server's. */
  ceiling: WrkResult;
  decisions: number;
  load_seconds: number;
  /** Of the distinct lookups, how many the server answered with a decision (half should). */
  hits_checked: string;
}

export async function measureLookups(t: Target): Promise<LookupResult> {
  const hello = await startHelloWorld();
  try {
    return await lookupsBesideCeiling(t, hello.url);
  } finally {
    hello.stop();
  }
}

async function lookupsBesideCeiling(t: Target, helloUrl: string): Promise<LookupResult> {
  const load_seconds = await loadDecisions(t.ingestUrl, await t.login(), 0, DECISIONS);
  const [key] = await t.addBouncers(1);
  const ips = lookupIps(DECISIONS, DISTINCT_LOOKUPS);
  const hits_checked = await checkHits(t.decisionUrls[0], key, ips.slice(0, 200));
  const { script, env } = rotatingGets(
    ips.map((ip) => `/v1/decisions?ip=${encodeURIComponent(ip)}`),
    ['X-Api-Key', key],
  );
  const perReplica = LOOKUP_LOAD.connections / t.decisionUrls.length;
  const runs = (seconds: number) => t.decisionUrls.map((url) => ({ url, connections: perReplica, threads: Math.max(1, LOOKUP_LOAD.threads / t.decisionUrls.length), seconds, script, env }));
  await runWrkTogether(runs(LOOKUP_LOAD.warmup_seconds));
  await ceilingLoad(helloUrl, 2);
  const ceilings: WrkResult[] = [];
  const rounds: WrkResult[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ceilings.push(await ceilingLoad(helloUrl, ROUND_SECONDS));
    rounds.push(await runWrkTogether(runs(ROUND_SECONDS)));
  }
  return { ...combineRounds(rounds), ceiling: combineRounds(ceilings), decisions: DECISIONS, load_seconds: +load_seconds.toFixed(1), hits_checked };
}

/** The lookups must mean the same on every server: half of them find a decision. */
async function checkHits(url: string, key: string, ips: string[]): Promise<string> {
  let hits = 0;
  for (const ip of ips) {
    const res = await fetch(`${url}/v1/decisions?ip=${encodeURIComponent(ip)}`, { headers: { 'x-api-key': key } });
    const body = (await res.json()) as unknown[] | null;
    if (res.status !== 200) throw new Error(`lookup of ${ip} answered ${res.status}`);
    if (body && body.length > 0) hits++;
  }
  if (hits !== ips.length / 2) throw new Error(`expected ${ips.length / 2} of ${ips.length} lookups to hit, got ${hits}`);
  return `${hits}/${ips.length}`;
}

if (require.main === module) {
  main(async () => {
    const runs = await eachTarget(targetsFromArgs(['crowdsec', 'standalone', 'embedded', 'cluster']), measureLookups);
    saveResult({ scenario: 'lookups', title: 'Live lookups, 100,000 decisions', date: new Date().toISOString(), environment: environment(), settings: { ...LOOKUP_LOAD, rounds: ROUNDS, round_seconds: ROUND_SECONDS, decisions: DECISIONS, distinct_lookups: DISTINCT_LOOKUPS }, runs });
  });
}
