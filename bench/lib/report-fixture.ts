// A small fixed run for the rendering tests: direct, one weft and one HAProxy row per shape,
// a weft row that did not run, and the same hop rows for gRPC.
import { summarize } from './percentiles.ts';
import type { OpenLoopResult } from './open-loop.ts';
import type { RowResult, RunReport } from './types.ts';

const run = (rate: number, latencies: number[]): OpenLoopResult => ({
  rate,
  measured: latencies.length,
  ok: latencies.length,
  non2xx: 0,
  errors: 0,
  timeouts: 0,
  latencyMs: summarize(latencies),
  sendLagMs: summarize([0.1, 0.2]),
  connectionsOpened: 4,
  generatorCpuMsPer1000: 50,
});

export const fixtureRow = (
  name: string,
  proxy: string,
  shape: RowResult['shape'],
  tls: boolean,
  base: number,
  rps: number,
  protocol: RowResult['protocol'] = 'h1',
): RowResult => ({
  name,
  proxy,
  shape,
  tls,
  protocol,
  closedLoop: { tool: protocol === 'h1' ? 'wrk' : 'h2load', rps, requests: rps * 3, failed: 0 },
  rates: { '1000': run(1000, [base, base + 1, base + 2, base + 10]) },
  ...(shape === 'direct'
    ? {}
    : {
        cpuSecPer1000: base / 10,
        cpuByRate: { '1000': base / 10 },
        busyByRate: { '1000': base / 10 },
        rssIdleMb: base * 10,
        rssLoadMb: base * 20,
      }),
});

export const fixtureRows: readonly RowResult[] = [
  fixtureRow('direct', 'none', 'direct', false, 1, 50_000),
  fixtureRow('weft-hop', 'weft', 'hop', false, 3, 10_000),
  fixtureRow('haproxy-hop', 'haproxy', 'hop', false, 2, 40_000),
  fixtureRow('haproxy-mtls-pair', 'haproxy', 'pair', true, 2.5, 20_000),
  {
    name: 'weft-mtls-pair',
    proxy: 'weft',
    shape: 'pair',
    tls: true,
    protocol: 'h1',
    rates: {},
    unavailable: 'did not start: no sidecar',
  },
  fixtureRow('direct-grpc', 'none', 'direct', false, 1.5, 90_000, 'grpc'),
  fixtureRow('weft-hop-grpc', 'weft', 'hop', false, 4, 6_000, 'grpc'),
  fixtureRow('haproxy-hop-grpc', 'haproxy', 'hop', false, 2, 30_000, 'grpc'),
];

export const fixtureReport: RunReport = {
  meta: {
    date: '2026-01-02',
    mode: 'quick',
    nproc: 2,
    cpuModel: 'Test CPU',
    loadAverage: [0.1, 0.2, 0.3],
    versions: { node: 'v24.9.0', haproxy: '2.6' },
    layout: 'generator cpu 0, proxies cpu 1',
    notes: ['noisy'],
    plan: {
      mode: 'quick',
      rates: [1000],
      warmupMs: 500,
      durationMs: 2500,
      closedLoopSeconds: 3,
      maxConnections: 512,
      drainMs: 5000,
      cpuRate: 1000,
      hookTimeoutMs: 60_000,
    },
  },
  rows: fixtureRows,
  hooks: [{ name: 'ca/issuance', seconds: 2, data: { library: 'x509', certsPerSecond: { keygen: 250.5 } } }],
};
