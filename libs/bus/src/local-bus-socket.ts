import { Logger } from '@nestjs/common';
import { chmodSync, rmSync } from 'node:fs';
import { connect, createServer, Server, Socket } from 'node:net';
import { join, resolve } from 'node:path';
import { DecisionChanges, encodeChanges, isDecisionChanges } from '@lapi/decision-model';
import { Bus, isRevocation, Revocation, Unsubscribe } from './contracts';

// A standalone LAPI on its embedded database runs without NATS, but lapictl writes to the same
// database from another process. This socket beside the database's is how lapictl's writes reach
// the LAPI's in-process bus, as any other node's would over NATS, instead of waiting for the index
// to reconcile. Lines of JSON, each one message; the LAPI checks them as it checks NATS messages.

const SOCKET_NAME = '.s.lapi-bus';
/** A line is one message; an import's changes are split into parts well under this. */
const MAX_LINE_BYTES = 4 * 1024 * 1024;
const PART_BYTES = 1024 * 1024;

type Line = { subject: 'decisionChanges'; body: DecisionChanges } | { subject: 'revocation'; body: Revocation };

export function localBusSocket(dataDir: string): string {
  return join(resolve(dataDir), SOCKET_NAME);
}

/** The LAPI's end: takes messages from lapictl runs and publishes them on its own bus. */
export class LocalBusServer {
  private readonly logger = new Logger('LocalBus');
  private readonly server: Server;

  constructor(
    private readonly bus: Bus,
    private readonly path: string,
  ) {
    this.server = createServer((socket) => this.read(socket));
  }

  async listen(): Promise<void> {
    const other = await LocalBusClient.connect(this.path);
    if (other) {
      await other.close();
      throw new Error(`another LAPI already serves ${this.path}`);
    }
    rmSync(this.path, { force: true }); // left by a LAPI that did not stop cleanly
    await new Promise<void>((done, fail) => this.server.once('error', fail).listen(this.path, done));
    chmodSync(this.path, 0o600);
  }

  async close(): Promise<void> {
    await new Promise<void>((done) => this.server.close(() => done()));
    rmSync(this.path, { force: true });
  }

  private read(socket: Socket): void {
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      if (pending.length > MAX_LINE_BYTES) return socket.destroy(new Error('message too long'));
      for (let nl = pending.indexOf('\n'); nl >= 0; nl = pending.indexOf('\n')) {
        this.deliver(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    socket.on('error', (e) => this.logger.warn(`a lapictl connection failed: ${e.message}`));
  }

  private deliver(text: string): void {
    try {
      const line = JSON.parse(text) as Line;
      const failed = (e: Error) => this.logger.warn(`a message from lapictl failed: ${e.message}`);
      if (line.subject === 'decisionChanges' && isDecisionChanges(line.body)) this.bus.publishDecisionChanges(line.body).catch(failed);
      else if (line.subject === 'revocation' && isRevocation(line.body)) this.bus.publishRevocation(line.body).catch(failed);
      else this.logger.warn('dropped a malformed message from lapictl');
    } catch (e) {
      this.logger.warn(`dropped a message from lapictl: ${(e as Error).message}`);
    }
  }
}

/** lapictl's end: publishes to the running LAPI. It receives nothing (a command subscribes to no one). */
export class LocalBusClient extends Bus {
  private constructor(private readonly socket: Socket) {
    super();
  }

  /** Connects to the LAPI serving `path`; undefined when none answers (no LAPI running: nobody to tell). */
  static connect(path: string): Promise<LocalBusClient | undefined> {
    return new Promise((done) => {
      const socket = connect(path);
      socket.once('connect', () => done(new LocalBusClient(socket)));
      socket.once('error', () => done(undefined));
    });
  }

  async publishDecisionChanges(changes: DecisionChanges): Promise<void> {
    for (const part of encodeChanges(changes, PART_BYTES)) await this.send(`{"subject":"decisionChanges","body":${Buffer.from(part).toString('utf8')}}`);
  }

  async publishRevocation(revocation: Revocation): Promise<void> {
    await this.send(JSON.stringify({ subject: 'revocation', body: revocation }));
  }

  onDecisionChanges(): Unsubscribe {
    return () => undefined;
  }

  onRevocation(): Unsubscribe {
    return () => undefined;
  }

  isConnected(): boolean {
    return !this.socket.destroyed;
  }

  /** Waits until everything written has been handed to the LAPI. */
  close(): Promise<void> {
    return new Promise((done) => this.socket.end(done));
  }

  private send(line: string): Promise<void> {
    return new Promise((done, fail) => this.socket.write(`${line}\n`, (e) => (e ? fail(e) : done())));
  }
}
