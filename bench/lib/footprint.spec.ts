import { FootprintResult, footprintTargets, ProcessFootprint, total } from './footprint';

const proc = (service: string, idle: number, o: { ready?: number; peak?: number; at100k?: number; settled100k?: number; ingestion?: number } = {}): ProcessFootprint => ({
  service,
  first_start: { ready_s: o.ready ?? 1, peak_mib: o.peak ?? idle + 10, idle_early_mib: idle + 20, idle_mib: idle },
  restart: { ready_s: o.ready ?? 1, peak_mib: idle, idle_early_mib: idle + 20, idle_mib: idle },
  decisions: [
    { decisions: 10_000, rss_mib: idle + 5, settled_mib: idle + 2, load_peak_mib: idle + 8 },
    { decisions: 100_000, rss_mib: o.at100k ?? idle + 50, settled_mib: o.settled100k ?? idle + 40, load_peak_mib: (o.at100k ?? idle + 50) + 20 },
  ],
  ingestion_peak_mib: o.ingestion ?? idle + 30,
});
const result = (...processes: ProcessFootprint[]): FootprintResult => ({ ready_on: 'health 200', processes, load_average: { start: [1, 1, 1], end: [1, 1, 1] } });

describe('bench footprint figures', () => {
  it("sums a cluster's processes, and takes its slowest service's time to ready", () => {
    const t = total(result(proc('ingest', 90, { ready: 2 }), proc('registration', 80), proc('decisions-1', 70, { at100k: 150 }), proc('decisions-2', 70, { at100k: 160 })));
    expect(t.first_start).toEqual({ ready_s: 2, peak_mib: 90 + 80 + 70 + 70 + 40, idle_early_mib: 310 + 80, idle_mib: 310 });
    expect(t.decisions[1]).toEqual({ decisions: 100_000, rss_mib: 140 + 130 + 150 + 160, settled_mib: 130 + 120 + 110 + 110, load_peak_mib: 140 + 130 + 150 + 160 + 80 });
    expect(t.ingestion_peak_mib).toBe(310 + 120);
  });

  it("takes a one-process server's figures as they are", () => {
    const only = proc('standalone', 120);
    expect(total(result(only))).toBe(only);
  });

  it("judges the embedded default by issue #18's bounds: at most 150 MiB idle, under 250 and 300 MiB, at most 1.5 and 5 s", () => {
    const checks = footprintTargets({ embedded: result(proc('standalone', 150, { peak: 300, at100k: 249, settled100k: 250, ingestion: 250, ready: 1.5 })) });
    expect(checks.map((c) => [c.what, c.value, c.met])).toEqual([
      ['embedded: idle after the first start', 150, true],
      ['embedded: idle after a restart', 150, true],
      ['embedded: with 100,000 decisions, right after loading them', 249, true],
      ['embedded: with 100,000 decisions, idle', 250, false],
      ['embedded: peak under the ingestion load', 250, false],
      ['embedded: peak while creating the database (first start)', 300, false],
      ['embedded: `/health` 200 on an existing database (restart)', 1.5, true],
      ['embedded: `/health` 200 on the very first start', 1.5, true],
    ]);
  });

  it('judges each cluster service at most 100 MiB idle, and only the replicas under 200 MiB with 100,000 decisions', () => {
    const checks = footprintTargets({ cluster: result(proc('ingest', 101), proc('decisions-1', 100, { at100k: 200, settled100k: 199 })) });
    expect(checks.filter((c) => c.what.startsWith('cluster')).map((c) => [c.what, c.met])).toEqual([
      ['cluster ingest: idle after the first start', false],
      ['cluster ingest: idle after a restart', false],
      ['cluster decisions-1: idle after the first start', true],
      ['cluster decisions-1: idle after a restart', true],
      ['cluster decisions-1: with 100,000 decisions, right after loading them', false],
      ['cluster decisions-1: with 100,000 decisions, idle', true],
    ]);
  });

  it("sets CrowdSec's figure beside each, and leaves a server not run without figure or verdict", () => {
    const [idle] = footprintTargets({ crowdsec: result(proc('crowdsec', 38)) });
    expect(idle).toEqual({ what: 'embedded: idle after the first start', bound: '≤ 150 MiB', unit: 'MiB', value: undefined, crowdsec: 38, met: undefined });
  });
});
