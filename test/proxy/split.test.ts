// A 90/10 TrafficSplit across two backend services, each behind its own sidecar: the shares the
// apps see match the weights, and the client sidecar's metrics count each backend exactly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { scrape, metricValue } from '../helpers/metrics.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';

const N = 1000;
const CONCURRENCY = 8;

describe('weighted split', () => {
  const apps: App[] = [];
  const sidecars: Sidecar[] = [];
  let client: Sidecar;
  beforeAll(async () => {
    for (const name of ['shop-v1', 'shop-v2']) {
      const app = await startH1Echo(name);
      apps.push(app);
      sidecars.push(await startSidecar(snapshot({ name, service: name }, []), { appPort: app.port }));
    }
    const ep = (i: number) => [{ address: '127.0.0.1', port: sidecars[i]!.proxy.ports.inbound }];
    client = await startSidecar(
      snapshot({ name: 'buyer' }, [
        service('shop', [], {
          split: {
            name: 'demo/shop-split',
            backends: [
              { service: 'demo/shop-v1', weight: 900 },
              { service: 'demo/shop-v2', weight: 100 },
            ],
          },
        }),
        service('shop-v1', ep(0)),
        service('shop-v2', ep(1)),
      ]),
      { appPort: 1 },
    );
  });
  afterAll(async () => {
    await client.proxy.close();
    for (const s of sidecars) await s.proxy.close();
    for (const a of apps) await a.close();
  });

  it('sends 90/10 (±3 percentage points) and counts each backend in metrics', async () => {
    let next = 0;
    let failed = 0;
    const worker = async (): Promise<void> => {
      while (next < N) {
        next++;
        const r = await h1Call(client.proxy.ports.outbound, { authority: 'shop' });
        if (r.status !== 200) failed++;
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    expect(failed).toBe(0);
    const [v1, v2] = apps.map((a) => a.requests) as [number, number];
    expect(v1 + v2).toBe(N);
    // Binomial(1000, 0.1) has σ ≈ 9.5; ±30 is > 3σ. The draw is seeded, so this never flakes.
    expect(Math.abs(v2 - 100)).toBeLessThanOrEqual(30);

    const text = await scrape(client.proxy.ports.metrics);
    const count = (backend: string): number =>
      metricValue(text, 'weft_requests_total', {
        direction: 'outbound',
        destination_service: 'demo/shop',
        destination_backend: backend,
        code: '200',
      });
    expect(count('demo/shop-v1')).toBe(v1);
    expect(count('demo/shop-v2')).toBe(v2);
    const timed = metricValue(text, 'weft_request_duration_seconds_count', {
      destination_backend: 'demo/shop-v2',
      code_class: '2xx',
    });
    expect(timed).toBe(v2);
    const inbound = await scrape(sidecars[1]!.proxy.ports.metrics);
    expect(metricValue(inbound, 'weft_requests_total', { direction: 'inbound', code: '200' })).toBe(v2);
  });
});
