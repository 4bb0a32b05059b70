// The Gateway API on the real kube-apiserver: the CRDs `weft install --gateway-api-crds` prints
// pass the server's structural-schema checks, HTTPRoutes and GRPCRoutes attached to Services are
// admitted and invalid ones refused naming the field (server-side validation of the generated
// schemas), and a `weft control-plane --kubeconfig` replica, under the real RBAC, compiles them into
// the sidecars' snapshots and its /status.
import { CoreV1Api } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RouteStatus } from '../../control-plane/index/gateway-status.ts';
import type { DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { describeRealKube, eventually, useRealKube } from './suite.ts';
import {
  applyWeftInstall,
  connectSidecarDiscovery,
  startControlPlaneReplica,
  type ControlPlaneReplica,
} from './weft.ts';

const NS = 'shop';
const GATEWAY_CRDS = ['httproutes', 'grpcroutes', 'referencegrants'].map(
  (p) => `${p}.gateway.networking.k8s.io`,
);

const service = (name: string, port: number, appProtocol: string): string =>
  [
    'apiVersion: v1',
    'kind: Service',
    `metadata: { name: ${name}, namespace: ${NS} }`,
    `spec: { ports: [{ name: main, port: ${port}, appProtocol: ${appProtocol} }], selector: { app: ${name} } }`,
  ].join('\n');

const httpRoute = (name: string, spec: string): string =>
  [
    'apiVersion: gateway.networking.k8s.io/v1',
    'kind: HTTPRoute',
    `metadata: { name: ${name}, namespace: ${NS} }`,
    `spec: ${spec}`,
  ].join('\n');

describeRealKube('Gateway API routes on the real kube-apiserver', () => {
  const kube = useRealKube();
  let replica: ControlPlaneReplica | undefined;
  let sidecar: DiscoverySource | undefined;
  const apply = (yaml: string): Promise<string> => kube().kubectl(['apply', '-f', '-'], { stdin: yaml });
  /** kubectl's refusal message (the test fails if the server accepted it). */
  const refusal = (yaml: string): Promise<string> =>
    apply(yaml).then(
      () => {
        throw new Error(`the server accepted:\n${yaml}`);
      },
      (e: Error) => e.message,
    );

  beforeAll(async () => {
    await applyWeftInstall(kube(), '--gateway-api-crds');
    const core = kube().kubeConfig().makeApiClient(CoreV1Api);
    await core.createNamespace({ body: { metadata: { name: NS, labels: { 'weft.io/inject': 'enabled' } } } });
    await apply(
      [
        service('web', 80, 'http'),
        service('web-v1', 80, 'http'),
        service('web-v2', 80, 'http'),
        service('echo', 9000, 'kubernetes.io/h2c'),
      ].join('\n---\n'),
    );
    replica = await startControlPlaneReplica(kube(), { identity: 'cp-a' });
    sidecar = await connectSidecarDiscovery(kube(), replica, {
      namespace: NS,
      workload: 'client',
      serviceAccount: 'client',
    });
    await eventually(() => sidecar?.current()?.services[`${NS}/web`] !== undefined, 'shop/web in a snapshot');
  }, 180_000);

  afterAll(async () => {
    await sidecar?.close();
    await replica?.stop();
  });

  it('establishes the CRDs, and applying them again changes nothing', async () => {
    const crds = await kube().kubectl(['get', 'crd', ...GATEWAY_CRDS, '-o', 'name']);
    expect(crds.trim().split('\n')).toHaveLength(3);
    const again = await applyWeftInstall(kube(), '--gateway-api-crds');
    for (const crd of GATEWAY_CRDS)
      expect(again).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd} unchanged`);
    // Without the flag, the install leaves them alone (it neither prints nor prunes them).
    const plain = await applyWeftInstall(kube());
    for (const crd of GATEWAY_CRDS) expect(plain).not.toContain(crd);
  });

  it('admits routes with a Service as parent and feeds them into the sidecars’ snapshots', async () => {
    await apply(
      [
        httpRoute(
          'web-canary',
          "{ parentRefs: [{ group: '', kind: Service, name: web, port: 80 }], rules: [{ backendRefs: [{ name: web-v1, port: 80, weight: 90 }, { name: web-v2, port: 80, weight: 10 }] }] }",
        ),
        [
          'apiVersion: gateway.networking.k8s.io/v1',
          'kind: GRPCRoute',
          `metadata: { name: echo-say, namespace: ${NS} }`,
          "spec: { parentRefs: [{ group: '', kind: Service, name: echo, port: 9000 }], rules: [{ matches: [{ method: { service: echo.Echo, method: Say } }], backendRefs: [{ name: echo, port: 9000 }] }] }",
        ].join('\n'),
        [
          'apiVersion: gateway.networking.k8s.io/v1beta1',
          'kind: ReferenceGrant',
          `metadata: { name: from-shop, namespace: ${NS} }`,
          "spec: { from: [{ group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: other }], to: [{ group: '', kind: Service }] }",
        ].join('\n'),
      ].join('\n---\n'),
    );
    const routesOf = (svc: string) => sidecar?.current()?.services[`${NS}/${svc}`]?.httpRoutes;
    await eventually(() => routesOf('web') !== undefined, 'shop/web httpRoutes in the snapshot');
    expect(routesOf('web')?.rules[0]?.backends.map((b) => [b.service, b.weight])).toEqual([
      [`${NS}/web-v1`, 90],
      [`${NS}/web-v2`, 10],
    ]);
    await eventually(() => routesOf('echo') !== undefined, 'shop/echo httpRoutes in the snapshot');
    expect(JSON.stringify(routesOf('echo'))).toContain('/echo.Echo/Say');
    // The control plane's conditions per parent, as its /status shows them.
    const status = (await (await fetch(`http://${replica!.host}:${replica!.ports.admin}/status`)).json()) as {
      routes?: RouteStatus[];
    };
    const web = status.routes?.find((r) => r.name === 'web-canary');
    expect(web?.parents[0]?.parentRef).toMatchObject({ kind: 'Service', name: 'web', port: 80 });
    expect(web?.parents[0]?.conditions.map((c) => `${c.type}=${c.status}`)).toEqual(
      expect.arrayContaining(['Accepted=True', 'ResolvedRefs=True']),
    );
  });

  it('refuses invalid routes naming the field', async () => {
    expect(
      await refusal(
        httpRoute('bad-port', "{ parentRefs: [{ group: '', kind: Service, name: web, port: 70000 }] }"),
      ),
    ).toMatch(/spec\.parentRefs\[0\]\.port/);
    expect(
      await refusal(
        httpRoute(
          'bad-weight',
          '{ parentRefs: [{ kind: Service, name: web }], rules: [{ backendRefs: [{ name: web-v1, port: 80, weight: -1 }] }] }',
        ),
      ),
    ).toMatch(/spec\.rules\[0\]\.backendRefs\[0\]\.weight/);
    expect(await refusal(httpRoute('no-parent-name', '{ parentRefs: [{ kind: Service }] }'))).toMatch(
      /spec\.parentRefs\[0\]\.name: Required value/,
    );
    expect(
      await refusal(
        [
          'apiVersion: gateway.networking.k8s.io/v1beta1',
          'kind: ReferenceGrant',
          `metadata: { name: empty, namespace: ${NS} }`,
          "spec: { from: [], to: [{ group: '', kind: Service }] }",
        ].join('\n'),
      ),
    ).toMatch(/spec\.from/);
  });
});
