/** A mistake the operator can fix (bad input, missing file, no database): printed as one line, exit 1. */
export class CliError extends Error {
  override name = 'CliError';
}

/** Postgres/socket failures as one line that says what to try; anything else keeps its own message. */
export function describeError(e: unknown): string {
  const err = e as NodeJS.ErrnoException & { address?: string; port?: number };
  switch (err?.code) {
    case 'ECONNREFUSED':
      return `cannot reach the database (${err.address ?? ''}${err.port ? `:${err.port}` : ''}): connection refused; is it running, and is DATABASE_URL right?`;
    case 'ENOTFOUND':
      return `cannot reach the database: host not found; check DATABASE_URL`;
    case '28P01':
    case '28000':
      return `the database refused the login; check the user and password in DATABASE_URL`;
    case '3D000':
      return `${err.message}; check the database name in DATABASE_URL`;
    case '42P01':
      return `the database has no lapi-cluster tables yet; start the LAPI once (npm start) so it creates them`;
    default:
      return err instanceof Error ? err.message : String(e);
  }
}
