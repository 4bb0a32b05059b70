// `kubectl apply -k deploy/` and `weft install | kubectl apply -f -` against the real API server:
// every CRD schema passes the server's structural-schema checks, the RBAC objects and the webhook
// configuration are accepted, the documented custom resources validate server-side, bad ones are
// refused naming the field, and the ServiceAccounts hold exactly the verbs docs/kubernetes.md lists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { describeRealKube, useRealKube } from './suite.ts';
import { applyWeftInstall } from './weft.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const CONTROL_PLANE_SA = 'system:serviceaccount:weft-system:weft-control-plane';

type Json = Record<string, unknown>;

/** The YAML examples of docs/crds/*.md: every custom resource a reader is shown. */
const documentedResources = (): { file: string; yaml: string }[] => {
  const dir = join(ROOT, 'docs', 'crds');
  return readdirSync(dir).flatMap((name) =>
    [...readFileSync(join(dir, name), 'utf8').matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .filter((yaml) => parseAllDocuments(yaml).some((d) => (d.toJS() as Json | null)?.kind !== undefined))
      .map((yaml) => ({ file: name, yaml })),
  );
};

describeRealKube('weft install on the real kube-apiserver', () => {
  const kube = useRealKube();
  const kubectl = (...args: string[]): Promise<string> => kube().kubectl(args);

  it('accepts kubectl apply -k deploy/: CRDs become Established', async () => {
    const out = await kubectl('apply', '-k', join(ROOT, 'deploy'));
    for (const crd of ['trafficsplits.split.smi-spec.io', 'trafficpolicies.policy.weft.io'])
      expect(out).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd} created`);
    expect(out).toContain('mutatingwebhookconfiguration.admissionregistration.k8s.io/weft-injector created');
    await kubectl('wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all');
    const names = await kubectl('get', 'crd', '-o', 'jsonpath={.items[*].metadata.name}');
    expect(names.split(' ').sort()).toEqual([
      'canaries.policy.weft.io',
      'faultinjections.policy.weft.io',
      'httproutegroups.specs.smi-spec.io',
      'trafficpolicies.policy.weft.io',
      'trafficsplits.split.smi-spec.io',
      'traffictargets.access.smi-spec.io',
    ]);
  });

  it('accepts weft install | kubectl apply -f - over it, with the webhook certificate filled in', async () => {
    const out = await applyWeftInstall(kube());
    expect(out).toContain('secret/weft-webhook-tls created');
    const caBundle = await kubectl(
      'get',
      'mutatingwebhookconfiguration',
      'weft-injector',
      '-o',
      'jsonpath={.webhooks[0].clientConfig.caBundle}',
    );
    expect(Buffer.from(caBundle, 'base64').toString()).toContain('BEGIN CERTIFICATE');
    const conversion = await kubectl(
      'get',
      'crd',
      'trafficsplits.split.smi-spec.io',
      '-o',
      'jsonpath={.spec.conversion.webhook.clientConfig.caBundle}',
    );
    expect(conversion).toBe(caBundle);
  });

  it('validates every custom resource shown in docs/crds server-side', async () => {
    await kubectl('create', 'namespace', 'shop');
    const docs = documentedResources();
    expect(docs.length).toBeGreaterThanOrEqual(5);
    for (const { file, yaml } of docs) {
      const out = await kube()
        .kubectl(['apply', '--dry-run=server', '-f', '-'], { stdin: yaml })
        .catch((e: Error) => `${file}: ${e.message}`);
      expect(out, file).toMatch(/(created|configured) \(server dry run\)/);
    }
  });

  it.each([
    [
      'a negative weight',
      'apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: { name: neg, namespace: shop }\nspec: { service: web, backends: [{ service: a, weight: -1 }] }\n',
      /spec\.backends\[0\]\.weight: Invalid value: -1: spec\.backends\[0\]\.weight in body should be greater than or equal to 0/,
    ],
    [
      'an unknown field',
      'apiVersion: split.smi-spec.io/v1alpha4\nkind: TrafficSplit\nmetadata: { name: extra, namespace: shop }\nspec: { service: web, backends: [{ service: a, weight: 1 }], extra: 1 }\n',
      /unknown field "spec\.extra"/,
    ],
    [
      'matches in v1alpha2',
      'apiVersion: split.smi-spec.io/v1alpha2\nkind: TrafficSplit\nmetadata: { name: old, namespace: shop }\nspec: { service: web, backends: [{ service: a, weight: 1 }], matches: [{ kind: HTTPRouteGroup, name: r }] }\n',
      /unknown field "spec\.matches"/,
    ],
    [
      'a TrafficPolicy with 11 attempts',
      'apiVersion: policy.weft.io/v1alpha1\nkind: TrafficPolicy\nmetadata: { name: p, namespace: shop }\nspec: { targetRef: { kind: Service, name: web }, retries: { attempts: 11 } }\n',
      /spec\.retries\.attempts: Invalid value: 11: spec\.retries\.attempts in body should be less than or equal to 10/,
    ],
  ])('refuses %s, naming the field', async (_what, yaml, why) => {
    await expect(kube().kubectl(['apply', '--dry-run=server', '-f', '-'], { stdin: yaml })).rejects.toThrow(
      why,
    );
  });

  it.each([
    ['list', 'pods'],
    ['watch', 'endpointslices.discovery.k8s.io'],
    ['watch', 'trafficsplits.split.smi-spec.io'],
    ['list', 'faultinjections.policy.weft.io'],
    ['patch', 'trafficpolicies.policy.weft.io', '--subresource=status'],
    ['patch', 'faultinjections.policy.weft.io', '--subresource=status'],
    ['create', 'tokenreviews.authentication.k8s.io'],
    ['create', 'events'],
    ['get', 'configmaps/weft-root-ca', '-n', 'shop'],
    ['update', 'leases.coordination.k8s.io/weft-control-plane', '-n', 'weft-system'],
    ['get', 'secrets/weft-ca', '-n', 'weft-system'],
  ])('grants the control plane %s %s', async (...args) => {
    expect((await kubectl('auth', 'can-i', '--as', CONTROL_PLANE_SA, ...args)).trim()).toBe('yes');
  });

  it.each([
    ['list', 'secrets', '-n', 'weft-system'],
    ['get', 'secrets/weft-webhook-tls', '-n', 'weft-system'],
    ['get', 'configmaps/other', '-n', 'shop'],
    ['update', 'trafficpolicies.policy.weft.io'],
    ['patch', 'trafficpolicies.policy.weft.io'],
    ['delete', 'pods'],
    ['update', 'mutatingwebhookconfigurations.admissionregistration.k8s.io'],
  ])('refuses the control plane %s %s', async (...args) => {
    // kubectl auth can-i says "no" and exits 1.
    await expect(kubectl('auth', 'can-i', '--as', CONTROL_PLANE_SA, ...args)).rejects.toThrow(/: no$/m);
  });
});
