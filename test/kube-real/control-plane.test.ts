// Two `weft control-plane --kubeconfig` replicas on the real API server, each authenticated as the
// weft-control-plane ServiceAccount that `weft install` creates (a bound token from the TokenRequest
// API), so the real RBAC judges every request: informers, the CA Secret race, leader election on
// the Lease with a failover, status subresource writes, Events, weft-root-ca ConfigMaps, and CSRs
// authenticated by TokenReview with bound tokens for audience `weft`.
import { readFileSync } from 'node:fs';
import { CoordinationV1Api, CoreV1Api, CustomObjectsApi } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { controlPlaneCredentials } from '../../api/runtime/control-plane-tls.ts';
import { connectDiscovery, type DiscoverySource } from '../../proxy/discovery/grpc-source.ts';
import { signAsWeb } from '../kube/helpers.ts';
import { describeRealKube, eventually, useRealKube } from './suite.ts';
import {
  applyWeftInstall,
  serviceAccountToken,
  startControlPlaneReplica,
  WEFT_NAMESPACE,
  type ControlPlaneReplica,
} from './weft.ts';

const NS = 'shop';
const CONTROL_PLANE_ID = `spiffe://cluster.local/ns/${WEFT_NAMESPACE}/sa/weft-control-plane`;
const silent = pino({ level: 'silent' });

describeRealKube('weft control plane on the real kube-apiserver', () => {
  const kube = useRealKube();
  const replicas = new Map<string, ControlPlaneReplica>();
  const logFiles: string[] = [];
  const discoveries: DiscoverySource[] = [];
  const core = (): CoreV1Api => kube().kubeConfig().makeApiClient(CoreV1Api);
  const custom = (): CustomObjectsApi => kube().kubeConfig().makeApiClient(CustomObjectsApi);
  const apply = (yaml: string): Promise<string> => kube().kubectl(['apply', '-f', '-'], { stdin: yaml });

  const holder = async (): Promise<string | undefined> =>
    (
      await kube()
        .kubeConfig()
        .makeApiClient(CoordinationV1Api)
        .readNamespacedLease({ name: 'weft-control-plane', namespace: WEFT_NAMESPACE })
        .catch(() => undefined)
    )?.spec?.holderIdentity ?? undefined;

  const rootBundle = async (namespace = NS): Promise<string> => {
    const cm = await core().readNamespacedConfigMap({ name: 'weft-root-ca', namespace });
    return cm.data?.['root-cert.pem'] ?? '';
  };

  const grpcAddress = (r: ControlPlaneReplica): string => `${r.host}:${r.ports.grpc}`;

  beforeAll(async () => {
    await applyWeftInstall(kube());
    await core().createNamespace({
      body: { metadata: { name: NS, labels: { 'weft.io/inject': 'enabled' } } },
    });
    await core().createNamespace({ body: { metadata: { name: 'plain' } } });
    await apply(
      [
        'apiVersion: v1',
        'kind: Service',
        `metadata: { name: web, namespace: ${NS} }`,
        'spec: { ports: [{ name: http, port: 80, targetPort: 8080, appProtocol: http }], selector: { app: web } }',
      ].join('\n'),
    );
    // Started together: both find no Lease and no CA Secret, and race for both.
    const started = await Promise.all(
      // cp-a also serves the webhooks: the Pods below are created in a meshed namespace.
      ['cp-a', 'cp-b'].map((identity) =>
        startControlPlaneReplica(kube(), { identity, webhooks: identity === 'cp-a' }),
      ),
    );
    for (const r of started) {
      replicas.set(r.identity, r);
      logFiles.push(r.logFile);
    }
  }, 180_000);

  afterAll(async () => {
    for (const d of discoveries) await d.close();
    for (const r of replicas.values()) await r.stop();
  });

  it('elects one leader, which creates one CA root; both replicas serve it', async () => {
    await eventually(async () => (await holder()) !== undefined, 'a Lease holder');
    expect(['cp-a', 'cp-b']).toContain(await holder());
    const secret = await core().readNamespacedSecret({ name: 'weft-ca', namespace: WEFT_NAMESPACE });
    const root = Buffer.from(secret.data?.['cert.pem'] ?? '', 'base64').toString();
    expect(root).toContain('BEGIN CERTIFICATE');
    await eventually(
      async () => (await rootBundle().catch(() => '')).includes(root.trim()),
      'weft-root-ca in shop',
    );
    await expect(
      core().readNamespacedConfigMap({ name: 'weft-root-ca', namespace: 'plain' }),
    ).rejects.toThrow();
    // Each replica's gRPC certificate chains to that root and names the control plane's SPIFFE ID.
    const credentials = controlPlaneCredentials([await rootBundle()], CONTROL_PLANE_ID);
    for (const r of replicas.values()) {
      const d = connectDiscovery({
        address: grpcAddress(r),
        node: { workload: `probe-${r.identity}`, namespace: NS, serviceAccount: 'web' },
        logger: silent,
        credentials,
        backoff: { baseMs: 50, maxMs: 500 },
      });
      discoveries.push(d);
      await eventually(
        () => d.current()?.services[`${NS}/web`] !== undefined,
        `${r.identity}: shop/web in a snapshot`,
      );
    }
  });

  it('writes Accepted status on TrafficPolicies through the status subresource', async () => {
    await apply(
      [
        'apiVersion: policy.weft.io/v1alpha1',
        'kind: TrafficPolicy',
        `metadata: { name: typo, namespace: ${NS} }`,
        'spec: { targetRef: { kind: Service, name: wbe }, timeout: 2s }',
        '---',
        'apiVersion: policy.weft.io/v1alpha1',
        'kind: TrafficPolicy',
        `metadata: { name: good, namespace: ${NS} }`,
        'spec: { targetRef: { kind: Service, name: web }, timeout: 2s }',
      ].join('\n'),
    );
    const accepted = async (
      name: string,
    ): Promise<{ status?: string; reason?: string; message?: string }> => {
      const o = (await custom().getNamespacedCustomObject({
        group: 'policy.weft.io',
        version: 'v1alpha1',
        namespace: NS,
        plural: 'trafficpolicies',
        name,
      })) as {
        status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
      };
      return o.status?.conditions?.find((c) => c.type === 'Accepted') ?? {};
    };
    await eventually(async () => (await accepted('typo')).status === 'False', 'typo: Accepted=False');
    expect(await accepted('typo')).toMatchObject({
      reason: 'Invalid',
      message: expect.stringContaining('wbe'),
    });
    await eventually(async () => (await accepted('good')).status === 'True', 'good: Accepted=True');
  });

  it('records a Warning Event for an invalid TrafficSplit', async () => {
    await apply(
      [
        'apiVersion: split.smi-spec.io/v1alpha4',
        'kind: TrafficSplit',
        `metadata: { name: broken, namespace: ${NS} }`,
        'spec: { service: web, backends: [{ service: web-v9, weight: 1 }] }',
      ].join('\n'),
    );
    const reasons = async (): Promise<string[]> =>
      (await core().listNamespacedEvent({ namespace: NS })).items
        .filter((e) => e.involvedObject.name === 'broken')
        .map((e) => `${e.type}/${e.reason}`);
    await eventually(async () => (await reasons()).includes('Warning/InvalidTrafficSplit'), 'the Event');
  });

  it('signs a CSR for a bound token of audience weft, and refuses other tokens (TokenReview)', async () => {
    await core().createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'web' } } });
    const credentials = controlPlaneCredentials([await rootBundle()], CONTROL_PLANE_ID);
    const address = grpcAddress([...replicas.values()][0]!);
    const good = await serviceAccountToken(kube(), NS, 'web', ['weft'], 600);
    expect(await signAsWeb(address, credentials, good)).toBe('signed');
    const otherAudience = await serviceAccountToken(kube(), NS, 'web', ['vault'], 600);
    expect(await signAsWeb(address, credentials, otherAudience)).toMatch(/TOKEN_INVALID/);
    // A token of another account cannot obtain web's identity.
    await core().createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'other' } } });
    const other = await serviceAccountToken(kube(), NS, 'other', ['weft'], 600);
    expect(await signAsWeb(address, credentials, other)).not.toBe('signed');
    // Deleting the account invalidates its bound tokens.
    await core().deleteNamespacedServiceAccount({ namespace: NS, name: 'web' });
    await eventually(
      async () => (await signAsWeb(address, credentials, good)) !== 'signed',
      'token of a deleted account refused',
    );
    expect(await signAsWeb(address, credentials, good)).toMatch(/TOKEN_INVALID/);
  });

  /** What a kubelet reports for a running pod: its IP and whether it is Ready. */
  const reportPodStatus = (name: string, ip: string, ready: boolean): Promise<string> => {
    const condition = { type: 'Ready', status: ready ? 'True' : 'False' };
    const status = { phase: 'Running', podIP: ip, podIPs: [{ ip }], conditions: [condition] };
    return kube().kubectl([
      'patch',
      'pod',
      name,
      '-n',
      NS,
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify({ status }),
    ]);
  };

  it('feeds sidecars the EndpointSlices kube-controller-manager makes from Pods a kubelet reports', async () => {
    await core().createNamespacedServiceAccount({ namespace: NS, body: { metadata: { name: 'web-app' } } });
    // The EndpointSlice controller skips pods whose Node it cannot find: one Node, as registered by
    // its kubelet, and pods bound to it as the scheduler would.
    await core().createNode({
      body: { metadata: { name: 'node-1', labels: { 'kubernetes.io/hostname': 'node-1' } } },
    });
    // Addresses of a pod network that exists nowhere: the API server refuses loopback endpoints,
    // and nothing is sent to them (the sidecars' snapshots are what is checked).
    const pods = { 'web-1': '10.214.0.2', 'web-2': '10.214.0.3' };
    for (const [name, ip] of Object.entries(pods)) {
      await apply(
        [
          'apiVersion: v1',
          'kind: Pod',
          `metadata: { name: ${name}, namespace: ${NS}, labels: { app: web } }`,
          'spec:',
          '  nodeName: node-1',
          '  serviceAccountName: web-app',
          '  containers: [{ name: app, image: example/web:1, ports: [{ containerPort: 8080 }] }]',
        ].join('\n'),
      );
      await reportPodStatus(name, ip, true);
    }
    const d = discoveries[0]!;
    const endpoints = () =>
      [...(d.current()?.services[`${NS}/web`]?.endpoints ?? [])].sort((a, b) =>
        a.address.localeCompare(b.address),
      );
    const workloads = (): string =>
      endpoints()
        .map((e) => e.workload)
        .join();
    await eventually(() => endpoints().length === 2, 'two endpoints from the EndpointSlice controller');
    const identity = `spiffe://cluster.local/ns/${NS}/sa/web-app`;
    expect(endpoints()).toEqual([
      expect.objectContaining({ address: '10.214.0.2', port: 8080, workload: 'web-1', identity }),
      expect.objectContaining({ address: '10.214.0.3', port: 8080, workload: 'web-2', identity }),
    ]);
    const slices = JSON.parse(
      await kube().kubectl([
        'get',
        'endpointslices',
        '-n',
        NS,
        '-l',
        'kubernetes.io/service-name=web',
        '-o',
        'json',
      ]),
    ) as { items: { metadata: { labels: Record<string, string> } }[] };
    expect(slices.items[0]?.metadata.labels['endpointslice.kubernetes.io/managed-by']).toBe(
      'endpointslice-controller.k8s.io',
    );
    await reportPodStatus('web-2', pods['web-2'], false);
    await eventually(() => workloads() === 'web-1', 'web-2 not ready: gone');
    // Deleted: the pod terminates (serving, terminating) until its kubelet confirms. With no ready
    // endpoint left, weft keeps sending to the serving, terminating one.
    await core().deleteNamespacedPod({ namespace: NS, name: 'web-1' });
    const sliceSays = async (): Promise<string> =>
      kube().kubectl([
        'get',
        'endpointslices',
        '-n',
        NS,
        '-l',
        'kubernetes.io/service-name=web',
        '-o',
        'jsonpath={range .items[*].endpoints[*]}{.targetRef.name}:{.conditions.serving}:{.conditions.terminating};{end}',
      ]);
    await eventually(
      async () => (await sliceSays()).includes('web-1:true:true'),
      'web-1 serving, terminating',
    );
    // The control plane debounces for milliseconds; a second is ample to have dropped it, had it.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(workloads()).toBe('web-1');
    await core().deleteNamespacedPod({ namespace: NS, name: 'web-1', gracePeriodSeconds: 0 });
    await eventually(() => endpoints().length === 0, 'web-1 gone');
  });

  it('hands leadership over when the leader stops, and the new leader writes status', async () => {
    const leader = await holder();
    const old = replicas.get(leader ?? '');
    expect(old).toBeDefined();
    await old!.stop();
    replicas.delete(old!.identity);
    const survivor = [...replicas.keys()][0];
    // The stopping leader releases the Lease, so the survivor takes it within a retry period or two.
    await eventually(async () => (await holder()) === survivor, `${survivor} leads`);
    await apply(
      [
        'apiVersion: policy.weft.io/v1alpha1',
        'kind: TrafficPolicy',
        `metadata: { name: after-failover, namespace: ${NS} }`,
        'spec: { targetRef: { kind: Service, name: nope }, timeout: 1s }',
      ].join('\n'),
    );
    await eventually(async () => {
      const o = (await custom().getNamespacedCustomObject({
        group: 'policy.weft.io',
        version: 'v1alpha1',
        namespace: NS,
        plural: 'trafficpolicies',
        name: 'after-failover',
      })) as { status?: { conditions?: { status: string }[] } };
      return o.status?.conditions?.[0]?.status === 'False';
    }, 'status from the new leader');
  });

  it('was never refused by RBAC: no replica logged a 403', () => {
    for (const file of logFiles) expect(readFileSync(file, 'utf8')).not.toMatch(/forbidden|\b403\b/i);
  });
});
