import { createHash, randomBytes } from 'node:crypto';

/** Tokens are stored as their SHA-256 only: a database dump enrolls nobody. */
export const hashEnrollmentToken = (token: string) => createHash('sha256').update(token).digest('hex');

export const newEnrollmentToken = () => randomBytes(24).toString('base64url');

/** A name the CA puts in a certificate's CN: a host name, nothing a path or a DN could be confused by. */
export const CERTIFICATE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
