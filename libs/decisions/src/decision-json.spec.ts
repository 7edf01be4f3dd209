import { toDecisionView, ViewableDecision } from '@lapi/decision-model';
import { DecisionJsonWriter } from './decision-json';

const NOW = 1_800_000_000_000;
const d = (o: Partial<ViewableDecision> = {}): ViewableDecision => ({
  id: 7, uuid: '0b9c3f8e-1111-4222-8333-944445555666', until: NOW + 3_600_000, scenario: 'crowdsecurity/ssh-bf',
  type: 'ban', scope: 'Ip', value: '192.0.2.1', origin: 'crowdsec', simulated: false, ...o,
});

async function text(stream: NodeJS.ReadableStream): Promise<string> {
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
});
