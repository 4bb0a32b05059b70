// bench/results/latest.json: the machine-readable summary other tools and later runs compare
// against. "added" figures are the row's percentile minus direct's at the same rate.
import { addedLatency, haproxyPeer, ratio } from './ratios.ts';
import type { RowResult, RunReport } from './types.ts';

export interface LatestRate {
  readonly addedP50Ms: number;
  readonly addedP90Ms: number;
  readonly addedP99Ms: number;
  readonly addedP999Ms: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly errors: number;
}

export interface LatestRow {
  readonly name: string;
  readonly protocol?: 'h1' | 'grpc';
  readonly available: boolean;
  readonly note?: string;
  readonly maxRps?: number;
  readonly rates?: Readonly<Record<string, LatestRate>>;
  readonly vcpuPer1000?: number;
  /** CPU seconds per 1000 requests during the closed loop (at saturation). */
  readonly vcpuPer1000AtMax?: number;
  readonly rssMb?: number;
  readonly rssIdleMb?: number;
  readonly vsHaproxy?: { readonly maxRps?: number; readonly vcpuPer1000?: number; readonly rssMb?: number };
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

const ratesOf = (row: RowResult, rows: readonly RowResult[]): Record<string, LatestRate> => {
  const out: Record<string, LatestRate> = {};
  for (const [rate, res] of Object.entries(row.rates)) {
    const added = addedLatency(row, rows, rate);
    if (!added) continue;
    out[rate] = {
      addedP50Ms: r3(added.p50),
      addedP90Ms: r3(added.p90),
      addedP99Ms: r3(added.p99),
      addedP999Ms: r3(added.p999),
      p50Ms: r3(res.latencyMs.p50),
      p99Ms: r3(res.latencyMs.p99),
      maxMs: r3(res.latencyMs.max),
      errors: res.errors + res.timeouts + res.non2xx,
    };
  }
  return out;
};

const opt = (x: number | undefined): number | undefined => (x === undefined ? undefined : r3(x));

export const latestRow = (row: RowResult, rows: readonly RowResult[]): LatestRow => {
  if (row.unavailable) return { name: row.name, available: false, note: row.unavailable };
  const peer = haproxyPeer(row, rows);
  return {
    name: row.name,
    protocol: row.protocol,
    available: true,
    maxRps: row.closedLoop ? Math.round(row.closedLoop.rps) : undefined,
    rates: ratesOf(row, rows),
    vcpuPer1000: opt(row.cpuSecPer1000),
    vcpuPer1000AtMax: opt(row.cpuSecPer1000AtMax),
    rssMb: opt(row.rssLoadMb),
    rssIdleMb: opt(row.rssIdleMb),
    ...(peer
      ? {
          vsHaproxy: {
            maxRps: opt(ratio(row.closedLoop?.rps, peer.closedLoop?.rps)),
            vcpuPer1000: opt(ratio(row.cpuSecPer1000, peer.cpuSecPer1000)),
            rssMb: opt(ratio(row.rssLoadMb, peer.rssLoadMb)),
          },
        }
      : {}),
  };
};

export const latestJson = (report: RunReport): object => ({
  date: report.meta.date,
  mode: report.meta.mode,
  machine: { nproc: report.meta.nproc, cpuModel: report.meta.cpuModel },
  versions: report.meta.versions,
  rows: report.rows.map((r) => latestRow(r, report.rows)),
  hooks: Object.fromEntries(report.hooks.map((h) => [h.name, h.error ? { error: h.error } : h.data])),
});
