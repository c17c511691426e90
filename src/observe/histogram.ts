import type { Metric, Registry } from 'prom-client';

/** Options of {@link CountedHistogram}: those of prom-client's `Histogram` that Tollgate uses. */
export interface CountedHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  /** Upper bounds, ascending (`+Inf` is implied, as in prom-client). */
  buckets: readonly number[];
  registers: readonly Registry[];
}

type Labels = Readonly<Record<string, string>>;

/** One exported sample, in the shape prom-client's own `Histogram` hands its registry. */
interface Sample {
  labels: Record<string, string | number>;
  sharedLabels?: Labels;
  value: number;
  metricName: string;
  exemplar: null | undefined;
}

/**
 * One label set of a {@link CountedHistogram}: its count per bucket (not cumulative), the sum and the
 * count of its observations. Held by the observer, so an observation looks nothing up.
 */
export class HistogramSeries {
  /** Observations per bucket, `counts[i]` for `value <= bounds[i]` and above `bounds[i - 1]`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  /** Exported: since it was zeroed at creation, or since its first observation (after a reset). */
  listed = false;

  constructor(
    readonly labels: Labels,
    private readonly bounds: readonly number[],
    private readonly owner: CountedHistogram,
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  /**
   * Observes one value, as prom-client's `observe` does: a value above every bound is only in `+Inf`
   * (the count), a non-finite one throws and is not counted.
   */
  observe(value: number): void {
    if (!Number.isFinite(value)) throw new TypeError(`Value is not a valid number: ${value}`);
    // A linear scan from the low end: Tollgate's values (small costs, sub-millisecond Redis calls)
    // mostly land in the first buckets, where it stops after a comparison or two.
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= (bounds[i] as number)) {
        (this.counts[i] as number) += 1;
        break;
      }
    }
    this.sum += value;
    this.count += 1;
    if (!this.listed) this.owner.list(this);
  }
}

/**
 * A Prometheus histogram whose observations cost a few comparisons and additions: each label set's
 * state is a {@link HistogramSeries} its observer holds, and the exposition is built only when the
 * registry is read. prom-client's `Histogram.observe` hashes the labels, looks the series up and
 * scans an object of buckets on every call; this runs several times per operation.
 *
 * It is registered as a metric object of its own (prom-client has no API to add pre-counted buckets
 * to its `Histogram`, and writing into its private series would break silently on an upgrade). Its
 * samples have exactly the shape and order of prom-client's `Histogram` (`get()`, and the
 * `getForPromString()` the registry prefers), so `/metrics` reads the same, byte for byte, and so
 * does `getMetricsAsJSON()`. The unit tests compare both against prom-client's `Histogram`.
 */
export class CountedHistogram {
  readonly type = 'histogram';
  /** As prom-client's histograms: summed across cluster workers. */
  readonly aggregator = 'sum';
  readonly name: string;
  readonly help: string;
  readonly labelNames: readonly string[];
  readonly buckets: readonly number[];
  private readonly seriesByLabels = new Map<string, HistogramSeries>();
  /** Exported series, in the order prom-client would list them (zeroed or first observed). */
  private exported: HistogramSeries[] = [];

  constructor(options: CountedHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.labelNames = options.labelNames;
    this.buckets = [...options.buckets];
    // registerMetric is typed for prom-client's four classes; the registry reads a metric through
    // `name`, `type`, `aggregator`, `get()`/`getForPromString()` and `reset()`, which this has.
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /**
   * The series of one label set, created if need be. `zero`: export it from now on, reading 0
   * (prom-client's `zero`); otherwise it is exported from its first observation, as prom-client's
   * `observe` creates it.
   */
  series(labels: Labels, zero = false): HistogramSeries {
    const key = this.labelNames.map((name) => `${name}:${labels[name] ?? ''}`).join(',');
    let series = this.seriesByLabels.get(key);
    if (!series) {
      series = new HistogramSeries(labels, this.buckets, this);
      this.seriesByLabels.set(key, series);
    }
    if (zero && !series.listed) this.list(series);
    return series;
  }

  /** @internal Called by a series at its first observation since it was created or reset. */
  list(series: HistogramSeries): void {
    series.listed = true;
    this.exported.push(series);
  }

  /** Forgets every observation and series, as prom-client's `reset` (`registry.resetMetrics()`). */
  reset(): void {
    for (const series of this.seriesByLabels.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
      series.listed = false;
    }
    this.exported = [];
  }

  /** The samples with the series' labels apart, as prom-client's `Histogram` gives its registry. */
  async getForPromString() {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values: this.samples(),
      aggregator: this.aggregator,
    };
  }

  /** The metric and its samples, as prom-client's `Histogram.get()`. */
  async get() {
    const values = this.samples().map(({ sharedLabels, labels, ...sample }) => ({
      ...sample,
      labels: { ...labels, ...sharedLabels },
    }));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  private samples(): Sample[] {
    const bucket = `${this.name}_bucket`;
    const samples: Sample[] = [];
    for (const series of this.exported) {
      const sharedLabels = series.labels;
      let cumulative = 0;
      for (let i = 0; i < this.buckets.length; i++) {
        cumulative += series.counts[i] as number;
        const le = this.buckets[i] as number;
        samples.push({ labels: { le }, sharedLabels, value: cumulative, metricName: bucket, exemplar: null });
      }
      samples.push(
        { labels: { le: '+Inf' }, sharedLabels, value: series.count, metricName: bucket, exemplar: null },
        { labels: {}, sharedLabels, value: series.sum, metricName: `${this.name}_sum`, exemplar: undefined },
        {
          labels: {},
          sharedLabels,
          value: series.count,
          metricName: `${this.name}_count`,
          exemplar: undefined,
        },
      );
    }
    return samples;
  }
}
