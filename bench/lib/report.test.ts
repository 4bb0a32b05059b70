import { describe, expect, it } from 'vitest';
import { latestJson, latestRow } from './latest-json.ts';
import { addedLatency, haproxyPeer, ratio } from './ratios.ts';
import { busyPercent, flatten, fmtRatio, nearCapacity, renderMarkdown, table } from './report.ts';
import { fixtureReport, fixtureRows } from './report-fixture.ts';

const byName = (n: string) => fixtureRows.find((r) => r.name === n) as (typeof fixtureRows)[number];

describe('ratios', () => {
  it.each([
    [10, 5, 2],
    [1, 4, 0.25],
    [1, 0, undefined],
    [undefined, 4, undefined],
    [3, Number.NaN, undefined],
  ])('ratio(%s, %s) = %s', (a, b, want) => {
    expect(ratio(a, b)).toBe(want);
  });

  it('pairs each row with the HAProxy row of the same shape and TLS, never itself or direct', () => {
    expect(haproxyPeer(byName('weft-hop'), fixtureRows)?.name).toBe('haproxy-hop');
    expect(haproxyPeer(byName('haproxy-hop'), fixtureRows)).toBeUndefined();
    expect(haproxyPeer(byName('direct'), fixtureRows)).toBeUndefined();
  });

  it('added latency is the row minus direct at the same rate', () => {
    // weft-hop [3,4,5,13] − direct [1,2,3,11]
    expect(addedLatency(byName('weft-hop'), fixtureRows, '1000')).toMatchObject({ p50: 2, p99: 2, max: 2 });
    expect(addedLatency(byName('weft-hop'), fixtureRows, '500')).toBeUndefined();
  });
});

describe('latest.json', () => {
  it('has the issue-specified shape with added percentiles and HAProxy ratios', () => {
    const weft = latestRow(byName('weft-hop'), fixtureRows);
    expect(weft).toMatchObject({
      name: 'weft-hop',
      available: true,
      maxRps: 10_000,
      rates: { '1000': { addedP50Ms: 2, addedP90Ms: 2, addedP99Ms: 2, addedP999Ms: 2, errors: 0 } },
      vcpuPer1000: 0.3,
      rssMb: 60,
      vsHaproxy: { maxRps: 0.25, vcpuPer1000: 1.5, rssMb: 1.5 },
    });
  });

  it('marks rows that did not run as unavailable, with the reason, and no numbers', () => {
    expect(latestRow(byName('weft-mtls-pair'), fixtureRows)).toEqual({
      name: 'weft-mtls-pair',
      available: false,
      note: 'did not start: no sidecar',
    });
  });

  it('carries hook numbers and the machine', () => {
    const j = latestJson(fixtureReport) as {
      rows: unknown[];
      hooks: Record<string, unknown>;
      machine: object;
    };
    expect(j.rows).toHaveLength(8);
    expect(j.hooks['ca/issuance']).toEqual({ library: 'x509', certsPerSecond: { keygen: 250.5 } });
    expect(j.machine).toEqual({ nproc: 2, cpuModel: 'Test CPU' });
  });
});

describe('markdown', () => {
  const md = renderMarkdown(fixtureReport);
  const line = (prefix: string, section: string): string | undefined =>
    md
      .split(section)[1]
      ?.split('\n')
      .find((l) => l.startsWith(prefix));

  it('renders tables with a separator row', () => {
    expect(table(['a', 'b'], [['1', '2']])).toBe('| a | b |\n| --- | --- |\n| 1 | 2 |');
    expect(fmtRatio(undefined)).toBe('—');
    expect(fmtRatio(1.234)).toBe('1.23×');
  });

  it('shows weft throughput, CPU and RSS with ratios to HAProxy', () => {
    expect(line('| weft-hop |', '## Throughput')).toBe(
      '| weft-hop | 10000 | 0.25× | 0.300 | 1.50× | 30.0 | 60.0 | 1.50× | 0 |',
    );
  });

  it('shows absolute and added latency per rate, the added p99 as a ratio to HAProxy', () => {
    // haproxy-hop adds 1 at p99, weft-hop 2 → 2.00×
    expect(line('| weft-hop |', '## Latency at 1000')).toBe(
      '| weft-hop | 4.00 | 13.00 | 13.00 | 13.00 | 13.00 | 2.00 | 2.00 | 2.00 | 2.00 | 2.00× | 30 | 0 |',
    );
    expect(line('| direct |', '## Latency at 1000')).toContain('| — | — | — | — | — | — | 0 |');
  });

  it('puts gRPC rows in their own tables, compared with HAProxy for gRPC and with direct-grpc', () => {
    expect(line('| weft-hop-grpc |', '## gRPC (unary')).toBe(
      '| weft-hop-grpc | 6000 | 0.20× | 0.400 | 2.00× | 40.0 | 80.0 | 2.00× | 0 |',
    );
    // weft-hop-grpc [4,5,6,14] − direct-grpc [1.5,2.5,3.5,11.5]; haproxy-hop-grpc adds 0.5
    expect(line('| weft-hop-grpc |', '## gRPC latency at 1000 calls/s')).toBe(
      '| weft-hop-grpc | 5.00 | 14.00 | 14.00 | 14.00 | 14.00 | 2.50 | 2.50 | 2.50 | 2.50 | 5.00× | 40 | 0 |',
    );
    expect(md.split('## gRPC')[0]).not.toContain('weft-hop-grpc');
    expect(md.split('## gRPC')[1]).not.toContain('| weft-hop |');
    expect(md).toContain('## gRPC generator self-check (direct-grpc row)');
    expect(haproxyPeer(byName('weft-hop-grpc'), fixtureRows)?.name).toBe('haproxy-hop-grpc');
    expect(latestRow(byName('weft-hop-grpc'), fixtureRows)).toMatchObject({
      protocol: 'grpc',
      rates: { '1000': { addedP50Ms: 2.5, addedP99Ms: 2.5 } },
      vsHaproxy: { maxRps: 0.2 },
    });
  });

  it("flags a rate above 80 % of the row's closed-loop maximum as at capacity", () => {
    const slow = {
      ...byName('weft-hop'),
      closedLoop: { tool: 'wrk' as const, rps: 1200, requests: 1, failed: 0 },
    };
    expect(nearCapacity(slow, 1000)).toBe(true);
    expect(nearCapacity(slow, 500)).toBe(false);
    // or when its proxies used more than 80 % of their CPU at that rate
    const busy = { ...byName('weft-hop'), busyByRate: { '1000': 0.85 } };
    expect(busyPercent(busy, 1000)).toBeCloseTo(85);
    expect(nearCapacity(busy, 1000)).toBe(true);
    expect(renderMarkdown({ ...fixtureReport, rows: [byName('direct'), slow] })).toContain(
      '| weft-hop (at capacity) |',
    );
  });

  it('lists rows that did not run with their reason, and hook figures', () => {
    expect(md).toContain('- weft-mtls-pair: not available — did not start: no sidecar');
    expect(md).toContain('| certsPerSecond.keygen | 250.5 |');
    expect(md).toContain('- noisy');
  });

  it('flatten keeps leaves in order and stops at the limit', () => {
    expect(flatten({ a: 1, b: { c: 'x', d: [true, null] } })).toEqual([
      ['a', '1'],
      ['b.c', 'x'],
      ['b.d.0', 'true'],
    ]);
    expect(flatten({ a: 1, b: 2, c: 3 }, 2)).toHaveLength(2);
  });
});
