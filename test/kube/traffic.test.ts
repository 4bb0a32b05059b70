// Real traffic in Kubernetes mode: the kube-apiserver stand-in, a kube-mode control plane, real
// sidecars (startDiscoveredSidecar: the `weft proxy` assembly) in front of real HTTP apps, and a
// client sidecar the test calls through. Objects change through the API with
// @kubernetes/client-node, as kubectl or a controller would: a TrafficSplit created/updated/deleted
// moves the traffic share, and EndpointSlice churn (not ready, terminating, scale-up) while
// requests flow fails none.
import { CustomObjectsApi, DiscoveryV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import type { SnapshotSource } from '../../proxy/discovery/source.ts';
import type { RunningProxy } from '../../proxy/runtime.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { startDiscoveredSidecar } from '../helpers/mesh.ts';
import { startKubeApiServer, waitFor, type KubeApiServer } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import {
  endpointSlice,
  meshedNamespace,
  quietLogger,
  replicaOptions,
  service,
  trafficSplit,
  type SliceEndpoint,
} from './helpers.ts';

const logger = quietLogger();
const NS = 'shop';

interface Pod {
  readonly name: string;
  readonly app: App;
  readonly proxy: RunningProxy;
  readonly discovery: SnapshotSource;
  /** The pod's address as an EndpointSlice lists it: the sidecar's inbound listener. */
  readonly port: number;
  closed: boolean;
  close(): Promise<void>;
}

let api: KubeApiServer;
let cp: RunningKubeControlPlane;
let client: Pod;
const pods: Pod[] = [];

/** A sidecar (its snapshots from the control plane) in front of an echo app named `name`. */
const startPod = async (name: string): Promise<Pod> => {
  const app = await startH1Echo(name);
  const { proxy, discovery, close } = await startDiscoveredSidecar({
    address: cp.grpcAddress,
    node: { workload: name, namespace: NS, serviceAccount: name },
    appPort: app.port,
    logger,
    seeds: { proxy: pods.length + 11, discovery: pods.length + 1 },
  });
  await discovery.ready();
  const pod: Pod = {
    name,
    app,
    proxy,
    discovery,
    port: proxy.ports.inbound,
    closed: false,
    async close() {
      if (pod.closed) return;
      pod.closed = true;
      await close();
      await app.close();
    },
  };
  pods.push(pod);
  return pod;
};

const k8s = () => ({
  custom: api.kubeConfig().makeApiClient(CustomObjectsApi),
  discovery: api.kubeConfig().makeApiClient(DiscoveryV1Api),
});

const SPLIT = { group: 'split.smi-spec.io', version: 'v1alpha4', namespace: NS, plural: 'trafficsplits' };

/**
 * One slice per pod (all pods are 127.0.0.1, told apart by port, and a slice has one port list),
 * changed in place as the EndpointSlice controller does: upserts first, removals last, so no
 * moment shows the Service without its remaining endpoints.
 */
const putSlices = async (svc: string, members: readonly { pod: Pod; state?: Partial<SliceEndpoint> }[]) => {
  const { discovery } = k8s();
  const existing = new Map(
    (await discovery.listNamespacedEndpointSlice({ namespace: NS })).items
      .filter((s) => s.metadata?.labels?.['kubernetes.io/service-name'] === svc)
      .map((s) => [s.metadata?.name ?? '', s.metadata]),
  );
  for (const { pod, state } of members) {
    const body = endpointSlice(NS, svc, [{ ip: '127.0.0.1', ...state }], pod.port, pod.name);
    const name = body.metadata.name ?? '';
    const old = existing.get(name);
    existing.delete(name);
    if (old) {
      const metadata = { ...body.metadata, resourceVersion: old.resourceVersion };
      await discovery.replaceNamespacedEndpointSlice({
        namespace: NS,
        name,
        body: { ...body, metadata } as never,
      });
    } else await discovery.createNamespacedEndpointSlice({ namespace: NS, body: body as never });
  }
  for (const name of existing.keys()) await discovery.deleteNamespacedEndpointSlice({ namespace: NS, name });
};

/** Until the client sidecar runs a snapshot where `ok` holds. */
const clientSees = (what: string, ok: (s: ProxySnapshot) => boolean): Promise<void> =>
  waitFor(() => {
    const s = client.discovery.current();
    return s !== undefined && ok(s);
  }, what);

const call = (authority: string) => h1Call(client.proxy.ports.outbound, { authority });

/** `n` requests, 4 at a time: how many each app answered, and how many failed. */
const shares = async (authority: string, n: number) => {
  const byApp = new Map<string, number>();
  let failed = 0;
  const worker = async (count: number): Promise<void> => {
    for (let i = 0; i < count; i++) {
      const r = await call(authority);
      if (r.status !== 200) failed++;
      const app = String(r.headers['x-app'] ?? 'none');
      byApp.set(app, (byApp.get(app) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: 4 }, () => worker(n / 4)));
  return { share: (app: string) => (byApp.get(app) ?? 0) / n, failed };
};

beforeAll(async () => {
  api = await startKubeApiServer({ resources: loadCrds() });
  api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
  api.store.seed(meshedNamespace(NS));
  for (const s of ['web', 'web-v1', 'web-v2', 'api']) api.store.seed(service(NS, s));
  cp = await startKubeControlPlane(replicaOptions(api, 'cp-a', logger));
  client = await startPod('client');
});
afterAll(async () => {
  for (const p of pods.reverse()) await p.close();
  await cp?.close();
  await api?.close();
});

describe('Kubernetes mode, real traffic', () => {
  it('a TrafficSplit created, updated and deleted through the API moves the traffic share', async () => {
    const [v1, v2] = [await startPod('web-v1'), await startPod('web-v2')];
    // The root Service selects the stable pods (v1); each version has its own Service.
    await putSlices('web', [{ pod: v1 }]);
    await putSlices('web-v1', [{ pod: v1 }]);
    await putSlices('web-v2', [{ pod: v2 }]);
    await clientSees('every endpoint', (s) =>
      ['web', 'web-v1', 'web-v2'].every((n) => s.services[`${NS}/${n}`]?.endpoints.length === 1),
    );
    expect((await shares('web', 40)).share('web-v2')).toBe(0);

    const weights = (s: ProxySnapshot) =>
      (s.services[`${NS}/web`]?.split?.backends ?? []).map((b) => b.weight).join('/');
    const { custom } = k8s();
    await custom.createNamespacedCustomObject({
      ...SPLIT,
      body: trafficSplit(NS, 'web', 'web', { 'web-v1': 0, 'web-v2': 100 }),
    });
    await clientSees('the split', (s) => weights(s) === '0/100');
    const all = await shares('web', 40);
    expect([all.share('web-v2'), all.failed]).toEqual([1, 0]);

    // An update names the version it replaces, as kubectl does (read, change, replace).
    const current = (await custom.getNamespacedCustomObject({ ...SPLIT, name: 'web' })) as {
      metadata: object;
    };
    const next = trafficSplit(NS, 'web', 'web', { 'web-v1': 75, 'web-v2': 25 });
    await custom.replaceNamespacedCustomObject({
      ...SPLIT,
      name: 'web',
      body: { ...next, metadata: current.metadata },
    });
    await clientSees('the new weights', (s) => weights(s) === '75/25');
    // 400 requests at p = 0.25: the standard deviation of the share is 0.022; ±0.08 is over 3.5 of them.
    const quarter = await shares('web', 400);
    expect(quarter.failed).toBe(0);
    expect(Math.abs(quarter.share('web-v2') - 0.25)).toBeLessThan(0.08);

    await custom.deleteNamespacedCustomObject({ ...SPLIT, name: 'web' });
    await clientSees('no split', (s) => weights(s) === '');
    const after = await shares('web', 40);
    expect([after.share('web-v1'), after.failed]).toEqual([1, 0]);
  });

  it('EndpointSlice churn while requests flow: no request fails, removed pods get none', async () => {
    const [a, b, c] = [await startPod('api-a'), await startPod('api-b'), await startPod('api-c')];
    await putSlices('api', [{ pod: a }, { pod: b }, { pod: c }]);
    const endpoints = (s: ProxySnapshot) =>
      (s.services[`${NS}/api`]?.endpoints ?? []).map((e) => e.port).sort();
    const serving =
      (...p: Pod[]) =>
      (s: ProxySnapshot) =>
        endpoints(s).join() ===
        p
          .map((x) => x.port)
          .sort()
          .join();
    await clientSees('three endpoints', serving(a, b, c));

    // Bounded load: 4 workers, ~100 requests/s in all, at most 3,000 requests or 30 s.
    let stop = false;
    let sent = 0;
    let done = 0;
    const failures: string[] = [];
    const deadline = Date.now() + 30_000;
    const worker = async (): Promise<void> => {
      while (!stop && sent < 3_000 && Date.now() < deadline) {
        sent++;
        const r = await call('api').catch((e: Error) => ({ status: 0, body: Buffer.from(e.message) }));
        if (r.status !== 200) failures.push(`${r.status} ${r.body.toString().slice(0, 100)}`);
        done++;
        await new Promise((r) => setTimeout(r, 40));
      }
    };
    const load = Promise.all(Array.from({ length: 4 }, worker));
    // Requests picked before a change reached the client may still be on their way: let the
    // ones in flight finish (each worker completes two more) before counting.
    const settled = async (): Promise<void> => {
      const target = done + 8;
      await waitFor(() => done >= target, 'requests in flight to finish');
    };

    await waitFor(() => [a, b, c].every((p) => p.app.requests >= 5), 'every pod to take requests');
    // c stops being ready (readiness probe failing): out of the endpoints, then it goes away.
    await putSlices('api', [{ pod: a }, { pod: b }, { pod: c, state: { ready: false, serving: false } }]);
    await clientSees('c out', serving(a, b));
    await settled();
    await c.close(); // and the pod dies: nobody may be sending to it any more
    // b is deleted: terminating but still serving (its grace period) while a is ready, so not used.
    await putSlices('api', [
      { pod: a },
      { pod: b, state: { ready: false, serving: true, terminating: true } },
    ]);
    await clientSees('b out', serving(a));
    await settled();
    const bAtRemoval = b.app.requests;
    // Scale up: d joins.
    const d = await startPod('api-d');
    await putSlices('api', [{ pod: a }, { pod: d }]);
    await clientSees('d in', serving(a, d));
    await waitFor(() => d.app.requests >= 10, 'd to take requests');
    stop = true;
    await load;

    expect(failures).toEqual([]);
    expect(sent).toBeGreaterThan(60);
    expect(b.app.requests - bAtRemoval).toBe(0); // alive all along, yet no longer chosen
    expect(a.app.requests).toBeGreaterThan(0);
  });
});
