import Table from 'cli-table3';
import { INestApplicationContext } from '@nestjs/common';

export type OutputFormat = 'human' | 'json' | 'raw';

/** What each command file is given: wraps an action so it runs inside the app context, with the chosen output format. */
export type Run = (fn: (app: INestApplicationContext, format: OutputFormat) => Promise<void>) => () => Promise<void>;

export interface Columns<T> {
  header: string[];
  row(item: T): (string | number | boolean)[];
}

/** Prints a list as a table (human), JSON (the same objects the API returns) or CSV (raw, like cscli). */
export function printList<T>(format: OutputFormat, items: T[], columns: Columns<T>, asJson: (item: T) => unknown = (i) => i): void {
  if (format === 'json') {
    console.log(JSON.stringify(items.map(asJson), null, 2));
    return;
  }
  if (format === 'raw') {
    console.log(columns.header.map(csv).join(','));
    for (const item of items) console.log(columns.row(item).map((v) => csv(String(v))).join(','));
    return;
  }
  if (items.length === 0) {
    console.log('No entries.');
    return;
  }
  const table = new Table({ head: columns.header });
  for (const item of items) table.push(columns.row(item).map(String));
  console.log(table.toString());
}

function csv(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}
