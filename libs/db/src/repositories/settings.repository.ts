import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

@Injectable()
export class SettingsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The stored value, or `make()` stored now; concurrent first calls agree on one value. */
  async getOrCreate(key: string, make: () => string): Promise<string> {
    await this.dataSource.query('INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, make()]);
    const [row] = await this.dataSource.query('SELECT value FROM settings WHERE key = $1', [key]);
    return row.value;
  }
}
