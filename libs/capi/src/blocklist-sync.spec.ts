import { ActiveCapiDecision, NewDecision } from '@lapi/db';
import { communityDecisions, diff, linkDecisions } from './blocklist-sync';

const NOW = Date.parse('2026-01-01T00:00:00Z');
const H = 3600_000;

const active = (id: number, value: string, untilH = 100, origin = 'CAPI', scenario = 'crowdsecurity/community-blocklist'): ActiveCapiDecision =>
  ({ id, scope: 'Ip', value, type: 'ban', origin, scenario, until: new Date(NOW + untilH * H) });

const wantedOf = (ds: NewDecision[]) => new Map(ds.map((d) => [`${d.origin}|${d.scope}|${d.value}|${d.type}`, d]));

describe('blocklist diff', () => {
  const stream = (values: string[], duration = '167h') => ({ new: [{ scenario: 'crowdsecurity/community-blocklist', scope: 'ip', decisions: values.map((value) => ({ value, duration })) }] });

  it('keeps what is unchanged, ends what left the list, inserts only the new entries', () => {
    const wanted = wantedOf(communityDecisions(stream(['192.0.2.1', '192.0.2.2', '192.0.2.4']), NOW));
    const ends = diff([active(1, '192.0.2.1'), active(2, '192.0.2.2'), active(3, '192.0.2.3')], wanted, new Set(), NOW);
    expect(ends).toEqual([3]);
    expect([...wanted.values()].map((d) => d.value)).toEqual(['192.0.2.4']);
  });

  it('ends duplicates, and replaces an entry about to run out when the fresh one lasts much longer', () => {
    const wanted = wantedOf(communityDecisions(stream(['192.0.2.1', '192.0.2.2']), NOW));
    const ends = diff([active(1, '192.0.2.1'), active(2, '192.0.2.1'), active(3, '192.0.2.2', 1)], wanted, new Set(), NOW);
    expect(ends).toEqual([2, 3]);
    expect([...wanted.values()].map((d) => d.value)).toEqual(['192.0.2.2']);
  });

  it('keeps a link\'s decisions when the link answered 304, and leaves other origins to their owners', () => {
    const wanted = new Map<string, NewDecision>();
    const ends = diff([active(1, '198.51.100.1', 20, 'lists', 'my-list')], wanted, new Set(['my-list']), NOW);
    expect(ends).toEqual([]);
  });

  it('normalises scopes, skips bad values and durations, and applies the stream\'s deletions', () => {
    const got = communityDecisions({
      new: [{ scenario: 's', scope: 'ip', decisions: [{ value: 'not-an-ip', duration: '1h' }, { value: '192.0.2.9', duration: 'soon' }, { value: '192.0.2.8', duration: '2h' }, { value: '192.0.2.7', duration: '2h' }] }],
      deleted: [{ scope: 'Ip', decisions: ['192.0.2.7'] }],
    }, NOW);
    expect(got).toEqual([expect.objectContaining({ scope: 'Ip', value: '192.0.2.8', origin: 'CAPI', ipRange: '192.0.2.8/32', until: new Date(NOW + 2 * H) })]);
    const fromLink = linkDecisions({ name: 'l', url: 'http://x/l', remediation: 'captcha', scope: 'range', duration: '24h' }, ['10.0.0.0/8', '10.1.2.3'], NOW);
    expect(fromLink).toEqual([expect.objectContaining({ scope: 'Range', value: '10.0.0.0/8', type: 'captcha', origin: 'lists', scenario: 'l' })]);
  });
});
