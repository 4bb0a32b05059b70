// HA: two control-plane replicas behind one address (a TCP relay standing in for the Kubernetes
// Service in front of them). The replica the sidecars are connected to dies mid-load; they keep
// serving from their last snapshot, reconnect through the same address to the other replica, and
// take the next change from it. No request fails.
import { DiscoveryV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { startDiscoveredSidecar, type DiscoveredSidecar } from '../helpers/mesh.ts';
import { startKubeApiServer, waitFor, type KubeApiServer } from '../kube-apiserver/index.ts';
import { startRelay, type Relay } from '../reliability/relay.ts';
import { loadCrds } from './crds.ts';
import { endpointSlice, meshedNamespace, quietLogger, replicaOptions, service } from './helpers.ts';

const logger = quietLogger();
const NS = 'shop';
const portOf = (address: string): number => Number(address.slice(address.lastIndexOf(':') + 1));

let api: KubeApiServer;
let a: RunningKubeControlPlane;
let b: RunningKubeControlPlane;
let target: RunningKubeControlPlane;
let relay: Relay;
let app: App;
let web: DiscoveredSidecar;
let client: DiscoveredSidecar;

beforeAll(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  api.store.seed(meshedNamespace(NS));
  for (const s of ['web', 'later']) api.store.seed(service(NS, s));
  [a, b] = await Promise.all([
    startKubeControlPlane(replicaOptions(api, 'cp-a', logger)),
    startKubeControlPlane(replicaOptions(api, 'cp-b', logger)),
  ]);
  target = a;
  relay = await startRelay(() => portOf(target.grpcAddress));
  app = await startH1Echo('web');
  const sidecar = (name: string, appPort: number, seed: number) =>
    startDiscoveredSidecar({
      address: relay.address,
      node: { workload: name, namespace: NS, serviceAccount: name },
      appPort,
      logger,
      seeds: { proxy: seed, discovery: seed + 1 },
    });
  web = await sidecar('web', app.port, 11);
  client = await sidecar('client', 1, 21);
  const slice = endpointSlice(NS, 'web', [{ ip: '127.0.0.1' }], web.proxy.ports.inbound, 'a');
  await api
    .kubeConfig()
    .makeApiClient(DiscoveryV1Api)
    .createNamespacedEndpointSlice({ namespace: NS, body: slice as never });
  await waitFor(
    () => client.discovery.current()?.services[`${NS}/web`]?.endpoints.length === 1,
    'web endpoint',
  );
}, 30_000);

afterAll(async () => {
  await client?.close();
  await web?.close();
  await app?.close();
  await relay?.close();
  await b?.close();
  await api?.close();
});

describe('control-plane replica failover', () => {
  it('the replica in use dies under load: 0 failed requests, the sidecars resync from the other', async () => {
    let sent = 0;
    let failed = 0;
    let stop = false;
    // Bounded: at most 20,000 requests, 40 s, or until the checks below finish; 4 in flight, each
    // pausing 5 ms so the load lasts however long the resync takes (an unpaced loop used up a
    // 3,000 cap during a slow resync and then never showed "load after the failover").
    const until = Date.now() + 40_000;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop && sent < 20_000 && Date.now() < until) {
          sent++;
          const r = await h1Call(client.proxy.ports.outbound, { authority: 'web' }).catch(() => undefined);
          if (r?.status !== 200) failed++;
          await new Promise((r) => setTimeout(r, 5));
        }
      }),
    );
    await waitFor(() => sent > 200, 'load before the failover');
    const before = client.discovery.current()?.version;
    // The replica dies; the Service now sends new connections to the survivor.
    target = b;
    relay.block();
    await a.close();
    relay.open();
    // A change made now can only reach the sidecars through replica b.
    const later = endpointSlice(NS, 'later', [{ ip: '127.0.0.1' }], web.proxy.ports.inbound, 'a');
    await api
      .kubeConfig()
      .makeApiClient(DiscoveryV1Api)
      .createNamespacedEndpointSlice({ namespace: NS, body: later as never });
    await waitFor(
      () => client.discovery.current()?.services[`${NS}/later`]?.endpoints.length === 1,
      'resync via b',
      15_000,
    );
    const after = sent;
    await waitFor(() => sent > after + 200, 'load after the failover', 10_000);
    stop = true;
    await load;
    console.log(
      `[failover] sent=${sent} failed=${failed} snapshot ${before} → ${client.discovery.current()?.version}`,
    );
    expect(failed).toBe(0);
    expect((await h1Call(client.proxy.ports.outbound, { authority: 'later' })).status).toBe(200);
  }, 60_000);
});
