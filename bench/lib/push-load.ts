/**
 * Many push streams (Server-Sent Events) held open from one process with bare sockets: no HTTP
 * parser, no JSON, only a count of the decisions that went by, so 10,000 of them cost the load
 * tool little beside the server.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, Socket } from 'node:net';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export interface PushFleet {
  /** Streams that got their first event (the stream is open). */
  readonly open: number;
  /** Streams that ended or failed. */
  readonly closed: number;
  /** `"value":` seen in all the streams' bytes: decisions delivered, in all. */
  readonly values: number;
  close(): void;
}

const VALUE = Buffer.from('"value":');

export function openPushStreams(url: string, keys: string[], parallel = 200): Promise<PushFleet> {
  const { hostname, port } = new URL(url);
  const sockets: Socket[] = [];
  let open = 0;
  let closed = 0;
  let values = 0;
  const fleet: PushFleet = {
    get open() {
      return open;
    },
    get closed() {
      return closed;
    },
    get values() {
      return values;
    },
    close: () => sockets.forEach((s) => s.destroy()),
  };
  const one = (key: string) =>
    new Promise<void>((done) => {
      const s = connect({ host: hostname, port: Number(port) });
      sockets.push(s);
      let first = true;
      // A value split between two chunks is counted from the chunks' joint.
      let tail: Buffer = Buffer.alloc(0);
      s.on('connect', () => s.write(`GET /v1/decisions/stream HTTP/1.1\r\nHost: ${hostname}\r\nX-Api-Key: ${key}\r\nAccept: text/event-stream\r\n\r\n`));
      s.on('data', (chunk: Buffer) => {
        const data = tail.length ? Buffer.concat([tail, chunk]) : chunk;
        for (let at = data.indexOf(VALUE); at >= 0; at = data.indexOf(VALUE, at + VALUE.length)) values++;
        tail = data.subarray(Math.max(0, data.length - VALUE.length + 1));
        if (first && data.includes('id: ')) {
          first = false;
          open++;
          done();
        }
      });
      s.on('close', () => {
        closed++;
        if (first) done();
      });
      s.on('error', () => undefined);
    });
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < keys.length; i = next++) await one(keys[i]);
  };
  return Promise.all(Array.from({ length: parallel }, worker)).then(() => fleet);
}

export interface PushFleetStats {
  open: number;
  closed: number;
  values: number;
}

/**
 * openPushStreams in a worker thread: its reads then never hold up the harness's own event loop
 * (the agents' pushes and the sampled clients whose latency is measured).
 */
export async function openPushStreamsInWorker(url: string, keys: string[]): Promise<Omit<PushFleetHandle, 'tool'>> {
  const { Worker } = await import('node:worker_threads');
  const worker = new Worker(
    `require('ts-node/register/transpile-only');
     const { parentPort, workerData } = require('node:worker_threads');
     const { openPushStreams } = require(${JSON.stringify(__filename)});
     openPushStreams(workerData.url, workerData.keys).then((fleet) => {
       parentPort.postMessage({ ready: true });
       parentPort.on('message', (m) => {
         if (m === 'stats') parentPort.postMessage({ open: fleet.open, closed: fleet.closed, values: fleet.values });
         if (m === 'close') { fleet.close(); parentPort.postMessage({ closed: true }); }
       });
     });`,
    { eval: true, workerData: { url, keys } },
  );
  const next = () => new Promise<Record<string, number | boolean>>((done) => worker.once('message', done));
  await next();
  return {
    stats: async () => {
      const reply = next();
      worker.postMessage('stats');
      return (await reply) as unknown as PushFleetStats;
    },
    close: async () => {
      const reply = next();
      worker.postMessage('close');
      await reply;
      await worker.terminate();
    },
  };
}

/** A fleet of push streams held by a load tool: its counts, and closing it. */
export interface PushFleetHandle {
  /** Which tool holds the streams. */
  tool: 'native' | 'node-worker';
  /** The native tool's process (the workers run inside the harness). */
  pid?: number;
  /** The native tool's nice value (TOOL_NICE). */
  nice?: number;
  stats(): Promise<PushFleetStats>;
  close(): Promise<void>;
}

/**
 * The native tool's nice value. It stands in for bouncers on other hosts, whose reads cost the
 * LAPI's host nothing; here it shares the two cores with the replicas it measures, and at their
 * priority their rounds of writes waited for it (10,050 streams: push p99 90 and 100 ms at nice 0,
 * 71-74 ms at nice 10, bench/NOTES.md). Niced, it reads when the servers leave it time: its
 * counts are read in full before each report all the same, and the latency is measured by the
 * harness's own clients at normal priority (wrk, which drives the polling fleet, measures its
 * own latency, so it is not niced). BENCH_PUSH_NICE=0 runs it at the servers' priority.
 */
const TOOL_NICE = Number(process.env.BENCH_PUSH_NICE ?? 10);
if (!Number.isInteger(TOOL_NICE) || TOOL_NICE < 0 || TOOL_NICE > 19) throw new Error(`BENCH_PUSH_NICE must be a nice value from 0 to 19, not ${process.env.BENCH_PUSH_NICE}`);

const NATIVE_SOURCE = join(__dirname, 'push-fleet.c');
const NATIVE_BINARY = join(__dirname, '../results/tmp/push-fleet');

/** bench/lib/push-fleet.c, compiled when missing or older than its source; undefined without a C compiler. */
function nativeTool(): string | undefined {
  if (existsSync(NATIVE_BINARY) && statSync(NATIVE_BINARY).mtimeMs >= statSync(NATIVE_SOURCE).mtimeMs) return NATIVE_BINARY;
  try {
    mkdirSync(join(NATIVE_BINARY, '..'), { recursive: true });
    execFileSync('cc', ['-O2', '-o', NATIVE_BINARY, NATIVE_SOURCE], { stdio: 'pipe' });
    return NATIVE_BINARY;
  } catch (e) {
    console.warn(`[bench] push-fleet.c did not compile (${(e as Error).message.split('\n')[0]}): the streams are held by Node.js workers`);
    return undefined;
  }
}

/**
 * Opens one push stream per key on `url`, held by the native tool (push-fleet.c, which reads its
 * streams every 100 ms, PUSH_FLEET_READ_PAUSE_MS, at nice TOOL_NICE) where a C compiler is at hand (unless
 * BENCH_PUSH_TOOL=node), else by openPushStreamsInWorker. Resolves once every stream got its
 * first event or closed.
 */
export async function openPushFleet(url: string, keys: string[]): Promise<PushFleetHandle> {
  // BENCH_PUSH_TOOL=node: the Node.js workers, to compare the two.
  const tool = process.env.BENCH_PUSH_TOOL === 'node' ? undefined : nativeTool();
  if (!tool) return { tool: 'node-worker', ...(await openPushStreamsInWorker(url, keys)) };
  const { hostname, port } = new URL(url);
  const keysFile = join(tmpdir(), `push-fleet-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}.keys`);
  writeFileSync(keysFile, keys.join('\n'));
  const proc = spawn(tool, [hostname, port, keysFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  if (TOOL_NICE) setPriority(proc.pid!, TOOL_NICE);
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]();
  const next = async (): Promise<PushFleetStats> => {
    const line = await lines.next();
    if (line.done) throw new Error('push-fleet ended without an answer');
    return JSON.parse(line.value) as PushFleetStats;
  };
  await next().finally(() => rmSync(keysFile, { force: true }));
  return {
    tool: 'native',
    pid: proc.pid,
    nice: TOOL_NICE,
    stats: async () => {
      proc.stdin!.write('stats\n');
      return next();
    },
    close: async () => {
      proc.stdin!.write('close\n');
      await next();
      await new Promise((done) => (proc.exitCode !== null ? done(undefined) : proc.once('exit', done)));
    },
  };
}
