import { describe, expect, it } from 'vitest';
import { forService, statRows } from '../../api/metrics/figures.ts';
import type { Sample } from '../../api/metrics/prom-text.ts';
import { statQueries } from './prometheus-source.ts';
import { renderStat } from './render.ts';

const req = (backend: string, code: number, value: number, direction = 'outbound'): Sample => ({
  name: 'weft_requests_total',
  labels: {
    direction,
    destination_service: 'demo/catalog',
    destination_backend: backend,
    code_class: `${Math.floor(code / 100)}xx`,
    code: String(code),
  },
  value,
});
const bucket = (backend: string, le: string, value: number): Sample => ({
  name: 'weft_request_duration_seconds_bucket',
  labels: {
    direction: 'outbound',
    destination_service: 'demo/catalog',
    destination_backend: backend,
    code_class: '2xx',
    le,
  },
  value,
});

const LES = ['0.01', '0.025', '0.05', '0.1', '+Inf'];
/** The full cumulative bucket series of one backend, `inBucket` requests all in bucket `le`. */
const histogram = (backend: string, le: string, inBucket: number): Sample[] =>
  LES.map((b, i) => bucket(backend, b, i >= LES.indexOf(le) ? inBucket : 0));

// Two sidecars; between the scrapes (2 s) v1 got 180 requests (all 200, 10–25 ms) and v2 got 20
// (15 × 200, 5 × 503, 50–100 ms). Inbound samples and other metrics are ignored.
const before: Sample[][] = [
  [req('demo/catalog-v1', 200, 1000), ...histogram('demo/catalog-v1', '0.025', 1000)],
  [req('demo/catalog-v2', 200, 100), req('demo/catalog-v2', 503, 0)],
];
const after: Sample[][] = [
  [
    req('demo/catalog-v1', 200, 1180),
    req('demo/catalog-v1', 200, 5000, 'inbound'),
    { name: 'weft_retries_total', labels: { service: 'demo/catalog' }, value: 7 },
    ...histogram('demo/catalog-v1', '0.025', 1180),
  ],
  [
    req('demo/catalog-v2', 200, 115),
    req('demo/catalog-v2', 503, 5),
    ...histogram('demo/catalog-v2', '0.1', 20),
  ],
];

describe('statRows', () => {
  const rows = statRows(before, after, 2);
  const byName = Object.fromEntries(rows.map((r) => [`${r.kind} ${r.name}`, r]));

  it('computes rates, success and shares from the counter increase', () => {
    expect(rows.map((r) => `${r.kind} ${r.name}`)).toEqual([
      'service demo/catalog',
      'backend demo/catalog-v1',
      'backend demo/catalog-v2',
    ]);
    expect(byName['service demo/catalog']).toMatchObject({ rps: 100, success: 195 / 200 });
    expect(byName['backend demo/catalog-v1']).toMatchObject({ rps: 90, success: 1, share: 0.9 });
    expect(byName['backend demo/catalog-v2']).toMatchObject({ rps: 10, success: 0.75, share: 0.1 });
  });

  it('interpolates quantiles inside the buckets of the interval only', () => {
    // v1: all 180 in (10 ms, 25 ms]: p50 = 10 + 15 × 0.5 ms
    expect(byName['backend demo/catalog-v1']?.p50).toBeCloseTo(0.0175, 6);
    // v2 (20 requests, which the bucket series had no "before" for): p99 = 50 + 50 × 0.99 ms
    expect(byName['backend demo/catalog-v2']?.p99).toBeCloseTo(0.0995, 6);
    // the service merges both backends' buckets: 200 requests, p95 rank 190 falls in (50, 100]
    expect(byName['service demo/catalog']?.p95).toBeCloseTo(0.05 + (0.05 * 10) / 20, 6);
  });

  it('counts a restarted sidecar (counter went down) from zero, and no requests as null figures', () => {
    const restarted = statRows([[req('demo/catalog-v1', 200, 500)]], [[req('demo/catalog-v1', 200, 30)]], 3);
    expect(restarted[0]).toMatchObject({ rps: 10, success: 1 });
    const idle = statRows([[req('demo/catalog-v1', 200, 5)]], [[req('demo/catalog-v1', 200, 5)]], 1);
    expect(idle[0]).toMatchObject({ rps: 0, success: null, p50: null, p99: null });
  });

  it('filters by bare or qualified service name', () => {
    expect(forService(rows, 'catalog')).toHaveLength(3);
    expect(forService(rows, 'demo/catalog')).toHaveLength(3);
    expect(forService(rows, 'frontend')).toHaveLength(0);
  });

  it('renders backends indented under their service', () => {
    const text = renderStat(rows);
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+RPS\s+SUCCESS\s+P50ms\s+P95ms\s+P99ms\s+SHARE$/);
    expect(lines[1]).toMatch(/^demo\/catalog\s+100\.0\s+97\.5%/);
    expect(lines[3]).toMatch(/^ {2}└ demo\/catalog-v2\s+10\.0\s+75\.0%\s+\S+\s+\S+\s+99\.5\s+10\.0%$/);
    expect(renderStat([])).toContain('no requests');
  });
});

describe('statQueries', () => {
  it('asks for the callers view, grouped as requested', () => {
    const q = statQueries('destination_service', '30s');
    expect(q.rps).toBe('sum by (destination_service) (rate(weft_requests_total{direction="outbound"}[30s]))');
    expect(q.p99).toContain('histogram_quantile(0.99, sum by (destination_service, le)');
    expect(q.success).toContain('code_class!="5xx"');
  });
});
