import { aggregateBouncerMetrics, formatNumber } from './metrics-bouncers.reads';

const push = (at: number, items: { name: string; unit: string; value: number; labels?: Record<string, string> }[]) => ({
  generatedBy: 'fw', receivedAt: new Date(at * 1000), payload: { type: 'crowdsec-firewall-bouncer', metrics: [{ meta: { utc_now_timestamp: at, window_size_seconds: 900 }, items }] },
});

describe('cscli 1.6 bouncer metrics', () => {
  it('adds counters over time, keeps a gauge\'s latest value, sums IP types per origin, and counts a repeated push once', () => {
    const v4 = { origin: 'crowdsec', ip_type: 'ipv4' };
    const v6 = { origin: 'crowdsec', ip_type: 'ipv6' };
    const first = push(100, [{ name: 'dropped', unit: 'packet', value: 10, labels: v4 }, { name: 'active_decisions', unit: 'ip', value: 5, labels: v4 }]);
    const rows = [
      first,
      first,
      push(200, [{ name: 'dropped', unit: 'packet', value: 7, labels: v4 }, { name: 'dropped', unit: 'packet', value: 1, labels: v6 }, { name: 'active_decisions', unit: 'ip', value: 3, labels: v4 }]),
    ];
    const { byOrigin, oldest } = aggregateBouncerMetrics(rows);
    const crowdsec = byOrigin.get('fw')!.get('crowdsec')!;
    expect(crowdsec.get('dropped\u0000packet')).toBe(18);
    expect(crowdsec.get('active_decisions\u0000ip')).toBe(3);
    expect(oldest.get('fw')).toBe(100);
  });

  it('formats numbers as cscli: whole below 1000, two decimals and a unit above, whole with --no-unit', () => {
    expect([formatNumber(999, true), formatNumber(1234, true), formatNumber(1_048_576, true), formatNumber(1_048_576, false)]).toEqual(['999', '1.23k', '1.05M', '1048576']);
  });
});
