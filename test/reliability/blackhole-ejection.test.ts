// A service with one healthy endpoint and one blackholed endpoint (a listener whose backlog is
// full: our SYNs are dropped, as behind a firewall DROP rule), through a real sidecar. Without a
// connect deadline a request sent to the blackholed endpoint hung until the kernel gave up
// (~2 min). With connection.connectTimeout 300 ms it fails with 503 CONNECT_FAILED once the
// deadline passes, outlier detection ejects the endpoint on that gateway error, and every later
// request goes to the healthy endpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONNECTION_DEFAULTS } from '../../api/model/policy.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { tcpBlackhole, type Blackhole } from '../helpers/blackhole.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';

const CONNECT_TIMEOUT_MS = 300;

describe('a blackholed endpoint next to a healthy one', () => {
  let app: App;
  let hole: Blackhole;
  let client: Sidecar;

  beforeAll(async () => {
    app = await startH1Echo('healthy');
    hole = await tcpBlackhole();
    client = await startSidecar(undefined, { appPort: 1 });
    client.source.replace(
      snapshot({ name: 'frontend' }, [
        service(
          'catalog',
          [
            { address: '127.0.0.1', port: app.port },
            { address: '127.0.0.1', port: hole.port },
          ],
          {
            policy: {
              name: 'demo/catalog',
              connection: { ...CONNECTION_DEFAULTS, connectTimeoutMs: CONNECT_TIMEOUT_MS },
              outlierDetection: {
                consecutive5xx: 1,
                consecutiveGatewayErrors: 1,
                intervalMs: 10_000,
                baseEjectionTimeMs: 60_000,
                maxEjectionPercent: 50,
              },
            },
          },
        ),
      ]),
    );
  });
  afterAll(async () => {
    await client.proxy.close();
    await Promise.all([app.close(), hole.close()]);
  });

  it('fails the request sent there at the deadline, ejects it, and sends the rest to the healthy one', async () => {
    const call = async () => {
      const started = performance.now();
      const r = await h1Call(client.proxy.ports.outbound, { authority: 'catalog' });
      return { status: r.status, error: r.headers['x-weft-error'], ms: performance.now() - started };
    };
    // Both endpoints start unmeasured, so P2C picks either: within a few requests one lands on
    // the blackholed endpoint (bounded: 20 tries, each < 0.5^20 likely to miss it every time).
    const before: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < 20 && !before.some((r) => r.status !== 200); i++) before.push(await call());
    const failed = before.filter((r) => r.status !== 200);
    expect(failed.map((r) => [r.status, r.error])).toEqual([[503, 'CONNECT_FAILED']]);
    // It waited for the deadline (a refused connect fails at once) and no longer: the kernel's
    // own give-up is two minutes away, so 10 s leaves room for a loaded machine.
    expect(failed[0]?.ms).toBeGreaterThanOrEqual(CONNECT_TIMEOUT_MS);
    expect(failed[0]?.ms).toBeLessThan(10_000);

    const after: Awaited<ReturnType<typeof call>>[] = [];
    for (let i = 0; i < 20; i++) after.push(await call());
    expect(after.map((r) => r.status)).toEqual(Array.from({ length: 20 }, () => 200));

    const metrics = await scrape(client.proxy.ports.metrics);
    expect(metricValue(metrics, 'weft_upstream_connect_timeouts_total', { phase: 'connect' })).toBe(1);
    expect(metricValue(metrics, 'weft_outlier_ejections_total', { service: 'demo/catalog' })).toBe(1);
  }, 60_000);
});
