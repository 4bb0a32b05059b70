// weft's webhooks called by the real kube-apiserver, configured exactly as `weft install` renders
// them (Service reference, port 15017, the generated certificate and caBundle): a `weft
// control-plane` process serves /inject and /convert on the weft-control-plane Service's cluster IP.
// Injection runs in the real admission chain and the real Pod validation checks the result;
// conversion runs whenever a TrafficSplit or HTTPRouteGroup is read at a version it is not stored at.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JsonObject } from '../../injector/inject/json.ts';
import { parseAppProbes } from '../../proxy/probes/app-probes.ts';
import { injectWithCli } from '../injector/harness.ts';
import { describeRealKube, useRealKube } from './suite.ts';
import { applyWeftInstall, startControlPlaneReplica, type ControlPlaneReplica } from './weft.ts';

const MESHED = 'meshed';
const PLAIN = 'plain';

const appPod = (
  name: string,
  meta: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): JsonObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    name,
    labels: { app: name, ...meta.labels },
    ...(meta.annotations ? { annotations: meta.annotations } : {}),
  },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'example/app:1',
        ports: [{ containerPort: 8080 }],
        readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
      },
    ],
  },
});

interface EnvVar {
  readonly name: string;
  readonly value?: string;
}
interface Container {
  readonly name: string;
  readonly env?: readonly EnvVar[];
  readonly volumeMounts?: readonly JsonObject[];
  readonly [field: string]: unknown;
}

/** A stored container against the CLI's rendering: server defaults added, probes defaulted. */
const expectStoredAsRendered = (got: Container, rendered: Container): void => {
  const { env = [], volumeMounts = [], ...rest } = rendered;
  expect(got, rendered.name).toMatchObject(rest);
  expect(got.volumeMounts, rendered.name).toEqual(
    expect.arrayContaining(volumeMounts.map((m) => expect.objectContaining(m))),
  );
  const envOf = (list: readonly EnvVar[]) => list.filter((e) => e.name !== 'WEFT_APP_PROBES');
  expect(envOf(got.env ?? []), rendered.name).toMatchObject(envOf(env));
};

/** The app probes a sidecar container will parse at start (WEFT_APP_PROBES). */
const probesOf = (c: Container | undefined) => {
  const parsed = parseAppProbes(
    c?.env?.find((e) => e.name === 'WEFT_APP_PROBES')?.value ?? '',
    'WEFT_APP_PROBES',
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.error));
  return parsed.value;
};

const names = (p: V1Pod): { init: string[]; main: string[] } => ({
  init: (p.spec?.initContainers ?? []).map((c) => c.name),
  main: (p.spec?.containers ?? []).map((c) => c.name),
});

describeRealKube('weft webhooks on the real kube-apiserver', () => {
  const kube = useRealKube();
  let replica: ControlPlaneReplica | undefined;
  const core = (): CoreV1Api => kube().kubeConfig().makeApiClient(CoreV1Api);
  const createPod = (namespace: string, pod: JsonObject): Promise<V1Pod> =>
    core().createNamespacedPod({ namespace, body: pod as V1Pod });

  /** ServiceAccount admission refuses pods until the controller has made the `default` account. */
  const namespaceReady = async (name: string, labels?: Record<string, string>): Promise<void> => {
    await core().createNamespace({ body: { metadata: { name, ...(labels ? { labels } : {}) } } });
    const deadline = Date.now() + 30_000;
    while (
      !(await core()
        .readNamespacedServiceAccount({ name: 'default', namespace: name })
        .then(
          () => true,
          () => false,
        ))
    ) {
      if (Date.now() > deadline) throw new Error(`no default ServiceAccount in ${name}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  beforeAll(async () => {
    await applyWeftInstall(kube());
    replica = await startControlPlaneReplica(kube(), { identity: 'cp-0', webhooks: true });
    await namespaceReady(MESHED, { 'weft.io/inject': 'enabled' });
    await namespaceReady(PLAIN);
  }, 120_000);
  afterAll(async () => {
    await replica?.stop();
  });

  it('stores a pod created in a labelled namespace with the sidecar, as weft inject adds it', async () => {
    const pod = appPod('web');
    const stored = await createPod(MESHED, pod);
    expect(names(stored)).toEqual({ init: ['weft-init', 'weft-proxy'], main: ['app'] });
    // The server adds its defaults (pull policy, termination message, the API token mount) and
    // calls the webhook with a defaulted pod; every field the injector set is stored as the CLI
    // renders it, except that the app's probes arrive with the server's defaults filled in.
    const want = injectWithCli(pod)['spec'] as { initContainers: Container[]; volumes?: JsonObject[] };
    for (const [i, c] of want.initContainers.entries())
      expectStoredAsRendered(stored.spec?.initContainers?.[i] as unknown as Container, c);
    for (const v of want.volumes ?? [])
      expect(
        stored.spec?.volumes?.find((x) => x.name === v['name']),
        String(v['name']),
      ).toMatchObject(v);
    // What the sidecar will parse at start: the same probe as from `weft inject`'s output.
    expect(probesOf(stored.spec?.initContainers?.[1] as unknown as Container)).toEqual(
      probesOf(want.initContainers[1]),
    );
    const sidecar = stored.spec?.initContainers?.[1];
    expect(sidecar?.restartPolicy).toBe('Always');
  });

  it('leaves a pod in a namespace without the label untouched', async () => {
    const stored = await createPod(PLAIN, appPod('plain'));
    expect(names(stored)).toEqual({ init: [], main: ['app'] });
  });

  it('leaves a pod labelled weft.io/inject=disabled alone (objectSelector in the server)', async () => {
    const pod = appPod('opt-out', { labels: { 'weft.io/inject': 'disabled' } });
    expect(names(await createPod(MESHED, pod))).toEqual({ init: [], main: ['app'] });
  });

  it('denies a pod with a bad annotation, and the server reports the webhook and the field', async () => {
    const pod = appPod('bad', { annotations: { 'weft.io/exclude-outbound-cidrs': '10.0.0.0/40' } });
    await expect(createPod(MESHED, pod)).rejects.toThrow(
      /admission webhook \W+inject\.weft\.io\W+ denied the request: INJECT_INVALID_ANNOTATION: metadata\.annotations\[weft\.io\/exclude-outbound-cidrs\]/,
    );
  });

  // Pod Security admission runs after the mutating webhooks, on the injected pod: weft-init's
  // NET_ADMIN and NET_RAW (for the iptables rules) are beyond the baseline level (docs/injector.md).
  it('is refused by Pod Security level baseline, naming weft-init', async () => {
    await namespaceReady('psa-baseline', {
      'weft.io/inject': 'enabled',
      'pod-security.kubernetes.io/enforce': 'baseline',
    });
    const err = await createPod('psa-baseline', appPod('web')).then(
      () => 'created',
      (e: Error) => e.message,
    );
    expect(err).toMatch(
      /violates PodSecurity \W+baseline:latest\W+: .*container \W+weft-init\W+ must not include \W+NET_ADMIN\W+, \W+NET_RAW/,
    );
  });

  // An app written for `restricted`: what the server still names is only what iptables needs in
  // weft-init (root, NET_ADMIN, NET_RAW); weft-proxy and the seccomp profile pass.
  it('is refused by Pod Security level restricted for weft-init’s root and capabilities only', async () => {
    await namespaceReady('psa-restricted', {
      'weft.io/inject': 'enabled',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    const base = appPod('web');
    const [app] = (base['spec'] as { containers: JsonObject[] }).containers;
    const securityContext = {
      runAsNonRoot: true,
      runAsUser: 1000,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    const pod: JsonObject = { ...base, spec: { containers: [{ ...app, securityContext }] } };
    const err = await createPod('psa-restricted', pod).then(
      () => 'created',
      (e: Error) => e.message,
    );
    const violations = /violates PodSecurity \W+restricted:latest\W+: (.*)/.exec(err)?.[1] ?? err;
    expect(violations).toMatch(/container \W+weft-init\W+ must not include \W+NET_ADMIN\W+, \W+NET_RAW/);
    expect(violations).toMatch(/runAsNonRoot != true \(container \W+weft-init\W+ must not set/);
    expect(violations).not.toMatch(/seccompProfile|weft-proxy|\W+app\W+/);
  });

  /** kubectl get at an explicit version: the server converts through /convert when it must. */
  const getAt = async (resource: string, version: string, name: string): Promise<JsonObject> =>
    JSON.parse(
      await kube().kubectl(['get', `${resource}.${version}`, name, '-n', MESHED, '-o', 'json']),
    ) as JsonObject;
  const weights = (o: JsonObject): unknown[] =>
    ((o['spec'] as { backends: { weight: unknown }[] }).backends ?? []).map((b) => b.weight);

  it('converts a TrafficSplit stored at v1alpha4 when read at v1alpha1, and back unchanged', async () => {
    const yaml = [
      'apiVersion: split.smi-spec.io/v1alpha4',
      'kind: TrafficSplit',
      'metadata: { name: canary, namespace: meshed }',
      'spec:',
      '  service: web',
      '  backends: [{ service: web-v1, weight: 90 }, { service: web-v2, weight: 10 }]',
      '  matches: [{ kind: HTTPRouteGroup, name: api }]',
    ].join('\n');
    await kube().kubectl(['apply', '-f', '-'], { stdin: yaml });
    const v1 = await getAt('trafficsplits', 'v1alpha1.split.smi-spec.io', 'canary');
    expect(v1['apiVersion']).toBe('split.smi-spec.io/v1alpha1');
    expect(weights(v1)).toEqual(['90', '10']);
    expect((v1['spec'] as JsonObject)['matches']).toBeUndefined();
    const v4 = await getAt('trafficsplits', 'v1alpha4.split.smi-spec.io', 'canary');
    expect(weights(v4)).toEqual([90, 10]);
    expect((v4['spec'] as JsonObject)['matches']).toEqual([{ kind: 'HTTPRouteGroup', name: 'api' }]);
  });

  it('stores a v1alpha1 TrafficSplit with quantities and serves it at v1alpha4 as integers', async () => {
    const yaml = [
      'apiVersion: split.smi-spec.io/v1alpha1',
      'kind: TrafficSplit',
      'metadata: { name: milli, namespace: meshed }',
      'spec:',
      '  service: web',
      '  backends: [{ service: web-v1, weight: 500m }, { service: web-v2, weight: "1" }]',
    ].join('\n');
    await kube().kubectl(['apply', '-f', '-'], { stdin: yaml });
    expect(weights(await getAt('trafficsplits', 'v1alpha4.split.smi-spec.io', 'milli'))).toEqual([500, 1000]);
    expect(weights(await getAt('trafficsplits', 'v1alpha1.split.smi-spec.io', 'milli'))).toEqual([
      '500m',
      '1',
    ]);
  });

  it('converts an HTTPRouteGroup written at v1alpha1 (top-level matches) to spec.matches', async () => {
    const yaml = [
      'apiVersion: specs.smi-spec.io/v1alpha1',
      'kind: HTTPRouteGroup',
      'metadata: { name: api, namespace: meshed }',
      'matches: [{ name: reads, pathRegex: /api/.*, methods: [GET] }]',
    ].join('\n');
    await kube().kubectl(['apply', '-f', '-'], { stdin: yaml });
    const v4 = await getAt('httproutegroups', 'v1alpha4.specs.smi-spec.io', 'api');
    expect((v4['spec'] as JsonObject)['matches']).toEqual([
      { name: 'reads', pathRegex: '/api/.*', methods: ['GET'] },
    ]);
  });

  // Last: it stops the webhooks. failurePolicy Fail (docs/injector.md): no pod in a meshed namespace
  // is created while the injector is unreachable; other namespaces are not affected.
  it('refuses pods in meshed namespaces while the webhook is down, and only those', async () => {
    await replica?.stop();
    replica = undefined;
    await expect(createPod(MESHED, appPod('while-down'))).rejects.toThrow(
      /failed calling webhook \W+inject\.weft\.io\W+: failed to call webhook: Post \W+https:\/\/weft-control-plane\.weft-system\.svc:15017\/inject/,
    );
    expect(names(await createPod(PLAIN, appPod('plain-while-down')))).toEqual({ init: [], main: ['app'] });
  });

  // failurePolicy Ignore, as docs/injector.md describes it: while the injector is down, pods in
  // meshed namespaces are created, without a sidecar.
  it('with failurePolicy Ignore, creates pods in meshed namespaces without the sidecar while it is down', async () => {
    expect(replica).toBeUndefined();
    await kube().kubectl([
      'patch',
      'mutatingwebhookconfiguration',
      'weft-injector',
      '--type=json',
      '-p',
      JSON.stringify([{ op: 'replace', path: '/webhooks/0/failurePolicy', value: 'Ignore' }]),
    ]);
    expect(names(await createPod(MESHED, appPod('ignored-while-down')))).toEqual({ init: [], main: ['app'] });
  });
});
