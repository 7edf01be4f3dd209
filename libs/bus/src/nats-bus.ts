import { Logger } from '@nestjs/common';
import { ConfigError } from '@lapi/config';
import type { ConnectionOptions, NatsConnection, Subscription } from 'nats';
import { DecisionChanges, encodeChanges, isDecisionChanges } from '@lapi/decision-model';
import { Bus, busSubjects, BusSubjects, isRevocation, Revocation, Unsubscribe } from './contracts';

/** Room kept below the server's max_payload (NATS's default is 1 MB). */
const PAYLOAD_HEADROOM = 1024;
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
/** Until NATS first answers: a retry every half second, a log line every ten seconds. */
const FIRST_CONNECT_RETRY_MS = 500;
const FIRST_CONNECT_LOG_EVERY = 20;
const connectLogger = new Logger('NatsBus');

/** TLS files for the NATS connection (AppConfig's natsTls): any of them makes TLS required. */
export interface NatsTlsFiles {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/**
 * The NATS client, loaded by the first connection: a LAPI on its embedded database or on
 * Postgres without NATS_URL never loads it (54 modules, about 2 MB of heap).
 */
const natsClient = () => import('nats');

/** The bus's messages are JSON, as nats.js's JSONCodec writes them. */
export const encodeJson = (value: unknown): Uint8Array => Buffer.from(JSON.stringify(value));
export const decodeJson = (data: Uint8Array): unknown => JSON.parse(Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8'));

/**
 * Opens a NATS connection that reconnects forever, as a replica should. A node's bus opens one
 * (BusModule); the CA's channels (libs/ca: the enrollment route's requests, the CA process's
 * replies) open their own, so a service with both holds two.
 * Credentials come in the URL (`nats://user:password@host:4222`, or `nats://token@host:4222`);
 * `tls://` requires TLS, checked against `tls.caFile`, or without it the system's CAs and
 * NODE_EXTRA_CA_CERTS.
 */
export async function connectNats(url: string, name: string, tls: NatsTlsFiles = {}): Promise<NatsConnection> {
  const nats = await natsClient();
  const options: ConnectionOptions = { ...natsConnectionOptions(url, tls), name, maxReconnectAttempts: -1, reconnectTimeWait: FIRST_CONNECT_RETRY_MS };
  const host = new URL(url).host;
  // Our own first-connect loop rather than nats.js's waitOnFirstConnect, which retries a
  // certificate the client does not trust forever and silently: the service would sit unready.
  for (let attempt = 0; ; attempt++) {
    try {
      return await nats.connect(options);
    } catch (e) {
      if (isRefusal(e, nats)) throw new ConfigError(`NATS at ${host} refused: ${(e as Error).message} (check NATS_URL and NATS_TLS_CA_FILE, NATS_TLS_CERT_FILE, NATS_TLS_KEY_FILE)`);
      if (attempt % FIRST_CONNECT_LOG_EVERY === 0) connectLogger.warn(`cannot reach NATS at ${host} yet (retrying): ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, FIRST_CONNECT_RETRY_MS));
    }
  }
}

/** One attempt, bounded: for a short-lived command, which must not hang on a bus that is down. */
export async function connectNatsOnce(url: string, name: string, timeoutMs: number, tls: NatsTlsFiles = {}): Promise<NatsConnection> {
  return (await natsClient()).connect({ ...natsConnectionOptions(url, tls), name, timeout: timeoutMs, maxReconnectAttempts: 0, waitOnFirstConnect: false });
}

/**
 * Answers that retrying will not change: bad credentials, a certificate not trusted either way
 * (Node's X.509 and TLS alert codes), TLS asked of a server without it. Anything else (refused,
 * unresolved, timed out) may be NATS still starting.
 */
function isRefusal(e: unknown, nats: typeof import('nats')): boolean {
  if (e instanceof nats.NatsError) return e.isAuthError() || e.code === nats.ErrorCode.ServerOptionNotAvailable;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && /CERT|SIGNATURE|^ERR_SSL_|^ERR_TLS_/.test(code);
}

export function natsConnectionOptions(url: string, tls: NatsTlsFiles = {}): ConnectionOptions {
  const u = new URL(url);
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  const options: ConnectionOptions = { servers: u.protocol === 'tls:' ? u.host : `${u.protocol}//${u.host}` };
  if (user && pass) Object.assign(options, { user, pass });
  else if (user) options.token = user;
  const files = Object.fromEntries(Object.entries(tls).filter(([, v]) => v));
  // nats.js reads the files at every (re)connect, so a rotated certificate is picked up.
  if (u.protocol === 'tls:' || Object.keys(files).length) options.tls = files;
  return options;
}

/**
 * The cluster bus on core NATS. Messages can be lost (a reconnect, a slow consumer): receivers
 * notice from the change sequence and reconcile from Postgres, so the bus need not be durable.
 */
export class NatsBus extends Bus {
  private readonly logger = new Logger('NatsBus');
  private readonly subscriptions = new Set<Subscription>();

  private reconnecting = false;
  private readonly reconnectHandlers = new Set<() => void>();

  private readonly subjects: BusSubjects;

  constructor(
    private readonly nc: NatsConnection,
    subjectPrefix = 'lapi',
  ) {
    super();
    this.subjects = busSubjects(subjectPrefix);
    this.watchStatus().catch((e: Error) => this.logger.error(`NATS status watch stopped: ${e.message}`));
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnecting') this.reconnecting = true;
      if (s.type === 'reconnect') {
        this.reconnecting = false;
        this.logger.warn('reconnected to NATS: messages may have been missed');
        for (const h of this.reconnectHandlers) h();
      }
    }
  }

  async publishDecisionChanges(changes: DecisionChanges): Promise<void> {
    const maxBytes = (this.nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD) - PAYLOAD_HEADROOM;
    for (const part of encodeChanges(changes, maxBytes)) this.nc.publish(this.subjects.decisionChanges, part);
  }

  onDecisionChanges(handler: (changes: DecisionChanges) => void): Unsubscribe {
    return this.subscribe(this.subjects.decisionChanges, (m) => {
      if (isDecisionChanges(m)) handler(m);
    });
  }

  async publishRevocation(revocation: Revocation): Promise<void> {
    this.nc.publish(this.subjects.revocations, encodeJson(revocation));
  }

  onRevocation(handler: (revocation: Revocation) => void): Unsubscribe {
    return this.subscribe(this.subjects.revocations, (m) => {
      if (isRevocation(m)) handler(m);
    });
  }

  isConnected(): boolean {
    return !this.nc.isClosed() && !this.reconnecting;
  }

  /** Resolves when the connection is lost and regained: the caller should then reconcile. */
  onReconnect(handler: () => void): void {
    this.reconnectHandlers.add(handler);
  }

  async close(): Promise<void> {
    for (const s of this.subscriptions) s.unsubscribe();
    await this.nc.drain().catch(() => undefined);
  }

  private subscribe(subject: string, handle: (message: unknown) => void): Unsubscribe {
    const sub = this.nc.subscribe(subject, {
      callback: (err, msg) => {
        if (err) return this.logger.warn(`${subject}: ${err.message}`);
        try {
          handle(decodeJson(msg.data));
        } catch (e) {
          this.logger.warn(`${subject}: dropped a message: ${(e as Error).message}`);
        }
      },
    });
    this.subscriptions.add(sub);
    return () => {
      sub.unsubscribe();
      this.subscriptions.delete(sub);
    };
  }
}
