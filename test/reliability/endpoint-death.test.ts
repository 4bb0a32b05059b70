// Endpoint death (processes): three server sidecars (each with its own app) serve `catalog`; the
// client's TrafficPolicy has retries and outlier detection. Mid-load one backend's app dies (its
// sidecar stays and answers 5xx until ejected), then one backend's sidecar is SIGKILLed (connections
// reset, its endpoint leaves the control plane). Success ≥ 99.9 % each time, and each backend gets
// traffic again once its process is back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../control-plane/helpers.ts';
import { stopAll } from '../mtls/processes.ts';
import { endpointsAre, ProcessMesh, serviceYaml, trafficPolicyYaml, type SidecarProc } from './harness.ts';
import { report, startLoad, type Load, type LoadResult } from './load.ts';

const RPS = 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const POLICY = trafficPolicyYaml(
  'catalog',
  `retries: { attempts: 3, backoff: { base: 2ms, max: 20ms }, budget: { ratio: 0.5, minPerSecond: 200 } }
  outlierDetection: { consecutive5xx: 3, consecutiveGatewayErrors: 3, interval: 1s, baseEjectionTime: 1s, maxEjectionPercent: 50 }`,
);

/** A tiny app that can die and come back on the same port, counting requests per life. */
class Backend {
  server: Server | undefined;
  port = 0;
  requests = 0;
  async start(): Promise<void> {
    const server = createServer((_req, res) => {
      this.requests++;
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((r) => server.listen(this.port, '127.0.0.1', r));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }
  async kill(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => (s.close(() => r()), s.closeAllConnections()));
  }
}

const rate = (r: LoadResult): number => r.ok / r.sent;

/** Runs `restart`, waits until `app` serves traffic again, stops the load and reports. */
const comeBack = async (load: Load, app: Backend, what: string, restart: () => Promise<void>) => {
  const before = app.requests;
  const back = Date.now();
  await restart();
  await eventually(
    () => (app.requests > before + 10 ? true : undefined),
    10_000,
    `traffic again after: ${what}`,
  );
  const recoveryMs = Date.now() - back;
  await sleep(500);
  const r = await load.stop();
  report(`${what}, back after ${recoveryMs} ms`, r, r.sent / RPS);
  return r;
};

describe('endpoint death', () => {
  let mesh: ProcessMesh;
  const backends = [new Backend(), new Backend(), new Backend()];
  const servers: SidecarProc[] = [];
  let client: SidecarProc;

  beforeAll(async () => {
    mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('catalog'), 'policy.yaml': POLICY });
    await mesh.startControlPlane();
    for (const [i, b] of backends.entries()) {
      await b.start();
      servers.push(await mesh.sidecar(`catalog-${i}`, { service: 'catalog', appPort: b.port }));
    }
    client = await mesh.sidecar('client');
    await endpointsAre(client, 'catalog', 3);
  }, 40_000);
  afterAll(async () => {
    await stopAll();
    for (const b of backends) await b.kill();
    await mesh?.close();
  });

  it('an app dies mid-load: ≥ 99.9 % succeed (retries + ejection), and it gets traffic again on return', async () => {
    const victim = backends[2] as Backend;
    const load = startLoad({ port: client.ports.outbound, authority: 'catalog', rps: RPS, maxMs: 20_000 });
    await sleep(1_000);
    await victim.kill();
    await sleep(4_000);
    const r = await comeBack(load, victim, 'app of 1 of 3 endpoints killed', () => victim.start());
    expect(rate(r), r.errors.join('\n')).toBeGreaterThanOrEqual(0.999);
  }, 40_000);

  it('a backend sidecar is SIGKILLed mid-load: ≥ 99.9 % succeed, and its restart gets traffic again', async () => {
    const victim = servers[1] as SidecarProc;
    const load = startLoad({ port: client.ports.outbound, authority: 'catalog', rps: RPS, maxMs: 20_000 });
    await sleep(1_000);
    victim.proc.proc.kill('SIGKILL');
    await victim.proc.exited;
    await endpointsAre(client, 'catalog', 2);
    await sleep(1_000);
    const app = backends[1] as Backend;
    const r = await comeBack(load, app, 'sidecar of 1 of 3 endpoints SIGKILLed', async () => {
      servers[1] = await mesh.sidecar('catalog-1', { service: 'catalog', appPort: app.port });
      await endpointsAre(client, 'catalog', 3);
    });
    expect(rate(r), r.errors.join('\n')).toBeGreaterThanOrEqual(0.999);
  }, 40_000);
});
