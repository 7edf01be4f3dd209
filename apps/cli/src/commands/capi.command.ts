import { INestApplicationContext } from '@nestjs/common';
import { Command } from 'commander';
import { CapiAdmin, CapiStatus } from '@lapi/capi';
import { AppConfig } from '@lapi/config';
import { CapiSignalsRepository, CapiStateRepository } from '@lapi/db';
import { DataSource } from 'typeorm';
import { OutputFormat, Run } from '../output';

/** The CAPI admin over lapictl's database connection (its repositories need nothing else). */
export function capiAdmin(app: INestApplicationContext): CapiAdmin {
  const ds = app.get(DataSource);
  return new CapiAdmin({ state: new CapiStateRepository(ds), signals: new CapiSignalsRepository(ds), config: app.get(AppConfig) });
}

export function capiCommand(run: Run): Command {
  const cmd = new Command('capi').description('the Central API client (what cscli capi does); status never logs in');
  cmd
    .command('register')
    .description('register this cluster with the Central API and store the credentials in the database')
    .option('--force', 'register anew even when credentials are stored')
    .action((o: { force?: boolean }) =>
      run(async (app) => {
        const machineId = await capiAdmin(app).register({ force: o.force });
        console.log(`registered with the Central API as ${machineId}; the credentials are in the database, every node uses them`);
      })(),
    );
  cmd
    .command('status')
    .description('show the stored CAPI state (token, login budget, lockout, last pull) without logging in')
    .option('--check', 'make sure a valid token exists: the stored one, or one login within the budget')
    .action((o: { check?: boolean }) =>
      run(async (app, format) => {
        const admin = capiAdmin(app);
        printCapiStatus(format, o.check ? await admin.check() : await admin.status());
      })(),
    );
  return cmd;
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
  ];
  if (s.lastError) lines.push(`last error (${s.lastErrorAt}): ${s.lastError}`);
  console.log(lines.join('\n'));
}
