import type { AllowlistItemRow, AllowlistRow } from '@lapi/db';

/** Go's zero time as strfmt.DateTime writes it: what upstream sends for an entry that never expires. */
export const GO_ZERO_TIME = '0001-01-01T00:00:00.000Z';

/** An allowlist as upstream's GET /v1/allowlists answers it (models.GetAllowlistResponse). */
export interface AllowlistView {
  allowlist_id?: string;
  console_managed?: boolean;
  created_at: string;
  description?: string;
  items: AllowlistItemView[];
  name: string;
  updated_at: string;
}

export interface AllowlistItemView {
  created_at: string;
  description?: string;
  expiration: string;
  value: string;
}

/** Go's omitempty drops empty strings and false; the items list is always there (`[]` when empty or not asked for). */
export function toAllowlistView(list: AllowlistRow, items: AllowlistItemRow[]): AllowlistView {
  return {
    ...(list.allowlistId ? { allowlist_id: list.allowlistId } : {}),
    ...(list.fromConsole ? { console_managed: true } : {}),
    created_at: list.createdAt.toISOString(),
    ...(list.description ? { description: list.description } : {}),
    items: items.map(toItemView),
    name: list.name,
    updated_at: list.updatedAt.toISOString(),
  };
}

function toItemView(i: AllowlistItemRow): AllowlistItemView {
  return {
    created_at: i.createdAt.toISOString(),
    ...(i.comment ? { description: i.comment } : {}),
    expiration: i.expiresAt ? i.expiresAt.toISOString() : GO_ZERO_TIME,
    value: i.value,
  };
}
