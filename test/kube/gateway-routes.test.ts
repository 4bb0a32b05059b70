// Gateway API routes in Kubernetes mode, against the kube-apiserver stand-in: without the Gateway
// API CRDs the control plane serves everything else; once they are installed an HTTPRoute attached
// to a Service reaches the sidecars; an invalid update keeps the last good route and names the field.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { seededRandom, systemClock } from '../../api/runtime/clock.ts';
import { startKubeControlPlane, type RunningKubeControlPlane } from '../../control-plane/modes/kubernetes.ts';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/runtime.ts';
import { kubeSource } from '../../control-plane/sources/kube/kube-source.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { startKubeApiServer, waitFor, type KubeApiServer, type KubeObject } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { meshedNamespace, quietLogger, replicaOptions, service, trafficSplit } from './helpers.ts';

const logger = quietLogger();
let api: KubeApiServer;
let cp: RunningControlPlane | undefined;
let sidecar: DiscoverySource | undefined;
let replica: RunningKubeControlPlane | undefined;

/** The part of the upstream CRD the stand-in needs to serve the kind (schema left open). */
const gatewayCrd = (kind: string, plural: string): KubeObject => ({
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `${plural}.gateway.networking.k8s.io` },
  spec: {
    group: 'gateway.networking.k8s.io',
    scope: 'Namespaced',
    names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
        subresources: { status: {} },
      },
    ],
  },
});

const httpRoute = (weights: Record<string, number>): KubeObject => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'web-canary', namespace: 'shop' },
  spec: {
    parentRefs: [{ group: '', kind: 'Service', name: 'web', port: 80 }],
    rules: [{ backendRefs: Object.entries(weights).map(([name, weight]) => ({ name, port: 80, weight })) }],
  },
});

const until = (what: string, ok: (s: ProxySnapshot) => boolean): Promise<void> =>
  waitFor(() => {
    const s = sidecar?.current();
    return s !== undefined && ok(s);
  }, what);

afterEach(async () => {
  await sidecar?.close();
  await cp?.close();
  await replica?.close();
  sidecar = undefined;
  cp = undefined;
  replica = undefined;
  await api.close();
});

describe('Gateway API routes from the Kubernetes API', () => {
  it('serves without the Gateway API CRDs, then reads HTTPRoutes once they exist, keeping the last good one', async () => {
    api = await startKubeApiServer({ watchHistory: 200, resources: loadCrds() });
    api.store.seed(meshedNamespace('shop'));
    for (const name of ['web', 'web-v1', 'web-v2']) api.store.seed(service('shop', name));
    const source = kubeSource({
      kubeConfig: api.kubeConfig(),
      clock: systemClock,
      random: seededRandom(3),
      logger,
      debounceMs: 10,
      backoff: { baseMs: 20, maxMs: 200 },
      watchPods: false,
    });
    cp = await startControlPlane({ source, grpcPort: 0, adminPort: 0, logger, debounceMs: 10 });
    sidecar = connectDiscovery({
      address: cp.grpcAddress,
      node: { workload: 'client', namespace: 'shop', serviceAccount: 'client' },
      logger,
      random: seededRandom(5),
      backoff: { baseMs: 20, maxMs: 200 },
    });
    await sidecar.ready();
    expect(sidecar.current()?.services['shop/web']).toBeDefined();

    api.store.seed(gatewayCrd('HTTPRoute', 'httproutes'));
    api.store.seed(gatewayCrd('GRPCRoute', 'grpcroutes'));
    api.store.seed(httpRoute({ 'web-v1': 90, 'web-v2': 10 }));
    await until('the route once the CRD exists', (s) => s.services['shop/web']?.httpRoutes !== undefined);
    expect(
      sidecar.current()?.services['shop/web']?.httpRoutes?.rules[0]?.backends.map((b) => b.weight),
    ).toEqual([90, 10]);

    api.store.seed(httpRoute({ 'web-v1': -1 }));
    await waitFor(
      () =>
        cp!
          .status()
          .issues.some((i) =>
            i.path.endsWith('HTTPRoute shop/web-canary: spec.rules[0].backendRefs[0].weight'),
          ),
      'the issue naming the field',
    );
    expect(
      sidecar.current()?.services['shop/web']?.httpRoutes?.rules[0]?.backends.map((b) => b.weight),
    ).toEqual([90, 10]);
  });
});

describe('Gateway API route status (leader)', () => {
  interface Parent {
    controllerName: string;
    parentRef: { name: string };
    conditions?: { type: string; status: string; reason: string; lastTransitionTime?: string }[];
  }
  const parentsOf = (): Parent[] =>
    ((
      api.store.get({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        namespace: 'shop',
        name: 'web-canary',
      })?.['status'] as { parents?: Parent[] } | undefined
    )?.parents ?? []) as Parent[];

  it("writes weft's conditions into status.parents, keeps other controllers' entries, and follows a fix", async () => {
    api = await startKubeApiServer({
      resources: [
        ...loadCrds(),
        gatewayCrd('HTTPRoute', 'httproutes'),
        gatewayCrd('GRPCRoute', 'grpcroutes'),
      ],
    });
    api.store.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'weft-system' } });
    api.store.seed(meshedNamespace('shop'));
    for (const name of ['web', 'web-v1']) api.store.seed(service('shop', name));
    const other = { controllerName: 'example.com/ingress', parentRef: { name: 'gw' }, conditions: [] };
    api.store.seed({ ...httpRoute({ 'web-v1': 90, 'web-v2': 10 }), status: { parents: [other] } });
    replica = await startKubeControlPlane(replicaOptions(api, 'cp-a', logger));
    const ours = () => parentsOf().find((p) => p.controllerName === 'weft.io/mesh');
    await waitFor(() => ours() !== undefined, 'the route status');
    expect(ours()?.conditions?.map((c) => `${c.type}=${c.status}:${c.reason}`)).toEqual([
      'Accepted=True:Accepted',
      'ResolvedRefs=False:BackendNotFound',
    ]);
    expect(parentsOf().find((p) => p.controllerName === 'example.com/ingress')).toEqual(other);
    api.store.seed(service('shop', 'web-v2'));
    await waitFor(() => ours()?.conditions?.[1]?.status === 'True', 'ResolvedRefs=True once web-v2 exists');
    expect(ours()?.conditions?.[1]?.reason).toBe('ResolvedRefs');
    expect(parentsOf()).toHaveLength(2);

    // A TrafficSplit on the same Service yields to the route, and its Event says so.
    api.store.seed(trafficSplit('shop', 'web', 'web', { 'web-v1': 1, 'web-v2': 1 }));
    const message = () =>
      (api.store.list('v1', 'Event', 'shop')[0] as { message?: string } | undefined)?.message;
    await waitFor(() => message() !== undefined, 'an Event on the TrafficSplit');
    expect(message()).toContain('the Gateway API routes win and this split is not applied');
  });
});
