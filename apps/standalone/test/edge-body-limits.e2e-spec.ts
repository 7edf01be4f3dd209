import { createServer, request, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { bodyLimitOf, KiB, RouteDeclaration, routeTable } from '@lapi/common';
import { loadConfig } from '@lapi/config';
import { Edge, startLocalEdge } from '@lapi/testing';
import { call, startTestLapi, TestLapi } from './support/test-lapi';

jest.setTimeout(60_000);

interface Answer {
  status: number;
  body: unknown;
}

/** A stand-in for every service: answers 200 with the method, URL and body size it received. */
function startUpstream(): Promise<{ server: Server; port: number; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url} ${bytes}`);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ upstream: true, bytes }));
    });
  });
  return new Promise((done) => server.listen(0, '127.0.0.1', () => done({ server, port: (server.address() as AddressInfo).port, seen })));
}

/** Sends `bytes` of body (by Content-Length, or chunked); fetch will not send a body with GET. */
function send(url: string, method: string, bytes: number, chunked = false): Promise<Answer> {
  return new Promise((done, fail) => {
    const headers = { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(bytes) }) };
    const req = request(url, { method, headers, agent: false }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += String(c)));
      res.on('end', () => done({ status: res.statusCode ?? 0, body: text === '' ? undefined : JSON.parse(text) }));
    });
    // The edge may answer 413 and close before the whole body is written.
    req.on('error', (e: NodeJS.ErrnoException) => (e.code === 'EPIPE' || e.code === 'ECONNRESET' ? undefined : fail(e)));
    if (chunked) for (let sent = 0; sent < bytes; sent += KiB) req.write(Buffer.alloc(Math.min(KiB, bytes - sent), 'a'));
    else req.write(Buffer.alloc(bytes, 'a'));
    req.end();
  });
}

// The shipped edge is generated for the default LAPI_MAX_BODY_BYTES (32 MiB).
const maxBodyBytes = loadConfig({}).maxBodyBytes;
const routed = routeTable().filter((r) => r.service !== null);
const urlOf = (r: RouteDeclaration) => r.path.replace(/:\w+/g, '1');

/** nginx from deploy/nginx/lapi.local.conf.template: each route's body limit is its declaration's. */
describe("the edge's body limits", () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let edge: Edge;
  let lapi: TestLapi;

  beforeAll(async () => {
    upstream = await startUpstream();
    edge = await startLocalEdge({ ingest: [upstream.port], decisions: [upstream.port], registration: [upstream.port] });
    lapi = await startTestLapi({ maxBodyBytes });
  });
  afterAll(async () => {
    await edge?.stop();
    upstream?.server.closeAllConnections();
    upstream?.server.close();
    await lapi?.close();
  });

  it('refuses a login body over the login limit with 413, and passes a 32 MiB alerts push on', async () => {
    const login = await send(`${edge.url}/v1/watchers/login`, 'POST', 64 * KiB + 1);
    const push = await send(`${edge.url}/v1/alerts`, 'POST', maxBodyBytes);
    expect([login, push]).toEqual([
      { status: 413, body: { message: 'request body too large' } },
      { status: 200, body: { upstream: true, bytes: maxBodyBytes } },
    ]);
    expect(upstream.seen).toEqual([`POST /v1/alerts ${maxBodyBytes}`]);
  });

  it('answers 413 as the service does', async () => {
    const service = await call(lapi, 'POST', '/v1/watchers/login', { rawBody: Buffer.alloc(64 * KiB + 1, 'a'), headers: { 'content-type': 'application/json' } });
    const edgeAnswer = await send(`${edge.url}/v1/watchers/login`, 'POST', 64 * KiB + 1);
    expect(edgeAnswer).toEqual({ status: service.status, body: service.body });
  });

  it('refuses a chunked body once it passes the limit', async () => {
    expect(await send(`${edge.url}/v1/watchers/login`, 'POST', 65 * KiB, true)).toEqual({ status: 413, body: { message: 'request body too large' } });
  });

  it.each(routed.map((r) => [`${r.method} ${r.path}`, bodyLimitOf(r, maxBodyBytes), r] as const))(
    'takes %s with a body of its limit (%d bytes), not a byte more',
    async (_name, limit, route) => {
      upstream.seen.length = 0;
      const over = await send(`${edge.url}${urlOf(route)}`, route.method, limit + 1);
      const at = await send(`${edge.url}${urlOf(route)}`, route.method, limit);
      expect([over.status, at.status]).toEqual([413, 200]);
      expect(upstream.seen).toEqual([`${route.method} ${urlOf(route)} ${limit}`]);
    },
  );

  it('keeps the locations holding the limits internal', async () => {
    const res = await fetch(`${edge.url}/.lapi-body-limit/32m`, { method: 'POST', body: '{}' });
    expect({ status: res.status, body: await res.json() }).toEqual({ status: 404, body: { message: 'not found' } });
    expect(upstream.seen.filter((s) => s.includes('lapi-body-limit'))).toEqual([]);
  });
});
