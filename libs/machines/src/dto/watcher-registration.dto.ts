import type { SchemaObject } from 'ajv';
import { bodySchema } from '@lapi/common';

const { text, optional, object } = bodySchema;

/** POST /v1/watchers (swagger WatcherRegistrationRequest). */
export interface WatcherRegistrationDto {
  machine_id: string;
  password: string;
  registration_token?: string | null;
}

export const WATCHER_REGISTRATION_SCHEMA: SchemaObject = object(
  {
    // Letters, digits and @ . _ : - only: names made from certificates are <CN>@<ip>.
    machine_id: { ...text(255, 1), pattern: '^[A-Za-z0-9@._:-]+$' },
    // bcrypt reads 72 bytes at most.
    password: text(72, 1),
    registration_token: optional(text(1024)),
  },
  ['machine_id', 'password'],
);
