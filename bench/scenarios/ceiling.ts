/**
 * Scenario 6: the ceiling. A Fastify hello-world on this machine, driven by the same tool with the
 * same settings as the live lookups. Run: npm run bench:ceiling
 */
import { ceilingLoad, LOOKUP_LOAD, startHelloWorld } from '../lib/ceiling';
import { environment, main, saveResult } from '../lib/results';
import { WrkResult } from '../lib/wrk';

export async function measureCeiling(): Promise<WrkResult> {
  const hello = await startHelloWorld();
  try {
    await ceilingLoad(hello.url, 2);
    return await ceilingLoad(hello.url, LOOKUP_LOAD.seconds);
  } finally {
    hello.stop();
  }
}

if (require.main === module) {
  main(async () => {
    const result = await measureCeiling();
    saveResult({ scenario: 'ceiling', title: 'Fastify hello-world ceiling', date: new Date().toISOString(), environment: environment(), settings: { ...LOOKUP_LOAD, fastify: require('fastify/package.json').version }, runs: { 'hello-world': result } });
  });
}
