import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Login attempts per key (machine id and client address), in fixed windows. */
@Injectable()
export class LoginAttemptsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Counts one attempt, atomically: concurrent attempts on any replica each get their own
   * number. Returns it, and when the key's window ends.
   */
  async count(key: string, windowMs: number): Promise<{ attempts: number; windowEndsAt: number }> {
    const [row] = await this.dataSource.query(
      `INSERT INTO login_attempts AS l (key, window_start, attempts) VALUES ($1, now(), 1)
       ON CONFLICT (key) DO UPDATE SET
         window_start = CASE WHEN l.window_start <= now() - ($2::int * interval '1 millisecond') THEN now() ELSE l.window_start END,
         attempts = CASE WHEN l.window_start <= now() - ($2::int * interval '1 millisecond') THEN 1 ELSE l.attempts + 1 END
       RETURNING attempts, window_start + ($2::int * interval '1 millisecond') AS ends`,
      [key, windowMs],
    );
    return { attempts: Number(row.attempts), windowEndsAt: new Date(row.ends).getTime() };
  }

  /** A successful login starts the key afresh. */
  async clear(key: string): Promise<void> {
    await this.dataSource.query('DELETE FROM login_attempts WHERE key = $1', [key]);
  }

  /** Drops windows that ended; the table holds only keys tried recently. */
  async prune(windowMs: number): Promise<void> {
    await this.dataSource.query(`DELETE FROM login_attempts WHERE window_start <= now() - ($1::int * interval '1 millisecond')`, [windowMs]);
  }
}
