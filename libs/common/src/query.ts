import { DomainError, badRequest } from './errors';
import { IpSpan, parseCidr, parseIp } from './ip';
import { parseDuration } from './duration';
import { refuseNul } from './nul';

type Raw = Record<string, unknown>;
type Parser<T> = (value: string, name: string) => T;

/** Each allowed query parameter and how to read it; anything else is refused. */
export type QuerySchema = Record<string, Parser<unknown>>;
export type ParsedQuery<S extends QuerySchema> = { [K in keyof S]?: ReturnType<S[K]> };

/** What to do with a parameter the schema does not list. */
export type UnknownParameters = 'refuse' | 'ignore';

/**
 * Reads a query string against a schema: repeated parameters and bad values are 400s, and so are
 * unknown ones unless told to ignore them (the bouncer routes, which upstream's LAPI lets any
 * parameter through: a newer bouncer, or a proxy, may add one).
 */
export function readQuery<S extends QuerySchema>(raw: Raw | undefined, schema: S, unknown: UnknownParameters = 'refuse'): ParsedQuery<S> {
  const out: Record<string, unknown> = {};
  for (const name in raw) {
    const value = raw[name];
    const parse = Object.hasOwn(schema, name) ? schema[name] : undefined;
    if (!parse && unknown === 'ignore') continue;
    if (!parse) throw badRequest(`unknown parameter '${name}'`);
    if (Array.isArray(value)) throw badRequest(`parameter '${name}' given more than once`);
    out[name] = parse(String(value), name);
  }
  return out as ParsedQuery<S>;
}

export const text: Parser<string> = (v, name) => {
  if (v.length > 1024) throw badRequest(`parameter '${name}' is too long`);
  refuseNul(v, `parameter '${name}'`);
  return v;
};

/** Go's strconv.ParseBool spellings. */
export const bool: Parser<boolean> = (v, name) => {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(v)) return false;
  throw badRequest(`parameter '${name}' must be true or false, not '${v}'`);
};

/** Items a list parameter may hold: each is matched against every candidate decision. */
const MAX_LIST_ITEMS = 100;

export const list: Parser<string[]> = (v, name) => {
  const items = text(v, name).split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length > MAX_LIST_ITEMS) throw badRequest(`parameter '${name}' may list at most ${MAX_LIST_ITEMS} items`);
  return items;
};

export const ip: Parser<IpSpan> = (v, name) => {
  const s = parseIp(v);
  if (!s) throw badRequest(`parameter '${name}': '${v}' is not a valid IP address`);
  return s;
};

export const range: Parser<IpSpan> = (v, name) => {
  const s = parseCidr(v);
  if (!s) throw badRequest(`parameter '${name}': '${v}' is not a valid IP range`);
  return s;
};

/** A duration such as `4h`, as milliseconds. */
export const duration: Parser<number> = (v, name) => {
  const ms = parseDuration(v);
  if (ms === undefined) throw badRequest(`parameter '${name}': '${v}' is not a valid duration (e.g. 4h, 30m)`);
  return ms;
};

export function wholeNumber(max: number): Parser<number> {
  return (v, name) => {
    if (!/^\d+$/.test(v)) throw badRequest(`parameter '${name}' must be a whole number`);
    const n = Number(v);
    if (n > max) throw badRequest(`parameter '${name}' must be at most ${max}`);
    return n;
  };
}

export type { DomainError };
