import { normalizeScope, parseCidr, parseDuration, parseIp } from '@lapi/common';
import { readFileSync } from 'node:fs';

export interface ImportLine {
  value: string;
  scope: string;
  duration: string;
  type: string;
  reason: string;
  origin: string;
}

export interface ImportDefaults {
  duration: string;
  type: string;
  reason: string;
}

export interface ImportResult {
  lines: ImportLine[];
  /** Line number (1-based, header included) and why each bad line was skipped. */
  skipped: { line: number; why: string }[];
}

type Raw = Partial<Record<keyof ImportLine, string>>;

/** Reads cscli's import formats: CSV with a header line (any of duration,origin,reason,scope,type,value) or a JSON array. */
export function readImportFile(path: string, format: 'csv' | 'json' | undefined, defaults: ImportDefaults): ImportResult {
  const text = readFileSync(path, 'utf8');
  const kind = format ?? (path.endsWith('.json') || text.trimStart().startsWith('[') ? 'json' : 'csv');
  const raws = kind === 'json' ? fromJson(text) : fromCsv(text);
  const result: ImportResult = { lines: [], skipped: [] };
  raws.forEach(({ raw, line }) => {
    const checked = check(raw, defaults);
    if (typeof checked === 'string') result.skipped.push({ line, why: checked });
    else result.lines.push(checked);
  });
  return result;
}

function fromCsv(text: string): { raw: Raw; line: number }[] {
  const rows = text.split(/\r?\n/);
  const header = rows[0].split(',').map((h) => h.trim().toLowerCase());
  if (!header.includes('value')) throw new Error('the CSV header line must name a value column');
  const out: { raw: Raw; line: number }[] = [];
  rows.slice(1).forEach((row, i) => {
    if (row.trim() === '') return;
    const cells = row.split(',');
    const raw: Raw = {};
    header.forEach((h, j) => ((raw as Record<string, string>)[h] = (cells[j] ?? '').trim()));
    out.push({ raw, line: i + 2 });
  });
  return out;
}

function fromJson(text: string): { raw: Raw; line: number }[] {
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('a JSON import must be an array of objects');
  return parsed.map((o, i) => ({ raw: (o ?? {}) as Raw, line: i + 1 }));
}

function check(raw: Raw, d: ImportDefaults): ImportLine | string {
  const value = String(raw.value ?? '').trim();
  if (!value) return 'no value';
  const scope = normalizeScope(raw.scope || (value.includes('/') ? 'Range' : 'Ip'));
  if (scope === 'Ip' && !parseIp(value)) return `'${value}' is not an IP address`;
  if (scope === 'Range' && (!value.includes('/') || !parseCidr(value))) return `'${value}' is not a CIDR range`;
  const duration = raw.duration || d.duration;
  const ms = parseDuration(duration);
  if (ms === undefined || ms <= 0) return `'${duration}' is not a duration`;
  return { value, scope, duration, type: raw.type || d.type, reason: raw.reason || d.reason, origin: raw.origin || 'cscli' };
}
