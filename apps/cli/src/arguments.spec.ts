import { InvalidArgumentError } from 'commander';
import { decisionType, positiveId, positiveIds, splitShortEquals } from './arguments';

describe('lapictl argument parsers', () => {
  it('takes ids from 1 to bigint\'s largest, and refuses the rest before any database is asked', () => {
    expect(positiveId('1')).toBe('1');
    expect(positiveId('9223372036854775807')).toBe('9223372036854775807');
    for (const bad of ['0', '9223372036854775808', '99999999999999999999', '-1', '1.5', 'x', '', ' 1']) {
      expect(() => positiveId(bad)).toThrow(InvalidArgumentError);
    }
    expect(positiveIds('7', positiveIds('3'))).toEqual(['3', '7']);
  });

  it('refuses an empty or blank decision type', () => {
    expect(decisionType('captcha')).toBe('captcha');
    expect(() => decisionType('')).toThrow(InvalidArgumentError);
    expect(() => decisionType('  ')).toThrow(InvalidArgumentError);
  });
});

describe('splitShortEquals', () => {
  const takesValue = (flag: string) => ['-o', '-R', '--reason'].includes(flag);

  it('reads -o=json as -o json, as cscli\'s pflag does', () => {
    expect(splitShortEquals(['-o=json', 'machines', 'list'], takesValue)).toEqual(['-o', 'json', 'machines', 'list']);
    expect(splitShortEquals(['decisions', 'list', '-o=raw'], takesValue)).toEqual(['decisions', 'list', '-o', 'raw']);
  });

  it('leaves alone the value of an option, long options and everything after --', () => {
    expect(splitShortEquals(['-R', '-o=x', '--reason', '-t=y'], takesValue)).toEqual(['-R', '-o=x', '--reason', '-t=y']);
    expect(splitShortEquals(['--output=json', '--', '-o=json'], takesValue)).toEqual(['--output=json', '--', '-o=json']);
  });
});
