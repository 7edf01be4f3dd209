/**
 * Writes BENCHMARKS.md from bench/results/*.json: both servers' figures per scenario, their
 * ratio, and whether the target is met. The analysis of misses comes from bench/NOTES.md.
 * Run: npm run bench:report
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ExpiryResult } from './scenarios/expiry';
import { FootprintResult, footprintTargets, ProcessFootprint, total } from './lib/footprint';
import type { FanoutResult } from './scenarios/fanout';
import type { IngestionResult } from './scenarios/ingestion';
import type { LookupResult } from './scenarios/lookups';
import type { PollsResult } from './scenarios/delta-polls';
import type { FleetResultRun, FleetSize, PushSize } from './scenarios/fleet';
import type { StartupReading } from './scenarios/stream-startup';
import { loadResult, machineOf, ScenarioResult } from './lib/results';
import { WrkResult } from './lib/wrk';

const ROOT = resolve(__dirname, '..');
type Row = string[];

function table(head: Row, rows: Row[]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
const verdict = (met: boolean) => (met ? '**met**' : '**missed**');
const x = (n: number) => `${n >= 10 ? n.toFixed(0) : n.toFixed(2)}×`;
const num = (n: number) => n.toLocaleString('en-US');
const OURS = ['standalone', 'embedded', 'cluster'] as const;
const NAMES: Record<string, string> = { standalone: 'standalone (Postgres)', embedded: 'standalone (embedded)' };

/** A server's row name; figures kept from an earlier run than the table's newest say when they were taken. */
function label(name: string, r: ScenarioResult): string {
  const dates = r.run_dates ?? {};
  const newest = Object.values(dates).map((d) => d!.date).sort().pop();
  const own = dates[name as keyof typeof dates];
  const shown = NAMES[name] ?? name;
  if (!own || !newest || own.date.slice(0, 13) === newest.slice(0, 13)) return shown;
  const elsewhere = own.machine && own.machine !== machineOf(r.environment) ? `, on ${own.machine}` : '';
  return `${shown} (run ${own.date.slice(0, 16).replace('T', ' ')}, ${own.lapi_cluster}${elsewhere})`;
}

function lookups(): string {
  const r = loadResult<LookupResult>('lookups');
  if (!r) return '_not run_';
  const cs = r.runs.crowdsec;
  const rows = (['crowdsec', ...OURS] as const).flatMap((name) => {
    const v = r.runs[name];
    if (!v) return [];
    const ofCeiling = v.rps / v.ceiling.rps;
    const pct = 100 * ofCeiling;
    return [[label(name, r), num(v.rps), `${v.p50_ms} ms`, `${v.p99_ms} ms`, String(v.errors), num(v.ceiling.rps), `${pct < 1 ? pct.toFixed(1) : pct.toFixed(0)}%`, `${v.steal_pct ?? '?'}%`, cs && name !== 'crowdsec' ? x(v.rps / cs.rps) : '—', name === 'crowdsec' ? '—' : verdict(ofCeiling >= 0.5)]];
  });
  const s = r.settings;
  return `${num(s.decisions as number)} active decisions, ${s.distinct_lookups} distinct IPs looked up in turn (half hit, checked on each server before the run), wrk ${s.connections} connections after ${s.warmup_seconds} s of warm-up. Each server is measured in ${s.rounds} rounds of ${s.round_seconds} s, each right after ${s.round_seconds} s of the hello-world ceiling with the same wrk settings, so that every ratio compares loads taken seconds apart (this VM's speed drifts: the steal column is the share of the machine's CPU the hypervisor took during that server's rounds). req/s counts all rounds; p50 is the middle round's, p99 the worst round's. The cluster's load is split over its two replicas.\n\n${table(['server', 'req/s', 'p50', 'p99', 'errors', 'ceiling req/s (same rounds)', 'of ceiling', 'steal', 'vs CrowdSec', 'target ≥ 50% of ceiling'], rows)}`;
}

function stream(): string {
  const r = loadResult<StartupReading[]>('stream-startup');
  if (!r) return '_not run_';
  const cs = r.runs.crowdsec;
  const rows: Row[] = [];
  for (const name of ['crowdsec', ...OURS] as const) {
    for (const v of r.runs[name] ?? []) {
      const ref = cs?.find((c) => c.decisions === v.decisions);
      const ratio = ref && name !== 'crowdsec' ? v.seconds / ref.seconds : NaN;
      let target = '—';
      if (name !== 'crowdsec' && v.decisions === 100_000) target = `≤ 1/8 of CrowdSec: ${verdict(ratio <= 0.125)}`;
      if (name !== 'crowdsec' && v.decisions === 1_000_000) target = `< 1 s and < 1 GiB: ${verdict(v.seconds < 1 && v.peak_rss_mib < 1024)}`;
      rows.push([label(name, r), num(v.decisions), `${v.seconds} s`, `${v.body_mb} MB`, `${num(v.peak_rss_mib)} MiB`, Number.isNaN(ratio) ? '—' : x(ratio), target]);
    }
  }
  return `Time to the whole body of \`GET /v1/decisions/stream?startup=true\` as curl receives it (its \`time_total\`; median of ${r.settings.repeats}, each by a new bouncer), and the peak resident memory of the process answering (reset before each request). The decisions were loaded through \`POST /v1/alerts\`.\n\n${table(['server', 'decisions', 'time', 'body', 'peak RSS', 'time vs CrowdSec', 'target'], rows)}`;
}

function polls(): string {
  const r = loadResult<PollsResult>('delta-polls');
  if (!r) return '_not run_';
  const s = r.settings as Record<string, number>;
  const rows = (['crowdsec', ...OURS] as const).flatMap((name) => {
    const v = r.runs[name];
    if (!v) return [];
    return [[label(name, r), v.cpu_cores.toFixed(2), `${v.p50_ms} ms`, `${v.p99_ms} ms`, String(v.failed_polls), `${num(v.decisions_added)} (${v.failed_pushes} pushes refused)`, `${num(v.received_min)}–${num(v.received_max)}`, name === 'crowdsec' ? '—' : verdict(v.cpu_cores < 1)]];
  });
  return `${num(s.bouncers)} bouncers with distinct keys poll every ${s.poll_every_s} s (after one startup poll each) for ${s.measured_s} s while ${s.decisions_per_s} decisions/s are pushed. CPU is the servers' processes' user+system time over wall time (for the cluster: ingest, registration and both replicas; Postgres not included; CrowdSec's SQLite is inside its process). Received: fewest–most decisions one bouncer got by the end, against the number added.\n\n${table(['server', 'CPU (cores)', 'poll p50', 'poll p99', 'failed polls', 'decisions added', 'received per bouncer', 'target < 1 core'], rows)}`;
}

const cores = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ');
const mib = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${num(v)}`).join(', ');

/** The cluster's targets for a fleet (issue #20); the standalone has no replicas, so only the others apply. */
function fleetVerdicts(name: string, v: FleetSize): string {
  const replicas = Object.entries(v.cpu_cores).filter(([k]) => k.startsWith('decisions-'));
  const once = v.fleet_received === v.fleet_expected && v.sample_missing === 0 && v.sample_repeated === 0;
  return [
    name === 'cluster' ? `replicas < 0.5 core: ${verdict(replicas.every(([, c]) => c < 0.5))}` : '',
    `p99 < 50 ms: ${verdict(v.p99_ms < 50)}`,
    `no failed poll: ${verdict(v.failed_polls === 0)}`,
    `exactly once: ${verdict(once)}`,
  ].filter(Boolean).join('; ');
}

function fleet(): string {
  const r = loadResult<FleetResultRun>('fleet');
  if (!r) return '_not run_ (`npm run bench:fleet`)';
  const s = r.settings as Record<string, number>;
  const rows: Row[] = [];
  const pushRows: Row[] = [];
  const stops: string[] = [];
  for (const name of ['crowdsec', ...OURS] as const) {
    const run = r.runs[name];
    if (!run) continue;
    for (const v of run.sizes) {
      rows.push([
        label(name, r), num(v.bouncers), `${num(v.polls_per_s)}/s`, cores(v.cpu_cores), v.cpu_total_cores.toFixed(2), `${v.p50_ms} ms`, `${v.p99_ms} ms`, num(v.failed_polls),
        `${num(v.decisions_added)}${v.failed_pushes ? ` (${v.failed_pushes} pushes refused)` : ''}`,
        `${num(v.fleet_received)} of ${num(v.fleet_expected)}; sample ${num(v.sample_received_min)}–${num(v.sample_received_max)}, ${v.sample_missing} missing, ${v.sample_repeated} repeated`,
        mib(v.rss_mib), v.load_average.join(' '), name === 'crowdsec' ? '—' : fleetVerdicts(name, v),
      ]);
    }
    if (run.stopped) stops.push(`${label(name, r)} ${run.stopped}, so the larger fleets were not run on it.`);
    const p: PushSize | undefined = run.push;
    if (p) {
      pushRows.push([
        label(name, r), num(p.connections), `${p.idle_process}: ${num(p.idle_rss_before_mib)} → ${num(p.idle_rss_after_mib)} MiB, ${p.idle_kib_per_connection} KiB each, ${p.idle_cpu_cores.toFixed(2)} cores idle`,
        `${cores(p.cpu_cores)}${p.load_tool_cpu_cores === undefined ? '' : `; load tool ${p.load_tool_cpu_cores.toFixed(2)}${p.load_tool_nice ? ` (nice ${p.load_tool_nice})` : ''}`}`, `${num(p.decisions_added)}`, `${num(p.delivered)} of ${num(p.expected)}; sample ${p.sample_missing} missing, ${p.sample_repeated} repeated; ${num(p.streams_closed)} streams closed`,
        `${p.latency_p50_ms} ms`, `${p.latency_p99_ms} ms`, p.load_average.join(' '), `p99 < 100 ms: ${verdict(p.latency_p99_ms < 100)}; exactly once: ${verdict(p.delivered === p.expected && p.sample_missing === 0 && p.sample_repeated === 0)}`,
      ]);
    }
  }
  return `Fleets of ${(s.fleets as unknown as number[]).map(num).join(', ')} bouncers with distinct keys, each polling \`/v1/decisions/stream\` every ${s.poll_every_s} s (after one startup poll each), measured for ${s.measured_s} s while ${s.alerts_per_s} alerts a second (one decision each) are pushed by ${num(s.agents ?? 1)} agents in turn (each its own machine and JWT), on one server that grows from one size to the next. wrk drives the fleet (a Lua script keeps each key's schedule and counts the decisions in every answer); ${s.sample_bouncers} of the bouncers are driven by the harness instead, roaming over the replicas, each decision counted. CPU is user+system time over wall time per process; \`postgres\` is the Postgres backends connected to the server's database (CrowdSec's SQLite and the embedded database are inside their process). Received: decisions in all the wrk bouncers' answers, and in one more poll of every bouncer after the run (a poll due after wrk stopped would otherwise go uncounted), against their number × decisions added, and the fewest–most one sampled bouncer got. Load average is the machine's (1, 5, 15 min) at the end of the window: this machine is shared, and a high one means the figures are noisy. CrowdSec runs only as long as it keeps up (every poll answered within the interval).${stops.length ? `\n\n${stops.join(' ')}` : ''}

${rows.length ? table(['server', 'bouncers', 'polls', 'CPU per process (cores)', 'CPU total', 'poll p50', 'poll p99', 'failed polls', 'decisions added', 'received', 'RSS (MiB)', 'load avg', 'targets'], rows) : ''}

Push delivery (\`Accept: text/event-stream\`, README "Push delivery"): first every stream open on one process with nothing happening (its resident memory before and after: what an idle connection costs), then the same number spread over every replica for ${s.push_measured_s} s while ${s.alerts_per_s} alerts a second are pushed. The streams are held by bare sockets counting \`"value":\` in what arrives (bench/lib/push-fleet.c, reading each stream every 100 ms; its own CPU is shown as the load tool's, with its nice value where it ran niced: it stands in for bouncers on other hosts, so it yields the cores to the servers); ${s.sample_bouncers} more are full clients (reconnecting with Last-Event-ID) for the exactly-once check and the latency, from each push's 201 to the event.

${pushRows.length ? table(['server', 'streams', 'idle', 'CPU per process under load (cores)', 'decisions added', 'delivered', 'latency p50', 'latency p99', 'load avg', 'targets'], pushRows) : '_not run_'}`;
}

function ingestion(): string {
  const r = loadResult<IngestionResult>('ingestion');
  if (!r) return '_not run_';
  const cs = r.runs.crowdsec;
  const wall = (r.settings.seconds as number) + (r.settings.warmup_seconds as number);
  const committedPerS = (v: IngestionResult) => v.committed_total / wall;
  const rows = (['crowdsec', ...OURS] as const).flatMap((name) => {
    const v = r.runs[name];
    if (!v) return [];
    const ratio = cs && name !== 'crowdsec' ? v.accepted_per_s / cs.accepted_per_s : NaN;
    const committedRatio = cs && name !== 'crowdsec' ? committedPerS(v) / committedPerS(cs) : NaN;
    return [[
      label(name, r), num(v.accepted_per_s), num(v.non2xx), `${v.p50_ms} ms`, `${v.p99_ms} ms`, `${num(v.committed_total)} (${num(Math.round(committedPerS(v)))}/s)`, num(v.accepted_total),
      v.server_cpu_cores.toFixed(2), Number.isNaN(ratio) ? '—' : x(ratio), Number.isNaN(committedRatio) ? '—' : x(committedRatio), name === 'crowdsec' ? '—' : verdict(ratio >= 2),
    ]];
  });
  return `Agents' alerts (six events, one 4h ban each, a new address per alert) pushed by wrk with ${r.settings.connections} connections for ${r.settings.seconds} s after ${r.settings.warmup_seconds} s of warm-up. Accepted: answered 201, per second of the measured run. Committed: decisions a bouncer's startup stream holds afterwards, over both runs (${wall} s), against all 201s of both runs. The target counts alerts accepted *and* committed: for our servers every accepted alert was committed (a few more commits than 201s are the requests in flight when wrk stopped). CrowdSec committed more alerts than it accepted: under this load it answers many pushes with a 500 after storing the alert${cs?.sample_error ? ` (one refusal, as wrk captured it: \`${cs.sample_error}\`)` : ''}, and an agent re-pushes those, duplicating them. The "all commits" ratio counts them anyway, for comparison.\n\n${table(['server', 'accepted/s', 'refused (non-2xx)', 'p50', 'p99', 'committed', 'accepted (both runs)', 'server CPU', 'vs CrowdSec (accepted)', 'vs CrowdSec (all commits)', 'target ≥ 2×'], rows)}`;
}

function fanout(): string {
  const r = loadResult<FanoutResult>('fanout');
  const v = r?.runs.cluster;
  if (!v) return '_not run_';
  return `${v.samples} pushes to ingest, one at a time; for each, the time from its 201 to the decision being served by all ${v.replicas} decisions replicas (each polled with \`GET /v1/decisions?ip=\`). CrowdSec has no replicas, so there is nothing to compare.\n\n${table(['server', 'p50', 'p99', 'max', 'target p99 < 100 ms'], [['cluster', `${v.p50_ms} ms`, `${v.p99_ms} ms`, `${v.max_ms} ms`, verdict(v.p99_ms < 100)]])}`;
}

function expiry(): string {
  const r = loadResult<ExpiryResult>('expiry');
  if (!r) return '_not run_';
  const s = r.settings as Record<string, number>;
  const cs = r.runs.crowdsec;
  const rows = (['crowdsec', ...OURS] as const).flatMap((name) => {
    const v = r.runs[name];
    if (!v) return [];
    return [[label(name, r), `${v.told_after_s} s`, num(v.deleted_received), cs && name !== 'crowdsec' ? x(v.told_after_s / cs.told_after_s) : '—']];
  });
  return `${num(s.decisions)} decisions of ${s.duration_s} s pushed in alerts of ${num(s.per_alert)}, then one bouncer polls every ${s.poll_every_ms} ms: the time from the last one's end until the bouncer has been told of every one in \`deleted\` (our servers end them in an expiry sweep each second). Measured for the embedded database's sake: a sweep is one transaction over the whole batch.\n\n${table(['server', 'told after', 'deleted received', 'time vs CrowdSec'], rows)}`;
}

function footprint(): string {
  const r = loadResult<FootprintResult>('footprint');
  if (!r) return '_not run_';
  const s = r.settings as { poll_ms: number; early_idle_s?: number; idle_after_s: number; sizes: number[]; per_alert: number };
  const mib = (n: number | undefined) => (n === undefined ? '—' : `${num(n)} MiB`);
  const secs = (n: number | undefined) => (n === undefined ? '—' : `${n} s`);
  const at = (p: ProcessFootprint, n: number) => p.decisions.find((d) => d.decisions === n);
  const cs = r.runs.crowdsec && total(r.runs.crowdsec);
  const vsCs = (ours: number | undefined, theirs: number | undefined) => (ours !== undefined && theirs ? x(ours / theirs) : '—');
  const early = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? '' : ` (${num(n)} at ${s.early_idle_s} s)`);
  const settled = (d: { settled_mib?: number } | undefined) => (d?.settled_mib === undefined || Number.isNaN(d.settled_mib) ? '' : ` → ${num(d.settled_mib)}`);
  const figures = (p: ProcessFootprint): Row => [
    secs(p.first_start.ready_s), mib(p.first_start.peak_mib), `${mib(p.first_start.idle_mib)}${early(p.first_start.idle_early_mib)}`, secs(p.restart.ready_s), `${mib(p.restart.idle_mib)}${early(p.restart.idle_early_mib)}`,
    ...s.sizes.map((n) => `${mib(at(p, n)?.rss_mib)}${settled(at(p, n))}`), mib(at(p, s.sizes[s.sizes.length - 1])?.load_peak_mib), mib(p.ingestion_peak_mib),
  ];
  const load = (v: FootprintResult) => `${v.load_average.start[0]} → ${v.load_average.end[0]}`;
  const head = ['first start: ready', 'peak', 'idle', 'restart: ready', 'idle', ...s.sizes.map((n) => `${num(n)} decisions`), `peak loading ${num(s.sizes[s.sizes.length - 1])}`, 'peak under ingestion'];
  const rows = (['crowdsec', ...OURS] as const).flatMap((name) => {
    const v = r.runs[name];
    if (!v) return [];
    const t = total(v);
    const biggest = s.sizes[s.sizes.length - 1];
    return [[`${label(name, r)}${v.processes.length > 1 ? ` (sum of ${v.processes.length} processes)` : ''}`, ...figures(t), name === 'crowdsec' ? '—' : vsCs(t.restart.idle_mib, cs?.restart.idle_mib), name === 'crowdsec' ? '—' : vsCs(at(t, biggest)?.rss_mib, cs && at(cs, biggest)?.rss_mib), load(v)]];
  });
  const cluster = r.runs.cluster;
  const services = cluster ? `\n\nThe cluster per service (all on one Postgres database and a NATS of its own; CA and CAPI worker not measured: the bench's cluster runs without them, as in the other scenarios).\n\n${table(['service', ...head], cluster.processes.map((p) => [p.service, ...figures(p)]))}` : '';
  const targets = footprintTargets(r.runs).map((c) => {
    const show = c.unit === 's' ? secs : mib;
    return [c.what, c.bound, show(c.value), show(c.crowdsec), c.met === undefined ? '—' : verdict(c.met)];
  });
  const readyOn = r.runs.crowdsec ? ` CrowdSec 1.4.6 has no \`/health\`: its "ready" is its first HTTP answer of any status (\`GET /v1/decisions\`, a 403 without a key), as the harness waits for it.` : '';
  return `Each server on a new database (embedded: a new data directory; Postgres: a new empty database, so the migrations run; CrowdSec: a new SQLite file), then stopped (SIGTERM) and restarted on the same one. Ready: from the spawn to the first \`GET /health\` 200, polled every ${s.poll_ms} ms.${readyOn} Peak: the process's VmHWM over that start; idle: its VmRSS ${s.idle_after_s} s after ready (in brackets ${s.early_idle_s} s after ready: V8 collects a start-up's garbage and gives back its young generation when its memory reducer runs, after about 20 s of little allocation). Then ${s.sizes.map(num).join(' and ')} active decisions loaded through \`POST /v1/alerts\` in alerts of ${num(s.per_alert)} (VmRSS once a bouncer's startup stream serves them all → ${s.idle_after_s} s later, idle; the peak is VmHWM over the load), and the peak under the ingestion scenario's load (§4's script and settings; VmHWM reset before). A server's memory is the sum over its processes. Load: the machine's 1-minute load average when that server's run began → ended.\n\n${table(['server', ...head, 'idle after restart vs CrowdSec', `${num(s.sizes[s.sizes.length - 1])} decisions vs CrowdSec`, 'load'], rows)}${services}\n\nIssue #18's targets (CrowdSec's whole server beside each):\n\n${table(['target', 'bound', 'lapi-cluster', 'CrowdSec 1.4.6', 'verdict'], targets)}`;
}

interface CliTiming {
  median_ms: number;
  min_ms: number;
  max_ms: number;
  runs: number;
}

function cli(): string {
  const r = loadResult<{ help: CliTiming; decisions_list: CliTiming }>('cli');
  if (!r) return '_not run_';
  const cs = r.runs.crowdsec;
  const rows = (['crowdsec', ...OURS] as const).flatMap((name) => {
    const v = r.runs[name];
    if (!v) return [];
    const who = name === 'crowdsec' ? 'cscli' : `lapictl (${label(name, r)})`;
    return [
      [who, '`--help`', `${v.help.median_ms} ms`, `${v.help.min_ms}–${v.help.max_ms} ms`, cs && name !== 'crowdsec' ? x(v.help.median_ms / cs.help.median_ms) : '—', name === 'crowdsec' ? '—' : `< 300 ms: ${verdict(v.help.median_ms < 300)}`],
      [who, '`decisions list`', `${v.decisions_list.median_ms} ms`, `${v.decisions_list.min_ms}–${v.decisions_list.max_ms} ms`, cs && name !== 'crowdsec' ? x(v.decisions_list.median_ms / cs.decisions_list.median_ms) : '—', name === 'crowdsec' ? '—' : `< 500 ms: ${verdict(v.decisions_list.median_ms < 500)}`],
    ];
  });
  return `Wall time of one admin command, start to exit (median of ${r.runs.crowdsec?.help.runs ?? '?'} runs each): cscli 1.4.6 reads decisions through its LAPI, lapictl straight from the same data in the database (\`npm run bench:cli\`).\n\n${table(['command', 'what', 'median', 'range', 'vs cscli', 'target'], rows)}`;
}

function ceilingSection(c?: ScenarioResult<WrkResult>): string {
  const v = c?.runs['hello-world'];
  if (!v) return '_not run_';
  return `Fastify ${c!.settings.fastify} answering \`{"hello":"world"}\`, same wrk settings as the lookups, on its own for ${c!.settings.seconds} s (the lookups table compares each server with the hello-world measured in the rounds between its own).\n\n${table(['server', 'req/s', 'p50', 'p99', 'steal'], [['hello-world', num(v.rps), `${v.p50_ms} ms`, `${v.p99_ms} ms`, `${v.steal_pct ?? '?'}%`]])}`;
}

/** The machine each scenario last ran on: the hosts this project gets can change between sessions. */
function machines(found: ScenarioResult[]): string {
  const byMachine = new Map<string, string[]>();
  for (const r of found) {
    const m = `${machineOf(r.environment)}, ${r.environment.memory_gib} GiB`;
    byMachine.set(m, [...(byMachine.get(m) ?? []), r.scenario]);
  }
  if (byMachine.size === 1) return `Machine: ${[...byMachine.keys()][0]}`;
  return `Machines (each scenario's newest run; a row from another machine names it): ${[...byMachine].map(([m, scenarios]) => `${m} (${scenarios.join(', ')})`).join('; ')}`;
}

function environmentSection(results: (ScenarioResult | undefined)[]): string {
  const found = results.filter((r): r is ScenarioResult => !!r);
  if (!found.length) return '';
  // The newest run's machine and commit; rows from older runs name theirs in their tables.
  const e = [...found].sort((a, b) => b.date.localeCompare(a.date))[0].environment;
  const dates = found.map((r) => r.date.slice(0, 16).replace('T', ' ')).sort();
  return [
    `- ${machines(found)}; the load tool shares the cores with the server under test.`,
    `- CrowdSec LAPI: Debian's crowdsec ${e.crowdsec} (\`crowdsec -no-cs\`, SQLite with WAL, as packaged).`,
    `- lapi-cluster ${e.lapi_cluster} on Node ${e.node}; PostgreSQL and NATS on loopback. Standalone: one process, on Postgres, or on its embedded database (PGlite in the process, what \`npm start\` runs with no configuration). Cluster: ingest, registration and two decisions replicas, with a NATS of its own.`,
    `- A rerun of some servers keeps the others' figures; a row taken in another run than its table's newest names its run and commit.`,
    `- Load: ${e.load_tool}. One server runs at a time, each on a fresh database loaded with the same decisions.`,
    `- Runs: ${dates[0]} to ${dates[dates.length - 1]} UTC.`,
  ].join('\n');
}

function main(): void {
  const ceiling = loadResult<WrkResult>('ceiling');
  const all = ['ceiling', 'lookups', 'stream-startup', 'delta-polls', 'ingestion', 'fanout', 'expiry', 'cli', 'footprint', 'fleet'].map((s) => loadResult(s));
  const notesPath = join(__dirname, 'NOTES.md');
  const notes = existsSync(notesPath) ? readFileSync(notesPath, 'utf8').trim() : '';
  const md = `# Benchmarks

lapi-cluster side by side with the real CrowdSec LAPI, on the same machine, in the same run, with
the same data. Regenerate everything with \`npm run bench\` (about 20 minutes; it installs wrk, curl and
crowdsec from Debian if they are missing); raw results are in \`bench/results/\`. One scenario:
\`npm run bench:lookups\`, \`bench:stream\`, \`bench:polls\`, \`bench:ingestion\`, \`bench:fanout\`,
\`bench:ceiling\`, \`bench:expiry\`, \`bench:footprint\`, \`bench:fleet\` (each takes server names: \`crowdsec\`, \`standalone\`, \`embedded\`, \`cluster\`; a rerun of
some servers keeps the others' figures), then \`npm run bench:report\` to rewrite this file. Ratios compare figures from
the same run.

## Environment

${environmentSection(all)}

## 1. Live lookups

${lookups()}

## 2. Stream startup

${stream()}

## 3. Delta polls

${polls()}

## 4. Alert ingestion

${ingestion()}

## 5. Fan-out

${fanout()}

## 6. Ceiling

${ceilingSection(ceiling)}

## 7. Expiry

${expiry()}

## 8. Admin commands

${cli()}

## 9. Footprint

${footprint()}

## 10. Fleet

${fleet()}
${notes ? `\n${notes}\n` : ''}`;
  writeFileSync(join(ROOT, 'BENCHMARKS.md'), md);
  console.log('wrote BENCHMARKS.md');
}

main();
