import { Injectable, Logger } from '@nestjs/common';
import { CERTIFICATE_AUTH_TYPE, JwtService, LoginThrottle, MachineSessions } from '@lapi/auth';
import { Bus, publishAfterCommit } from '@lapi/bus';
import { DomainError, ErrorCode, forbidden, notFound, parseIp, spanContains, parseCidr, unauthorized } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { MachineEntity, MachinesRepository } from '@lapi/db';
import * as bcrypt from 'bcryptjs';
import { timingSafeEqual } from 'node:crypto';

/** bcrypt cost, as upstream's DefaultCost. */
const BCRYPT_COST = 10;
/** Compared against when the machine is unknown or has no password: the same work as a real check, and never a match. */
const NO_PASSWORD_HASH = '$2b$10$mZwYDc82yxaWQMquOcp0qOVxJ9kDfL7v2T.OnomXcQ/Zkwz.BR6dm';

export type Registration = 'created' | 'validated';

/** The agent's version its User-Agent gives (`crowdsec/v1.6.3-...`), as upstream's login reads it; none from another header. */
export function machineVersionOf(userAgent: string | undefined): string | undefined {
  const parts = (userAgent ?? '').split('/');
  return parts.length === 2 && parts[1] ? parts[1] : undefined;
}

@Injectable()
export class MachinesService {
  private readonly logger = new Logger('Machines');

  constructor(
    private readonly machines: MachinesRepository,
    private readonly jwt: JwtService,
    private readonly throttle: LoginThrottle,
    private readonly sessions: MachineSessions,
    private readonly bus: Bus,
    private readonly config: AppConfig,
  ) {}

  /** A watcher registering itself: pending validation, or validated at once with a good auto-registration token. */
  async register(machineId: string, password: string, ip: string, token?: string): Promise<Registration> {
    const autoValidate = token !== undefined && this.checkAutoRegistration(token, ip);
    const created = await this.machines.create({ machineId, passwordHash: await bcrypt.hash(password, BCRYPT_COST), ipAddress: ip, isValidated: autoValidate });
    if (!created) throw forbidden(`user '${machineId}': user already exist`);
    return autoValidate ? 'validated' : 'created';
  }

  private checkAutoRegistration(token: string, ip: string): boolean {
    const expected = this.config.autoRegistrationToken;
    if (!expected) throw forbidden('auto registration is not enabled');
    const a = Buffer.from(token);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !timingSafeEqual(a, b)) throw forbidden('invalid registration token');
    const addr = parseIp(ip);
    const allowed = addr && this.config.autoRegistrationRanges.some((r) => spanContains(parseCidr(r)!, addr));
    if (!allowed) throw forbidden(`IP ${ip} is not in the auto registration allowed ranges`);
    return true;
  }

  /**
   * Checks credentials and hands out a token; every failure is a 401, too many attempts for one
   * machine from one address a 429. An unknown machine costs the same bcrypt as a known one, so
   * timing does not tell which ids exist.
   */
  async login(machineId: string, password: string, ip: string, scenarios?: string[], userAgent?: string) {
    const wait = await this.throttle.attempt(machineId, ip);
    if (wait > 0) throw new DomainError(ErrorCode.TooManyRequests, `too many failed logins for ${machineId} from ${ip}, retry in ${Math.ceil(wait / 1000)}s`);
    const machine = await this.machines.findWithPassword(machineId);
    const ok = await bcrypt.compare(password, machine?.passwordHash ?? NO_PASSWORD_HASH);
    if (!machine?.passwordHash || !ok) {
      this.logger.warn(`failed login for machine '${machineId}' from ${ip}: ${machine ? 'wrong password' : 'unknown machine'}`);
      throw unauthorized('incorrect Username or Password');
    }
    if (!machine.isValidated) {
      this.logger.warn(`refused login for machine '${machineId}' from ${ip}: not validated yet (lapictl machines validate ${machineId})`);
      throw unauthorized(`machine ${machineId} not validated`);
    }
    await this.throttle.recordSuccess(machineId, ip);
    await this.machines.recordLogin(machine.id, ip, scenarios?.join(','), machineVersionOf(userAgent));
    return this.jwt.issue(machineId);
  }

  /**
   * An agent whose verified certificate names it `<CN>@<ip>`: created on first use, validated,
   * with the certificate auth type. A name made with a password is refused, and a certificate
   * machine has no password to log in with, so neither can take the other over.
   */
  async loginWithCertificate(machineId: string, ip: string, scenarios?: string[], userAgent?: string) {
    let machine = await this.machines.findByMachineId(machineId);
    if (!machine) {
      await this.machines.createForCertificate(machineId, ip, CERTIFICATE_AUTH_TYPE);
      machine = await this.machines.findByMachineId(machineId);
    }
    if (!machine || machine.authType !== CERTIFICATE_AUTH_TYPE) throw unauthorized(`machine ${machineId} exists with ${machine?.authType ?? 'another'} authentication`);
    if (!machine.isValidated) throw unauthorized(`machine ${machineId} not validated`);
    await this.machines.recordLogin(machine.id, ip, scenarios?.join(','), machineVersionOf(userAgent));
    return this.jwt.issue(machineId);
  }

  async heartbeat(id: number): Promise<void> {
    await this.machines.recordHeartbeat(id);
  }

  /** Adds a machine directly (lapictl): validated unless asked otherwise; `force` replaces its password. */
  async add(machineId: string, password: string, opts: { validated?: boolean; force?: boolean } = {}): Promise<void> {
    const hash = await bcrypt.hash(password, BCRYPT_COST);
    const created = await this.machines.create({ machineId, passwordHash: hash, ipAddress: '', isValidated: opts.validated ?? true }, opts.force);
    if (!created) throw forbidden(`machine ${machineId} already exists (use --force to replace its password)`);
  }

  list(): Promise<MachineEntity[]> {
    return this.machines.list();
  }

  /** Machines cscli's prune would remove: pending ones, and unless `pendingOnly` those silent since `before`. */
  prunable(before: Date, pendingOnly: boolean): Promise<MachineEntity[]> {
    return this.machines.prunable(before, pendingOnly);
  }

  /** Deletes these machines; every node forgets their sessions. Returns how many went. */
  async deleteMany(rows: MachineEntity[]): Promise<number> {
    const deleted = await this.machines.deleteByIds(rows.map((r) => r.id));
    for (const id of deleted) {
      this.sessions.forget(id);
      await publishAfterCommit(this.logger, `machine ${id}'s revocation`, () => this.bus.publishRevocation({ kind: 'machine', id }));
    }
    return deleted.length;
  }

  async validate(machineId: string): Promise<void> {
    if (!(await this.machines.validate(machineId))) throw notFound(`machine ${machineId} not found`);
    this.sessions.forget(machineId);
  }

  /** Committed once the row is gone: the other nodes hear of it on the bus, or at their next lookup. */
  async delete(machineId: string): Promise<void> {
    if (!(await this.machines.delete(machineId))) throw notFound(`machine ${machineId} not found`);
    this.sessions.forget(machineId);
    await publishAfterCommit(this.logger, `machine ${machineId}'s revocation`, () => this.bus.publishRevocation({ kind: 'machine', id: machineId }));
  }
}
