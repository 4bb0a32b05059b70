// Circuit breaking through a real sidecar pair: with maxRequests N and a backend that holds every
// request, request N+1 is refused at once with 503 `x-weft-error: CIRCUIT_OPEN` (the backend
// never sees it), also right after an unrelated config change; freed slots admit requests again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CircuitBreakerView } from '../../api/model/policy.ts';
import type { Endpoint } from '../../api/model/snapshot.ts';
import { eventually } from '../control-plane/helpers.ts';
import { h1Call, type Reply } from '../helpers/http-clients.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';
import { startGatedApp, type GatedApp } from './policy-apps.ts';
import { measured } from './report.ts';

const N = 4;
const breaker: CircuitBreakerView = {
  maxConnections: 100,
  maxPendingRequests: 100,
  maxRequests: N,
  maxRetries: 3,
};

describe('circuit breaker through a real sidecar pair', () => {
  let app: GatedApp;
  let server: Sidecar;
  let client: Sidecar;
  let ep: Endpoint;
  const configure = (extra = 0) =>
    client.source.replace(
      snapshot({ name: 'frontend' }, [
        service('catalog', [ep], { policy: { name: 'demo/catalog', circuitBreaker: breaker } }),
        ...Array.from({ length: extra }, (_, i) => service(`other-${i}`, [])),
      ]),
    );
  const call = (): Promise<Reply> => h1Call(client.proxy.ports.outbound, { authority: 'catalog' });

  beforeAll(async () => {
    app = await startGatedApp('slow');
    server = await startSidecar(snapshot({ name: 'slow', service: 'catalog' }, []), { appPort: app.port });
    ep = { address: '127.0.0.1', port: server.proxy.ports.inbound };
    client = await startSidecar(undefined, { appPort: 1 });
    configure();
  });
  afterAll(async () => {
    app.release();
    await client.proxy.close();
    await server.proxy.close();
    await app.close();
  });

  it(`refuses request ${N + 1} at once while ${N} are in flight, through config churn`, async () => {
    const held = Array.from({ length: N }, call);
    await eventually(() => (app.inFlight === N ? true : undefined), 5_000, `${N} requests at the app`);
    const started = performance.now();
    const refused = await call();
    measured('breaker: request N+1 answered after (ms, real clock)', performance.now() - started);
    expect([refused.status, refused.headers['x-weft-error']]).toEqual([503, 'CIRCUIT_OPEN']);
    configure(1); // a new snapshot: the breaker keeps counting the N requests in flight
    const again = await call();
    expect(again.headers['x-weft-error']).toBe('CIRCUIT_OPEN');
    expect(app.requests).toBe(N); // neither refused request reached the backend
    app.release();
    expect((await Promise.all(held)).map((r) => r.status)).toEqual(Array(N).fill(200));
    // Slots are free once the responses ended: the next request goes through.
    const next = call();
    await eventually(() => (app.inFlight === 1 ? true : undefined), 5_000, 'the next request at the app');
    app.release();
    expect((await next).status).toBe(200);
    const text = await scrape(client.proxy.ports.metrics);
    const rejected = { service: 'demo/catalog', limit: 'max_requests' };
    expect(metricValue(text, 'weft_circuit_breaker_rejections_total', rejected)).toBe(2);
  });
});
