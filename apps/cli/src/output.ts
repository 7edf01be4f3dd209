import type { INestApplicationContext } from '@nestjs/common';
import type { CliReader } from './cli-reader';
import { renderTable } from './table';

export type OutputFormat = 'human' | 'json' | 'raw';
export type ColorMode = 'yes' | 'no' | 'auto';
/** cscli's --trace|--debug|--info|--warning|--error. */
export type LogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error';

/** What each command file is given: wraps an action so it runs inside the app context, with the chosen output format. */
export type Run = (fn: (app: INestApplicationContext, format: OutputFormat) => Promise<void>) => () => Promise<void>;

/** The same for read-only commands: a plain connection when one can be joined (cli-reader.ts). */
export type Read = (fn: (reader: CliReader, format: OutputFormat) => Promise<void>) => () => Promise<void>;

export interface Columns<T> {
  header: string[];
  row(item: T): (string | number | boolean)[];
}

let colors = false;

/** cscli's --color: auto means only on a terminal, and never when NO_COLOR is set (no-color.org). */
export function setColorMode(mode: ColorMode, stdoutIsTty = Boolean(process.stdout.isTTY), env = process.env): boolean {
  colors = mode === 'yes' || (mode === 'auto' && stdoutIsTty && !env.NO_COLOR);
  return colors;
}

let quiet = false;

/** lapictl logs nothing below info: only --warning and --error change what it prints (they hide the info messages). */
export function setLogLevel(level: LogLevel): void {
  quiet = level === 'warning' || level === 'error';
}

/**
 * What a write command reports ("1 decision(s) deleted"): on stderr, as cscli logs it, so stdout
 * holds only output a script reads (a key, a credentials file, a list).
 */
export function logInfo(message: string): void {
  if (!quiet) process.stderr.write(`${message}\n`);
}

/** Prints a list as a table (human), JSON (cscli's shapes) or CSV (raw, cscli's columns). */
export function printList<T>(format: OutputFormat, items: T[], columns: Columns<T>, asJson: (item: T) => unknown = (i) => i, empty = 'No entries.'): void {
  if (format === 'json') {
    printJson(items.map(asJson));
    return;
  }
  if (format === 'raw') {
    console.log(toCsv([columns.header, ...items.map((i) => columns.row(i).map(String))]));
    return;
  }
  if (items.length === 0) {
    console.log(empty);
    return;
  }
  console.log(renderTable(columns.header, items.map((i) => columns.row(i).map(String)), colors));
}

/** Indented JSON, as cscli's MarshalIndent. */
export function printJson(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

/** RFC 4180 lines, quoted only where needed, as Go's encoding/csv writes them. */
export function toCsv(rows: string[][]): string {
  return rows.map((r) => r.map(csvField).join(',')).join('\n');
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) || v.startsWith(' ') ? `"${v.replace(/"/g, '""')}"` : v;
}

/** cscli's "as" column: number and name, empty when the source has neither (as its GetAsNumberName). */
export function asNumberName(source: { as_number: string; as_name: string }): string {
  const num = source.as_number && source.as_number !== '0' ? source.as_number : '';
  return source.as_name ? `${num} ${source.as_name}` : num;
}

/** Go's time.RFC3339 (seconds, Z), as cscli prints times. */
export function rfc3339(d: Date | null | undefined): string {
  return d ? d.toISOString().replace(/\.\d{3}Z$/, 'Z') : '';
}

/** Go's Duration.String() rounded to the second ("1h2m3s", "0s"), as cscli prints ages. */
export function goDuration(ms: number): string {
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  if (s === 0) return '0s';
  const h = Math.floor(s / 3600);
  s -= h * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${neg ? '-' : ''}${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${s}s`;
}

/** Go's time.Time.String() in UTC ("2026-12-04 05:21:33.123 +0000 UTC"), as cscli's inspect tables print times. */
export function goTime(d: Date | null | undefined): string {
  if (!d) return '<nil>';
  const [date, time] = d.toISOString().replace('Z', '').split('T');
  return `${date} ${time.replace(/\.?0+$/, '')} +0000 UTC`;
}

/** cscli 1.6's clientinfo: "name/version", either alone, or "?" when neither is known. */
export function osNameAndVersion(c: { osName: string; osVersion: string }): string {
  return [c.osName, c.osVersion].filter(Boolean).join('/') || '?';
}

/** cscli 1.6's feature flag list: none when empty (left out of its JSON). */
export function featureFlagList(c: { featureFlags: string }): string[] | undefined {
  return c.featureFlags ? c.featureFlags.split(',') : undefined;
}
