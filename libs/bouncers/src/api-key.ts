import { createHash, randomBytes } from 'node:crypto';

/** Upstream stores bouncer keys as unsalted SHA-512 hex, so keys made by either side work on both. */
export function hashApiKey(key: string): string {
  return createHash('sha512').update(key).digest('hex');
}

/** A new key: 32 random bytes, base64url (upstream's keys are 32 random characters). */
export function newApiKey(): string {
  return randomBytes(32).toString('base64url');
}
