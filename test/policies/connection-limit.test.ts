// maxConnections / maxPendingRequests through a real sidecar to a slow HTTP/1.1 backend: with 2
// connections and 1 pending slot, 2 requests run on 2 connections, the 3rd waits and then
// succeeds on a reused connection, the 4th is refused at once; the backend never sees a 3rd socket.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../control-plane/helpers.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { service, snapshot, startSidecar, type Sidecar } from '../helpers/mesh.ts';

describe('circuit breaker maxConnections and maxPendingRequests (HTTP/1.1)', () => {
  let server: Server;
  let client: Sidecar;
  let connections = 0;
  const held: ServerResponse[] = [];
  const releaseOne = (): void => void held.shift()?.end('done');

  beforeAll(async () => {
    server = createServer((_req, res) => void held.push(res));
    server.keepAliveTimeout = 60_000;
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const circuitBreaker = { maxConnections: 2, maxPendingRequests: 1, maxRequests: 100, maxRetries: 3 };
    client = await startSidecar(undefined, { appPort: 1 });
    client.source.replace(
      snapshot({ name: 'frontend' }, [
        service('catalog', [{ address: '127.0.0.1', port }], {
          policy: { name: 'demo/catalog', circuitBreaker },
        }),
      ]),
    );
  });
  afterAll(async () => {
    held.splice(0).forEach((r) => r.end());
    await client.proxy.close();
    await new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections()));
  });

  it('runs 2 on 2 connections, queues the 3rd, refuses the 4th', async () => {
    const call = () => h1Call(client.proxy.ports.outbound, { authority: 'catalog' });
    const first = [call(), call()];
    await eventually(() => (held.length === 2 ? true : undefined), 5_000, '2 requests at the app');
    const third = call();
    // The 3rd waits in the sidecar: it must not reach the backend while both connections are busy.
    const fourth = await call();
    expect([fourth.status, fourth.headers['x-weft-error']]).toEqual([503, 'CIRCUIT_OPEN']);
    expect(held.length).toBe(2);
    releaseOne();
    await eventually(() => (held.length === 2 ? true : undefined), 5_000, 'the 3rd request at the app');
    releaseOne();
    releaseOne();
    const replies = await Promise.all([...first, third]);
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(connections).toBe(2);
    const text = await scrape(client.proxy.ports.metrics);
    expect(
      metricValue(text, 'weft_circuit_breaker_rejections_total', { limit: 'max_pending_requests' }),
    ).toBe(1);
  });
});
