import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cluster CA's records: enrollment tokens (SHA-256 only, never the token) and the
 * certificates it issued, with their revocations. The CA's private key is never stored here.
 */
export class CertificateAuthority1764800000000 implements MigrationInterface {
  name = 'CertificateAuthority1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE ca_enrollment_tokens (
      id serial PRIMARY KEY,
      token_hash text NOT NULL,
      role text NOT NULL,
      uses_left int NOT NULL,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query('CREATE UNIQUE INDEX ca_enrollment_tokens_hash_idx ON ca_enrollment_tokens (token_hash)');
    await q.query(`CREATE TABLE ca_certificates (
      serial text PRIMARY KEY,
      name text NOT NULL,
      role text NOT NULL,
      not_before timestamptz NOT NULL,
      not_after timestamptz NOT NULL,
      issued_at timestamptz NOT NULL DEFAULT now(),
      revoked_at timestamptz
    )`);
    await q.query('CREATE INDEX ca_certificates_name_idx ON ca_certificates (name)');
    await q.query('CREATE INDEX ca_certificates_revoked_idx ON ca_certificates (revoked_at) WHERE revoked_at IS NOT NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE ca_certificates');
    await q.query('DROP TABLE ca_enrollment_tokens');
  }
}
