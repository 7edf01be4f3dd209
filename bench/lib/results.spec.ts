import { mergeRuns, ScenarioResult } from './results';

const env = (commit: string) => ({ cpus: 2, cpu_model: 'x', memory_gib: 24, node: 'v20', crowdsec: '1.4.6', lapi_cluster: `0.1.0 (${commit})`, load_tool: 'wrk' });
const result = (date: string, commit: string, runs: ScenarioResult['runs'], settings = { connections: 64 }): ScenarioResult => ({
  scenario: 'lookups',
  title: 'Live lookups',
  date,
  environment: env(commit),
  runs,
  settings,
});

describe('bench results of a partial rerun', () => {
  const full = mergeRuns(undefined, result('2026-12-01T14:00:00Z', 'aaa', { crowdsec: 50, standalone: 18000, cluster: 30000 }));

  it('keeps the servers it did not measure, each with the date and commit of its own run', () => {
    const merged = mergeRuns(full, result('2026-12-02T02:00:00Z', 'bbb', { embedded: 9000 }));
    expect(merged.runs).toEqual({ crowdsec: 50, standalone: 18000, cluster: 30000, embedded: 9000 });
    expect(merged.run_dates).toEqual({
      crowdsec: { date: '2026-12-01T14:00:00Z', lapi_cluster: '0.1.0 (aaa)', machine: '2 × x' },
      standalone: { date: '2026-12-01T14:00:00Z', lapi_cluster: '0.1.0 (aaa)', machine: '2 × x' },
      cluster: { date: '2026-12-01T14:00:00Z', lapi_cluster: '0.1.0 (aaa)', machine: '2 × x' },
      embedded: { date: '2026-12-02T02:00:00Z', lapi_cluster: '0.1.0 (bbb)', machine: '2 × x' },
    });
  });

  it('replaces a server it measured again', () => {
    expect(mergeRuns(full, result('2026-12-02T02:00:00Z', 'bbb', { standalone: 17000 })).runs.standalone).toBe(17000);
  });

  it('drops the others when the settings changed, rather than mix incomparable figures', () => {
    expect(mergeRuns(full, result('2026-12-02T02:00:00Z', 'bbb', { embedded: 9000 }, { connections: 128 })).runs).toEqual({ embedded: 9000 });
  });
});
