import { connect } from 'node:net';
import { join, resolve } from 'node:path';

/** The port in the name of the socket a running LAPI serves (`.s.PGSQL.<port>`, as `pg` names it). */
export const SHARED_PORT = 5432;

/** Where a running LAPI serves its embedded database in `dataDir`. */
export function sharedSocket(dataDir: string): { host: string; port: number; path: string } {
  const host = resolve(dataDir);
  return { host, port: SHARED_PORT, path: join(host, `.s.PGSQL.${SHARED_PORT}`) };
}

/** Whether something answers on a unix socket (a LAPI that crashed leaves the file behind). */
export function canConnect(path: string): Promise<boolean> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      done(true);
    });
    s.once('error', () => done(false));
  });
}
