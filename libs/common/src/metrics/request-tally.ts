import { Registry } from 'prom-client';

type Labels = Record<string, string>;

/**
 * Counters and histograms for per-request metrics, counted in plain numbers and turned into
 * Prometheus series only when scraped. prom-client checks and hashes a label set on every inc()
 * and observe(), even through a labels() child: three times per bouncer lookup, about 5% of its
 * CPU. A series here is found once per label set (nested maps of the label values, whose strings
 * are the route's and the bouncer's own) and then counted with an addition.
 */
abstract class Tally<S> {
  readonly aggregator = 'sum';
  private readonly byValues = new Map<string, unknown>();
  private readonly all: { labels: Labels; series: S }[] = [];

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series for these label values, in labelNames order. */
  series(...values: string[]): S {
    let level = this.byValues;
    for (let i = 0; i < values.length - 1; i++) {
      let next = level.get(values[i]) as Map<string, unknown> | undefined;
      if (!next) level.set(values[i], (next = new Map()));
      level = next;
    }
    const last = values[values.length - 1];
    let s = level.get(last) as S | undefined;
    if (!s) {
      s = this.newSeries();
      level.set(last, s);
      this.all.push({ labels: Object.fromEntries(this.labelNames.map((n, i) => [n, values[i]])), series: s });
    }
    return s;
  }

  reset(): void {
    this.byValues.clear();
    this.all.length = 0;
  }

  /** What prom-client's registry reads when it is scraped. */
  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Labels; value: number; metricName?: string }[] } {
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values: this.all.flatMap(({ labels, series }) => this.values(labels, series)) };
  }

  protected abstract readonly type: string;
  protected abstract newSeries(): S;
  protected abstract values(labels: Labels, series: S): { labels: Labels; value: number; metricName?: string }[];
}

export class TallyCounter extends Tally<{ value: number }> {
  protected readonly type = 'counter';
  protected newSeries() {
    return { value: 0 };
  }
  protected values(labels: Labels, s: { value: number }) {
    return [{ labels, value: s.value }];
  }
}

export interface HistogramSeries {
  observe(value: number): void;
}

class Buckets implements HistogramSeries {
  count = 0;
  sum = 0;
  readonly counts: number[];

  constructor(private readonly bounds: readonly number[]) {
    this.counts = new Array<number>(bounds.length).fill(0);
  }

  observe(value: number): void {
    this.count++;
    this.sum += value;
    const i = this.bounds.findIndex((b) => value <= b);
    if (i >= 0) this.counts[i]++;
  }
}

export class TallyHistogram extends Tally<Buckets> {
  protected readonly type = 'histogram';

  constructor(name: string, help: string, labelNames: readonly string[], private readonly bounds: readonly number[], registry: Registry) {
    super(name, help, labelNames, registry);
  }

  protected newSeries() {
    return new Buckets(this.bounds);
  }

  protected values(labels: Labels, s: Buckets) {
    let below = 0;
    const buckets = this.bounds.map((le, i) => ({ labels: { le: String(le), ...labels }, value: (below += s.counts[i]), metricName: `${this.name}_bucket` }));
    return [
      ...buckets,
      { labels: { le: '+Inf', ...labels }, value: s.count, metricName: `${this.name}_bucket` },
      { labels, value: s.sum, metricName: `${this.name}_sum` },
      { labels, value: s.count, metricName: `${this.name}_count` },
    ];
  }
}
