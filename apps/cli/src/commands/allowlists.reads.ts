// `allowlists list|inspect`: read-only, on a plain connection (cli-reader.ts); single files of the libs only.
import { toAllowlistView } from '@lapi/allowlists/light';
import type { AllowlistItemRow, AllowlistRow } from '@lapi/db';
import { allowlistItems, findAllowlist, listAllowlists as readAllowlists } from '@lapi/db/light';
import { CliError } from '../cli-error';
import type { CliReader } from '../cli-reader';
import { OutputFormat, printJson, printList, rfc3339 } from '../output';

export async function listAllowlists({ db }: CliReader, format: OutputFormat): Promise<void> {
  const lists = await readAllowlists(db);
  const row = (l: AllowlistRow) => [l.name, l.description, rfc3339(l.createdAt), rfc3339(l.updatedAt), l.fromConsole ? 'yes' : 'no', l.size];
  const header = format === 'raw'
    ? ['name', 'description', 'created_at', 'updated_at', 'console_managed', 'size']
    : ['Name', 'Description', 'Created at', 'Updated at', 'Managed by Console', 'Size'];
  // -o json: the API's shape (GET /v1/allowlists), as cscli prints it.
  printList(format, lists, { header, row }, (l) => toAllowlistView(l, []), 'No allowlists.');
}

export async function inspectAllowlist({ db }: CliReader, format: OutputFormat, name: string): Promise<void> {
  const list = await findAllowlist(db, name);
  if (!list) throw new CliError(`allowlist '${name}' not found`);
  const items: AllowlistItemRow[] = await allowlistItems(db, [String(list.id)], true);
  if (format === 'json') return printJson(toAllowlistView(list, items));
  const expiration = (i: AllowlistItemRow) => (i.expiresAt ? `${rfc3339(i.expiresAt)}${i.expiresAt.getTime() <= Date.now() ? ' (expired)' : ''}` : 'never');
  if (format === 'human') {
    console.log(`Allowlist: ${list.name}\nDescription: ${list.description}\nCreated at: ${rfc3339(list.createdAt)}\nUpdated at: ${rfc3339(list.updatedAt)}\nManaged by Console: ${list.fromConsole ? 'yes' : 'no'}\n`);
  }
  const header = format === 'raw' ? ['value', 'comment', 'expiration', 'created_at'] : ['Value', 'Comment', 'Expiration', 'Created at'];
  printList(format, items, { header, row: (i) => [i.value, i.comment, expiration(i), rfc3339(i.createdAt)] }, undefined, 'No entries.');
}
