/** Every wait for the database is bounded by this unless LAPI_DB_TIMEOUT says otherwise. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** The pg pool's and sessions' bounds; `statement_timeout` and friends are sent at connect. */
export function postgresBounds(timeoutMs: number) {
  return {
    connectionTimeoutMillis: timeoutMs,
    statement_timeout: timeoutMs,
    lock_timeout: timeoutMs,
    idle_in_transaction_session_timeout: timeoutMs,
    // A server that stopped answering (paused, cut off) never sends the statement timeout's error.
    query_timeout: timeoutMs + 1000,
  };
}

/**
 * The embedded database's bounds: its session server bounds the wait for the session itself and
 * answers 57014; the client only gives up on a server that never answers.
 */
export function embeddedBounds(timeoutMs: number) {
  return { connectionTimeoutMillis: timeoutMs, query_timeout: 2 * timeoutMs + 1000 };
}
