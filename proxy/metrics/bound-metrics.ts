// Counter and histogram families whose children are plain objects bound once per label set:
// recording is a field increment, with no label validation or label hashing per call (prom-client
// does both on every inc/observe, even on children from labels()). The families register in a
// prom-client Registry like any metric, so /metrics text, HELP/TYPE lines and escaping stay
// prom-client's.
import type { Registry } from 'prom-client';

export type Labels = Readonly<Record<string, string>>;

interface Sample {
  readonly labels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  readonly values: Sample[];
}

export class BoundCounter {
  readonly labels: Labels;
  value = 0;
  constructor(labels: Labels) {
    this.labels = labels;
  }
  inc(by = 1): void {
    this.value += by;
  }
}

export class BoundHistogram {
  readonly labels: Labels;
  /** Non-cumulative counts per bucket; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  private readonly bounds: readonly number[];
  constructor(labels: Labels, bounds: readonly number[]) {
    this.labels = labels;
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }
  observe(value: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && value > (b[i] as number)) i++;
    (this.counts[i] as number)++;
    this.sum += value;
    this.count++;
  }
}

abstract class Family<C> {
  readonly name: string;
  readonly help: string;
  readonly aggregator = 'sum' as const;
  protected readonly labelNames: readonly string[];
  protected readonly children = new Map<string, C>();
  constructor(name: string, help: string, labelNames: readonly string[], registry: Registry) {
    this.name = name;
    this.help = help;
    this.labelNames = labelNames;
    // prom-client's Registry only needs name, get() and reset() from a metric.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  /** The child for these labels, made once; callers keep it and record on it directly. */
  child(labels: Labels): C {
    const key = this.labelNames.map((n) => labels[n] ?? '').join('\u0000');
    let c = this.children.get(key);
    if (!c) {
      const complete: Record<string, string> = {};
      for (const n of this.labelNames) complete[n] = labels[n] ?? '';
      this.children.set(key, (c = this.make(complete)));
    }
    return c;
  }

  reset(): void {
    this.children.clear();
  }

  /** Number of label sets (for cardinality tests). */
  get size(): number {
    return this.children.size;
  }

  protected abstract make(labels: Labels): C;
}

export class CounterFamily extends Family<BoundCounter> {
  readonly type = 'counter' as const;
  protected make(labels: Labels): BoundCounter {
    return new BoundCounter(labels);
  }
  get(): MetricSnapshot {
    const values: Sample[] = [];
    for (const c of this.children.values()) values.push({ labels: c.labels, value: c.value });
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}

export class HistogramFamily extends Family<BoundHistogram> {
  readonly type = 'histogram' as const;
  private readonly bounds: readonly number[];
  constructor(
    name: string,
    help: string,
    labelNames: readonly string[],
    bounds: readonly number[],
    registry: Registry,
  ) {
    super(name, help, labelNames, registry);
    this.bounds = bounds;
  }
  protected make(labels: Labels): BoundHistogram {
    return new BoundHistogram(labels, this.bounds);
  }
  get(): MetricSnapshot {
    const values: Sample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const h of this.children.values()) {
      let cumulative = 0;
      this.bounds.forEach((le, i) => {
        cumulative += h.counts[i] as number;
        values.push({ labels: { ...h.labels, le: String(le) }, value: cumulative, metricName: bucket });
      });
      values.push({ labels: { ...h.labels, le: '+Inf' }, value: h.count, metricName: bucket });
      values.push({ labels: h.labels, value: h.sum, metricName: `${this.name}_sum` });
      values.push({ labels: h.labels, value: h.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: 'sum', values };
  }
}
