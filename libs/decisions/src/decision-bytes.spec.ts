import { ViewableDecision } from '@lapi/decision-model';
import { DecisionByteWriter } from './decision-bytes';
import { DecisionJsonWriter } from './decision-json';

const NOW = 1_800_000_000_000;
const d = (o: Partial<ViewableDecision> = {}): ViewableDecision => ({
  id: 7, uuid: 'u', until: NOW + 3_600_000, scenario: 'crowdsecurity/ssh-bf',
  type: 'ban', scope: 'Ip', value: '192.0.2.1', origin: 'crowdsec', simulated: false, ...o,
});

describe('DecisionByteWriter', () => {
  it('writes the same bytes as the string writer, for plain, escaped, non-ASCII and simulated decisions, in any order', () => {
    const text = new DecisionJsonWriter(NOW);
    const bytes = new DecisionByteWriter(text);
    const cases = [
      d(), d({ id: 0 }), d({ id: 9 }), d({ id: 10 }), d({ id: 999_999 }), d({ id: 1_000_000 }), d({ id: 2 ** 53 - 1 }),
      d({ value: '2001:db8::/64', scope: 'Range' }), d({ value: 'a"quote\\and\nnewline' }), d({ value: 'naïve ☃' }),
      d({ scenario: 'ümlaut "scenario"', origin: 'CAPI' }), d({ simulated: true }), d({ until: NOW - 1500 }),
    ];
    // Forwards and back: a part kept from the previous decision must never be reused for a different one.
    for (const c of [...cases, ...[...cases].reverse()]) {
      const buf = Buffer.alloc(DecisionByteWriter.maxBytes(c));
      const end = bytes.write(buf, 0, c);
      expect(buf.subarray(0, end).toString('utf8')).toBe(text.write(c));
    }
  });
});
