// The control plane in Kubernetes mode against the kube-apiserver stand-in over real HTTP, with a
// sidecar discovery client on real gRPC: endpoint churn, dropped and expired watches, TrafficSplit
// lifecycle, meshed-namespace filtering and CRDs installed late all reach the pushed snapshots.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { seededRandom, systemClock } from '../../api/runtime/clock.ts';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/runtime.ts';
import { kubeSource, type KubeSource } from '../../control-plane/sources/kube/kube-source.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { startKubeApiServer, waitFor, type KubeApiServer, type KubeObject } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import {
  endpointSlice,
  meshedNamespace,
  quietLogger,
  service,
  pod,
  trafficSplit,
  type SliceEndpoint,
} from './helpers.ts';

const logger = quietLogger();
let api: KubeApiServer;
let cp: RunningControlPlane | undefined;
let source: KubeSource;
let sidecar: DiscoverySource | undefined;

const start = async (opts: { crds?: boolean } = {}): Promise<void> => {
  api = await startKubeApiServer({ watchHistory: 200, resources: opts.crds === false ? [] : loadCrds() });
  api.store.seed(meshedNamespace('shop'));
  api.store.seed(service('shop', 'web'));
  api.store.seed(service('shop', 'web-v1'));
  api.store.seed(service('shop', 'web-v2'));
};

// The real clock: network timing never decides a test outcome here.
const makeSource = (watchPods = false): KubeSource =>
  kubeSource({
    kubeConfig: api.kubeConfig(),
    clock: systemClock,
    random: seededRandom(3),
    logger,
    debounceMs: 10,
    backoff: { baseMs: 20, maxMs: 200 },
    watchPods,
  });

const startCp = async (watchPods = false): Promise<DiscoverySource> => {
  source = makeSource(watchPods);
  cp = await startControlPlane({ source, grpcPort: 0, adminPort: 0, logger, debounceMs: 10 });
  sidecar = connectDiscovery({
    address: cp.grpcAddress,
    node: { workload: 'client', namespace: 'shop', serviceAccount: 'client' },
    logger,
    random: seededRandom(5),
    backoff: { baseMs: 20, maxMs: 200 },
  });
  await sidecar.ready();
  return sidecar;
};

afterEach(async () => {
  await sidecar?.close();
  await cp?.close();
  sidecar = undefined;
  cp = undefined;
  await api.close();
});

const endpointsOf = (s: ProxySnapshot | undefined, svc = 'shop/web'): string[] =>
  (s?.services[svc]?.endpoints ?? []).map((e) => `${e.address}:${e.port}`);

const until = async (sc: DiscoverySource, what: string, ok: (s: ProxySnapshot) => boolean): Promise<void> =>
  waitFor(() => {
    const s = sc.current();
    return s !== undefined && ok(s);
  }, what);

const ips = (n: number, from = 1): string[] => Array.from({ length: n }, (_, i) => `10.1.0.${from + i}`);
const slice = (eps: readonly SliceEndpoint[]): KubeObject => endpointSlice('shop', 'web', eps);

describe('Kubernetes source → snapshots', () => {
  it("gives each endpoint its pod and the SPIFFE ID of the pod's service account", async () => {
    await start();
    api.store.seed(pod('shop', 'web-0', '10.1.0.1', 'web'));
    api.store.seed(pod('shop', 'web-1', '10.1.0.2')); // no serviceAccountName: default
    api.store.seed(pod('other', 'web-x', '10.1.0.3', 'intruder')); // not meshed, never an owner
    api.store.seed(
      slice([
        { ip: '10.1.0.1', pod: 'web-0' },
        { ip: '10.1.0.2' }, // no targetRef: found by its IP
        { ip: '10.1.0.3' },
        { ip: '10.1.0.4', pod: 'web-4' }, // its pod is not listed yet
      ]),
    );
    const sc = await startCp(true);
    const owners = (s: ProxySnapshot | undefined) =>
      (s?.services['shop/web']?.endpoints ?? []).map((e) => `${e.address} ${e.workload} ${e.identity}`);
    expect(owners(sc.current())).toEqual([
      '10.1.0.1 web-0 spiffe://cluster.local/ns/shop/sa/web',
      '10.1.0.2 web-1 spiffe://cluster.local/ns/shop/sa/default',
      '10.1.0.3 undefined undefined',
      '10.1.0.4 undefined undefined',
    ]);
    // The pod shows up after its endpoint: the identity follows.
    api.store.seed(pod('shop', 'web-4', '10.1.0.4', 'web'));
    await until(
      sc,
      'the late pod’s identity',
      (s) => owners(s)[3] === '10.1.0.4 web-4 spiffe://cluster.local/ns/shop/sa/web',
    );
  });

  it('follows EndpointSlice churn: 1 → 10 → not-ready/terminating → 0', async () => {
    await start();
    api.store.seed(slice([{ ip: '10.1.0.1' }]));
    const sc = await startCp();
    expect(endpointsOf(sc.current())).toEqual(['10.1.0.1:8080']);

    api.store.seed(slice(ips(10).map((ip) => ({ ip }))));
    await until(sc, '10 endpoints', (s) => endpointsOf(s).length === 10);

    // 3 stop being ready (one of them terminating but still serving): ready ones only.
    api.store.seed(
      slice(
        ips(10).map((ip, i) =>
          i < 3 ? { ip, ready: false, serving: i === 0, terminating: i === 0 } : { ip },
        ),
      ),
    );
    await until(sc, '7 ready endpoints', (s) => endpointsOf(s).length === 7);
    expect(endpointsOf(sc.current())).not.toContain('10.1.0.1:8080');

    // Rollout drains: nothing ready, one terminating and serving → it keeps answering.
    api.store.seed(
      slice([
        { ip: '10.1.0.9', ready: false, serving: true, terminating: true },
        { ip: '10.1.0.8', ready: false, serving: false, terminating: true },
      ]),
    );
    await until(sc, 'the serving terminating endpoint', (s) => endpointsOf(s).join() === '10.1.0.9:8080');

    api.store.seed(slice([]));
    await until(sc, 'no endpoints', (s) => endpointsOf(s).length === 0);
    expect(sc.current()?.services['shop/web']).toBeDefined(); // the Service itself stays
  });

  it('converges after dropped watches and an expired resourceVersion, with no duplicate or lost endpoint', async () => {
    await start();
    const sc = await startCp();
    for (let round = 0; round < 4; round++) {
      await waitFor(() => api.activeWatches() >= 6, `watches open (round ${round})`);
      if (round % 2 === 0) api.dropWatches();
      else api.compactHistory();
      // Writes while the informers are down or must relist: one more slice per round.
      api.store.seed(
        endpointSlice(
          'shop',
          'web',
          ips(3, round * 3 + 1).map((ip) => ({ ip })),
          8080,
          `r${round}`,
        ),
      );
      if (round === 1)
        api.store.delete({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          namespace: 'shop',
          name: 'web-r0',
        });
    }
    const expected = ips(9, 4)
      .map((ip) => `${ip}:8080`)
      .sort();
    await until(sc, 'converged endpoints', (s) => endpointsOf(s).join() === expected.join());
    expect(new Set(endpointsOf(sc.current())).size).toBe(endpointsOf(sc.current()).length);
    expect(source.informers().reduce((n, i) => n + i.restarts(), 0)).toBeGreaterThan(0);
  });

  it('TrafficSplit created, updated and deleted through the API changes the split', async () => {
    await start();
    const sc = await startCp();
    const weights = (s: ProxySnapshot): string =>
      (s.services['shop/web']?.split?.backends ?? []).map((b) => `${b.service}=${b.weight}`).join(',');
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v1': 90, 'web-v2': 10 }));
    await until(sc, 'the split', (s) => weights(s) === 'shop/web-v1=90,shop/web-v2=10');
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v1': 50, 'web-v2': 50 }));
    await until(sc, 'the new weights', (s) => weights(s) === 'shop/web-v1=50,shop/web-v2=50');
    // An older API version of the same kind is read the same way (v1alpha2: no matches).
    api.store.delete({
      apiVersion: 'split.smi-spec.io/v1alpha4',
      kind: 'TrafficSplit',
      namespace: 'shop',
      name: 'web',
    });
    await until(sc, 'no split', (s) => weights(s) === '');
    api.store.seed(
      trafficSplit('shop', 'web2', 'web', { 'web-v1': 1, 'web-v2': 3 }, 'split.smi-spec.io/v1alpha2'),
    );
    await until(sc, 'the v1alpha2 split', (s) => weights(s) === 'shop/web-v1=1,shop/web-v2=3');
  });

  it('reads the weft.io/mtls-mode annotation of a meshed Namespace', async () => {
    await start();
    const annotated = (mode: string): KubeObject => {
      const ns = meshedNamespace('shop');
      return { ...ns, metadata: { ...ns.metadata, annotations: { 'weft.io/mtls-mode': mode } } };
    };
    api.store.seed(annotated('PERMISSIVE'));
    const sc = await startCp();
    expect(sc.current()?.workload.inboundMode).toBe('PERMISSIVE');
    api.store.seed(annotated('OFF'));
    await until(sc, 'a bad mode read as STRICT', (s) => s.workload.inboundMode === 'STRICT');
    expect(cp?.status().issues).toContainEqual({
      path: 'kube://Namespace/shop: Namespace shop: metadata.annotations["weft.io/mtls-mode"]',
      message: 'must be STRICT or PERMISSIVE (got "OFF"); read as STRICT until fixed',
    });
  });

  it('reads only meshed namespaces, and picks one up when it is labelled', async () => {
    await start();
    api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain' } });
    api.store.seed(service('plain', 'db'));
    const sc = await startCp();
    expect(sc.current()?.services['plain/db']).toBeUndefined();
    api.store.seed(meshedNamespace('plain'));
    await until(sc, 'plain/db after labelling', (s) => s.services['plain/db'] !== undefined);
    api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'plain', labels: {} } });
    await until(sc, 'plain/db gone after unlabelling', (s) => s.services['plain/db'] === undefined);
  });

  it('keeps serving without the mesh CRDs and reads them once they are installed', async () => {
    await start({ crds: false });
    const sc = await startCp();
    expect(sc.current()?.services['shop/web']).toBeDefined();
    for (const crd of loadCrds()) api.store.seed(crd);
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v1': 1, 'web-v2': 1 }));
    await until(sc, 'the split once the CRD exists', (s) => s.services['shop/web']?.split !== undefined);
  });

  it('keeps the last good version of an object while its update is invalid, and reports the field', async () => {
    await start();
    const sc = await startCp();
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v1': 90, 'web-v2': 10 }));
    await until(sc, 'the split', (s) => s.services['shop/web']?.split !== undefined);
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v1': -1 }));
    await waitFor(
      () =>
        cp!
          .status()
          .issues.some(
            (i) => i.path === 'kube://TrafficSplit/shop/web: TrafficSplit shop/web: spec.backends[0].weight',
          ),
      'the issue naming the field',
    );
    expect(sc.current()?.services['shop/web']?.split?.backends).toHaveLength(2);
  });
});
