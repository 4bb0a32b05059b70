import { createServer, get, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../api/runtime/clock.ts';
import type { Served } from '../admin/serve.ts';
import { startProbeServer } from './probe-server.ts';

const fetchStatus = (port: number, path: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) =>
    get({ host: '127.0.0.1', port, path }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: body.trim() }));
    }).once('error', reject),
  );

describe('probe server', () => {
  let app: Server;
  let appReady = false;
  let sidecarReady = false;
  let probes: Served;
  beforeAll(async () => {
    app = createServer((_req, res) => res.writeHead(appReady ? 200 : 500).end());
    await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
    const port = (app.address() as { port: number }).port;
    probes = await startProbeServer({
      host: '127.0.0.1',
      port: 0,
      probes: {
        '/app-health/web/readyz': {
          kind: 'httpGet',
          port,
          path: '/ready',
          https: false,
          headers: [],
          timeoutMs: 1_000,
        },
      },
      ready: () => sidecarReady,
      clock: systemClock,
    });
  });
  afterAll(async () => {
    await probes.close();
    app.close();
  });

  it('answers /ready from the sidecar state and /live always', async () => {
    expect((await fetchStatus(probes.port, '/ready')).status).toBe(503);
    sidecarReady = true;
    expect((await fetchStatus(probes.port, '/ready')).status).toBe(200);
    expect((await fetchStatus(probes.port, '/live')).status).toBe(200);
  });

  it("runs the app's original probe per rewritten path", async () => {
    expect(await fetchStatus(probes.port, '/app-health/web/readyz')).toEqual({
      status: 503,
      body: 'HTTP 500',
    });
    appReady = true;
    expect(await fetchStatus(probes.port, '/app-health/web/readyz')).toEqual({
      status: 200,
      body: 'HTTP 200',
    });
    expect((await fetchStatus(probes.port, '/app-health/other/readyz')).status).toBe(404);
  });
});
