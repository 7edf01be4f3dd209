import { Injectable, Logger, BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { once } from 'node:events';
import { setImmediate } from 'node:timers/promises';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { BouncerIdentity, badRequest, pushStreams } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { DecisionsRepository } from '@lapi/db';
import { DecisionFilter } from '@lapi/decision-model';
import { DecisionIndex } from './decision-index';
import { DecisionJsonWriter } from './decision-json';
import { DecisionsService } from './decisions.service';
import { IndexSync } from './index-sync';
import { StreamCursors } from './stream-cursors';

/** Changes closer together than this go out as one event: a round of writes to every stream costs a system call each. */
const FLUSH_EVERY_MS = 25;
/** Streams written between two looks at the index in a round (see flush). */
const ROUND_SLICE = 500;
/** How long a client waits before reconnecting (the `retry` field). */
const RETRY_MS = 1000;
const EVENT_END = Buffer.from('\n\n');
const HEARTBEAT = Buffer.from(': keep-alive\n\n');
const CRLF = Buffer.from('\r\n');

/** `bytes` as one chunk of a chunked HTTP/1.1 body. */
function asChunk(bytes: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`${bytes.length.toString(16)}\r\n`), bytes, CRLF]);
}
const HEARTBEAT_CHUNK = asChunk(HEARTBEAT);

/** A bouncer asks for push delivery with this media type in Accept. */
export function wantsPush(req: FastifyRequest): boolean {
  return req.method === 'GET' && (req.headers.accept ?? '').includes('text/event-stream');
}

export interface PushQuery {
  startup: boolean;
  filter: DecisionFilter;
  dedup: boolean;
}

interface PushStream {
  bouncerId: number;
  filter: DecisionFilter;
  dedup: boolean;
  /** Streams with equal filters at the same cursor are sent the same bytes, built once. */
  filterKey: string;
  /** The id of the last event written. */
  cursor: number;
  /** The id of the last event the kernel took: the bouncer's cursor once the stream ends. */
  flushed: number;
  pending: number;
  raw: ServerResponse;
  /**
   * Events go to the socket itself, already framed (as a chunk when the response is chunked):
   * the response's own write framed and corked each one again for every stream (a tenth of the
   * replicas' CPU with 10,000 streams, bench/NOTES.md).
   */
  socket: Socket;
  chunked: boolean;
  /** The socket's buffer is full: it gets the next event once drained. */
  blocked: boolean;
  lastWriteAt: number;
}

/**
 * Push delivery: `GET /v1/decisions/stream` with `Accept: text/event-stream` keeps the connection
 * open and sends each change as this replica's index receives it, as Server-Sent Events. Each
 * event's data is the JSON a poll answers (`{"new":[...],"deleted":[...]}`) and its id the change
 * sequence number it brings the bouncer to: a client that reconnects with `Last-Event-ID` (as
 * EventSource does by itself) resumes exactly there, on any replica, so nothing is lost or sent
 * twice, whatever happened to the connection or the replica. Without it (a first connection),
 * the first event is the one a poll would get, from the bouncer's own cursor (everything with
 * `startup=true`), recorded and confirmed as a poll's; while the stream lasts nothing is written
 * to the database, and when it ends the bouncer's cursor moves to the last event that got out, so
 * polling takes up from there. Idle streams get a comment line every LAPI_PUSH_HEARTBEAT.
 */
@Injectable()
export class PushStreams implements OnModuleInit, BeforeApplicationShutdown {
  private readonly streams = new Set<PushStream>();
  private readonly logger = new Logger('PushStreams');
  private flushTimer?: NodeJS.Timeout;
  private heartbeat?: NodeJS.Timeout;
  private lastFlush = 0;
  private flushing = false;
  /** The index moved during a round: another follows it. */
  private again = false;
  private stopAdvances?: () => void;

  constructor(
    private readonly sync: IndexSync,
    private readonly decisions: DecisionsService,
    private readonly repo: DecisionsRepository,
    private readonly cursors: StreamCursors,
    private readonly config: AppConfig,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  onModuleInit(): void {
    this.stopAdvances = this.sync.onAdvance(() => this.schedule());
    this.heartbeat = setInterval(() => this.beat(), this.config.pushHeartbeatMs);
    this.heartbeat.unref();
  }

  /** Streams end when the process stops, so their clients reconnect to another replica at once. */
  beforeApplicationShutdown(): void {
    this.stopAdvances?.();
    clearInterval(this.heartbeat);
    clearTimeout(this.flushTimer);
    for (const s of this.streams) s.raw.end();
  }

  /** Opens a push stream; errors before the first byte (a bad Last-Event-ID) are answered as any route's. */
  async open(bouncer: BouncerIdentity, req: FastifyRequest, reply: FastifyReply, q: PushQuery): Promise<void> {
    const resumeAt = q.startup ? undefined : await this.lastEventId(req.headers['last-event-id']);
    const first = resumeAt === undefined ? await this.decisions.stream(bouncer, q.startup, q.filter, q.dedup) : undefined;
    reply.hijack();
    const raw = reply.raw;
    const cursor = first?.upTo ?? resumeAt!;
    const socket = raw.socket;
    if (!socket) return void first?.failed().catch(() => undefined);
    const s: PushStream = {
      bouncerId: bouncer.id, filter: q.filter, dedup: q.dedup, filterKey: JSON.stringify([q.filter, q.dedup]), cursor, flushed: resumeAt ?? 0, pending: 0,
      raw, socket, chunked: false, blocked: false, lastWriteAt: Date.now(),
    };
    let firstOut = false;
    raw.once('close', () => {
      this.streams.delete(s);
      pushStreams.set(this.streams.size);
      if (first && !firstOut) void first.failed().catch((e: Error) => this.logger.warn(`stream delivery not recorded: ${e.message}`));
      if (s.flushed > 0) this.cursors.advance(s.bouncerId, s.flushed);
    });
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      // nginx (the edge) relays this response as it comes instead of buffering it.
      'x-accel-buffering': 'no',
    });
    // What the response writes is waited for: the events after it go to the socket directly, behind it.
    const written = (bytes: string | Buffer) => new Promise<void>((done, fail) => raw.write(bytes, (e) => (e ? fail(e) : done())));
    try {
      if (!first) await written(`retry: ${RETRY_MS}\n\n`);
      else {
        raw.write(`retry: ${RETRY_MS}\n\nid: ${first.upTo}\ndata: `);
        for await (const chunk of Buffer.isBuffer(first.body) ? [first.body] : first.body) if (!raw.write(chunk)) await once(raw, 'drain');
        await written(EVENT_END);
      }
    } catch {
      raw.destroy();
      return;
    }
    // Set once the head is stored: chunked unless the client spoke HTTP/1.0 (the body then ends with the connection).
    s.chunked = (raw as unknown as { chunkedEncoding?: boolean }).chunkedEncoding === true;
    if (first) {
      firstOut = true;
      s.flushed = first.upTo;
      void first.delivered().catch((e: Error) => this.logger.warn(`stream delivery not recorded: ${e.message}`));
    }
    if (raw.destroyed) return;
    this.streams.add(s);
    pushStreams.set(this.streams.size);
    this.schedule();
  }

  /** The client's cursor; one past the database's newest change was never issued here. */
  private async lastEventId(header: string | string[] | undefined): Promise<number | undefined> {
    const raw = Array.isArray(header) ? header[0] : header;
    if (raw === undefined || raw === '') return undefined;
    if (!/^\d{1,15}$/.test(raw)) throw badRequest('Last-Event-ID must be the id of an event this LAPI sent (a change number)');
    const id = Number(raw);
    if (id > this.sync.index.head && id > (await this.repo.head())) throw badRequest('Last-Event-ID is past the newest change: it was not sent by this LAPI');
    return id;
  }

  private schedule(): void {
    if (this.flushTimer || this.streams.size === 0) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      if (this.flushing) {
        this.again = true;
        return;
      }
      this.lastFlush = Date.now();
      this.flushing = true;
      this.flush()
        .catch((e: Error) => this.logger.warn(`push round failed: ${e.message}`))
        .finally(() => {
          this.flushing = false;
          if (this.again) {
            this.again = false;
            this.schedule();
          }
        });
    }, Math.max(0, this.lastFlush + FLUSH_EVERY_MS - Date.now()));
  }

  /**
   * A round: the streams in slices of ROUND_SLICE, each slice sent what the index holds when its
   * turn comes. Between slices the event loop takes the bus's messages, so a change that commits
   * while a round is under way reaches the streams not written yet in this round, not a round
   * later: with thousands of streams a round lasts tens of milliseconds (a system call each).
   */
  private async flush(): Promise<void> {
    // One index for the whole round: a rebuilt one swapped in meanwhile may be behind the heads
    // the earlier slices were sent; the next round takes it up.
    const index = this.sync.index;
    const streams = [...this.streams];
    for (let at = 0; at < streams.length; at += ROUND_SLICE) {
      if (at > 0) await setImmediate();
      if (this.sync.index !== index) return void (this.again = true);
      await this.flushSlice(index, streams.slice(at, at + ROUND_SLICE));
    }
  }

  /** One event per group of streams at the same cursor with the same filter, built once and written to each. */
  private async flushSlice(index: DecisionIndex, streams: PushStream[]): Promise<void> {
    const head = index.head;
    const groups = new Map<string, PushStream[]>();
    for (const s of streams) {
      if (s.blocked || s.cursor >= head || !this.streams.has(s)) continue;
      const key = `${s.cursor} ${s.filterKey}`;
      const group = groups.get(key);
      if (group) group.push(s);
      else groups.set(key, [s]);
    }
    for (const group of groups.values()) {
      const { cursor, filter, dedup } = group[0];
      const { created, ended, now } = await this.decisions.changes(index, cursor, head, filter, dedup);
      if (created.length === 0 && ended.length === 0) {
        // Nothing for these filters: the streams are at `head` all the same.
        for (const s of group) {
          s.cursor = head;
          if (s.pending === 0) s.flushed = head;
        }
        continue;
      }
      const event = Buffer.concat([Buffer.from(`id: ${head}\ndata: `), ...new DecisionJsonWriter(now).streamChunks(created, ended), EVENT_END]);
      let chunk: Buffer | undefined;
      for (const s of group) this.write(s, s.chunked ? (chunk ??= asChunk(event)) : event, head);
    }
  }

  /** Writes an event, framed for the stream (see PushStream.socket). */
  private write(s: PushStream, bytes: Buffer, id: number): void {
    if (s.raw.destroyed || s.socket.destroyed) return;
    s.cursor = id;
    s.pending++;
    s.lastWriteAt = Date.now();
    const ok = s.socket.write(bytes, (e) => {
      s.pending--;
      if (!e) s.flushed = Math.max(s.flushed, id);
    });
    if (!ok) {
      s.blocked = true;
      s.socket.once('drain', () => {
        s.blocked = false;
        this.schedule();
      });
    }
  }

  private beat(): void {
    const idleSince = Date.now() - this.config.pushHeartbeatMs / 2;
    for (const s of this.streams) {
      if (s.blocked || s.lastWriteAt > idleSince || s.raw.destroyed || s.socket.destroyed) continue;
      s.lastWriteAt = Date.now();
      s.socket.write(s.chunked ? HEARTBEAT_CHUNK : HEARTBEAT);
    }
  }
}
