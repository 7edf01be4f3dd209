import { Counter, Histogram, Registry } from 'prom-client';
import { TallyCounter, TallyHistogram } from './request-tally';

const BOUNDS = [0.001, 0.01, 0.1];
const OBSERVED: [string, string, number][] = [
  ['/v1/decisions', 'GET', 0.0004],
  ['/v1/decisions', 'GET', 0.002],
  ['/v1/decisions', 'GET', 0.5],
  ['/v1/alerts', 'POST', 0.05],
  ['/v1/decisions', 'HEAD', 0.01],
];

describe('request tallies', () => {
  it('expose the same text as prom-client for the same counts and observations', async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const tallyCounter = new TallyCounter('requests_total', 'Requests.', ['route', 'method'], ours);
    const tallyHistogram = new TallyHistogram('duration_seconds', 'Durations.', ['endpoint', 'method'], BOUNDS, ours);
    const counter = new Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['route', 'method'], registers: [theirs] });
    const histogram = new Histogram({ name: 'duration_seconds', help: 'Durations.', labelNames: ['endpoint', 'method'], buckets: BOUNDS, registers: [theirs] });

    for (const [route, method, seconds] of OBSERVED) {
      tallyCounter.series(route, method).value++;
      tallyHistogram.series(route, method).observe(seconds);
      counter.inc({ route, method });
      histogram.observe({ endpoint: route, method }, seconds);
    }

    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('keep one series per label set, and forget them all on reset', () => {
    const counter = new TallyCounter('calls_total', 'Calls.', ['bouncer', 'route'], new Registry());
    counter.series('b1', '/v1/decisions').value++;
    counter.series('b1', '/v1/decisions').value++;
    counter.series('b2', '/v1/decisions').value++;

    expect(counter.get().values).toEqual([
      { labels: { bouncer: 'b1', route: '/v1/decisions' }, value: 2 },
      { labels: { bouncer: 'b2', route: '/v1/decisions' }, value: 1 },
    ]);
    counter.reset();
    expect(counter.get().values).toEqual([]);
  });
});
