import type { SchemaObject } from 'ajv';
import { bodySchema } from '@lapi/common';

const { text, optional, object, list } = bodySchema;
/** An agent lists its scenarios: a few hundred names at most. */
const scenarios = optional(list(text(4096), 10_000));

/** POST /v1/watchers/login (swagger WatcherAuthRequest). */
export interface WatcherAuthDto {
  machine_id: string;
  password: string;
  scenarios?: string[] | null;
}

export const WATCHER_AUTH_SCHEMA: SchemaObject = object({ machine_id: text(255, 1), password: text(1024, 1), scenarios }, ['machine_id', 'password']);

/** The same request from an agent authenticated by its certificate: credentials, if any, are ignored. */
export interface WatcherCertificateAuthDto {
  scenarios?: string[] | null;
}

export const WATCHER_CERTIFICATE_AUTH_SCHEMA: SchemaObject = object({ scenarios }, []);
