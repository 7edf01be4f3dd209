import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { registry, RepeatingJob } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { ClaimedDelivery, NotificationDeliveriesRepository } from '@lapi/db';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { Counter } from 'prom-client';
import { HttpNotifier, renderAlerts } from './notifier-config';
import { Notifiers } from './notifiers';

const POLL_EVERY_MS = 250;
const CLAIM_LIMIT = 200;
/** A claim outlives the slowest send by this much, so a live node's claim never lapses mid-send. */
const LEASE_MARGIN_MS = 10_000;
const MAX_BACKOFF_MS = 5 * 60_000;
const PURGE_EVERY_MS = 60_000;

const sent = new Counter({
  name: 'lapi_notifications_total',
  help: 'Notification deliveries by outcome: delivered (2xx), retry (failed, will be retried), failed (retries exhausted).',
  labelNames: ['notifier', 'outcome'],
  registers: [registry],
});

/** Backoff before attempt `attempts + 1`: 1s, 2s, 4s, ... up to 5 minutes. */
export function backoffMs(attempts: number): number {
  return Math.min(1000 * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
}

/**
 * Delivers the outbox on every node that runs background jobs. Each node claims rows for itself
 * (SKIP LOCKED, with a lease), so two nodes never send the same notification; an endpoint that
 * is down only keeps rows waiting, it never touches an agent's push.
 */
@Injectable()
export class NotificationSender implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Notifications');
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly rounds = new RepeatingJob('notification delivery round', POLL_EVERY_MS, () => this.deliver(), this.logger);
  private lastPurge = 0;

  constructor(
    private readonly notifiers: Notifiers,
    private readonly deliveries: NotificationDeliveriesRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.backgroundJobs && this.notifiers.byName.size > 0) this.rounds.start();
  }

  onApplicationShutdown(): void {
    this.rounds.stop();
  }

  private async deliver(): Promise<void> {
    const lease = Math.max(...[...this.notifiers.byName.values()].map((n) => n.timeoutMs)) + LEASE_MARGIN_MS;
    const claimed = await this.deliveries.claim(this.holder, CLAIM_LIMIT, lease);
    await Promise.all(this.batches(claimed).map(([notifier, rows]) => this.send(notifier, rows)));
    if (Date.now() - this.lastPurge > PURGE_EVERY_MS) {
      this.lastPurge = Date.now();
      await this.deliveries.purge(this.config.flushMaxAgeMs);
    }
  }

  /** Rows of one notifier, at most group_threshold alerts per request, as upstream groups them. */
  private batches(rows: ClaimedDelivery[]): [HttpNotifier, ClaimedDelivery[]][] {
    const out: [HttpNotifier, ClaimedDelivery[]][] = [];
    const byNotifier = new Map<string, ClaimedDelivery[]>();
    for (const r of rows) byNotifier.set(r.notifier, [...(byNotifier.get(r.notifier) ?? []), r]);
    for (const [name, list] of byNotifier) {
      const notifier = this.notifiers.byName.get(name);
      // A config removed since the row was queued: it waits until that name comes back.
      if (!notifier) continue;
      for (let i = 0; i < list.length; i += notifier.groupThreshold) out.push([notifier, list.slice(i, i + notifier.groupThreshold)]);
    }
    return out;
  }

  private async send(n: HttpNotifier, rows: ClaimedDelivery[]): Promise<void> {
    const ids = rows.map((r) => r.id);
    let error: string | undefined;
    try {
      const res = await fetch(n.url, {
        method: n.method,
        headers: { 'content-type': 'application/json', ...n.headers },
        body: n.method === 'GET' || n.method === 'HEAD' ? undefined : renderAlerts(n.format, rows.map((r) => r.alert)),
        signal: AbortSignal.timeout(n.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status < 200 || res.status > 299) error = `HTTP ${res.status}`;
    } catch (e) {
      error = (e as Error).name === 'TimeoutError' ? `no answer within ${n.timeoutMs} ms` : (e as Error).message;
    }
    if (!error) {
      await this.deliveries.delivered(ids, this.holder);
      sent.inc({ notifier: n.name, outcome: 'delivered' }, rows.length);
      return;
    }
    const attempts = Math.max(...rows.map((r) => r.attempts));
    const giveUp = attempts > n.maxRetry;
    await this.deliveries.failed(ids, this.holder, error, giveUp ? null : new Date(Date.now() + backoffMs(attempts)));
    sent.inc({ notifier: n.name, outcome: giveUp ? 'failed' : 'retry' }, rows.length);
    this.logger.warn(`notification ${n.name} to ${n.url}: ${error}; ${giveUp ? `given up after ${attempts} attempts` : `retry in ${backoffMs(attempts)} ms`}`);
  }
}
