import { Logger } from '@nestjs/common';
import { createServer, Server, Socket } from 'node:net';
import { ClientFrame, errorResponse, FrameReader, lastReadyStatus, readyForQuery, simpleQuery, SYNC } from './pg-wire';
import { SessionGate } from './session-gate';

/** What the server needs of PGlite: one session that answers raw protocol messages. */
export interface ProtocolSession {
  execProtocolRaw(message: Uint8Array): Promise<Uint8Array>;
}

export interface SessionServerOptions {
  /** Unix socket path (the `pg` driver's `${host}/.s.PGSQL.${port}`). */
  path: string;
  /** Longest a connection waits for the session before its query is refused (SQLSTATE 57014). */
  waitTimeoutMs: number;
  /** Longest a connection may keep the session without sending anything before it is closed (25P03). */
  idleInTransactionTimeoutMs: number;
}

/**
 * Serves PGlite's single session to many `pg` connections, one whole unit of work at a time: a
 * connection owns the session from its first message until a reply leaves the session idle (a
 * statement outside a transaction, or a whole transaction). Protocol messages of different
 * connections never interleave, so their transactions stay isolated; every wait is bounded.
 */
export class SessionServer {
  private readonly logger = new Logger('EmbeddedDatabase');
  private readonly gate = new SessionGate<Connection>();
  private readonly connections = new Set<Connection>();
  private server?: Server;

  constructor(
    private readonly session: ProtocolSession,
    readonly options: SessionServerOptions,
  ) {}

  listen(): Promise<void> {
    const server = createServer((socket) => this.connections.add(new Connection(socket, this)));
    this.server = server;
    return new Promise((done, fail) => {
      server.once('error', fail);
      server.listen(this.options.path, () => {
        server.off('error', fail);
        done();
      });
    });
  }

  async close(): Promise<void> {
    const closing = new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
    await Promise.all([...this.connections].map((c) => c.terminate()));
    await closing;
  }

  /** Connections that currently wait for the session (a readiness and metrics reading). */
  get waiting(): number {
    return this.gate.waiting;
  }

  get sessionGate(): SessionGate<Connection> {
    return this.gate;
  }

  exec(message: Uint8Array): Promise<Uint8Array> {
    return this.session.execProtocolRaw(message);
  }

  /** Puts the session back to idle after its owner vanished mid-work: ends extended-protocol state, rolls back. */
  async reset(): Promise<void> {
    const status = lastReadyStatus(await this.exec(SYNC));
    if (status !== 'I') await this.exec(simpleQuery('ROLLBACK'));
  }

  forget(connection: Connection): void {
    this.connections.delete(connection);
  }

  warn(message: string): void {
    this.logger.warn(message);
  }
}

/** One client connection: frames its messages and runs them while it owns the session. */
class Connection {
  private readonly frames = new FrameReader();
  private readonly inbox: ClientFrame[] = [];
  /** The messages being run now, if any. */
  private running?: Promise<void>;
  /** After a refused unit of work, the messages up to its Sync are dropped, as a server does after an error. */
  private discarding = false;
  private idleTimer?: NodeJS.Timeout;
  private closed = false;
  private finished?: Promise<void>;

  constructor(
    private readonly socket: Socket,
    private readonly server: SessionServer,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.finish().catch((e: Error) => this.server.warn(`closing a connection failed: ${e.message}`));
    });
  }

  terminate(): Promise<void> {
    this.socket.destroy();
    return this.finish();
  }

  private receive(chunk: Buffer): void {
    let frames: ClientFrame[];
    try {
      frames = this.frames.push(chunk);
    } catch (e) {
      this.socket.end(errorResponse('FATAL', '08P01', (e as Error).message));
      return;
    }
    this.inbox.push(...frames);
    clearTimeout(this.idleTimer);
    this.pump();
  }

  private pump(): void {
    if (this.running) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.closed) return;
      if (this.inbox.length > 0) this.pump();
      else if (this.server.sessionGate.holds(this)) this.startIdleTimer();
    });
  }

  private async drain(): Promise<void> {
    while (this.inbox.length > 0 && !this.closed) await this.handle(this.inbox.shift()!);
  }

  private async handle(frame: ClientFrame): Promise<void> {
    if (frame.kind === 'ssl-request') return void this.socket.write('N');
    if (frame.kind === 'cancel') return void this.socket.destroy(); // PGlite cannot interrupt a statement
    if (frame.kind === 'message' && frame.type === 'X') return void this.socket.destroy();
    if (this.discarding) return this.discard(frame);
    const gate = this.server.sessionGate;
    try {
      await gate.acquire(this, this.server.options.waitTimeoutMs);
    } catch (e) {
      return this.refuse(frame, (e as Error).message);
    }
    if (this.closed) return;
    let reply: Uint8Array;
    try {
      reply = await this.server.exec(frame.bytes);
    } catch (e) {
      this.server.warn(`embedded database failed a query: ${(e as Error).message}`);
      this.socket.end(errorResponse('FATAL', 'XX000', `embedded database error: ${(e as Error).message}`));
      this.closed = true;
      return;
    }
    if (!this.socket.destroyed) this.socket.write(reply);
    if (lastReadyStatus(reply) === 'I' && !this.closed) gate.release(this);
  }

  private refuse(frame: ClientFrame, why: string): void {
    const error = errorResponse(frame.kind === 'startup' ? 'FATAL' : 'ERROR', '57014', `embedded database busy: ${why}`);
    if (frame.kind === 'startup') return void this.socket.end(error);
    this.socket.write(error);
    if (frame.kind === 'message' && (frame.type === 'Q' || frame.type === 'S')) this.socket.write(readyForQuery('I'));
    else this.discarding = true;
  }

  private discard(frame: ClientFrame): void {
    if (frame.kind !== 'message' || frame.type !== 'S') return;
    this.discarding = false;
    this.socket.write(readyForQuery('I'));
  }

  private startIdleTimer(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      this.server.warn(`closed a connection that kept the embedded database ${this.server.options.idleInTransactionTimeoutMs} ms without a word`);
      this.socket.end(errorResponse('FATAL', '25P03', 'terminating connection due to idle-in-transaction timeout'));
      this.socket.destroy();
    }, this.server.options.idleInTransactionTimeoutMs);
    this.idleTimer.unref();
  }

  /** Once closed: stops waiting, and gives the session back clean if it held it (after any running message). */
  private finish(): Promise<void> {
    this.closed = true;
    clearTimeout(this.idleTimer);
    this.inbox.length = 0;
    this.server.sessionGate.forget(this);
    this.finished ??= Promise.resolve(this.running).then(() => this.giveBack());
    return this.finished;
  }

  private async giveBack(): Promise<void> {
    const gate = this.server.sessionGate;
    if (gate.holds(this)) {
      try {
        await this.server.reset();
      } catch (e) {
        this.server.warn(`could not reset the embedded database's session: ${(e as Error).message}`);
      }
      gate.release(this);
    }
    this.server.forget(this);
  }
}
