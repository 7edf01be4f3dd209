import { Command } from 'commander';

/** The LAPI's own URL, from the same settings `npm start` reads. */
async function lapiUrl(): Promise<string> {
  const { loadConfig } = await import('@lapi/config/light');
  const c = loadConfig();
  const host = c.listenAddr.includes(':') ? `[${c.listenAddr}]` : c.listenAddr;
  return `http://${host}:${c.listenPort}/`;
}

/** `lapi status`: is the LAPI answering? (cscli logs in with its credentials; lapictl has none, so it asks /health.) */
export function lapiCommand(): Command {
  const cmd = new Command('lapi').description('the Local API this lapictl administers');
  cmd.command('status').description('check that the LAPI answers').option('-u, --url <url>', 'the LAPI URL (default: from LAPI_LISTEN_ADDR and LAPI_PORT)')
    .action(async (o: { url?: string }) => {
      const url = o.url ?? (await lapiUrl());
      const health = new URL('health', url.endsWith('/') ? url : `${url}/`);
      const res = await fetch(health, { signal: AbortSignal.timeout(5000) }).catch((e: Error) => {
        throw new Error(`the LAPI at ${url} does not answer (${(e.cause as Error | undefined)?.message ?? e.message}); is it running (npm start)?`);
      });
      if (!res.ok) throw new Error(`the LAPI at ${url} answered ${res.status} on /health`);
      console.log(`The LAPI at ${url} answers.`);
    });
  return cmd;
}
