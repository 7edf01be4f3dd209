import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Bus, publishAfterCommit } from '@lapi/bus';
import { BouncerIdentity, RefreshingCache, conflict, forbidden, notFound } from '@lapi/common';
import { BouncerEntity, BouncersRepository } from '@lapi/db';
import { LRUCache } from 'lru-cache';
import { hashApiKey, isWellFormedApiKey, newApiKey } from './api-key';
import { BouncerActivity } from './bouncer-activity';

/** How often the bouncers table is checked for changes made by other processes (deletions): a deleted key is refused within this. */
const TABLE_CHECK_MS = 500;
/** Keys (and their rows) remembered, least recently used out first: far more than the bouncers of a cluster. */
const MAX_REMEMBERED_KEYS = 100_000;

/** Upstream's auth type for certificate identities (and ours: libs/auth's CERTIFICATE_AUTH_TYPE). */
const CERTIFICATE_AUTH = 'tls';

const toIdentity = (row: BouncerEntity): BouncerIdentity => ({ id: row.id, name: row.name, lastSeq: row.lastSeq });

/**
 * Bouncer keys are checked from memory. A key's rows are trusted until the bouncers table changes:
 * a deletion made here is applied at once, one made elsewhere arrives on the bus, and twice a
 * second one small query (row count, highest id, latest update) tells whether anything changed
 * at all; when it did, the remembered keys are checked against the table in one read, and those
 * that no longer match are forgotten. So a poll costs no database read however many bouncers
 * poll (a time-to-live of a second made every poll of a fleet polling every 10 s a read).
 */
@Injectable()
export class BouncersService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger('Bouncers');
  /** Bouncer rows by key hash. */
  private readonly cache: RefreshingCache<string, BouncerEntity[]>;
  private readonly hashes = new LRUCache<string, string>({ max: MAX_REMEMBERED_KEYS });

  /** Certificate bouncers' rows by name (`<CN>@<ip>`); null for a name not taken yet. */
  private readonly byName: RefreshingCache<string, BouncerEntity | null>;

  /** Type, version and last pull of the bouncers calling, written without making them wait. */
  private readonly activity: BouncerActivity;
  /** Entries whose load started before this are not trusted; see `checkTable`. */
  private trustedSince = 0;
  private tableVersion?: string;
  private watching?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(
    private readonly bouncers: BouncersRepository,
    private readonly bus: Bus,
  ) {
    const trusted = (loadStartedAt: number) => loadStartedAt >= this.trustedSince;
    this.cache = new RefreshingCache(trusted, (hash) => this.bouncers.findByKeyHash(hash), MAX_REMEMBERED_KEYS);
    this.byName = new RefreshingCache(trusted, (name) => this.bouncers.findByName(name), MAX_REMEMBERED_KEYS);
    this.activity = new BouncerActivity((clients) => this.bouncers.recordClients(clients), MAX_REMEMBERED_KEYS);
  }

  onModuleInit(): void {
    this.bus.onRevocation((r) => {
      if (r.kind === 'bouncer') this.cache.delete(r.id);
    });
  }

  onModuleDestroy(): void {
    clearInterval(this.watching);
  }

  /** The pulls of the last second, while the database is still open. */
  beforeApplicationShutdown(): Promise<void> {
    return this.activity.flush();
  }

  /** Started by the first key check: processes that never check keys (lapictl) never query. */
  private watchTable(): void {
    if (this.watching) return;
    this.watching = setInterval(() => void this.checkTable().catch((e: Error) => this.logger.debug(`bouncers table check failed: ${e.message}`)), TABLE_CHECK_MS);
    this.watching.unref();
  }

  /**
   * When the table changed since the last check, the entries loaded before this check are
   * compared with the table as read now: those that still match are trusted again, the others
   * are forgotten (reloaded on their next use). While the database is away nothing changes.
   */
  checkTable(): Promise<void> {
    // One check at a time: an older one finishing after a newer one would trust stale entries again.
    this.checking ??= this.compareWithTable().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async compareWithTable(): Promise<void> {
    const checkedAt = Date.now();
    const version = await this.bouncers.tableVersion();
    if (version === this.tableVersion) return;
    const rows = await this.bouncers.listKeyRows();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const hashes = new Set(rows.map((r) => r.apiKeyHash));
    const sameRow = (r: BouncerEntity) => byId.get(r.id)?.ipAddress === r.ipAddress && byId.get(r.id)?.name === r.name;
    this.cache.revalidate(checkedAt, (hash, cached) => (cached.length === 0 ? !hashes.has(hash) : cached.every((r) => sameRow(r) && byId.get(r.id)!.apiKeyHash === hash)));
    const names = new Map(rows.map((r) => [r.name, r.id]));
    this.byName.revalidate(checkedAt, (name, cached) => (cached === null ? !names.has(name) : names.get(name) === cached.id && sameRow(cached)));
    this.trustedSince = checkedAt;
    this.tableVersion = version;
  }

  /** Registers a bouncer and returns its key, which is shown once and stored only hashed. */
  async add(name: string, key = newApiKey()): Promise<string> {
    if (!(await this.bouncers.create(name, hashApiKey(key)))) throw conflict(`bouncer ${name} already exists`);
    return key;
  }

  list(): Promise<BouncerEntity[]> {
    return this.bouncers.list();
  }

  /** Bouncers that have not pulled since `before` (never-pulled ones by their creation), as cscli's prune finds them. */
  inactiveSince(before: Date): Promise<BouncerEntity[]> {
    return this.bouncers.inactiveSince(before);
  }

  /** Deletes these rows (and only these: a key's other hosts keep theirs); every node forgets their keys. */
  async deleteRows(rows: BouncerEntity[]): Promise<void> {
    const hashes = await this.bouncers.deleteByIds(rows.map((r) => r.id));
    for (const hash of hashes) {
      this.cache.delete(hash);
      await publishAfterCommit(this.logger, 'a pruned bouncer\'s revocation', () => this.bus.publishRevocation({ kind: 'bouncer', id: hash }));
    }
  }

  async delete(name: string): Promise<void> {
    const row = await this.bouncers.findByName(name);
    if (!row) throw notFound(`bouncer ${name} not found`);
    const [withKey] = await this.bouncers.findByKeyHashOf(name);
    await this.bouncers.deleteByName(name);
    if (!withKey) return;
    // This node refuses the key at once, published or not; the others hear of it on the bus, or
    // when their key cache refreshes.
    this.cache.delete(withKey);
    await publishAfterCommit(this.logger, `bouncer ${name}'s revocation`, () => this.bus.publishRevocation({ kind: 'bouncer', id: withKey }));
  }

  /**
   * The bouncer calling with this X-Api-Key header, or a 403 like upstream's for a missing or
   * unknown key. A key seen in the last second is answered at once, without a promise: bouncers'
   * live lookups come thousands a second, and each await is a trip through the microtask queue.
   * Its User-Agent (the client's type and version) and the time are recorded on the way.
   */
  identify(apiKey: string | string[] | undefined, ip: string, userAgent?: string | string[]): BouncerIdentity | Promise<BouncerIdentity> {
    const key = Array.isArray(apiKey) ? apiKey[0] : apiKey;
    if (!key) throw this.refuse(ip, 'no API key');
    this.watchTable();
    const hash = this.hashOf(key);
    const rows = this.cache.get(hash);
    return rows instanceof Promise ? rows.then((r) => this.identityOf(hash, r, ip, userAgent)) : this.identityOf(hash, rows, ip, userAgent);
  }

  /**
   * The bouncer (per host) that these rows of one key give. A key first used from a new host gets
   * its own `name@ip` row, and so its own stream cursor.
   */
  private identityOf(hash: string, rows: BouncerEntity[], ip: string, userAgent?: string | string[]): BouncerIdentity | Promise<BouncerIdentity> {
    if (rows.length === 0) throw this.refuse(ip, 'unknown API key');
    const row = rows.find((r) => r.ipAddress === ip);
    if (!row) return this.rowForNewHost(hash, rows, ip).then((created) => this.identityOfRow(created, userAgent));
    return this.identityOfRow(row, userAgent);
  }

  private identityOfRow(row: BouncerEntity, userAgent: string | string[] | undefined): BouncerIdentity {
    this.activity.seen(row, userAgent);
    return toIdentity(row);
  }

  /**
   * The bouncer a verified certificate names, created on first use with the certificate auth
   * type. A name already held by a key bouncer is refused, so a certificate cannot take it over.
   */
  identifyByCertificate(name: string, ip: string, userAgent?: string | string[]): BouncerIdentity | Promise<BouncerIdentity> {
    this.watchTable();
    const row = this.byName.get(name);
    return row instanceof Promise ? row.then((r) => this.certificateIdentityOf(name, r, ip, userAgent)) : this.certificateIdentityOf(name, row, ip, userAgent);
  }

  private certificateIdentityOf(name: string, row: BouncerEntity | null, ip: string, userAgent?: string | string[]): BouncerIdentity | Promise<BouncerIdentity> {
    if (!row) return this.createForCertificate(name, ip, userAgent);
    if (row.authType !== CERTIFICATE_AUTH) throw forbidden(`bouncer ${name} exists with ${row.authType} authentication`);
    return this.identityOfRow(row, userAgent);
  }

  private async createForCertificate(name: string, ip: string, userAgent?: string | string[]): Promise<BouncerIdentity> {
    await this.bouncers.createForCertificate(name, ip, CERTIFICATE_AUTH);
    this.byName.delete(name);
    const row = await this.bouncers.findByName(name);
    if (!row) throw notFound(`bouncer ${name} vanished`);
    return this.certificateIdentityOf(name, row, ip, userAgent);
  }

  /** An operator reading the logs sees who is knocking with a wrong key; the key itself is never logged. */
  private refuse(ip: string, why: string) {
    this.logger.warn(`refused a bouncer from ${ip}: ${why}`);
    return forbidden('access forbidden');
  }

  /**
   * SHA-512 costs more than the lookup it guards: remember it for the keys in use. A key is checked
   * for its form only when it is not remembered, so the keys in use pay nothing for the check.
   */
  private hashOf(key: string): string {
    let hash = this.hashes.get(key);
    if (hash === undefined) {
      if (!isWellFormedApiKey(key)) throw forbidden('access forbidden');
      hash = hashApiKey(key);
      this.hashes.set(key, hash);
    }
    return hash;
  }

  /**
   * Claims the key's unclaimed first row for this host, or else gives the host a row of its own;
   * then remembers the key's rows as the database now holds them, so the host's next calls are
   * answered from memory (a database away right after a bouncer's first call must not refuse it).
   */
  private async rowForNewHost(hash: string, rows: BouncerEntity[], ip: string): Promise<BouncerEntity> {
    const base = rows[0];
    if (!(base.ipAddress === '' && (await this.bouncers.claimForHost(base.id, ip)))) {
      // Rows remembered here may be older than another process's claim of the first row for this host.
      const current = await this.bouncers.findByKeyHash(hash);
      if (!current.some((r) => r.ipAddress === ip)) await this.bouncers.create(`${base.name.split('@')[0]}@${ip}`, hash, ip, true);
    }
    const row = (await this.cache.reload(hash)).find((r) => r.ipAddress === ip);
    if (!row) throw notFound(`bouncer ${base.name}'s row for ${ip} vanished`);
    return row;
  }
}
