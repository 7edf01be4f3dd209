import { createHash, randomBytes } from 'node:crypto';

/** Upstream stores bouncer keys as unsalted SHA-512 hex, so keys made by either side work on both. */
export function hashApiKey(key: string): string {
  return createHash('sha512').update(key).digest('hex');
}

/** A new key: 32 random bytes, base64url (upstream's keys are 32 random characters). */
export function newApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Keys made by lapictl (base64url) or upstream (letters, digits, base64) and keys of a user's
 * choice (`cscli bouncers add --key`) are printable ASCII without spaces, far shorter than 256
 * characters. Anything else is refused before it costs a hash or a cache entry.
 */
const WELL_FORMED_KEY = /^[\x21-\x7e]{1,256}$/;

export function isWellFormedApiKey(key: string): boolean {
  return WELL_FORMED_KEY.test(key);
}
