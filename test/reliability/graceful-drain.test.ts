// Graceful drain (processes, no retry policy: the drain itself must lose nothing). SIGTERM to a
// server sidecar while slow requests are in flight and steady load runs: the in-flight requests
// finish, new requests go to the other endpoint, the process exits within its drain timeout (5 s).
// A rolling restart of both backends under load loses 0 requests. SIGTERM to the client sidecar
// lets its own in-flight requests finish before it exits.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h1Call, type Reply } from '../helpers/http-clients.ts';
import { join } from 'node:path';
import { stopAll, weftServing } from '../mtls/processes.ts';
import { endpointsAre, ProcessMesh, serviceYaml, type SidecarPorts, type SidecarProc } from './harness.ts';
import { report, startLoad } from './load.ts';

const RPS = 500;
const SLOW_MS = 1_500;
const DRAIN_MS = 5_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Answers /slow after SLOW_MS, anything else at once. */
const startApp = async (): Promise<{ port: number; server: Server }> => {
  const server = createServer((req, res) => {
    const answer = () => res.writeHead(200, { 'content-length': 2 }).end('ok');
    if (req.url === '/slow') setTimeout(answer, SLOW_MS);
    else answer();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, server };
};

const exitWithin = async (s: SidecarProc, ms: number): Promise<number> => {
  const t0 = Date.now();
  s.proc.proc.kill('SIGTERM');
  const code = await Promise.race([s.proc.exited, sleep(ms).then(() => 'still running')]);
  expect(code, `${s.name} exited:\n${s.proc.output().slice(-2_000)}`).toBe(0);
  return Date.now() - t0;
};

describe('graceful drain', () => {
  let mesh: ProcessMesh;
  const apps: { port: number; server: Server }[] = [];
  const servers: SidecarProc[] = [];
  let client: SidecarProc;
  const slowCalls = (n: number): Promise<Reply[]> =>
    Promise.all(
      Array.from({ length: n }, () => h1Call(client.ports.outbound, { authority: 'catalog', path: '/slow' })),
    );
  const restart = async (i: number): Promise<void> => {
    servers[i] = await mesh.sidecar(`catalog-${i}`, { service: 'catalog', appPort: apps[i]?.port });
    await endpointsAre(client, 'catalog', 2);
  };

  beforeAll(async () => {
    mesh = await ProcessMesh.create({ 'services.yaml': serviceYaml('catalog') });
    await mesh.startControlPlane();
    for (let i = 0; i < 2; i++) {
      apps.push(await startApp());
      servers.push(await mesh.sidecar(`catalog-${i}`, { service: 'catalog', appPort: apps[i]?.port }));
    }
    client = await mesh.sidecar('client');
    await endpointsAre(client, 'catalog', 2);
  }, 40_000);
  afterAll(async () => {
    await stopAll();
    for (const a of apps) {
      a.server.close();
      a.server.closeAllConnections();
    }
    await mesh?.close();
  });

  it('SIGTERM to a server sidecar: in-flight requests finish, new ones go elsewhere, exit within the drain timeout', async () => {
    const load = startLoad({ port: client.ports.outbound, authority: 'catalog', rps: RPS, maxMs: 15_000 });
    await sleep(500);
    const slow = slowCalls(20);
    await sleep(200); // the slow requests are at the apps now
    const tookMs = await exitWithin(servers[0] as SidecarProc, DRAIN_MS + 2_000);
    await sleep(1_000);
    const r = await load.stop();
    const replies = await slow;
    report(`server sidecar SIGTERM (exit after ${tookMs} ms)`, r, r.sent / RPS);
    expect(replies.map((x) => x.status)).toEqual(replies.map(() => 200));
    expect(r.failed, r.errors.join('\n')).toBe(0);
    await restart(0);
  }, 40_000);

  it('rolling restart of both backends under load loses 0 requests', async () => {
    const load = startLoad({ port: client.ports.outbound, authority: 'catalog', rps: RPS, maxMs: 40_000 });
    const t0 = Date.now();
    await sleep(500);
    for (const i of [0, 1]) {
      await exitWithin(servers[i] as SidecarProc, DRAIN_MS + 2_000);
      await restart(i);
      await sleep(500);
    }
    const r = await load.stop();
    report(`rolling restart of 2 backends in ${Date.now() - t0} ms`, r, r.sent / RPS);
    expect(r.failed, r.errors.join('\n')).toBe(0);
  }, 50_000);

  it('SIGTERM to the client sidecar lets its in-flight requests finish', async () => {
    const slow = slowCalls(10);
    await sleep(200);
    const tookMs = await exitWithin(client, DRAIN_MS + 2_000);
    const replies = await slow;
    console.log(`[reliability] client sidecar SIGTERM with 10 in flight: exit after ${tookMs} ms`);
    expect(replies.map((x) => x.status)).toEqual(replies.map(() => 200));
    expect(tookMs).toBeGreaterThanOrEqual(SLOW_MS - 300);
  }, 20_000);

  it('SIGTERM before the first snapshot ever arrived still exits 0', async () => {
    // No control plane at that address (port 1 on loopback refuses) and no token: nothing to wait for.
    const [proc, ports] = await weftServing<SidecarPorts>(
      [
        ...['proxy', '--control-plane', '127.0.0.1:1', '--workload', 'lonely', '--app-port', '1'],
        ...['--outbound-port', '0', '--inbound-port', '0', '--admin-port', '0', '--metrics-port', '0'],
        ...['--listen-host', '127.0.0.1', '--log-level', 'warn', '--drain-delay', '0s'],
      ],
      join(mesh.dir, 'lonely.ports'),
    );
    await exitWithin({ name: 'lonely', proc, ports }, DRAIN_MS);
  }, 20_000);
});
