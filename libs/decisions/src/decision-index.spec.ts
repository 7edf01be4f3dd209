import { parseCidr, parseIp } from '@lapi/common';
import { DecisionRecord } from '@lapi/decision-model';
import { DecisionIndex } from './decision-index';

const NOW = 1_800_000_000_000;
let nextId = 1;

function rec(seq: number, o: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: nextId++, uuid: 'u', alertId: 1, createdAt: NOW, until: NOW + 3_600_000, scenario: 's', type: 'ban',
    scope: 'Ip', value: '192.0.2.1', origin: 'cscli', simulated: false, seq, ended: false, ...o,
  };
}

function batch(...decisions: DecisionRecord[]) {
  return { fromSeq: decisions[0].seq, toSeq: decisions[decisions.length - 1].seq, decisions };
}

describe('DecisionIndex', () => {
  it('applies batches in sequence and ignores ones already seen', () => {
    const idx = new DecisionIndex();
    expect(idx.apply(batch(rec(1), rec(2, { value: '192.0.2.2' })))).toBe('applied');
    expect(idx.apply(batch(rec(2, { value: '192.0.2.9' })))).toBe('duplicate');
    expect(idx.head).toBe(2);
    expect(idx.size).toBe(2);
  });

  it('holds a batch that arrives ahead of a missing one, and applies both once the gap fills', () => {
    const idx = new DecisionIndex();
    idx.apply(batch(rec(1)));
    expect(idx.apply(batch(rec(3, { value: '192.0.2.3' })))).toBe('gap');
    expect(idx.hasGap).toBe(true);
    expect(idx.head).toBe(1);
    idx.apply(batch(rec(2, { value: '192.0.2.2' })));
    expect(idx.hasGap).toBe(false);
    expect(idx.head).toBe(3);
    expect(idx.size).toBe(3);
  });

  it('closes a gap from a database snapshot and then replays what queued behind it', () => {
    const idx = new DecisionIndex();
    idx.apply(batch(rec(5, { value: '192.0.2.5' })));
    idx.loadSnapshot({ head: 4, decisions: [rec(1), rec(4, { value: '192.0.2.4' })], droppedUpTo: 0 });
    expect(idx.head).toBe(5);
    expect(idx.findActive({}, NOW).map((d) => d.value).sort()).toEqual(['192.0.2.1', '192.0.2.4', '192.0.2.5']);
  });

  it('finds Ip and Range decisions containing an address, for both families, and nothing outside', () => {
    const idx = new DecisionIndex();
    idx.apply(batch(
      rec(1, { value: '10.0.0.1' }),
      rec(2, { scope: 'Range', value: '10.0.0.0/8' }),
      rec(3, { scope: 'Range', value: '2001:db8::/32' }),
      rec(4, { value: '2001:db8::5' }),
    ));
    const at = (ip: string) => idx.findActive({ ip: parseIp(ip), contains: true }, NOW, false).map((d) => d.value).sort();
    expect(at('10.0.0.1')).toEqual(['10.0.0.0/8', '10.0.0.1']);
    expect(at('10.200.0.1')).toEqual(['10.0.0.0/8']);
    expect(at('11.0.0.1')).toEqual([]);
    expect(at('2001:db8::5')).toEqual(['2001:db8::/32', '2001:db8::5']);
    expect(at('2001:db9::5')).toEqual([]);
    expect(idx.findActive({ ip: parseCidr('10.0.0.0/16'), contains: false }, NOW).map((d) => d.value)).toEqual(['10.0.0.1']);
  });

  it('stops matching a decision once ended, or once its time is up even before the end is recorded', () => {
    const idx = new DecisionIndex();
    const d = rec(1, { until: NOW + 1000 });
    idx.apply(batch(d));
    expect(idx.findActive({ ip: parseIp('192.0.2.1') }, NOW)).toHaveLength(1);
    expect(idx.findActive({ ip: parseIp('192.0.2.1') }, NOW + 1000)).toHaveLength(0);
    idx.apply(batch({ ...d, seq: 2, ended: true, until: NOW }));
    expect(idx.size).toBe(0);
  });

  it('lists only the longest of decisions on the same value, and the survivor alone once its twin ends', () => {
    const idx = new DecisionIndex();
    const short = rec(1, { value: '198.51.100.9', until: NOW + 1000 });
    const long = rec(2, { value: '198.51.100.9', until: NOW + 9000 });
    const other = rec(3, { value: '198.51.100.10' });
    idx.apply(batch(short, long, other));
    expect(idx.findActive({}, NOW).map((d) => d.id).sort()).toEqual([long.id, other.id].sort());
    expect(idx.findActive({}, NOW, false)).toHaveLength(3);
    idx.apply(batch({ ...long, seq: 4, ended: true, until: NOW }));
    expect(idx.findActive({}, NOW).map((d) => d.id).sort()).toEqual([short.id, other.id].sort());
  });

  it('computes a delta bounded by the head asked for', () => {
    const idx = new DecisionIndex();
    const a = rec(1, { value: '192.0.2.1' });
    idx.apply(batch(a, rec(2, { value: '192.0.2.2' }), rec(3, { value: '192.0.2.3' })));
    idx.apply(batch({ ...a, seq: 4, ended: true, until: NOW - 1 }));
    expect(idx.delta(1, 2, {}, NOW)!.created.map((d) => d.value)).toEqual(['192.0.2.2']);
    const rest = idx.delta(2, 4, {}, NOW)!;
    expect(rest.created.map((d) => d.value)).toEqual(['192.0.2.3']);
    expect(rest.ended.map((d) => d.value)).toEqual(['192.0.2.1']);
  });

  it('answers undefined for a cursor older than what memory holds', () => {
    const idx = new DecisionIndex();
    const d = rec(1);
    idx.apply(batch(d));
    idx.apply(batch({ ...d, seq: 2, ended: true, until: NOW - 10_000 }));
    expect(idx.evictEnded(NOW, 1000)).toBe(1);
    expect(idx.delta(0, 2, {}, NOW)).toBeUndefined();
    expect(idx.delta(2, 2, {}, NOW)).toEqual({ created: [], ended: [] });
  });

  it('leaves simulated decisions out unless asked', () => {
    const idx = new DecisionIndex();
    idx.apply(batch(rec(1, { simulated: true })));
    expect(idx.findActive({}, NOW)).toHaveLength(0);
    expect(idx.findActive({ includeSimulated: true }, NOW)).toHaveLength(1);
  });
});
