// Every proxy figure is also shown relative to HAProxy's of the same shape in the same run,
// which cancels most of the machine and most of the noise of the day.
import { subtract, type LatencySummary } from './percentiles.ts';
import type { RowResult } from './types.ts';

/** a / b, or undefined when either is missing or b is not a positive number. */
export const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
  a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b <= 0
    ? undefined
    : a / b;

const sameKind = (a: RowResult, b: RowResult): boolean =>
  a.shape === b.shape && a.tls === b.tls && a.protocol === b.protocol;

/** The HAProxy row with the same shape, TLS and protocol; undefined for HAProxy itself and direct. */
export const haproxyPeer = (row: RowResult, rows: readonly RowResult[]): RowResult | undefined =>
  row.proxy === 'haproxy' || row.shape === 'direct'
    ? undefined
    : rows.find((r) => r.proxy === 'haproxy' && sameKind(r, row) && !r.unavailable);

/** Latency a row adds over direct at the same rate, percentile by percentile. */
export const addedLatency = (
  row: RowResult,
  rows: readonly RowResult[],
  rate: string,
): LatencySummary | undefined => {
  const base = rows.find((r) => r.shape === 'direct' && r.protocol === row.protocol)?.rates[rate]?.latencyMs;
  const own = row.rates[rate]?.latencyMs;
  return base && own ? subtract(own, base) : undefined;
};
