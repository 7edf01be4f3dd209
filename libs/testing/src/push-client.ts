import { ClientRequest, request } from 'node:http';

export interface PushEvent {
  id: number;
  new: { id: number; value: string }[];
  deleted: { id: number; value: string }[];
  /** performance.now() when the event was complete. */
  at: number;
}

export interface PushClient {
  /** Every decision value received in `new`, with how many times. */
  received: Map<string, number>;
  /** When each value first arrived (performance.now()). */
  arrivedAt: Map<string, number>;
  /** When the connection each value first arrived on had opened (its 200): a value committed after that came by push, not by a reconnect's catch-up. */
  connectedAt: Map<string, number>;
  /** The last event id seen: what a reconnect sends as Last-Event-ID. */
  readonly lastEventId: number | undefined;
  readonly connects: number;
  readonly heartbeats: number;
  /** Statuses other than 200 answered to a connect, in order. */
  refusals: number[];
  /** Cuts the connection now; the client reconnects with its Last-Event-ID. */
  drop(): void;
  stop(): void;
  onEvent?: (e: PushEvent) => void;
}

/**
 * A push bouncer: keeps `GET /v1/decisions/stream` open with `Accept: text/event-stream`, parses
 * the events, and reconnects after any end or error with the last event's id in Last-Event-ID,
 * as a browser's EventSource does (the first connection asks `startup=true` unless told not to).
 */
export function startPushClient(url: () => string, key: string, opts: { startup?: boolean; retryMs?: number } = {}): PushClient {
  let running = true;
  let current: ClientRequest | undefined;
  let lastEventId: number | undefined;
  let connects = 0;
  let heartbeats = 0;
  const client: PushClient = {
    received: new Map(),
    arrivedAt: new Map(),
    connectedAt: new Map(),
    get lastEventId() {
      return lastEventId;
    },
    get connects() {
      return connects;
    },
    get heartbeats() {
      return heartbeats;
    },
    refusals: [],
    drop: () => current?.destroy(),
    stop: () => {
      running = false;
      current?.destroy();
    },
  };
  const take = (e: PushEvent, connectedAt: number) => {
    for (const d of e.new) {
      client.received.set(d.value, (client.received.get(d.value) ?? 0) + 1);
      if (client.arrivedAt.has(d.value)) continue;
      client.arrivedAt.set(d.value, e.at);
      client.connectedAt.set(d.value, connectedAt);
    }
    client.onEvent?.(e);
  };
  const connect = () => {
    if (!running) return;
    connects++;
    const first = lastEventId === undefined;
    const target = new URL(`${url()}/v1/decisions/stream${first && opts.startup !== false ? '?startup=true' : ''}`);
    const headers: Record<string, string> = { 'x-api-key': key, accept: 'text/event-stream' };
    if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
    const req = request(target, { headers, agent: false }, (res) => {
      if (res.statusCode !== 200) {
        client.refusals.push(res.statusCode ?? 0);
        res.resume();
        return;
      }
      const connectedAt = performance.now();
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (chunk: string) => {
        buffer += chunk;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: number | undefined;
          let data = '';
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) heartbeats++;
            else if (line.startsWith('id: ')) id = Number(line.slice(4));
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;
          const body = JSON.parse(data) as { new: PushEvent['new'] | null; deleted: PushEvent['deleted'] | null };
          // The id counts once the whole event is in, as EventSource sets it.
          if (id !== undefined) lastEventId = id;
          take({ id: id ?? -1, new: body.new ?? [], deleted: body.deleted ?? [], at: performance.now() }, connectedAt);
        }
      });
    });
    req.on('error', () => undefined);
    req.on('close', () => {
      if (current === req) current = undefined;
      if (running) setTimeout(connect, opts.retryMs ?? 100);
    });
    current = req;
    req.end();
  };
  connect();
  return client;
}
