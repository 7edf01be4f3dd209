import { Injectable, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '@lapi/config';
import { SettingsRepository } from '@lapi/db';
import * as jwt from 'jsonwebtoken';
import { createSecretKey, KeyObject, randomBytes } from 'node:crypto';

export interface IssuedToken {
  token: string;
  expire: Date;
}

/**
 * HS256 tokens with upstream's `id` claim. The secret is the configured one or, failing that,
 * one generated once and kept in the database, so every node of a cluster accepts every token.
 */
@Injectable()
export class JwtService implements OnModuleInit {
  /**
   * A KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a public
   * key on every verify, and that failed parse was a fifth of an agent push's CPU.
   */
  private secret: KeyObject;

  constructor(
    private readonly config: AppConfig,
    private readonly settings: SettingsRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    const secret = this.config.jwtSecret ?? (await this.settings.getOrCreate('jwt_secret', () => randomBytes(48).toString('base64url')));
    this.secret = createSecretKey(Buffer.from(secret, 'utf8'));
  }

  issue(machineId: string): IssuedToken {
    const ttl = this.config.jwtTtlSeconds;
    const now = Math.floor(Date.now() / 1000);
    const token = jwt.sign({ id: machineId, orig_iat: now }, this.secret, { algorithm: 'HS256', expiresIn: ttl });
    return { token, expire: new Date((now + ttl) * 1000) };
  }

  /** The machine_id in a valid token, or undefined for a bad, forged or expired one. */
  verify(token: string): string | undefined {
    try {
      const claims = jwt.verify(token, this.secret, { algorithms: ['HS256'] });
      const id = typeof claims === 'object' ? claims.id : undefined;
      return typeof id === 'string' && id !== '' ? id : undefined;
    } catch {
      return undefined;
    }
  }
}
