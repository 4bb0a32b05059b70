// Outlier detection through a real client sidecar (ManualClock injected into startProxy, so the
// ejection times are exact) and three real endpoints, one of which answers 500: it is ejected after
// consecutive5xx, gets no request while ejected, is re-admitted after baseEjectionTime, and its
// second ejection lasts twice as long.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutlierDetectionView } from '../../api/model/policy.ts';
import { ManualClock } from '../../api/runtime/clock.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { startPolicyApp, type PolicyApp } from './policy-apps.ts';
import { measured } from './report.ts';

const od: OutlierDetectionView = {
  consecutive5xx: 3,
  consecutiveGatewayErrors: 3,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionPercent: 10, // with 3 endpoints only weft's "always eject one" rule allows an ejection
};

describe('outlier detection through a real sidecar', () => {
  const clock = new ManualClock();
  const apps: PolicyApp[] = [];
  const servers: Sidecar[] = [];
  let client: Sidecar;

  beforeAll(async () => {
    for (const [name, status] of [
      ['good-1', 200],
      ['good-2', 200],
      ['bad', 500],
    ] as const) {
      const app = await startPolicyApp(name, () => status);
      apps.push(app);
      servers.push(await startSidecar(snapshot({ name, service: 'catalog' }, []), { appPort: app.port }));
    }
    const endpoints = servers.map((s) => ({ address: '127.0.0.1', port: s.proxy.ports.inbound }));
    client = await startSidecar(
      snapshot({ name: 'frontend' }, [
        service('catalog', endpoints, { policy: { name: 'demo/catalog', outlierDetection: od } }),
      ]),
      { appPort: 1, clock },
    );
  });
  afterAll(async () => {
    await client.proxy.close();
    for (const s of servers) await s.proxy.close();
    for (const a of apps) await a.close();
  });

  const bad = () => apps[2]!.requests;
  const call = () => h1Call(client.proxy.ports.outbound, { authority: 'catalog' });
  /** Sends requests until the bad endpoint has `n` requests in total (bounded). */
  const until = async (n: number): Promise<void> => {
    for (let i = 0; i < 500 && bad() < n; i++) await call();
    expect(bad()).toBe(n);
  };
  /** Sends `n` requests; all must succeed, none may reach the bad endpoint. */
  const noneToBad = async (n: number): Promise<void> => {
    const before = bad();
    for (let i = 0; i < n; i++) expect((await call()).status).toBe(200);
    expect(bad()).toBe(before);
  };

  it('ejects after consecutive5xx, sends nothing during the ejection, re-admits, then ejects for longer', async () => {
    await until(3); // three 500s in a row (the others answer 200 in between: counts are per endpoint)
    await noneToBad(150);
    clock.advance(29_999);
    await noneToBad(30);
    clock.advance(1); // 30 s: re-admitted
    await until(6); // it gets traffic again, fails 3 more times and is ejected a second time
    clock.advance(30_000);
    await noneToBad(60); // the second ejection lasts 2 × 30 s
    clock.advance(30_000);
    await until(7);
    const text = await scrape(client.proxy.ports.metrics);
    const ejections = metricValue(text, 'weft_outlier_ejections_total', { service: 'demo/catalog' });
    measured('outlier: ejections after 7 failures (consecutive5xx 3)', ejections);
    expect(ejections).toBe(2);
  });
});
