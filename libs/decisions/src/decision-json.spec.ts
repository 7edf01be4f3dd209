import { toDecisionView, ViewableDecision } from '@lapi/decision-model';
import { DecisionJsonWriter } from './decision-json';

const NOW = 1_800_000_000_000;
const d = (o: Partial<ViewableDecision> = {}): ViewableDecision => ({
  id: 7, uuid: '0b9c3f8e-1111-4222-8333-944445555666', until: NOW + 3_600_000, scenario: 'crowdsecurity/ssh-bf',
  type: 'ban', scope: 'Ip', value: '192.0.2.1', origin: 'crowdsec', simulated: false, ...o,
});

async function text(stream: Buffer | NodeJS.ReadableStream): Promise<string> {
  if (Buffer.isBuffer(stream)) return stream.toString();
  let out = '';
  for await (const chunk of stream) out += chunk;
  return out;
}

describe('DecisionJsonWriter', () => {
  it('writes the view\'s bouncer fields, escaping what needs it, and simulated only when true (as upstream)', () => {
    const w = new DecisionJsonWriter(NOW);
    for (const x of [d(), d({ scenario: 'quote " and \\ backslash', value: 'a\nb' }), d({ until: NOW - 1500, simulated: true })]) {
      const { until: _until, uuid: _uuid, simulated, ...rest } = toDecisionView(x, NOW);
      expect(JSON.parse(w.write(x))).toEqual(simulated ? { ...rest, simulated } : rest);
    }
  });

  it('answers null for an empty list when asked, [] otherwise', () => {
    const w = new DecisionJsonWriter(NOW);
    expect(w.array([], true)).toBe('null');
    expect(w.array([], false)).toBe('[]');
    expect(JSON.parse(w.array([d(), d({ id: 8 })], true))).toHaveLength(2);
  });

  it('streams a stream reply that parses back whole, across chunk boundaries', async () => {
    const many = Array.from({ length: 4500 }, (_, i) => d({ id: i }));
    const body = JSON.parse(await text(new DecisionJsonWriter(NOW).stream(many, [d({ id: 99999 })])));
    expect(body.new).toHaveLength(4500);
    expect(body.new[4499].id).toBe(4499);
    expect(body.deleted).toEqual([expect.objectContaining({ id: 99999, value: '192.0.2.1', duration: '1h0m0s' })]);
  });

  it('answers a small reply as one buffer and a large one as a stream, and replies written in turn keep their own bytes', async () => {
    const w = new DecisionJsonWriter(NOW);
    const small = w.stream([d({ id: 1 }), d({ id: 2 })], []);
    expect(Buffer.isBuffer(small)).toBe(true);
    const large = w.stream(Array.from({ length: 4500 }, (_, i) => d({ id: i })), []);
    expect(Buffer.isBuffer(large)).toBe(false);
    // Both large replies fill the one shared buffer in turn, chunk by chunk.
    const other = w.stream(Array.from({ length: 4500 }, (_, i) => d({ id: 100_000 + i, value: '198.51.100.7' })), [d({ id: 5 })]);
    const [a, b] = await Promise.all([text(large as NodeJS.ReadableStream), text(other as NodeJS.ReadableStream)]);
    expect(JSON.parse(a).new.map((x: { id: number }) => x.id)).toEqual(Array.from({ length: 4500 }, (_, i) => i));
    expect(JSON.parse(b).new.every((x: { value: string }) => x.value === '198.51.100.7')).toBe(true);
    expect(JSON.parse(small.toString()).new).toHaveLength(2);
  });

  it('streams non-ASCII values as the same UTF-8 bytes, whether as a stream (as a socket writes it) or as push chunks', async () => {
    const many = Array.from({ length: 4500 }, (_, i) => d({ id: i, scope: 'Username', value: i % 2 ? `jöhn-${i}` : `用户-${i}` }));
    const w = new DecisionJsonWriter(NOW);
    const streamed = w.stream(many, []) as NodeJS.ReadableStream;
    const parts: Buffer[] = [];
    // A socket encodes a string chunk as UTF-8 (res.write's default).
    for await (const chunk of streamed) parts.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string, 'utf8'));
    expect(parts.length).toBeGreaterThan(1);
    const bytes = Buffer.concat(parts);
    expect(bytes.equals(Buffer.concat([...w.streamChunks(many, [])]))).toBe(true);
    expect(JSON.parse(bytes.toString('utf8')).new.map((x: { value: string }) => x.value)).toEqual(many.map((x) => x.value));
  });

  it('writes a decision larger than a chunk on its own', async () => {
    const huge = d({ scope: 'Custom', value: 'x'.repeat(300_000) });
    const body = JSON.parse(await text(new DecisionJsonWriter(NOW).stream([d(), huge, d({ id: 9 })], [])));
    expect(body.new.map((x: { value: string }) => x.value.length)).toEqual([9, 300_000, 9]);
  });
});
