import { InvalidArgumentError } from 'commander';

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
