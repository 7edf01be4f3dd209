import { AddressInfo, createServer, Server, Socket } from 'node:net';
import { openPushFleet, PushFleetHandle, PushFleetStats } from './push-load';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls the fleet's counts until `done` holds them (or 5 s pass), and returns the last. */
async function statsWhen(fleet: PushFleetHandle, done: (s: PushFleetStats) => boolean): Promise<PushFleetStats> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const s = await fleet.stats();
    if (done(s) || Date.now() > deadline) return s;
    await sleep(20);
  }
}

describe('the push fleet load tool (push-fleet.c)', () => {
  let server: Server;
  /** Each stream's socket by its key. Raw TCP: the bytes are split where the test says, with no HTTP chunk framing between. */
  const streams = new Map<string, Socket>();
  let url: string;

  beforeAll(async () => {
    server = createServer((socket) => {
      socket.setNoDelay(true);
      socket.once('data', (head) => {
        expect(head.toString()).toMatch(/^GET \/v1\/decisions\/stream HTTP\/1\.1\r\n[^]*Accept: text\/event-stream\r\n/);
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\nid: 1\ndata: {"new":[]}\n\n');
        streams.set(/X-Api-Key: (\S+)/.exec(head.toString())![1], socket);
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise((done) => server.close(done)));

  it('opens a stream per key and counts each decision once, also when "value": is split between two reads', async () => {
    const fleet = await openPushFleet(url, ['k1', 'k2', 'k3']);
    try {
      expect(fleet.tool).toBe('native');
      expect(await fleet.stats()).toEqual({ open: 3, closed: 0, values: 0 });
      // The tool reads every 100 ms by itself; each `stats` reads what has come, so each piece is a read of its own.
      const piece = async (text: string) => {
        for (const res of streams.values()) res.write(text);
        await sleep(30);
        await fleet.stats();
      };
      await piece('id: 2\ndata: {"new":[{"value":"192.0.2.1"},{"val');
      await piece('ue":"192.0.2.2"},{"value"');
      await piece(':"192.0.2.3"}]}\n\n');
      expect(await statsWhen(fleet, (s) => s.values >= 9)).toEqual({ open: 3, closed: 0, values: 9 });
      streams.get('k2')!.destroy();
      expect(await statsWhen(fleet, (s) => s.closed >= 1)).toEqual({ open: 3, closed: 1, values: 9 });
    } finally {
      await fleet.close();
    }
  });
});
