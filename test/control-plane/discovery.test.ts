// Control plane on a temp folder + real gRPC on 127.0.0.1:0 + two sidecar discovery clients:
// snapshots arrive, edits propagate (timed), NACKs show on /status, restarts resync.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { seededRandom } from '../../api/runtime/clock.ts';
import {
  startControlPlane,
  type ControlPlaneStatus,
  type RunningControlPlane,
} from '../../control-plane/runtime.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { eventually, quietLogger, SERVICES_YAML, splitYaml, tempConfigDir, type TempDir } from './helpers.ts';

const logger = quietLogger();
let config: TempDir;
let cp: RunningControlPlane | undefined;
const clients: DiscoverySource[] = [];

const start = async (grpcPort = 0): Promise<RunningControlPlane> =>
  (cp = await startControlPlane({
    configDir: config.dir,
    grpcPort,
    adminPort: 0,
    logger,
    sendTimeoutMs: 5_000,
    startupGraceMs: 0, // no Service here has endpoints: the grace would hold a restart's resync
  }));

const client = (workload: string, opts: { port?: number; reject?: (s: ProxySnapshot) => boolean } = {}) => {
  const c = connectDiscovery({
    address: cp!.grpcAddress,
    node: {
      workload,
      namespace: 'demo',
      serviceAccount: workload,
      ...(opts.port ? { service: 'catalog-v1', inbound: { host: '127.0.0.1', port: opts.port } } : {}),
    },
    logger,
    random: seededRandom(7),
    backoff: { baseMs: 20, maxMs: 200 },
    ...(opts.reject
      ? {
          validate: (s: ProxySnapshot) =>
            opts.reject!(s) ? [{ path: 'test', message: 'rejected by the test validator' }] : [],
        }
      : {}),
  });
  clients.push(c);
  return c;
};

const weights = (s: ProxySnapshot | undefined): number[] | undefined =>
  s?.services['demo/catalog']?.split?.backends.map((b) => b.weight);

const status = async (): Promise<ControlPlaneStatus> =>
  (await (await fetch(`http://${cp!.adminAddress}/status`)).json()) as ControlPlaneStatus;

beforeEach(async () => {
  config = await tempConfigDir({ 'services.yaml': SERVICES_YAML, 'split.yaml': splitYaml(90, 10) });
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await cp?.close();
  cp = undefined;
  await config.remove();
});

describe('discovery over real gRPC', () => {
  it('delivers snapshots to two sidecars and propagates a TrafficSplit edit to both within 2 s', async () => {
    await start();
    const a = client('frontend');
    const b = client('catalog-v1-abc', { port: 41_000 });
    const [sa, sb] = await Promise.all([a.ready(), b.ready()]);
    expect(weights(sa)).toEqual([90, 10]);
    expect(sb.workload.identity).toBe('spiffe://cluster.local/ns/demo/sa/catalog-v1-abc');
    // The serving sidecar becomes an endpoint of its Service, with its identity.
    const withEndpoint = await eventually(
      () => {
        const ep = a.current()?.services['demo/catalog-v1']?.endpoints[0];
        return ep?.port === 41_000 ? ep : undefined;
      },
      3_000,
      'sidecar endpoint',
    );
    expect(withEndpoint).toMatchObject({
      address: '127.0.0.1',
      workload: 'catalog-v1-abc',
      identity: 'spiffe://cluster.local/ns/demo/sa/catalog-v1-abc',
    });

    const t0 = performance.now();
    await config.write('split.yaml', splitYaml(50, 50));
    await eventually(
      () => (weights(a.current())?.[0] === 50 && weights(b.current())?.[0] === 50 ? true : undefined),
      2_000,
      'edit at both',
    );
    const elapsedMs = performance.now() - t0;
    console.log(`[measure] TrafficSplit edit → both sidecars: ${elapsedMs.toFixed(0)} ms`);
    expect(elapsedMs).toBeLessThanOrEqual(2_000);

    const st = await eventually(
      async () => {
        const s = await status();
        return s.sidecars.length === 2 && s.sidecars.every((x) => x.ackedVersion === s.versions[x.workload])
          ? s
          : undefined;
      },
      2_000,
      'both ACKed',
    );
    expect(Object.keys(st.versions).sort()).toEqual(['demo/catalog-v1-abc', 'demo/frontend']);
    const metrics = await (await fetch(`http://${cp!.adminAddress}/metrics`)).text();
    expect(metrics).toMatch(/weft_control_plane_connected_sidecars 2/);
    expect(metrics).toMatch(/weft_control_plane_pushes_total [1-9]/);
  });

  it('shows a NACK on /status while the client keeps its last good snapshot', async () => {
    await start();
    const c = client('frontend', { reject: (s) => weights(s)?.[0] === 0 });
    const good = await c.ready();
    await config.write('split.yaml', splitYaml(0, 100));
    const st = await eventually(
      async () => {
        const s = await status();
        return s.sidecars[0]?.lastNack ? s : undefined;
      },
      3_000,
      'NACK on /status',
    );
    expect(st.sidecars[0]?.lastNack?.issues).toEqual([
      { path: 'test', message: 'rejected by the test validator' },
    ]);
    expect(st.sidecars[0]?.ackedVersion).toBe(good.version);
    expect(c.current()?.version).toBe(good.version);
    expect(c.stats().rejected).toBe(1);
    const metrics = await (await fetch(`http://${cp!.adminAddress}/metrics`)).text();
    expect(metrics).toMatch(/weft_control_plane_nacks_total 1/);
  });

  it('reports config issues on /status and keeps the last good file content', async () => {
    await start();
    const c = client('frontend');
    await c.ready();
    await config.write('split.yaml', splitYaml(-5, 10));
    const st = await eventually(
      async () => {
        const s = await status();
        return s.issues.length > 0 ? s : undefined;
      },
      3_000,
      'issue on /status',
    );
    expect(st.issues).toContainEqual({
      path: expect.stringMatching(/split\.yaml: TrafficSplit demo\/catalog: spec\.backends\[0\]\.weight$/),
      message: 'must be a whole number ≥ 0 (got -5)',
    });
    expect(weights(c.current())).toEqual([90, 10]);
  });

  it('reconnects and resyncs after a control plane restart', async () => {
    const first = await start();
    const port = Number(first.grpcAddress.split(':').pop());
    const c = client('frontend');
    await c.ready();
    await first.close();
    cp = undefined;
    await eventually(() => (c.stats().connected ? undefined : true), 3_000, 'disconnect noticed');
    expect(weights(c.current())).toEqual([90, 10]); // keeps serving the last snapshot meanwhile
    await config.write('split.yaml', splitYaml(30, 70));
    await start(port);
    await eventually(
      () => (weights(c.current())?.[0] === 30 ? true : undefined),
      5_000,
      'resync after restart',
    );
    expect(c.stats().reconnects).toBeGreaterThan(0);
  });

  it('drops the resources of a file saved by rename (as vim does) once it is deleted', async () => {
    await start();
    const a = client('frontend');
    expect(weights(await a.ready())).toEqual([90, 10]);
    await config.write('split.yaml', splitYaml(50, 50)); // temp file renamed over split.yaml
    await eventually(
      () => (weights(a.current())?.join() === '50,50' ? true : undefined),
      3_000,
      'rename-save',
    );
    await rm(join(config.dir, 'split.yaml'));
    await eventually(
      () => (a.current()?.services['demo/catalog'] && !weights(a.current()) ? true : undefined),
      3_000,
      'the deleted TrafficSplit leaving the snapshot',
    );
  });
});
