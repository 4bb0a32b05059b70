// Authorization and mTLS modes in running sidecars (control plane + CA + three workloads on
// loopback): a TrafficTarget lets service account `a` call `c`; `b` gets 403 with the reason
// header (counted in weft_authz_denied_total); plain HTTP straight to c's STRICT inbound port is
// refused. Then the weft.io/mtls-mode annotation changes the mode live: a PERMISSIVE namespace
// takes plaintext (authz still wants an identity), and a Service's STRICT overrides it.
import { writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProxySnapshot } from '../../api/model/snapshot.ts';
import type { RunningSidecar } from '../../proxy/sidecar/start-sidecar.ts';
import { startH1Echo, type App } from '../helpers/apps.ts';
import { h1Call } from '../helpers/http-clients.ts';
import { metricValue, scrape } from '../helpers/metrics.ts';
import { eventually, meshSidecar, startMeshControlPlane, type MeshControlPlane } from './harness.ts';

const service = (name: string, annotation = ''): string => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: demo
  ${annotation ? `annotations: { weft.io/mtls-mode: ${annotation} }` : ''}
spec: { ports: [{ port: 80, targetPort: 8080 }] }
`;

const POLICY = `apiVersion: specs.smi-spec.io/v1alpha4
kind: HTTPRouteGroup
metadata: { name: everything, namespace: demo }
spec:
  matches:
    - { name: all, pathRegex: '.*', methods: ['*'] }
---
apiVersion: access.smi-spec.io/v1alpha3
kind: TrafficTarget
metadata: { name: a-to-c, namespace: demo }
spec:
  destination: { kind: ServiceAccount, name: c, namespace: demo }
  rules:
    - { kind: HTTPRouteGroup, name: everything, matches: [all] }
  sources:
    - { kind: ServiceAccount, name: a, namespace: demo }
`;

const snapshotOf = async (s: RunningSidecar): Promise<ProxySnapshot | undefined> =>
  (
    (await (await fetch(`http://127.0.0.1:${s.proxy.ports.admin}/config`)).json()) as {
      snapshot?: ProxySnapshot;
    }
  ).snapshot;

describe('authorization and mTLS modes in running sidecars', () => {
  let mesh: MeshControlPlane;
  let apps: App[];
  let a: RunningSidecar;
  let b: RunningSidecar;
  let c: RunningSidecar;

  const callC = (from: RunningSidecar, path = '/') =>
    h1Call(from.proxy.ports.outbound, { authority: 'c', path });
  /**
   * Plain HTTP from outside the mesh straight to a sidecar's inbound port, on a new connection
   * each time (a mode change applies to new connections; open ones keep going).
   */
  const plain = (to: RunningSidecar) =>
    h1Call(to.proxy.ports.inbound, { authority: 'c', path: '/plain' }, new Agent({ keepAlive: false }));
  const metric = async (s: RunningSidecar, name: string, labels: Record<string, string>) =>
    metricValue(await scrape(s.proxy.ports.metrics), name, labels);
  const modeOf = async (s: RunningSidecar) => (await snapshotOf(s))?.workload.inboundMode;

  beforeAll(async () => {
    mesh = await startMeshControlPlane({ 'services.yaml': service('c'), 'policy.yaml': POLICY });
    apps = await Promise.all(['a-app', 'c-app'].map((n) => startH1Echo(n)));
    c = await meshSidecar(mesh, { workload: 'c', service: 'c', appPort: apps[1]?.port });
    a = await meshSidecar(mesh, { workload: 'a', appPort: apps[0]?.port });
    b = await meshSidecar(mesh, { workload: 'b', appPort: 1 });
    for (const s of [a, b])
      await eventually(
        async () => ((await snapshotOf(s))?.services['demo/c']?.endpoints.length ?? 0) > 0,
        10_000,
        'c to be an endpoint',
      );
  }, 30_000);
  afterAll(async () => {
    for (const s of [a, b, c]) await s?.close();
    for (const app of apps ?? []) await app.close();
    await mesh?.close();
  });

  it('compiles the TrafficTarget into c’s snapshot and defaults every workload to STRICT', async () => {
    const snap = await snapshotOf(c);
    expect(snap?.workload.authz?.rules.map((r) => r.sources)).toEqual([['demo/a']]);
    expect(await Promise.all([a, b, c].map(modeOf))).toEqual(['STRICT', 'STRICT', 'STRICT']);
    expect(snap?.services['demo/c']?.endpoints[0]?.identity).toBe('spiffe://cluster.local/ns/demo/sa/c');
  });

  it('allowed service account → 2xx; another one → 403 with the reason, counted', async () => {
    const allowed = await callC(a, '/from-a');
    expect(allowed.status).toBe(200);
    expect(allowed.headers['x-app']).toBe('c-app');
    const before = await metric(c, 'weft_authz_denied_total', { reason: 'source-not-allowed' });
    const denied = await callC(b, '/from-b');
    expect(denied.status).toBe(403);
    expect(denied.headers['x-weft-authz']).toBe('source-not-allowed');
    expect(denied.headers['x-weft-error']).toBe('FORBIDDEN');
    expect(await metric(c, 'weft_authz_denied_total', { reason: 'source-not-allowed' })).toBe(before + 1);
    expect(apps[1]?.requests).toBe(1);
  });

  it('refuses plain HTTP from outside the mesh at the STRICT inbound port', async () => {
    const before = await metric(c, 'weft_inbound_connections_total', { tls: 'false', result: 'refused' });
    await expect(plain(c)).rejects.toThrow();
    expect(await metric(c, 'weft_inbound_connections_total', { tls: 'false', result: 'refused' })).toBe(
      before + 1,
    );
    expect(
      await metric(c, 'weft_inbound_connections_total', { tls: 'true', result: 'accepted' }),
    ).toBeGreaterThan(0);
  });

  it('applies weft.io/mtls-mode live: namespace PERMISSIVE, a Service’s STRICT overrides it', async () => {
    const ns = `apiVersion: v1\nkind: Namespace\nmetadata: { name: demo, annotations: { weft.io/mtls-mode: PERMISSIVE } }\n`;
    await writeFile(join(mesh.configDir, 'namespace.yaml'), ns);
    await eventually(async () => (await modeOf(c)) === 'PERMISSIVE', 10_000, 'PERMISSIVE');
    expect(await modeOf(a)).toBe('PERMISSIVE');
    // a has no policy: plaintext reaches its app. c has one: plaintext has no identity → 403.
    expect((await plain(a)).headers['x-app']).toBe('a-app');
    const noId = await plain(c);
    expect(noId.status).toBe(403);
    expect(noId.headers['x-weft-authz']).toBe('no-identity');
    expect(await metric(a, 'weft_inbound_connections_total', { tls: 'false', result: 'accepted' })).toBe(1);
    // Mesh traffic still works, and is still mTLS.
    expect((await callC(a)).status).toBe(200);

    await writeFile(join(mesh.configDir, 'services.yaml'), service('c', 'STRICT'));
    await eventually(async () => (await modeOf(c)) === 'STRICT', 10_000, 'c back to STRICT');
    expect(await modeOf(a)).toBe('PERMISSIVE');
    await expect(plain(c)).rejects.toThrow();
    expect((await plain(a)).status).toBe(200);
  });
});
