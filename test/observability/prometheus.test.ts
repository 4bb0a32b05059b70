// A real Prometheus scrapes the local mesh (1 s interval) while load runs through it, and its HTTP
// API shows what an operator would look at: the canary split's per-backend request shares, the
// success rate falling when a FaultInjection aborts half of catalog's requests, and a sane p99.
// Outside CI, skips with a message when the prometheus binary is absent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoadGenerator } from '../../cli/dev/load-generator.ts';
import { startLoad, startLocalMesh, type LocalMesh } from './local-mesh.ts';
import {
  PROMETHEUS,
  prometheusAvailable,
  startPrometheus,
  type RunningPrometheus,
} from './prometheus-server.ts';

if (!prometheusAvailable && process.env.CI)
  throw new Error(`${PROMETHEUS} missing in CI: run .ci/setup-system.sh`);
if (!prometheusAvailable)
  console.warn(`SKIP real-Prometheus test: ${PROMETHEUS} not installed (apt-get install prometheus)`);

const CATALOG = 'destination_service="demo/catalog",direction="outbound"';

const FAULT = `apiVersion: policy.weft.io/v1alpha1
kind: FaultInjection
metadata: { name: catalog-chaos, namespace: demo }
spec:
  targetRef: { kind: Service, name: catalog }
  abort: { httpStatus: 503, percent: 50 }
`;

/** Polls `promql` until `ok` holds for its first value (bounded by `ms`); returns the last value. */
const until = async (
  prom: RunningPrometheus,
  promql: string,
  ok: (v: number) => boolean,
  ms: number,
): Promise<number> => {
  const deadline = Date.now() + ms;
  let last = NaN;
  while (Date.now() < deadline) {
    last = (await prom.query(promql))[0]?.value ?? NaN;
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 500));
  }
  return last;
};

describe.skipIf(!prometheusAvailable)('a real Prometheus scraping weft dev', () => {
  let mesh: LocalMesh;
  let prom: RunningPrometheus;
  let load: LoadGenerator;
  beforeAll(async () => {
    mesh = await startLocalMesh();
    prom = await startPrometheus(mesh.state);
    load = startLoad(mesh);
  }, 60_000);
  afterAll(async () => {
    await load?.stop();
    await prom?.stop();
    await mesh?.stop();
  });

  it('sees every sidecar and the control plane up', async () => {
    const up = await until(prom, 'sum(up)', (v) => v === mesh.sidecars.length + 1, 10_000);
    expect(up).toBe(mesh.sidecars.length + 1);
  });

  it('shows the 90/10 TrafficSplit as per-backend request rates', async () => {
    // ~10 s of load at 100 req/s: about 1000 catalog requests. The binomial sd of the v1 share is
    // then ~0.95 pp, so 90 ± 4 pp is about 4 sd.
    const total = `sum(increase(weft_requests_total{${CATALOG}}[12s]))`;
    expect(await until(prom, total, (v) => v >= 900, 20_000)).toBeGreaterThanOrEqual(900);
    const rows = await prom.query(
      `sum by (destination_backend) (increase(weft_requests_total{${CATALOG}}[12s]))`,
    );
    const by = Object.fromEntries(rows.map((r) => [r.metric.destination_backend, r.value]));
    const v1 = by['demo/catalog-v1'] ?? 0;
    const v2 = by['demo/catalog-v2'] ?? 0;
    const share = (100 * v1) / (v1 + v2);
    console.log(`catalog v1 share over 12 s: ${share.toFixed(1)} % of ${Math.round(v1 + v2)} requests`);
    expect(share).toBeGreaterThan(86);
    expect(share).toBeLessThan(94);
  });

  it('returns a finite, sub-second p99 from the latency histogram', async () => {
    const [p99] = await prom.query(
      `histogram_quantile(0.99, sum by (le) (rate(weft_request_duration_seconds_bucket{${CATALOG}}[10s])))`,
    );
    console.log(`catalog p99 (client side): ${((p99?.value ?? NaN) * 1000).toFixed(1)} ms`);
    expect(Number.isFinite(p99?.value)).toBe(true);
    expect(p99?.value).toBeGreaterThan(0);
    expect(p99?.value).toBeLessThan(1);
  });

  it('shows the success rate drop when a FaultInjection aborts half of the requests', async () => {
    const success = (w: string): string =>
      `sum(rate(weft_requests_total{${CATALOG},code_class!="5xx"}[${w}])) / sum(rate(weft_requests_total{${CATALOG}}[${w}]))`;
    expect(await until(prom, success('5s'), (v) => v === 1, 5_000)).toBe(1);
    await mesh.writeYaml('fault.yaml', FAULT);
    // Once the fault reaches frontend's sidecar, about half of catalog's answers are injected
    // 503s; a 5 s window entirely after the change reads ~0.5 (binomial sd ~0.03 at ~450 req),
    // so 0.35–0.65 is about 5 sd either side.
    const first = await until(prom, success('5s'), (v) => v < 0.9, 20_000);
    expect(first, 'the fault reached the sidecar').toBeLessThan(0.9);
    // The window that saw the change is a mix; wait one window plus a scrape, then read again.
    await new Promise((r) => setTimeout(r, 6_500));
    const [sample] = await prom.query(success('5s'));
    const during = sample?.value ?? NaN;
    console.log(`catalog success rate under a 50 % abort fault: ${(100 * during).toFixed(1)} %`);
    expect(during).toBeLessThan(0.65);
    expect(during).toBeGreaterThan(0.35);
    const [injected] = await prom.query(
      'sum(weft_faults_injected_total{fault="demo/catalog-chaos",kind="abort"})',
    );
    expect(injected?.value).toBeGreaterThan(0);
  });
});
