import { registry } from '@lapi/common';
import { Counter, Gauge } from 'prom-client';

/** lapi_capi_*: what the CAPI client does and why it waits. */
export const capiMetrics = {
  logins: new Counter({ name: 'lapi_capi_logins_total', help: 'CAPI login attempts by outcome (ok, refused, banned, error).', labelNames: ['outcome'], registers: [registry] }),
  loginWaits: new Counter({
    name: 'lapi_capi_login_waits_total', help: 'Logins not attempted: the shared budget was spent or a 403 lockout ran.', labelNames: ['reason'], registers: [registry],
  }),
  bannedUntil: new Gauge({ name: 'lapi_capi_banned_until_seconds', help: 'Unix time until which no login is tried after a CAPI 403 (0: none).', registers: [registry] }),
  leader: new Gauge({ name: 'lapi_capi_leader', help: '1 when this process is the cluster\'s CAPI client.', registers: [registry] }),
  calls: new Counter({ name: 'lapi_capi_calls_total', help: 'CAPI calls by job and outcome.', labelNames: ['job', 'outcome'], registers: [registry] }),
  blocklistActive: new Gauge({ name: 'lapi_capi_blocklist_decisions', help: 'Active decisions from CAPI and its blocklist links after the last pull.', registers: [registry] }),
  blocklistChanges: new Counter({ name: 'lapi_capi_blocklist_changes_total', help: 'Blocklist decisions added or ended by pulls.', labelNames: ['change'], registers: [registry] }),
  signalsPushed: new Counter({ name: 'lapi_capi_signals_pushed_total', help: 'Signals CAPI accepted.', registers: [registry] }),
  signalsQueued: new Gauge({ name: 'lapi_capi_signals_queued', help: 'Signals waiting in the outbox.', registers: [registry] }),
  deletionsPushed: new Counter({ name: 'lapi_capi_deletions_pushed_total', help: 'Manual deletions (decision uuids) CAPI accepted.', registers: [registry] }),
  deletionsQueued: new Gauge({ name: 'lapi_capi_deletions_queued', help: 'Manual deletions waiting in the outbox.', registers: [registry] }),
};
