/**
 * Many push streams (Server-Sent Events) held open from one process with bare sockets: no HTTP
 * parser, no JSON, only a count of the decisions that went by, so 10,000 of them cost the load
 * tool little beside the server.
 */
import { connect, Socket } from 'node:net';

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
export async function openPushStreamsInWorker(url: string, keys: string[]): Promise<{ stats(): Promise<PushFleetStats>; close(): Promise<void> }> {
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
