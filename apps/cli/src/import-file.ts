import { parseCidr, parseDuration, parseIp } from '@lapi/common';
import { CsvError, parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import { normalizeScope } from '@lapi/decision-model';
import { CliError } from './cli-error';

export interface ImportLine {
  value: string;
  scope: string;
  duration: string;
  type: string;
  reason: string;
  origin: string;
}

/** The import flags (-d, -t, -R, --scope): as cscli's, they replace the file's values where given. */
export interface ImportOverrides {
  duration?: string;
  type?: string;
  reason?: string;
  scope?: string;
}

export interface ImportResult {
  lines: ImportLine[];
  /** Line number (1-based, header included) and why each bad line was skipped. */
  skipped: { line: number; why: string }[];
}

/** What upstream's cscli fills in where neither the file nor a flag gives a value. */
const DEFAULTS = { duration: '4h', type: 'ban', reason: 'manual' };
/** Upstream marks every imported decision with this origin, whatever the file says. */
export const IMPORT_ORIGIN = 'cscli-import';

type Raw = Partial<Record<keyof ImportLine, unknown>>;

/** Reads cscli's import formats: CSV (RFC 4180) with a header line naming any of duration,origin,reason,scope,type,value, or a JSON array. */
export function readImportFile(path: string, format: 'csv' | 'json' | undefined, overrides: ImportOverrides): ImportResult {
  const text = readText(path);
  const kind = format ?? (path.endsWith('.json') || text.trimStart().startsWith('[') ? 'json' : 'csv');
  const raws = kind === 'json' ? fromJson(path, text) : fromCsv(path, text);
  const result: ImportResult = { lines: [], skipped: [] };
  for (const { raw, line } of raws) {
    const checked = check(raw, overrides);
    if (typeof checked === 'string') result.skipped.push({ line, why: checked });
    else result.lines.push(checked);
  }
  return result;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new CliError(`cannot read ${path}: ${why}`);
  }
}

function fromCsv(path: string, text: string): { raw: Raw; line: number }[] {
  let rows: { record: Record<string, string>; info: { lines: number } }[];
  try {
    rows = parse(text, {
      columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
      skip_empty_lines: true,
      relax_column_count: true,
      bom: true,
      info: true,
    });
  } catch (e) {
    const why = e instanceof CsvError ? e.message : String(e);
    throw new CliError(`cannot read ${path}: not valid CSV (${why})`);
  }
  if (rows.length > 0 && !('value' in rows[0].record)) throw new CliError(`cannot read ${path}: the CSV header line must name a value column`);
  return rows.map(({ record, info }) => ({ raw: record, line: info.lines }));
}

function fromJson(path: string, text: string): { raw: Raw; line: number }[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(`${path} is not JSON (line ${jsonErrorLine(text)}); give --format csv if it is CSV`);
  }
  if (!Array.isArray(parsed)) throw new CliError(`cannot read ${path}: a JSON import must be an array of objects`);
  return parsed.map((o, i) => ({ raw: (o ?? {}) as Raw, line: i + 1 }));
}

/**
 * The line of the first character no JSON can continue from. JSON.parse names a position only for
 * some mistakes, so this finds it: the shortest prefix that fails for a reason other than ending
 * too soon (a prefix that cannot be continued stays so when lengthened, hence a binary search).
 */
export function jsonErrorLine(text: string): number {
  const viable = (end: number): boolean => {
    try {
      JSON.parse(text.slice(0, end));
      return true;
    } catch (e) {
      const message = (e as Error).message;
      return message.startsWith('Unexpected end') || message.endsWith(`at position ${end}`);
    }
  };
  let ok = 0;
  let bad = text.length + 1;
  while (bad - ok > 1) {
    const mid = (ok + bad) >> 1;
    if (viable(mid)) ok = mid;
    else bad = mid;
  }
  // A text cut short fails at its end: name the last line that holds something.
  const at = bad > text.length ? text.trimEnd().length : bad - 1;
  return text.slice(0, at).split('\n').length;
}

const text = (v: unknown): string => (v === undefined || v === null ? '' : String(v).trim());

function check(raw: Raw, o: ImportOverrides): ImportLine | string {
  const value = text(raw.value);
  if (!value) return 'no value';
  const scope = normalizeScope(o.scope || text(raw.scope) || (value.includes('/') ? 'Range' : 'Ip'));
  if (scope === 'Ip' && !parseIp(value)) return `'${value}' is not an IP address`;
  if (scope === 'Range' && (!value.includes('/') || !parseCidr(value))) return `'${value}' is not a CIDR range`;
  const duration = o.duration || text(raw.duration) || DEFAULTS.duration;
  const ms = parseDuration(duration);
  if (ms === undefined || ms <= 0) return `'${duration}' is not a duration`;
  // Reasons are kept exactly as written (quoted commas, inner quotes, spaces).
  const reason = o.reason || (raw.reason === undefined || raw.reason === '' ? DEFAULTS.reason : String(raw.reason));
  return { value, scope, duration, type: o.type || text(raw.type) || DEFAULTS.type, reason, origin: IMPORT_ORIGIN };
}
