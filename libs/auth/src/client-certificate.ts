import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Bus } from '@lapi/bus';
import { CertificateRole, DomainError, forbidden, parseCidr, readCrlSerials, parseIp, spanContains, unauthorized, watchFiles } from '@lapi/common';
import { AppConfig } from '@lapi/config';
import { CertificatesRepository } from '@lapi/db';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PeerCertificate, TLSSocket } from 'node:tls';

/** The auth type recorded on machines and bouncers created from a certificate, as upstream's. */
export const CERTIFICATE_AUTH_TYPE = 'tls';

/** A verified client certificate, and the role its OU gives it. */
export interface ClientCertificate {
  cn: string;
  ous: string[];
  /** Upper-case hex, as OpenSSL and Node print it. */
  serial: string;
  role: CertificateRole;
}

/** What is needed of a Fastify request (Nest's guard and the bouncer routes both have one). */
export interface CertificateRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: unknown;
}

interface Presented {
  cn: string;
  ous: string[];
  serial: string;
  validFrom: Date;
  validTo: Date;
}

/** OpenSSL's verification codes, in the words upstream's clients log. */
const REASONS: Record<string, string> = {
  CERT_HAS_EXPIRED: 'client certificate is expired',
  CERT_NOT_YET_VALID: 'client certificate is not yet valid',
  CERT_REVOKED: 'client certificate is revoked',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'client certificate signed by unknown authority',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'client certificate signed by unknown authority',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'client certificate signed by unknown authority',
  SELF_SIGNED_CERT_IN_CHAIN: 'client certificate signed by unknown authority',
  CERT_SIGNATURE_FAILURE: 'client certificate signed by unknown authority',
};

const REVOCATION_POLL_MS = 1000;
const MAX_REMEMBERED_HEADERS = 10_000;

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/**
 * Who a client certificate says the caller is, as upstream's TLS auth decides it: a certificate
 * chained to the client CA, valid now, not revoked, whose OU is in the agents' or the bouncers'
 * list. It comes from the TLS socket (TLS on the service itself) or, only from a trusted proxy,
 * from the edge's header (TLS at the edge, which verified it against the same CA).
 */
@Injectable()
export class ClientCertificates implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ClientCertificates');
  private caCerts: X509Certificate[] = [];
  private readonly stopWatching: () => void;
  /** Serials the cluster CA revoked (`lapictl ca revoke`): announced on the bus, and read from the database every second. */
  private revoked = new Set<string>();
  /** LAPI_TLS_CRL_FILE's serials: OpenSSL checks it on connections, this on the edge's header. */
  private crlSerials = new Set<string>();
  private pollTimer?: NodeJS.Timeout;
  /** When `revoked` was last read from the database (0: not yet). */
  private revokedLoadedAt = 0;
  /** Edge headers already verified against the CA (cleared when the CA file changes). */
  private readonly headerVerdicts = new Map<string, Presented | string>();
  private readonly trusted: NonNullable<ReturnType<typeof parseCidr>>[];

  constructor(
    private readonly config: AppConfig,
    private readonly bus: Bus,
    private readonly issued: CertificatesRepository,
  ) {
    this.trusted = config.trustedProxies.map((c) => parseCidr(c)!);
    this.loadCa();
    this.stopWatching = watchFiles([config.tls.clientCaFile, config.tls.crlFile], () => this.loadCa());
  }

  async onModuleInit(): Promise<void> {
    this.bus.onRevocation((r) => {
      if (r.kind === 'certificate') this.revoke(r.id);
    });
    // lapictl (no background jobs) authenticates nobody, and without a client CA no certificate
    // is ever believed: neither needs the revocation list.
    if (!this.config.backgroundJobs || !this.config.tls.clientCaFile) return;
    await this.loadRevoked();
    // The bus is fast but may lose a message; this bounds a missed revocation to a second.
    this.pollTimer = setInterval(() => void this.loadRevoked().catch((e: Error) => this.logger.warn(`revocations not reloaded: ${e.message}`)), REVOCATION_POLL_MS);
    this.pollTimer.unref();
  }

  onModuleDestroy(): void {
    this.stopWatching();
    clearInterval(this.pollTimer);
  }

  private async loadRevoked(): Promise<void> {
    const rows = await this.issued.listRevoked();
    this.revoked = new Set(rows.map((r) => r.serial.toUpperCase()));
    this.revokedLoadedAt = Date.now();
  }

  /**
   * A node cut off from the database and the bus cannot know what was revoked meanwhile, and the
   * moment the database answers again it may serve requests before its next read. Past twice
   * LAPI_DB_TIMEOUT without a fresh read (a second's poll, each read bounded by that timeout),
   * every certificate is refused until one succeeds.
   */
  private revocationsStale(): boolean {
    return this.pollTimer !== undefined && Date.now() - this.revokedLoadedAt > 2 * this.config.dbTimeoutMs;
  }

  /** From now on this serial is refused (a revocation seen on the bus, before any CRL file says so). */
  revoke(serial: string): void {
    this.revoked.add(serial.toUpperCase());
  }

  /**
   * The certificate this request authenticates with, checked for `role`; undefined when it
   * presents none. A certificate that fails any check is refused (401 on machine routes, 403 on
   * bouncer routes, as upstream) and never falls back to another credential.
   */
  identify(req: CertificateRequest, role: CertificateRole): ClientCertificate | undefined {
    const refuse = role === 'agent' ? unauthorized : forbidden;
    const presented = this.fromSocket(req.socket as TLSSocket | undefined, refuse) ?? this.fromEdgeHeader(req, refuse);
    return presented && this.check(presented, role, refuse);
  }

  /** The certificate of an agent or a bouncer, whichever it is (renewal keeps the role it has). */
  identifyAny(req: CertificateRequest): ClientCertificate | undefined {
    const presented = this.fromSocket(req.socket as TLSSocket | undefined, unauthorized) ?? this.fromEdgeHeader(req, unauthorized);
    return presented && this.check(presented, undefined, unauthorized);
  }

  private fromSocket(socket: TLSSocket | undefined, refuse: (m: string) => DomainError): Presented | undefined {
    if (!socket?.encrypted) return undefined;
    const peer = socket.getPeerCertificate();
    if (!peer || Object.keys(peer).length === 0) return undefined;
    if (!socket.authorized) {
      const code = String(socket.authorizationError ?? 'unverified');
      throw refuse(REASONS[code] ?? `client certificate refused: ${code}`);
    }
    return fromPeer(peer);
  }

  private fromEdgeHeader(req: CertificateRequest, refuse: (m: string) => DomainError): Presented | undefined {
    const raw = req.headers[this.config.tls.clientCertHeader];
    const value = Array.isArray(raw) ? raw[0] : raw;
    // A header from anyone but the edge is ignored, as a forwarded address is: it proves nothing.
    if (!value || !this.fromTrustedProxy(req.socket as { remoteAddress?: string } | undefined)) return undefined;
    // Parsing and a signature check per request would cost more than a bouncer's lookup: remember verdicts.
    let verdict = this.headerVerdicts.get(value);
    if (!verdict) {
      verdict = this.verifyHeader(value);
      if (this.headerVerdicts.size >= MAX_REMEMBERED_HEADERS) this.headerVerdicts.clear();
      this.headerVerdicts.set(value, verdict);
    }
    if (typeof verdict === 'string') throw refuse(verdict);
    return verdict;
  }

  /** The certificate in the header, or why it is refused. */
  private verifyHeader(value: string): Presented | string {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(decodeURIComponent(value));
    } catch {
      return 'client certificate header is not a PEM certificate';
    }
    if (!this.caCerts.some((ca) => cert.checkIssued(ca) && cert.verify(ca.publicKey))) return 'client certificate signed by unknown authority';
    return fromX509(cert);
  }

  private fromTrustedProxy(socket: { remoteAddress?: string } | undefined): boolean {
    const addr = socket?.remoteAddress && parseIp(socket.remoteAddress);
    return !!addr && this.trusted.some((range) => spanContains(range, addr));
  }

  /** Upstream's order: OU, then validity dates, then revocation. */
  private check(p: Presented, role: CertificateRole | undefined, refuse: (m: string) => DomainError): ClientCertificate {
    const tls = this.config.tls;
    const actual = p.ous.some((ou) => tls.agentsAllowedOu.includes(ou)) ? 'agent' : p.ous.some((ou) => tls.bouncersAllowedOu.includes(ou)) ? 'bouncer' : undefined;
    if (!actual) throw refuse(`client certificate OU (${p.ous.join(', ')}) is not allowed`);
    if (role && actual !== role) throw refuse(`a ${actual} certificate cannot be used as a ${role}`);
    const now = Date.now();
    if (p.validTo.getTime() < now) throw refuse(REASONS.CERT_HAS_EXPIRED);
    if (p.validFrom.getTime() > now) throw refuse(REASONS.CERT_NOT_YET_VALID);
    if (this.revoked.has(p.serial) || this.crlSerials.has(p.serial)) throw refuse(REASONS.CERT_REVOKED);
    if (this.revocationsStale()) throw refuse('client certificates refused: this node could not read the revocations for too long');
    if (!p.cn) throw refuse('client certificate has no common name');
    return { cn: p.cn, ous: p.ous, serial: p.serial, role: actual };
  }

  private loadCa(): void {
    const file = this.config.tls.clientCaFile;
    if (!file) return;
    try {
      const pem = readFileSync(file, 'utf8');
      this.headerVerdicts?.clear();
      if (this.config.tls.crlFile) this.crlSerials = readCrlSerials(readFileSync(this.config.tls.crlFile, 'utf8'));
      this.caCerts = (pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []).map((c) => new X509Certificate(c));
    } catch (e) {
      this.logger.warn(`client CA or CRL file not reloaded: ${(e as Error).message}`);
    }
  }
}

function fromPeer(peer: PeerCertificate): Presented {
  return {
    cn: asList(peer.subject?.CN)[0] ?? '',
    ous: asList(peer.subject?.OU),
    serial: peer.serialNumber.toUpperCase(),
    validFrom: new Date(peer.valid_from),
    validTo: new Date(peer.valid_to),
  };
}

/** The subject as Node prints it, one `KEY=value` a line. */
function fromX509(cert: X509Certificate): Presented {
  const fields = cert.subject.split('\n').map((line) => {
    const eq = line.indexOf('=');
    return [line.slice(0, eq), line.slice(eq + 1)] as const;
  });
  return {
    cn: fields.find(([k]) => k === 'CN')?.[1] ?? '',
    ous: fields.filter(([k]) => k === 'OU').map(([, v]) => v),
    serial: cert.serialNumber.toUpperCase(),
    validFrom: new Date(cert.validFrom),
    validTo: new Date(cert.validTo),
  };
}
