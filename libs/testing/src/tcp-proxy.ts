import { createConnection, createServer, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stops passing bytes either way, as a frozen server would: connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  /** Holds every chunk `ms` before passing it on, either way (a slow link; bytes keep their order). 0: none. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

/** A TCP proxy to a server (on loopback unless `listenHost` is given), that a test can freeze or slow without touching the server itself. */
export function startTcpProxy(targetHost: string, targetPort: number, listenHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let paused = false;
  let delayMs = 0;
  const held: [Socket, Buffer][] = [];
  const forward = (from: Socket, to: Socket) => {
    // Each chunk leaves at its due time, never before the one ahead of it.
    let lastDue = 0;
    const pass = (chunk: Buffer) => {
      if (delayMs === 0 && lastDue <= Date.now()) return paused ? held.push([to, chunk]) : to.write(chunk);
      const due = Math.max(Date.now() + delayMs, lastDue);
      lastDue = due;
      setTimeout(() => (paused ? held.push([to, chunk]) : !to.destroyed && to.write(chunk)), due - Date.now());
    };
    from.on('data', pass);
    from.on('close', () => (lastDue > Date.now() ? setTimeout(() => to.destroy(), lastDue - Date.now()) : to.destroy()));
    from.on('error', () => from.destroy());
    sockets.add(from);
    from.on('close', () => sockets.delete(from));
  };
  const server = createServer((client) => {
    const upstream = createConnection({ host: targetHost, port: targetPort });
    forward(client, upstream);
    forward(upstream, client);
  });
  return new Promise((done) => {
    server.listen(0, listenHost, () => {
      done({
        port: (server.address() as { port: number }).port,
        pause() {
          paused = true;
        },
        resume() {
          paused = false;
          for (const [to, chunk] of held.splice(0)) if (!to.destroyed) to.write(chunk);
        },
        setDelay(ms) {
          delayMs = ms;
        },
        close: () =>
          new Promise((closed) => {
            for (const s of sockets) s.destroy();
            server.close(() => closed());
          }),
      });
    });
  });
}
