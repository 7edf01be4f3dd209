import { INestApplicationContext } from '@nestjs/common';
import { CapiAdmin, CapiStatus } from '@lapi/capi';
import { AppConfig } from '@lapi/config';
import { CapiDeletionsRepository, CapiSignalsRepository, CapiStateRepository } from '@lapi/db';
import { DataSource } from 'typeorm';
import { OutputFormat } from '../output';

/** The CAPI admin over lapictl's database connection (its repositories need nothing else). */
export function capiAdmin(app: INestApplicationContext): CapiAdmin {
  const ds = app.get(DataSource);
  return new CapiAdmin({ state: new CapiStateRepository(ds), signals: new CapiSignalsRepository(ds), deletions: new CapiDeletionsRepository(ds), config: app.get(AppConfig) });
}

export function printCapiStatus(format: OutputFormat, s: CapiStatus): void {
  if (format !== 'human') {
    console.log(JSON.stringify(s, null, 2));
    return;
  }
  const lines = [
    `Central API: ${s.url}`,
    s.registered ? `registered as ${s.machineId}` : 'not registered: run `lapictl capi register`',
    `token: ${s.tokenValidUntil ? `valid until ${s.tokenValidUntil}` : 'none valid (the worker logs in when it needs one, within the budget)'}`,
    `logins in the last 50 minutes: ${s.loginsInWindow} of a budget of ${s.loginBudget} (${s.enrolled ? 'enrolled' : 'not enrolled'}, ${s.sharing ? (s.sharingCounted ? 'sharing' : 'sharing, not counted until CAPI accepts signals') : 'not sharing'})`,
    s.bannedUntil ? `CAPI answered 403 (IP banned): no login before ${s.bannedUntil}` : `next login possible at ${s.nextLoginAt}`,
    `last login: ${s.lastLoginAt ?? 'never'}`,
    `last blocklist pull: ${s.lastPullAt ?? 'never'}, next: ${s.nextPullAt ?? 'when a worker runs'}`,
    `leader: ${s.leader ?? 'none'}${s.leaseUntil ? ` (lease until ${s.leaseUntil})` : ''}`,
    `signals waiting: ${s.queuedSignals}`,
    `deletions waiting: ${s.queuedDeletions}`,
  ];
  if (s.lastError) lines.push(`last error (${s.lastErrorAt}): ${s.lastError}`);
  console.log(lines.join('\n'));
}
