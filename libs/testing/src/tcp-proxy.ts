import { createConnection, createServer, Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Stops passing bytes either way, as a frozen server would: connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to a server, that a test can freeze without touching the server itself. */
export function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let paused = false;
  const held: [Socket, Buffer][] = [];
  const forward = (from: Socket, to: Socket) => {
    from.on('data', (chunk: Buffer) => (paused ? held.push([to, chunk]) : to.write(chunk)));
    from.on('close', () => to.destroy());
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
    server.listen(0, '127.0.0.1', () => {
      done({
        port: (server.address() as { port: number }).port,
        pause() {
          paused = true;
        },
        resume() {
          paused = false;
          for (const [to, chunk] of held.splice(0)) if (!to.destroyed) to.write(chunk);
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
