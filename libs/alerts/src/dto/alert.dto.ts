import type { SchemaObject } from 'ajv';
import { bodySchema } from '@lapi/common';

/**
 * POST /v1/alerts bodies (swagger Alert, Decision, Event, Source, MetaItem): the types, and the
 * JSON schema that checks them at the edge. Fields the swagger marks required are required here;
 * optional ones may also be null, as the Go clients send them.
 */
export interface MetaItemDto {
  key: string;
  value: string;
}

export interface EventDto {
  timestamp: string;
  meta: MetaItemDto[];
}

export interface SourceDto {
  scope: string;
  value: string;
  ip?: string | null;
  range?: string | null;
  as_number?: string | null;
  as_name?: string | null;
  cn?: string | null;
  latitude?: number | null;
  longitude?: number | null;
}

export interface DecisionDto {
  origin: string;
  type: string;
  scope: string;
  value: string;
  duration: string;
  until?: string | null;
  scenario: string;
  simulated?: boolean | null;
  uuid?: string | null;
}

export interface AlertDto {
  scenario: string;
  scenario_hash: string;
  scenario_version: string;
  message: string;
  events_count: number;
  start_at: string;
  stop_at: string;
  capacity: number;
  leakspeed: string;
  simulated: boolean;
  remediation?: boolean | null;
  events?: EventDto[] | null;
  decisions?: DecisionDto[] | null;
  source: SourceDto;
  meta?: MetaItemDto[] | null;
  labels?: string[] | null;
  uuid?: string | null;
  /** Read-only: a pushed alert may not choose its id. */
  id?: null | '';
}

const TEXT = 4096;
/** events_count and capacity are int32 in upstream's swagger and in our columns: a larger one is a 400, not a database error. */
const INT32_MAX = 2_147_483_647;
/**
 * cscli decisions import sends a whole file as one alert (1.4.6 does not batch by default), so
 * this is generous; above it one push would hold the sequence lock and memory for too long.
 */
export const MAX_DECISIONS_PER_ALERT = 100_000;
const { text, optional, object, list } = bodySchema;

const metaItem = object({ key: text(TEXT), value: text(65536) }, ['key', 'value']);

const event = object({ timestamp: text(64), meta: list(metaItem, 1000) }, ['timestamp', 'meta']);

const source = object(
  {
    scope: text(TEXT, 1), value: text(TEXT),
    ip: optional(text(64)), range: optional(text(64)), as_number: optional(text(64)), as_name: optional(text(TEXT)), cn: optional(text(64)),
    latitude: { type: ['number', 'null'] }, longitude: { type: ['number', 'null'] },
  },
  ['scope', 'value'],
);

const decision = object(
  {
    origin: text(TEXT, 1), type: text(255, 1), scope: text(255, 1), value: text(TEXT, 1), duration: text(64, 1),
    until: optional(text(64)), scenario: text(TEXT), simulated: { type: ['boolean', 'null'] }, uuid: optional(text(64)),
  },
  ['origin', 'type', 'scope', 'value', 'duration', 'scenario'],
);

const alert = object(
  {
    scenario: text(TEXT), scenario_hash: text(TEXT), scenario_version: text(TEXT), message: text(65536),
    events_count: { type: 'integer', minimum: 0, maximum: INT32_MAX }, start_at: text(64), stop_at: text(64),
    capacity: { type: 'integer', minimum: 0, maximum: INT32_MAX }, leakspeed: text(64), simulated: { type: 'boolean' },
    remediation: { type: ['boolean', 'null'] },
    events: optional(list(event, 10_000)),
    decisions: optional(list(decision, MAX_DECISIONS_PER_ALERT)),
    source,
    meta: optional(list(metaItem, 1000)),
    labels: optional(list(text(TEXT), 1000)),
    uuid: optional(text(64)),
    id: { type: ['string', 'null'], maxLength: 0 },
  },
  ['scenario', 'scenario_hash', 'scenario_version', 'message', 'events_count', 'start_at', 'stop_at', 'capacity', 'leakspeed', 'simulated', 'source'],
);

export const ALERTS_BODY_SCHEMA: SchemaObject = list(alert, 1_000_000);
