/**
 * The multi-host test bed by hand: `npm run bed` builds it (Postgres, NATS, the edge, ingest,
 * registration and two decisions replicas, each in its own network namespace), prints the
 * addresses and waits; Ctrl-C (or SIGTERM) tears it all down. `npm run bed -- clean` removes
 * what a crashed run left (namespaces, bridge, processes, files). Needs root.
 */
import { ClusterBed, cleanStaleBeds, netnsUnavailable } from '@lapi/testing';

async function main(): Promise<void> {
  const why = netnsUnavailable();
  if (why) throw new Error(`the bed cannot run here: ${why}`);
  if (process.argv[2] === 'clean') {
    const cleaned = cleanStaleBeds();
    console.log(cleaned.length ? `removed ${cleaned.join(', ')}` : 'nothing to clean');
    return;
  }
  const bed = await ClusterBed.start();
  const down = () => {
    bed.net.destroy();
    console.log('torn down');
    process.exit(0);
  };
  process.once('SIGINT', down);
  process.once('SIGTERM', down);
  console.log(`edge       ${bed.edgeUrl}`);
  for (const s of bed.services.values()) console.log(`${s.kind.padEnd(10)} ${s.url}  (ip netns exec ${s.host.ns} …)`);
  console.log(`postgres   ${bed.pgUrl}\nnats       ${bed.natsUrl}\nCtrl-C tears it down.`);
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exit(1);
});
