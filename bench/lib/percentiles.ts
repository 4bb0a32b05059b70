// Latency summaries for the open-loop generator: nearest-rank percentiles over every sample of a
// run (bounded by rate × duration, so sorting them all is cheap and exact).

export interface LatencySummary {
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest sample ≥ q of all samples. */
export const percentile = (sorted: readonly number[], q: number): number => {
  if (sorted.length === 0) return Number.NaN;
  if (q <= 0) return sorted[0] as number;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, rank) - 1] as number;
};

export const summarize = (samples: readonly number[]): LatencySummary => {
  const sorted = Float64Array.from(samples).sort();
  const list = Array.from(sorted);
  return {
    count: list.length,
    p50: percentile(list, 0.5),
    p90: percentile(list, 0.9),
    p99: percentile(list, 0.99),
    p999: percentile(list, 0.999),
    max: list.length ? (list[list.length - 1] as number) : Number.NaN,
  };
};

/** Percentile-by-percentile difference: how much a proxy adds over the direct baseline. */
export const subtract = (a: LatencySummary, base: LatencySummary): LatencySummary => ({
  count: a.count,
  p50: a.p50 - base.p50,
  p90: a.p90 - base.p90,
  p99: a.p99 - base.p99,
  p999: a.p999 - base.p999,
  max: a.max - base.max,
});
