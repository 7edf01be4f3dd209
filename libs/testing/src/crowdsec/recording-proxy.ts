import { IncomingMessage, ServerResponse, createServer, request } from 'node:http';
import { AddressInfo } from 'node:net';

export interface RecordedCall {
  method: string;
  path: string;
  status: number;
  userAgent: string;
  ms: number;
}

export interface RecordingProxy {
  url: string;
  /** Every call so far. */
  calls(): RecordedCall[];
  /** The calls since the previous take(), e.g. those one client command made. */
  take(): RecordedCall[];
  stop(): Promise<void>;
}

/** A loopback HTTP proxy in front of a LAPI that records which calls the real clients make. */
export function startRecordingProxy(target: string): Promise<RecordingProxy> {
  const calls: RecordedCall[] = [];
  let taken = 0;
  const server = createServer((req, res) => forward(target, req, res, calls));
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      done({
        url: `http://127.0.0.1:${port}`,
        calls: () => [...calls],
        take: () => calls.slice(taken, (taken = calls.length)),
        // Go clients keep connections alive; close them or close() waits for their idle timeout.
        stop: () =>
          new Promise((closed) => {
            server.close(() => closed());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function forward(target: string, req: IncomingMessage, res: ServerResponse, calls: RecordedCall[]): void {
  const started = Date.now();
  const up = new URL(req.url ?? '/', target);
  const upstream = request(up, { method: req.method, headers: { ...req.headers, host: up.host } }, (answer) => {
    calls.push({ method: req.method ?? '?', path: req.url ?? '', status: answer.statusCode ?? 0, userAgent: String(req.headers['user-agent'] ?? ''), ms: Date.now() - started });
    res.writeHead(answer.statusCode ?? 502, answer.headers);
    answer.pipe(res);
  });
  upstream.on('error', (e) => {
    calls.push({ method: req.method ?? '?', path: req.url ?? '', status: 502, userAgent: String(req.headers['user-agent'] ?? ''), ms: Date.now() - started });
    res.writeHead(502, { 'content-type': 'application/json' }).end(JSON.stringify({ message: `proxy: ${e.message}` }));
  });
  req.pipe(upstream);
}
