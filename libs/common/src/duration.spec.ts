import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['4h', 4 * 3_600_000],
    ['1h30m', 90 * 60_000],
    ['1.5h', 90 * 60_000],
    ['300ms', 300],
    ['2d', 2 * 86_400_000],
    ['-1h', -3_600_000],
    ['0', 0],
    ['1m0.5s', 60_500],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['', 'h', '4', '4x', '1h 30m', 'forever', '1h-30m', '--1h'])('rejects %j', (text) =>
    expect(parseDuration(text)).toBeUndefined(),
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [500, '500ms'],
    [4 * 3_600_000 - 2000, '3h59m58s'],
    [61_500, '1m1.5s'],
    [-(5 * 60_000), '-5m0s'],
    [3_600_000, '1h0m0s'],
  ])('formats %d ms as %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it('round-trips through parseDuration', () => {
    for (const ms of [1234, 3_599_999, 86_400_123, -42_000]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });
});
