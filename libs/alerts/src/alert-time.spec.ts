import { parseAlertTime } from './alert-time';

describe('parseAlertTime', () => {
  it.each([
    ['2026-11-22T10:00:00Z', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22T10:00:00.123456789Z', '2026-11-22T10:00:00.123Z'],
    ['2026-11-22T11:00:00+01:00', '2026-11-22T10:00:00.000Z'],
    ['2026-11-22 10:00:00.5 +0000 UTC', '2026-11-22T10:00:00.500Z'],
    ['2026-11-22 12:00:00 +0200 CEST m=+1.5', '2026-11-22T10:00:00.000Z'],
  ])('reads %s', (text, iso) => expect(parseAlertTime(text)?.toISOString()).toBe(iso));

  it.each(['', 'yesterday', '2026-13-45T99:00:00Z', '2026-11-22', '1700000000'])('rejects %j', (text) =>
    expect(parseAlertTime(text)).toBeUndefined(),
  );
});
