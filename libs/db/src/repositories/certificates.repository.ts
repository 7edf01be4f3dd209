import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { returnedRows } from './decisions.repository';

export interface IssuedCertificateRow {
  serial: string;
  name: string;
  role: string;
  notBefore: Date;
  notAfter: Date;
  issuedAt: Date;
  revokedAt: Date | null;
}

const toRow = (r: Record<string, unknown>): IssuedCertificateRow => ({
  serial: r.serial as string,
  name: r.name as string,
  role: r.role as string,
  notBefore: new Date(r.not_before as string),
  notAfter: new Date(r.not_after as string),
  issuedAt: new Date(r.issued_at as string),
  revokedAt: r.revoked_at ? new Date(r.revoked_at as string) : null,
});

/** Enrollment tokens and the certificates the cluster CA issued. */
@Injectable()
export class CertificatesRepository {
  constructor(private readonly dataSource: DataSource) {}

  async createToken(tokenHash: string, role: string, uses: number, expiresAt: Date): Promise<void> {
    await this.dataSource.query('INSERT INTO ca_enrollment_tokens (token_hash, role, uses_left, expires_at) VALUES ($1, $2, $3, $4)', [tokenHash, role, uses, expiresAt]);
  }

  /**
   * Takes one use of a token in one statement, so two enrollments racing for the last use cannot
   * both win. The role it was made for, or undefined when it is unknown, used up or expired.
   */
  async consumeToken(tokenHash: string): Promise<string | undefined> {
    const rows = await this.dataSource.query(
      `UPDATE ca_enrollment_tokens SET uses_left = uses_left - 1
       WHERE token_hash = $1 AND uses_left > 0 AND expires_at > now() RETURNING role`,
      [tokenHash],
    );
    return returnedRows<{ role: string }>(rows)[0]?.role;
  }

  async recordIssued(c: { serial: string; name: string; role: string; notBefore: Date; notAfter: Date }): Promise<void> {
    await this.dataSource.query('INSERT INTO ca_certificates (serial, name, role, not_before, not_after) VALUES ($1, $2, $3, $4, $5)', [
      c.serial,
      c.name,
      c.role,
      c.notBefore,
      c.notAfter,
    ]);
  }

  async list(): Promise<IssuedCertificateRow[]> {
    return (await this.dataSource.query('SELECT * FROM ca_certificates ORDER BY issued_at, serial')).map(toRow);
  }

  /** Revokes by serial, or every certificate issued to a name; the serials newly revoked. */
  async revoke(serialOrName: string): Promise<string[]> {
    const rows = await this.dataSource.query(
      `UPDATE ca_certificates SET revoked_at = now() WHERE (serial = upper($1) OR name = $1) AND revoked_at IS NULL RETURNING serial`,
      [serialOrName],
    );
    return returnedRows<{ serial: string }>(rows).map((r) => r.serial);
  }

  /** Every revoked certificate not yet expired (what a CRL must list, and what nodes refuse). */
  async listRevoked(): Promise<{ serial: string; revokedAt: Date }[]> {
    const rows = await this.dataSource.query('SELECT serial, revoked_at FROM ca_certificates WHERE revoked_at IS NOT NULL AND not_after > now() ORDER BY revoked_at');
    return rows.map((r: { serial: string; revoked_at: string }) => ({ serial: r.serial, revokedAt: new Date(r.revoked_at) }));
  }
}
