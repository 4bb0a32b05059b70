// Prometheus scrape port: GET /metrics renders the sidecar's registry.
import type { Registry } from 'prom-client';
import { serveRoutes, type Served } from './serve.ts';

export const startMetricsServer = (host: string, port: number, registry: Registry): Promise<Served> =>
  serveRoutes(host, port, {
    '/metrics': async () => ({
      status: 200,
      contentType: registry.contentType,
      body: await registry.metrics(),
    }),
  });
