import type { SchemaObject } from 'ajv';

/**
 * POST /v1/usage-metrics bodies (upstream's swagger AllMetrics, 1.6+): the types, and the JSON
 * schema that checks them at the edge. Required as the swagger marks them; optional fields may be
 * null, as Go clients send them. Maps (hub items, data sources, labels) use patternProperties:
 * the process's Ajv drops properties a schema does not name.
 */
export interface OsVersionDto {
  name: string;
  family?: string | null;
  version: string;
}

export interface MetricsItemDto {
  name: string;
  value: number;
  unit: string;
  labels?: Record<string, string> | null;
}

export interface DetailedMetricsDto {
  meta: { window_size_seconds: number; utc_now_timestamp: number };
  items: MetricsItemDto[];
}

export interface BaseMetricsDto {
  version: string;
  os?: OsVersionDto | null;
  metrics?: DetailedMetricsDto[] | null;
  feature_flags?: string[] | null;
  utc_startup_timestamp: number;
}

export interface HubItemDto {
  name?: string | null;
  version?: string | null;
  status?: string | null;
}

export interface RemediationComponentMetricsDto extends BaseMetricsDto {
  type?: string | null;
  name?: string | null;
  last_pull?: number | null;
}

export interface LogProcessorMetricsDto extends BaseMetricsDto {
  hub_items: Record<string, HubItemDto[] | null>;
  datasources: Record<string, number>;
  name?: string | null;
  last_push?: number | null;
  last_update?: number | null;
}

export interface AllMetricsDto {
  remediation_components?: RemediationComponentMetricsDto[] | null;
  log_processors?: LogProcessorMetricsDto[] | null;
  lapi?: unknown;
}

const short = { type: 'string', maxLength: 255 };
const optional = (schema: SchemaObject): SchemaObject => ({ anyOf: [schema, { type: 'null' }] });
const anyKey = (schema: SchemaObject): SchemaObject => ({ type: 'object', patternProperties: { '': schema } });

const OS_VERSION: SchemaObject = {
  type: 'object',
  required: ['name', 'version'],
  properties: { name: short, family: optional(short), version: short },
};

const DETAILED_METRICS: SchemaObject = {
  type: 'object',
  required: ['meta', 'items'],
  properties: {
    meta: {
      type: 'object',
      required: ['window_size_seconds', 'utc_now_timestamp'],
      properties: { window_size_seconds: { type: 'integer' }, utc_now_timestamp: { type: 'integer' } },
    },
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'value', 'unit'],
        properties: { name: short, value: { type: 'number' }, unit: short, labels: optional(anyKey(short)) },
      },
    },
  },
};

const BASE_METRICS = {
  version: short,
  os: optional(OS_VERSION),
  metrics: optional({ type: 'array', items: DETAILED_METRICS }),
  feature_flags: optional({ type: 'array', items: { type: 'string' } }),
  utc_startup_timestamp: { type: 'integer' },
};

const HUB_ITEM: SchemaObject = {
  type: 'object',
  properties: { name: optional({ type: 'string' }), version: optional({ type: 'string' }), status: optional({ type: 'string' }) },
};

export const USAGE_METRICS_SCHEMA: SchemaObject = {
  type: 'object',
  properties: {
    remediation_components: optional({
      type: 'array',
      items: {
        type: 'object',
        required: ['version', 'utc_startup_timestamp'],
        properties: { ...BASE_METRICS, type: optional({ type: 'string' }), name: optional({ type: 'string' }), last_pull: optional({ type: 'integer' }) },
      },
    }),
    log_processors: optional({
      type: 'array',
      items: {
        type: 'object',
        required: ['version', 'utc_startup_timestamp', 'hub_items', 'datasources'],
        properties: {
          ...BASE_METRICS,
          hub_items: anyKey(optional({ type: 'array', items: HUB_ITEM })),
          datasources: anyKey({ type: 'integer' }),
          name: optional({ type: 'string' }),
          last_push: optional({ type: 'integer' }),
          last_update: optional({ type: 'integer' }),
        },
      },
    }),
    lapi: {},
  },
};
