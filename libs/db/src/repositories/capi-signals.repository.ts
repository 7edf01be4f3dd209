import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface QueuedSignal {
  id: string;
  payload: Record<string, unknown>;
}

/**
 * The signal outbox. New alerts are copied into it past a cursor, in the same transaction that
 * moves the cursor, and leave it only once CAPI has accepted them: a restart or a leader change
 * in between sends them again rather than losing them.
 */
@Injectable()
export class CapiSignalsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Queues alerts created since the cursor as signals in CAPI's shape, with their decisions (whose
   * uuids a later deletion names). Left out, as upstream does: simulated alerts, and alerts of
   * manual decisions (origin cscli, trust `manual`) unless `shareManual`.
   */
  enqueueNewAlerts(limit: number, shareManual = false): Promise<number> {
    return this.dataSource.transaction(async (em) => {
      const [s] = await em.query('SELECT signal_cursor FROM capi_state WHERE id = 1 FOR UPDATE');
      const [top] = await em.query('SELECT max(id) AS id FROM (SELECT id FROM alerts WHERE id > $1 ORDER BY id LIMIT $2) a', [s.signal_cursor, limit]);
      if (top.id === null) return 0;
      const rows = await em.query(
        `INSERT INTO capi_signals (alert_id, payload)
         SELECT a.id, jsonb_build_object(
           'uuid', a.uuid, 'alert_id', a.id, 'machine_id', a.machine_id, 'message', a.message, 'scenario', a.scenario,
           'scenario_hash', a.scenario_hash, 'scenario_version', a.scenario_version,
           'scenario_trust', CASE WHEN m.manual THEN 'manual' WHEN a.scenario_hash = '' THEN 'custom' ELSE 'certified' END,
           'decisions', coalesce((SELECT jsonb_agg(jsonb_build_object(
             'id', d.id, 'uuid', d.uuid, 'origin', d.origin, 'scenario', d.scenario, 'scope', d.scope, 'value', d.value, 'type', d.type,
             'simulated', d.simulated, 'until', to_char(d.until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
             'duration', greatest(0, floor(extract(epoch FROM d.until - d.created_at)))::bigint::text || 's') ORDER BY d.id)
             FROM decisions d WHERE d.alert_id = a.id), '[]'::jsonb),
           'created_at', to_char(a.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
           'start_at', coalesce(to_char(a.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
           'stop_at', coalesce(to_char(a.stopped_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), ''),
           'source', jsonb_build_object('scope', a.source_scope, 'value', a.source_value, 'ip', a.source_ip, 'range', a.source_range,
             'as_number', a.source_as_number, 'as_name', a.source_as_name, 'cn', a.source_country,
             'latitude', a.source_latitude, 'longitude', a.source_longitude))
         FROM alerts a
         CROSS JOIN LATERAL (SELECT EXISTS (SELECT 1 FROM decisions d WHERE d.alert_id = a.id AND d.origin = 'cscli') AS manual) m
         WHERE a.id > $1 AND a.id <= $2 AND NOT a.simulated AND ($3 OR NOT m.manual)
         ON CONFLICT (alert_id) DO NOTHING RETURNING id`,
        [s.signal_cursor, top.id, shareManual],
      );
      await em.query('UPDATE capi_state SET signal_cursor = $1 WHERE id = 1', [top.id]);
      return rows.length;
    });
  }

  async oldest(limit: number): Promise<QueuedSignal[]> {
    const rows = await this.dataSource.query('SELECT id, payload FROM capi_signals ORDER BY id LIMIT $1', [limit]);
    return rows.map((r: any) => ({ id: String(r.id), payload: r.payload }));
  }

  /** CAPI accepted these: they leave the outbox, and the site now counts as sharing. */
  async accepted(ids: string[]): Promise<void> {
    await this.dataSource.transaction(async (em) => {
      await em.query('DELETE FROM capi_signals WHERE id = ANY($1::bigint[])', [ids]);
      await em.query('UPDATE capi_state SET signals_accepted_at = now() WHERE id = 1');
    });
  }

  async count(): Promise<number> {
    const [r] = await this.dataSource.query('SELECT count(*)::int AS n FROM capi_signals');
    return r.n;
  }
}
