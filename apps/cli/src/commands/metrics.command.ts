import { Command, InvalidArgumentError } from 'commander';
import { OutputFormat, printList, Read } from '../output';

async function metricsUrl(): Promise<string> {
  const { loadConfig } = await import('@lapi/config/light');
  const c = loadConfig();
  if (c.metricsPort === 0) throw new Error('the metrics listener is off (LAPI_METRICS_PORT=0); give --url');
  const host = c.listenAddr.includes(':') ? `[${c.listenAddr}]` : c.listenAddr;
  return `http://${host}:${c.metricsPort}/metrics`;
}

/** Prometheus samples worth an operator's glance: upstream's cs_* and ours (lapi_*), without histogram buckets. */
function samples(text: string): { name: string; value: string }[] {
  return text.split('\n')
    .filter((l) => /^(cs|lapi)_/.test(l) && !/_bucket\{/.test(l))
    .map((l) => {
      const at = l.lastIndexOf(' ');
      return { name: l.slice(0, at), value: l.slice(at + 1) };
    });
}

/** `metrics`: the LAPI's Prometheus metrics (cscli metrics reads the same listener). */
export function metricsCommand(format: () => OutputFormat, read: Read): Command {
  const cmd = new Command('metrics').description('show the LAPI\'s metrics (its Prometheus listener)').option('-u, --url <url>', 'the metrics URL (default: from LAPI_LISTEN_ADDR and LAPI_METRICS_PORT)')
    // cscli's --no-unit shows real numbers instead of ones formatted with units; lapictl prints the samples as served, so it is accepted and changes nothing.
    .option('--no-unit', 'show the real numbers (as cscli; lapictl always does)')
    .action(async (o: { url?: string }) => {
      const url = o.url ?? (await metricsUrl());
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((e: Error) => {
        throw new Error(`no metrics at ${url} (${(e.cause as Error | undefined)?.message ?? e.message}); is the LAPI running?`);
      });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      printList(format(), samples(await res.text()), { header: ['metric', 'value'], row: (s) => [s.name, s.value] });
    });
  // cscli 1.6's `metrics show bouncers`: what bouncers reported through POST /v1/usage-metrics, read from the database.
  cmd.command('show').argument('<section>', 'bouncers (what bouncers reported in their usage metrics)', (v: string) => {
    if (v !== 'bouncers') throw new InvalidArgumentError('lapictl shows the bouncers section (the others are the agents\' own, on their hosts).');
    return v;
  }).option('--no-unit', 'show the real numbers instead of 1.23k, 4.56M').description('show one section of the metrics, as cscli metrics show does')
    // --no-unit after the section is parsed by `metrics`, which takes it too: either says it.
    .action((_section: string, o: { unit: boolean }) => read(async (reader, f) => (await import('./metrics-bouncers.reads')).showBouncerMetrics(reader, f, o.unit && cmd.opts<{ unit: boolean }>().unit))());
  return cmd;
}
