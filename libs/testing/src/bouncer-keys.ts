import { createHash, randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** Registers a bouncer straight in the database (as `cscli bouncers add` does) and returns its key. */
export async function insertBouncer(databaseUrl: string, name: string): Promise<string> {
  const key = randomBytes(24).toString('base64url');
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    await c.query('INSERT INTO bouncers (name, api_key_hash) VALUES ($1, $2)', [name, createHash('sha512').update(key).digest('hex')]);
  } finally {
    await c.end();
  }
  return key;
}

/** Runs one query against a test database. */
export async function sql<T = Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}
