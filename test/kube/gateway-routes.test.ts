// Gateway API routes in Kubernetes mode, against the kube-apiserver stand-in: without the Gateway
// API CRDs the control plane serves everything else; once they are installed an HTTPRoute attached
// to a Service reaches the sidecars; an invalid update keeps the last good route and names the field.
import { afterEach, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import { seededRandom, systemClock } from '../../api/runtime/clock.ts';
import { startControlPlane, type RunningControlPlane } from '../../control-plane/runtime.ts';
import { kubeSource } from '../../control-plane/sources/kube/kube-source.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { startKubeApiServer, waitFor, type KubeApiServer, type KubeObject } from '../kube-apiserver/index.ts';
import { loadCrds } from './crds.ts';
import { meshedNamespace, quietLogger, service } from './helpers.ts';

const logger = quietLogger();
let api: KubeApiServer;
let cp: RunningControlPlane | undefined;
let sidecar: DiscoverySource | undefined;

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
  sidecar = undefined;
  cp = undefined;
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
