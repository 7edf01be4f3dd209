import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@lapi/common/light';

/** Commander argument parsers: bad values are refused while parsing, before any database is opened. */
export function wholeNumber(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('expected a whole number.');
  return Number(value);
}

/** Machine and bouncer names: what fits in a credentials file and a log line (name@ip included). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@:-]{0,127}$/;

export function name(value: string): string {
  if (value === '') throw new InvalidArgumentError('a name cannot be empty.');
  if (!NAME.test(value)) throw new InvalidArgumentError('use letters, digits and . _ @ : - (at most 128, starting with a letter or digit).');
  return value;
}

export function choice(...allowed: string[]) {
  return (value: string): string => {
    if (!allowed.includes(value)) throw new InvalidArgumentError(`expected one of ${allowed.join(', ')}.`);
    return value;
  };
}

/** Ids are Postgres bigints: a positive whole number up to 2^63-1, checked here so the database never sees another. */
const MAX_BIGINT = 2n ** 63n - 1n;

export function positiveId(value: string): string {
  if (!/^\d+$/.test(value) || BigInt(value) < 1n || BigInt(value) > MAX_BIGINT) {
    throw new InvalidArgumentError(`expected a positive whole number (at most ${MAX_BIGINT}).`);
  }
  return value;
}

/** positiveId for a variadic argument (commander hands each value with the ones before). */
export function positiveIds(value: string, previous: string[] = []): string[] {
  return [...previous, positiveId(value)];
}

/** A decision type is sent to every bouncer as is: an empty one would reach them as "type":"". */
export function decisionType(value: string): string {
  if (value.trim() === '') throw new InvalidArgumentError('give a decision type such as ban or captcha.');
  return value;
}

/**
 * cscli's pflag reads `-o=json` as `-o json`; commander would take "=json" as the value. Splits
 * such tokens, except where the token is itself the value of the option before it (`-R -o=x`).
 */
export function splitShortEquals(argv: string[], takesValue: (flag: string) => boolean): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') return [...out, ...argv.slice(i)];
    const short = /^(-[A-Za-z])=(.*)$/s.exec(arg);
    const isValue = i > 0 && takesValue(argv[i - 1]);
    if (short && !isValue) out.push(short[1], short[2]);
    else out.push(arg);
  }
  return out;
}

/** A positive Go duration (45m, 1h30m, 7d, 1s), in milliseconds. */
export function positiveDuration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new InvalidArgumentError('expected a positive duration such as 45m, 2h or 7d.');
  return ms;
}
