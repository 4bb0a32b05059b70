import { describe, expect, it } from 'vitest';
import { fixtureRow } from './report-fixture.ts';
import { pairTargets } from './targets.ts';
import { renderMarkdown } from './report.ts';
import { fixtureReport } from './report-fixture.ts';
import type { RowResult } from './types.ts';

// base sets latency (direct 1 ms → added = base − 1), CPU (base/10) and RSS under load (base×20).
const rows: RowResult[] = [
  fixtureRow('direct', 'none', 'direct', false, 1, 100_000),
  fixtureRow('haproxy-mtls-pair', 'haproxy', 'pair', true, 1.1, 30_000),
  fixtureRow('node-undici-mtls-pair', 'node-undici', 'pair', true, 3, 3_000),
  fixtureRow('node-tls-tunnel-mtls-pair', 'node-tls-tunnel', 'pair', true, 1.15, 21_000),
  fixtureRow('weft-mtls-pair', 'weft', 'pair', true, 1.6, 12_000),
  {
    name: 'node-floor',
    proxy: 'node-floor',
    shape: 'idle',
    tls: false,
    protocol: 'h1',
    rates: {},
    rssIdleMb: 50,
    rssLoadMb: 51,
  },
];

describe('pairTargets', () => {
  const t = pairTargets(rows, 1000);
  const by = (prefix: string) => t.find((x) => x.target.startsWith(prefix));

  it('gives throughput as ratios to HAProxy and to the undici pair, for weft and the floor', () => {
    expect(by('max req/s vs HAProxy')?.weft).toBeCloseTo(0.4, 6);
    expect(by('max req/s vs HAProxy')?.floor).toBeCloseTo(0.7, 6);
    expect(by('max req/s vs node:http')?.weft).toBeCloseTo(4, 6);
    expect(by('max req/s vs HAProxy')?.meets(0.7)).toBe(false);
    expect(by('max req/s vs node:http')?.meets(4)).toBe(true);
  });

  it('halves pair CPU and RSS into per-sidecar figures', () => {
    expect(by('vCPU')?.weft).toBeCloseTo(0.08, 6); // 1.6 / 10 for both → 0.08 each
    expect(by('RSS per sidecar under')?.weft).toBeCloseTo(16, 6); // 1.6 × 20 for both → 16 each
    expect(by('RSS per sidecar under')?.meets(81)).toBe(false);
    expect(by('RSS per sidecar idle')?.weft).toBeCloseTo(8, 6); // 1.6 × 10 for both → 8 each
    expect(by('RSS per sidecar idle')?.meets(66)).toBe(false);
  });

  it("sets idle RSS beside node-floor's (one idle process, not halved) and under load beside the tunnel's", () => {
    expect(by('RSS per sidecar idle')?.floor).toBeCloseTo(50, 6); // node-floor 5 × 10
    expect(by('RSS per sidecar under')?.floor).toBeCloseTo(11.5, 6); // tunnel 1.15 × 20 / 2
  });

  it('subtracts direct for added latency and compares p90 with HAProxy’s', () => {
    expect(by('added p50')?.weft).toBeCloseTo(0.6, 6);
    expect(by('added p50')?.meets(0.6)).toBe(false);
    expect(by('added p90')?.weft).toBeCloseTo(0.6 / 0.1, 6);
  });

  it('is empty without a weft pair, and a missing floor reads as not measured', () => {
    expect(
      pairTargets(
        rows.filter((r) => r.name !== 'weft-mtls-pair'),
        1000,
      ),
    ).toEqual([]);
    const noFloor = pairTargets(
      rows.filter((r) => r.proxy !== 'node-tls-tunnel'),
      1000,
    );
    expect(noFloor[0]?.floor).toBeUndefined();
    expect(noFloor[0]?.meets(noFloor[0]?.floor)).toBeUndefined();
  });

  it('renders a Targets section only when the weft pair ran', () => {
    expect(renderMarkdown(fixtureReport)).not.toContain('## Targets');
    const md = renderMarkdown({ ...fixtureReport, rows });
    expect(md).toContain('## Targets (weft mesh pair, HTTP/1.1)');
    expect(md).toContain('| max req/s vs HAProxy pair ≥ 0.8× | 0.40 | no | 1.00 | 0.70 | no |');
    expect(md).toContain('| RSS per sidecar idle ≤ 65 MB | 8.00 | yes | 5.50 | 50.00 | yes |');
    // node-floor is in the results table with its RSS only
    expect(md).toContain('| node-floor | — | — | — | — | 50.0 | 51.0 | — | — |');
  });
});
